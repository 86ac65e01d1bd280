#include "salesproc/totals/validator.hpp"

#include "salesproc/output/rejects.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

header_layout layout_of(std::string_view header, const rules& r = {}) {
    auto l = parse_header(header, r, "in.csv");
    EXPECT_TRUE(l) << l.error().message();
    return *l;
}

TEST(Validator, HeaderColumnsByNameInAnyOrder) {
    const auto l = layout_of(" quantity ,\"note\",product,\"price\"");
    EXPECT_EQ(l.columns, 4U);
    EXPECT_EQ(l.product, 2U);
    EXPECT_EQ(l.price, 3U);
    EXPECT_EQ(l.quantity, 0U);
}

TEST(Validator, MissingColumnsAreNamedWithWhatWasFound) {
    rules r;
    r.required_fields = {"product", "price", "quantity", "store"};
    auto l = parse_header("product,price,quantity", r, "in.csv");
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().message(),
              "in.csv: column 'store': required column is missing from the header (found: "
              "product, price, quantity)");
    l = parse_header("product\rprice,quantity", {}, "in.csv");
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().reason.find("CR only"), std::string::npos);
}

TEST(Validator, RecordsAreCountedAndTheirRejectsNumberedByLine) {
    const auto l = layout_of("product,price,quantity");
    // Line 0 here is the first record's line; the quoted newline makes record 3 span two lines.
    const std::string records =
        "Halal A,10.00,2\r\n"
        "\n"
        "\"Monitor\nstand\",10,1\n"
        "Halal B,5,1\n"
        "Halal C,1,2,3\n"
        "Halal D,\"1\"\"0\",1";
    reject_options o;
    o.all = true;
    reject_batch batch;
    batch.reset(o);
    sales_aggregate out;
    ASSERT_TRUE(validate_records(records, l, {}, out, &batch, 10));
    EXPECT_EQ(out.valid(), 1U);
    EXPECT_EQ(out.rows(), 5U);  // the blank line is not a row
    EXPECT_EQ(out.rejected(reject_reason::bad_prefix), 1U);
    EXPECT_EQ(out.rejected(reject_reason::price_below_min), 1U);
    EXPECT_EQ(out.rejected(reject_reason::malformed_row), 1U);
    EXPECT_EQ(out.rejected(reject_reason::bad_price), 1U);
    EXPECT_EQ(batch.lines(), 17U);  // 10 + 7 lines: the next slice would start there

    std::string text;
    reject_log log(o, [&](std::string_view b) -> result<void> {
        text.append(b);
        return {};
    });
    ASSERT_TRUE(log.take(batch, "in.csv", 1));
    ASSERT_TRUE(log.flush());
    EXPECT_EQ(text,
              "source,line,reason,detail,row\n"
              "in.csv,13,bad_prefix,\"product 'Monitor\nstand' does not start with 'Halal'\","
              "\"\"\"Monitor\nstand\"\",10,1\"\n"
              "in.csv,15,price_below_min,price 5 is below min_price 10.0,\"Halal B,5,1\"\n"
              "in.csv,16,malformed_row,\"expected 3 fields, found 4\",\"Halal C,1,2,3\"\n"
              "in.csv,17,bad_price,\"price '1\"\"0' is not a plain decimal number\","
              "\"Halal D,\"\"1\"\"\"\"0\"\",1\"\n");
}

TEST(Validator, ApiFieldsUseTheSameRules) {
    sales_aggregate out;
    std::optional<reject_reason> why;
    ASSERT_TRUE(validate_fields("Halal Tea", "15.10", "3", {}, out, &why));
    EXPECT_EQ(out.valid(), 1U);
    ASSERT_TRUE(validate_fields("Tea", "15.10", "3", {}, out, &why));
    EXPECT_EQ(why, reject_reason::bad_prefix);
    EXPECT_EQ(out.invalid(), 1U);
}

}  // namespace
}  // namespace salesproc
