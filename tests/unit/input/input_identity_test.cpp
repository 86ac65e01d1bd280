#include "salesproc/input/input_identity.hpp"

#include "support/test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

namespace salesproc {
namespace {

input_identity identify(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    auto id = identify_file(fd, path);
    ::close(fd);
    EXPECT_TRUE(id);
    return id ? *id : input_identity{};
}

// The fingerprint changes with the content at either end and with the size; the identity with
// the mtime too. The middle of a large file is not read (so not fingerprinted): mtime covers it.
TEST(InputIdentity, ChangesWithTheEndsTheSizeAndTheMtime) {
    test::temp_dir dir;
    const auto path = dir.file("in.csv");
    std::string text(300000, 'x');
    test::write_file(path, text);
    const auto a = identify(path);
    EXPECT_EQ(a.size, 300000U);
    EXPECT_EQ(a.fingerprint.rfind("sha256:", 0), 0U);
    EXPECT_EQ(a.fingerprint.size(), 7U + 64U);
    EXPECT_EQ(identify(path), a);
    for (const std::size_t at : {std::size_t{0}, text.size() - 1}) {
        std::string changed = text;
        changed[at] = 'y';
        test::write_file(path, changed);
        EXPECT_NE(identify(path).fingerprint, a.fingerprint) << at;
    }
    test::write_file(path, text + "x");
    EXPECT_NE(identify(path).fingerprint, a.fingerprint);
    test::write_file(path, text);
    std::filesystem::last_write_time(
        path, std::filesystem::file_time_type::clock::now() + std::chrono::hours(1));
    const auto touched = identify(path);
    EXPECT_EQ(touched.fingerprint, a.fingerprint);
    EXPECT_NE(touched.mtime_ns, a.mtime_ns);
    EXPECT_NE(identity_difference(a, touched).find("mtime_ns"), std::string::npos);
}

}  // namespace
}  // namespace salesproc
