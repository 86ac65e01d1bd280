#include "salesproc/api/api_records.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(ApiRecords, ArrayCountsElementsOtherValuesCountOnce) {
    EXPECT_EQ(parse_api_records("[1, {}, \"x\"]", rules{}, "u")->records, 3U);
    EXPECT_EQ(parse_api_records("{\"id\": 1}", rules{}, "u")->records, 1U);
    EXPECT_EQ(parse_api_records("42", rules{}, "u")->records, 1U);
    EXPECT_EQ(parse_api_records("[]", rules{}, "u")->records, 0U);
}

TEST(ApiRecords, SalesUseTheCsvRulesAndExactPrices) {
    const auto r = parse_api_records(
        R"([{"product": "Halal Dates", "price": 12.50, "quantity": 2},
            {"product": " Halal Tea ", "price": "15.10", "quantity": "3"},
            {"product": "Halal Gold", "price": 0.1, "quantity": 1},
            {"product": "Pork", "price": 20, "quantity": 1},
            {"product": "Halal Honey", "price": 1e3, "quantity": 1},
            {"product": "Halal Odd", "price": 10.005, "quantity": 1},
            {"product": "Halal Bulk", "price": 10, "quantity": 2.0},
            {"product": "Halal Arr", "price": [1], "quantity": 1},
            {"title": "not a sale"}])",
        rules{}, "u");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->records, 9U);
    EXPECT_EQ(r->sales.valid(), 2U);
    EXPECT_EQ(r->sales.total(), 2500 + 4530);  // cents, exact
    EXPECT_EQ(r->sales.products()[1].product, "Halal Tea");
    EXPECT_EQ(r->sales.rejected(reject_reason::price_below_min), 1U);
    EXPECT_EQ(r->sales.rejected(reject_reason::bad_prefix), 1U);
    EXPECT_EQ(r->sales.rejected(reject_reason::bad_price), 1U);  // 1e3: not plain notation
    EXPECT_EQ(r->sales.rejected(reject_reason::too_many_decimals), 1U);
    EXPECT_EQ(r->sales.rejected(reject_reason::bad_quantity), 1U);
    EXPECT_EQ(r->sales.rejected(reject_reason::malformed_row), 1U);
}

TEST(ApiRecords, MappedFieldsAreReadFromTheirKeys) {
    rules r;
    r.columns = {"name", "unit_price", "qty"};
    const auto out = parse_api_records(
        R"([{"name": "Halal Dates", "unit_price": "12.50", "qty": 2},
            {"product": "Halal Tea", "price": "15.10", "quantity": 3},
            {"name": "Halal Gold", "unit_price": true, "qty": 1}])",
        r, "u", reject_options{3, true, rejects_format::csv});
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->sales.valid(), 1U);
    EXPECT_EQ(out->sales.total(), 2500);
    EXPECT_EQ(out->sales.rejected(reject_reason::malformed_row), 1U);  // the boolean price
}

TEST(ApiRecords, PointersFindTheRecordsAndTheNextPage) {
    const std::string body =
        R"({"meta": {"next": "/p2"}, "data": [{"product": "Halal A", "price": "10", "quantity": 1},
            {"product": "Pork", "price": "10", "quantity": 1}], "one": {"x": 1}, "n": 5})";
    auto r = parse_api_records(body, rules{}, "u", {}, body_layout{"/data", "/meta/next"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->records, 2U);
    EXPECT_EQ(r->sales.valid(), 1U);
    EXPECT_EQ(r->next, "/p2");
    // An object counts once, as a body does without a pointer.
    r = parse_api_records(body, rules{}, "u", {}, body_layout{"/one", ""});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->records, 1U);
    EXPECT_EQ(r->next, std::nullopt);
    // A null or absent next is the last page; a number is an error.
    r = parse_api_records(R"({"next": null, "data": []})", rules{}, "u", {},
                          body_layout{"/data", "/next"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->next, std::nullopt);
    r = parse_api_records(body, rules{}, "u", {}, body_layout{"/data", "/n"});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("--next-pointer /n names a number"), std::string::npos);
    r = parse_api_records(body, rules{}, "u", {}, body_layout{"/items", ""});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "u: the body has nothing at --records-pointer /items");
    EXPECT_TRUE(detail::is_json_pointer("/a~0b/c~1d/0"));
    EXPECT_FALSE(detail::is_json_pointer("data"));
    EXPECT_FALSE(detail::is_json_pointer("/a~2"));
}

TEST(ApiRecords, PriceBeyondDoublePrecisionStaysExact) {
    rules r;
    r.max_decimals = 4;
    const auto out = parse_api_records(
        R"({"product": "Halal X", "price": 12345678901234.5678, "quantity": 1})", r, "u");
    ASSERT_TRUE(out);
    EXPECT_EQ(out->sales.total(), static_cast<int128>(123456789012345678LL));
}

TEST(ApiRecords, InvalidJsonAndDeepNestingAreErrors) {
    const auto bad = parse_api_records("{\"id\": 1,", rules{}, "https://x/y");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, make_error_code(errc::bad_json));
    EXPECT_NE(bad.error().message().find("https://x/y: invalid JSON"), std::string::npos);
    const auto deep = parse_api_records(std::string(100000, '['), rules{}, "u");
    ASSERT_FALSE(deep);
    EXPECT_NE(deep.error().message().find("nesting deeper than 64"), std::string::npos);
    EXPECT_TRUE(parse_api_records(std::string(64, '[') + std::string(64, ']'), rules{}, "u"));
}

}  // namespace
}  // namespace salesproc
