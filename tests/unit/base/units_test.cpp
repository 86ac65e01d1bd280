#include "salesproc/base/units.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(ParseSize, AcceptsBinaryAndDecimalSuffixes) {
    EXPECT_EQ(parse_size("65536"), 65536U);
    EXPECT_EQ(parse_size("64KiB"), 65536U);
    EXPECT_EQ(parse_size("4MiB"), 4U << 20);
    EXPECT_EQ(parse_size("4M"), 4U << 20);
    EXPECT_EQ(parse_size("1GiB"), 1ULL << 30);
    EXPECT_EQ(parse_size("2MB"), 2000000U);
    for (const char* bad :
         {"", "0", "0KiB", "4XB", "MiB", "-1", "4 MiB", "99999999999999999999GiB"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(ParseDuration, AcceptsMsSecondsMinutes) {
    using namespace std::chrono_literals;
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("10s"), 10s);
    EXPECT_EQ(parse_duration("2m"), 120s);
    EXPECT_EQ(parse_duration("3"), 3s);
    for (const char* bad : {"", "s", "10h", "1.5s", "-1s"})
        EXPECT_FALSE(parse_duration(bad)) << bad;
    EXPECT_EQ(format_duration(10s), "10s");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(120s), "2m");
}

}  // namespace
}  // namespace salesproc
