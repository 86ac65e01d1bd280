#include "salesproc/rules/money.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(DecimalText, AcceptsPlainNotationOnly) {
    for (const char* ok : {"0", "10", "10.5", "-999.99", "+1.25", "007.10"})
        EXPECT_TRUE(parse_decimal_text(ok)) << ok;
    for (const char* bad : {"", "+", "-", ".5", "5.", "1e3", "1E3", "$10", "1,000.00", "10.0.0",
                            " 10", "10 ", "0x10", "inf", "nan", "１０"})
        EXPECT_FALSE(parse_decimal_text(bad)) << bad;
}

TEST(DecimalText, SplitsSignAndDigits) {
    const auto d = parse_decimal_text("-0123.450");
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->negative);
    EXPECT_EQ(d->int_digits, "0123");
    EXPECT_EQ(d->frac_digits, "450");
    EXPECT_FALSE(d->is_zero());
    EXPECT_TRUE(parse_decimal_text("-0.000")->is_zero());
}

TEST(ToUnits, ScalesExactlyAndTruncatesExtraDigits) {
    EXPECT_EQ(to_units(*parse_decimal_text("999.99"), 2), 99999);
    EXPECT_EQ(to_units(*parse_decimal_text("10"), 2), 1000);
    EXPECT_EQ(to_units(*parse_decimal_text("10.5"), 2), 1050);
    EXPECT_EQ(to_units(*parse_decimal_text("10.059"), 2), 1005);
    EXPECT_EQ(to_units(*parse_decimal_text("-1.5"), 1), -15);
    EXPECT_EQ(to_units(*parse_decimal_text("0000000000000000000000000001.25"), 2), 125);
}

TEST(ToUnits, UsesAll128BitsAndDetectsOverflow) {
    // 10^36 fits in 128 bits at scale 2 (10^38 < 1.7e38); one more digit does not.
    const auto big = to_units(*parse_decimal_text("1000000000000000000000000000000000000"), 1);
    ASSERT_TRUE(big);
    EXPECT_EQ(to_string(*big), "10000000000000000000000000000000000000");
    EXPECT_TRUE(
        to_units(*parse_decimal_text("1000000000000000000000000000000000000"), 2));  // 10^38
    EXPECT_FALSE(to_units(*parse_decimal_text("10000000000000000000000000000000000000"), 2));
    EXPECT_FALSE(to_units(*parse_decimal_text(std::string(60, '9')), 0));
}

TEST(FormatUnits, KeepsOneFractionDigitAndTrimsZeros) {
    EXPECT_EQ(format_units(249983, 2), "2499.83");
    EXPECT_EQ(format_units(24990, 2), "249.9");
    EXPECT_EQ(format_units(0, 2), "0.0");
    EXPECT_EQ(format_units(100000, 2), "1000.0");
    EXPECT_EQ(format_units(5, 2), "0.05");
    EXPECT_EQ(format_units(-5, 2), "-0.05");
    EXPECT_EQ(format_units(42, 0), "42.0");
}

TEST(FormatUnits, IsExactBeyondDoublePrecision) {
    // 2^53 + 1 cents: a double would print ...992.
    const int128 v = (int128{1} << 53) + 1;
    EXPECT_EQ(format_units(v, 2), "90071992547409.93");
    const int128 max = static_cast<int128>(~uint128{0} >> 1);
    EXPECT_EQ(format_units(max, 2), "1701411834604692317316873037158841057.27");
    EXPECT_EQ(to_string(-max - 1), "-170141183460469231731687303715884105728");
}

TEST(ParseFixed, KeepsItsOwnScale) {
    const auto v = parse_fixed("10.0");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->units, 100);
    EXPECT_EQ(v->scale, 1U);
    EXPECT_FALSE(parse_fixed("1.0000000000000000001"));  // 19 fraction digits
    EXPECT_FALSE(parse_fixed("ten"));
}

TEST(Compare, IsExactAcrossScales) {
    EXPECT_EQ(compare({1000, 2}, {100, 1}), 0);
    EXPECT_LT(compare({999, 2}, {100, 1}), 0);
    EXPECT_GT(compare({1001, 2}, {10, 0}), 0);
    const int128 huge = static_cast<int128>(~uint128{0} >> 2);
    EXPECT_GT(compare({huge, 0}, {1, 18}), 0);  // rescaling overflows: magnitude decides
    EXPECT_LT(compare({-huge, 0}, {1, 18}), 0);
}

TEST(IntegerText, SaturatesInsteadOfWrapping) {
    EXPECT_EQ(parse_integer_text("42")->magnitude, 42U);
    EXPECT_TRUE(parse_integer_text("-3")->negative);
    EXPECT_EQ(parse_integer_text("99999999999999999999999")->magnitude, UINT64_MAX);
    for (const char* bad : {"", "-", "2.0", "1e2", "x", " 1"})
        EXPECT_FALSE(parse_integer_text(bad)) << bad;
}

}  // namespace
}  // namespace salesproc
