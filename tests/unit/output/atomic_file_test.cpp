#include "salesproc/output/atomic_file.hpp"

#include "support/test_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
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

const atomic_output::temp_kind both_kinds[] = {atomic_output::temp_kind::automatic,
                                               atomic_output::temp_kind::named};

TEST(AtomicOutput, DiscardLeavesPreviousFileByteForByte) {
    for (const auto kind : both_kinds) {
        temp_dir dir;
        const auto path = dir.file("r.json");
        write_file(path, "previous");
        {
            auto out = atomic_output::prepare(path, kind);
            ASSERT_TRUE(out);
            ASSERT_TRUE(out->write("half a report"));
            // The unnamed file has no name at all; the named one has its own.
            EXPECT_EQ(dir.entries(), kind == atomic_output::temp_kind::named ? 2U : 1U);
        }  // destroyed without commit, as on any failure
        EXPECT_EQ(read_file(path), "previous");
        EXPECT_EQ(dir.entries(), 1U);
    }
}

TEST(AtomicOutput, TempFileIsPrivateAndReportHonoursUmask) {
    for (const auto kind : both_kinds) {
        temp_dir dir;
        const auto path = dir.file("r.json");
        const mode_t old = ::umask(027);
        auto out = atomic_output::prepare(path, kind);
        ::umask(old);
        ASSERT_TRUE(out);
        struct stat st {};
        ASSERT_EQ(::fstat(out->temp_descriptor(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600U);
        ASSERT_TRUE(out->commit("x"));
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0640U);
        EXPECT_EQ(dir.entries(), 1U);
    }
}

// The unnamed temp file gets a name only when it is complete, just before the rename: a writer
// killed before that leaves nothing in the directory.
TEST(AtomicOutput, UnnamedTempFileHasNoNameUntilPublished) {
    temp_dir dir;
    const auto path = dir.file("r.json");
    auto out = atomic_output::prepare(path);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_TRUE(out->temp_path().empty());
    ASSERT_TRUE(out->write("{}"));
    ASSERT_TRUE(out->finish());
    EXPECT_EQ(dir.entries(), 0U);
    ASSERT_TRUE(out->publish());
    EXPECT_EQ(read_file(path), "{}");
    EXPECT_EQ(dir.entries(), 1U);
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
    auto out = atomic_output::prepare(path, atomic_output::temp_kind::named);
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

namespace salesproc {
namespace {

// A temp file is stale exactly when its lock can be taken: its writer is gone. The next prepare
// of the same target removes those, never one a live writer holds, nor anything else.
TEST(AtomicOutput, StaleTempFilesOfTheTargetAreSweptLockedOnesKept) {
    test::temp_dir dir;
    const auto path = dir.file("r.json");
    const auto stale = dir.file(".r.json.tmp-AbC123");
    const auto live = dir.file(".r.json.tmp-xYz789");
    const auto other = dir.file(".other.json.tmp-AbC123");
    const auto shorter = dir.file(".r.json.tmp-AbC");
    for (const auto& f : {stale, live, other, shorter})
        test::write_file(f, "leftover");
    // A live writer elsewhere: flock locks conflict between open file descriptions, in this
    // process as across processes and containers on one kernel.
    const int held = ::open(live.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    for (const auto kind : both_kinds) {
        auto out = atomic_output::prepare(path, kind);
        ASSERT_TRUE(out) << out.error().message();
        EXPECT_FALSE(std::filesystem::exists(stale));
        EXPECT_TRUE(std::filesystem::exists(live));
        EXPECT_TRUE(std::filesystem::exists(other));
        EXPECT_TRUE(std::filesystem::exists(shorter));
        ASSERT_TRUE(out->commit("new"));
        test::write_file(stale, "leftover");
    }
    ::close(held);  // the writer dies: its file is stale now
    auto out = atomic_output::prepare(path);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->swept(), 2U);
    EXPECT_FALSE(std::filesystem::exists(live));
    EXPECT_TRUE(std::filesystem::exists(other));
}

// A named temp file is locked by its writer for as long as it exists: another run's sweep
// leaves it alone.
TEST(AtomicOutput, ANamedTempFileIsLockedWhileWritten) {
    test::temp_dir dir;
    const auto path = dir.file("r.json");
    auto out = atomic_output::prepare(path, atomic_output::temp_kind::named);
    ASSERT_TRUE(out);
    const int probe = ::open(out->temp_path().c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(probe, 0);
    EXPECT_NE(::flock(probe, LOCK_EX | LOCK_NB), 0);
    auto second = atomic_output::prepare(path, atomic_output::temp_kind::named);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->swept(), 0U);
    EXPECT_TRUE(std::filesystem::exists(out->temp_path()));
    ASSERT_TRUE(out->commit("first"));
    ::close(probe);
}

// /dev/stdout, /dev/fd/N and /proc/self/fd/N are written in place to the descriptor, whatever
// it points at: a redirected stdout's file is written, and the name itself is never replaced.
// A symlink to such a name (the stand-in for /dev/stdout) stands for it too.
TEST(AtomicOutput, DescriptorNamesAreWrittenInPlace) {
    test::temp_dir dir;
    const auto file = dir.file("captured.json");
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    const auto link = dir.file("fakedev-stdout");
    std::filesystem::create_symlink("/proc/self/fd/" + std::to_string(fd), link);
    for (const std::string& name :
         {"/proc/self/fd/" + std::to_string(fd), "/dev/fd/" + std::to_string(fd), link}) {
        auto out = atomic_output::prepare(name);
        ASSERT_TRUE(out) << out.error().message();
        ASSERT_TRUE(out->commit("[" + name + "]"));
    }
    ::close(fd);
    EXPECT_EQ(test::read_file(file), "[/proc/self/fd/" + std::to_string(fd) + "][/dev/fd/" +
                                         std::to_string(fd) + "][" + link + "]");
    EXPECT_TRUE(std::filesystem::is_symlink(link));
    EXPECT_EQ(dir.entries(), 2U);
    // A descriptor that is not open, or only for reading, is an error naming it.
    const auto closed = atomic_output::prepare("/dev/fd/" + std::to_string(fd));
    ASSERT_FALSE(closed);
    EXPECT_NE(closed.error().message().find("/dev/fd/"), std::string::npos);
}

TEST(AtomicOutput, NoFileIsEverCreatedInDevOrProc) {
    for (const char* path : {"/dev/salesproc-report.json", "/proc/salesproc.json"}) {
        const auto out = atomic_output::prepare(path);
        ASSERT_FALSE(out) << path;
        EXPECT_NE(out.error().message().find("system directory"), std::string::npos)
            << out.error().message();
        EXPECT_FALSE(std::filesystem::exists(path));
    }
}

}  // namespace
}  // namespace salesproc
