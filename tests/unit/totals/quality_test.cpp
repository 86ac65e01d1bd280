#include "salesproc/totals/quality.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(Quality, RatiosAreExactDecimalsWithinZeroAndOne) {
    for (const char* ok : {"0", "1", "0.05", "1.000", "0.000000001"})
        EXPECT_TRUE(parse_ratio(ok)) << ok;
    for (const char* bad : {"-0.1", "1.01", "2", "abc", "", "5%", "1e-3", "0.5x"})
        EXPECT_FALSE(parse_ratio(bad)) << bad;
}

TEST(Quality, CountGateAtUnderAndOver) {
    quality_gates g;
    g.max_invalid = 10;
    for (auto [invalid, passed] : {std::pair{9ULL, true}, {10ULL, true}, {11ULL, false}}) {
        const auto out = check_quality(g, invalid, 1000);
        ASSERT_EQ(out.size(), 1U);
        EXPECT_EQ(out[0].name, "max_invalid");
        EXPECT_EQ(out[0].flag, "--max-invalid");
        EXPECT_EQ(out[0].limit, "10");
        EXPECT_EQ(out[0].actual, std::to_string(invalid));
        EXPECT_EQ(out[0].passed, passed) << invalid;
    }
}

TEST(Quality, RatioGateIsDecidedExactly) {
    quality_gates g;
    g.max_invalid_ratio = parse_ratio("0.25");
    // 1/4 is exactly at the limit; one more invalid row in 4 billion is over it.
    const auto at = check_quality(g, 1'000'000'000, 4'000'000'000);
    ASSERT_EQ(at.size(), 1U);
    EXPECT_TRUE(at[0].passed);
    EXPECT_EQ(at[0].limit, "0.25");
    EXPECT_EQ(at[0].actual, "0.25");
    EXPECT_FALSE(check_quality(g, 1'000'000'001, 4'000'000'000)[0].passed);
    EXPECT_TRUE(check_quality(g, 999'999'999, 4'000'000'000)[0].passed);
    // The printed figure is rounded, the decision is not.
    EXPECT_EQ(check_quality(g, 1'000'000'001, 4'000'000'000)[0].actual, "0.25");
    EXPECT_EQ(check_quality(g, 1, 3)[0].actual, "0.333333333");
    EXPECT_EQ(check_quality(g, 2, 3)[0].actual, "0.666666667");
    // Nothing validated: nothing invalid either.
    const auto empty = check_quality(g, 0, 0);
    EXPECT_TRUE(empty[0].passed);
    EXPECT_EQ(empty[0].actual, "0.0");
}

TEST(Quality, NoGatesNoOutcomes) {
    EXPECT_FALSE(quality_gates{}.any());
    EXPECT_TRUE(check_quality({}, 5, 10).empty());
    quality_gates both;
    both.max_invalid = 0;
    both.max_invalid_ratio = parse_ratio("0");
    const auto out = check_quality(both, 0, 10);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_TRUE(out[0].passed && out[1].passed);
    EXPECT_FALSE(check_quality(both, 1, 10)[1].passed);
}

}  // namespace
}  // namespace salesproc
