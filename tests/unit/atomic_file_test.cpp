#include "salesproc/atomic_file.hpp"

#include "support/test_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

namespace salesproc {
namespace {

using test::read_file;
using test::temp_dir;
using test::write_file;

TEST(AtomicOutput, ReplacesWholeFileAndLeavesNoTemp) {
    temp_dir dir;
    const auto path = dir.file("r.json");
    write_file(path, "old");
    auto out = atomic_output::prepare(path);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(read_file(path), "old");  // untouched until commit
    ASSERT_TRUE(out->commit("new report"));
    EXPECT_EQ(read_file(path), "new report");
    EXPECT_EQ(dir.entries(), 1U);
}

// A streamed output written around the page cache: whole aligned blocks go O_DIRECT, the tail
// buffered; the file must hold exactly the bytes written, in order, wherever the block edges
// fell. /dev/shm (tmpfs) refuses O_DIRECT, which must silently fall back.
TEST(AtomicOutput, StreamedAroundThePageCacheHoldsExactlyTheBytes) {
    std::string expected;
    for (std::size_t i = 0; expected.size() < (std::size_t{5} << 19) + 123; ++i)
        expected += std::to_string(i) + (i % 7 == 0 ? ",\n" : ",");
    std::vector<std::string> dirs{temp_dir().path().parent_path().string()};
    if (::access("/dev/shm", W_OK) == 0) dirs.push_back("/dev/shm");
    for (const auto& base : dirs) {
        const auto path = base + "/salesproc-direct-" + std::to_string(::getpid()) + ".csv";
        write_file(path, "old");
        auto out = atomic_output::prepare(path);
        ASSERT_TRUE(out) << out.error().message();
        out->bypass_page_cache();
        // Odd pieces, so the 1 MiB block edges fall inside them.
        for (std::size_t at = 0, step = 1; at < expected.size(); at += step, step = step * 3 + 7)
            ASSERT_TRUE(out->write(std::string_view(expected).substr(at, step)));
        EXPECT_EQ(read_file(path), "old");  // nothing visible before publish
        ASSERT_TRUE(out->finish());
        ASSERT_TRUE(out->publish());
        EXPECT_EQ(read_file(path), expected) << base;
        std::filesystem::remove(path);
    }
}

TEST(AtomicOutput, DiscardLeavesPreviousFileByteForByte) {
    temp_dir dir;
    const auto path = dir.file("r.json");
    write_file(path, "previous");
    {
        auto out = atomic_output::prepare(path);
        ASSERT_TRUE(out);
        EXPECT_TRUE(std::filesystem::exists(out->temp_path()));
    }  // destroyed without commit, as on any failure
    EXPECT_EQ(read_file(path), "previous");
    EXPECT_EQ(dir.entries(), 1U);
}

TEST(AtomicOutput, TempFileIsPrivateAndReportHonoursUmask) {
    temp_dir dir;
    const auto path = dir.file("r.json");
    const mode_t old = ::umask(027);
    auto out = atomic_output::prepare(path);
    ::umask(old);
    ASSERT_TRUE(out);
    struct stat st {};
    ASSERT_EQ(::stat(out->temp_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    ASSERT_TRUE(out->commit("x"));
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640U);
}

TEST(AtomicOutput, ErrorsNameThePath) {
    temp_dir dir;
    const auto in_dir = atomic_output::prepare(dir.path().string());
    ASSERT_FALSE(in_dir);
    EXPECT_EQ(in_dir.error().code, make_error_code(errc::is_directory));
    const auto missing = atomic_output::prepare(dir.file("no/such/dir/r.json"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("r.json"), std::string::npos);
    EXPECT_NE(missing.error().message().find("No such file"), std::string::npos);
}

TEST(AtomicOutput, DeviceTargetIsWrittenInPlaceAndFullDiskIsAnError) {
    auto out = atomic_output::prepare("/dev/full");
    ASSERT_TRUE(out) << out.error().message();
    const auto r = out->commit("report");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("/dev/full: No space left on device"), std::string::npos);
}

}  // namespace
}  // namespace salesproc

namespace salesproc {
namespace {

// The report never goes through a symlink: one planted at --out is replaced by the new regular
// file and its target keeps its content. (The temp file itself is made by mkostemp with O_EXCL
// under a random name, which fails rather than follows a symlink that is already there.)
TEST(AtomicOutput, NeverWritesThroughASymlink) {
    test::temp_dir dir;
    const auto victim = dir.file("victim");
    test::write_file(victim, "not yours");
    const auto path = dir.file("r.json");
    std::filesystem::create_symlink(victim, path);
    auto out = atomic_output::prepare(path);
    ASSERT_TRUE(out) << out.error().message();
    struct stat st {};
    ASSERT_EQ(::lstat(out->temp_path().c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    ASSERT_TRUE(out->commit("new report"));
    EXPECT_EQ(test::read_file(victim), "not yours");
    EXPECT_FALSE(std::filesystem::is_symlink(path));
    EXPECT_EQ(test::read_file(path), "new report");
}

}  // namespace
}  // namespace salesproc
