#include "salesproc/rules/rules.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

sale_check check(std::string_view product, std::string_view price, std::string_view qty,
                 const rules& r = rules{}) {
    return check_sale(product, price, qty, r);
}

void expect_reject(const sale_check& c, reject_reason why) {
    EXPECT_EQ(c.outcome, sale_check::kind::rejected);
    EXPECT_EQ(to_string(c.reason), to_string(why));
}

TEST(Rules, ValidSaleHasExactAmount) {
    const auto c = check("Halal Laptop", "999.99", "2");
    ASSERT_EQ(c.outcome, sale_check::kind::valid);
    EXPECT_EQ(c.amount, 199998);
    EXPECT_EQ(c.quantity, 2U);
    EXPECT_EQ(check("Halal Mouse", "10.5", "3").amount, 3150);
    EXPECT_EQ(check("Halal Mouse", "+10", "1").amount, 1000);
}

TEST(Rules, EachRuleInOrder) {
    expect_reject(check("", "abc", "x"), reject_reason::missing_product);
    expect_reject(check("halal x", "abc", "x"), reject_reason::bad_prefix);
    expect_reject(check("Monitor", "10", "1"), reject_reason::bad_prefix);
    expect_reject(check("Halal X", "1e3", "x"), reject_reason::bad_price);
    expect_reject(check("Halal X", "$10", "1"), reject_reason::bad_price);
    expect_reject(check("Halal X", "1,000.00", "1"), reject_reason::bad_price);
    expect_reject(check("Halal X", "", "1"), reject_reason::bad_price);
    expect_reject(check("Halal X", "-999.99", "x"), reject_reason::price_below_min);
    expect_reject(check("Halal X", "0", "1"), reject_reason::price_below_min);
    expect_reject(check("Halal X", "9.99", "1"), reject_reason::price_below_min);
    expect_reject(check("Halal X", "9.999", "1"),
                  reject_reason::price_below_min);  // before decimals
    expect_reject(check("Halal X", "10.005", "x"), reject_reason::too_many_decimals);
    expect_reject(check("Halal X", "10.50", "2.0"), reject_reason::bad_quantity);
    expect_reject(check("Halal X", "10.50", "invalid"), reject_reason::bad_quantity);
    expect_reject(check("Halal X", "10.50", "0"), reject_reason::quantity_out_of_range);
    expect_reject(check("Halal X", "10.50", "101"), reject_reason::quantity_out_of_range);
    expect_reject(check("Halal X", "10.50", "-1"), reject_reason::quantity_out_of_range);
    expect_reject(check("Halal X", "10.50", "999999999999999999999999"),
                  reject_reason::quantity_out_of_range);
}

TEST(Rules, BoundariesAreInclusive) {
    EXPECT_EQ(check("Halal X", "10.00", "100").outcome, sale_check::kind::valid);
    EXPECT_EQ(check("Halal X", "10", "1").outcome, sale_check::kind::valid);
    EXPECT_EQ(check("Halal", "10", "1").outcome, sale_check::kind::valid);
}

TEST(Rules, MinPriceWithFinerScaleThanMaxDecimals) {
    rules r;
    r.min_price = {10005, 3};  // 10.005 with max_decimals 2
    expect_reject(check("Halal X", "10.00", "1", r), reject_reason::price_below_min);
    expect_reject(check("Halal X", "10.004", "1", r), reject_reason::price_below_min);
    expect_reject(check("Halal X", "10.005", "1", r), reject_reason::too_many_decimals);
    EXPECT_EQ(check("Halal X", "10.01", "1", r).outcome, sale_check::kind::valid);
}

TEST(Rules, ConfigurableScaleAndPrefix) {
    rules r;
    r.max_decimals = 4;
    r.product_prefix = "Zabiha";
    const auto c = check("Zabiha Lamb", "12.3456", "3", r);
    ASSERT_EQ(c.outcome, sale_check::kind::valid);
    EXPECT_EQ(c.amount, 370368);
    expect_reject(check("Halal Lamb", "12.3456", "3", r), reject_reason::bad_prefix);
}

TEST(Rules, HugeAmountIsOverflowNotWrap) {
    rules r;
    r.max_quantity = UINT64_MAX - 1;
    EXPECT_EQ(check("Halal X", "99999999999999999999999999999999999", "100", r).outcome,
              sale_check::kind::overflow);
}

TEST(Rules, ReasonNames) {
    std::string all;
    for (auto r : all_reject_reasons)
        all += std::string(to_string(r)) + " ";
    EXPECT_EQ(all,
              "malformed_row missing_product bad_prefix bad_price price_below_min "
              "too_many_decimals bad_quantity quantity_out_of_range ");
}

}  // namespace
}  // namespace salesproc
