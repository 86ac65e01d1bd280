#include "salesproc/rules/config.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

using test::temp_dir;
using test::write_file;

TEST(Config, ShippedConfigEqualsDefaults) {
    const auto r = load_rules(SALESPROC_TEST_DATA_DIR "/config.yaml");
    ASSERT_TRUE(r) << r.error().message();
    const rules d;
    EXPECT_EQ(r->product_prefix, d.product_prefix);
    EXPECT_EQ(compare(r->min_price, d.min_price), 0);
    EXPECT_EQ(r->max_quantity, d.max_quantity);
    EXPECT_EQ(r->max_decimals, d.max_decimals);
    EXPECT_EQ(r->required_fields, d.required_fields);
}

TEST(Config, ReadsNumbersExactlyFromText) {
    temp_dir dir;
    write_file(dir.file("c.yaml"), "min_price: 0.10\nmax_quantity: 5\nmax_decimals: 3\n");
    const auto r = load_rules(dir.file("c.yaml"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->min_price.units, 10);
    EXPECT_EQ(r->min_price.scale, 2U);
    EXPECT_EQ(r->max_quantity, 5U);
    EXPECT_EQ(r->max_decimals, 3U);
}

TEST(Config, ReadsTheInputShape) {
    temp_dir dir;
    const std::pair<const char*, char> delimiters[] = {{"';'", ';'},      {"'|'", '|'},
                                                       {"tab", '\t'},     {"'\\t'", '\t'},
                                                       {"\"\\t\"", '\t'}, {"','", ','}};
    for (const auto& [text, expected] : delimiters) {
        write_file(dir.file("c.yaml"), std::string("delimiter: ") + text + "\n");
        const auto r = load_rules(dir.file("c.yaml"));
        ASSERT_TRUE(r) << text << ": " << r.error().message();
        EXPECT_EQ(r->delimiter, expected) << text;
    }
    write_file(dir.file("c.yaml"), "fields:\n  price: unit_price\n  quantity: qty\n");
    const auto r = load_rules(dir.file("c.yaml"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->columns, (std::array<std::string, 3>{"product", "unit_price", "qty"}));
    // required_fields keeps naming rule fields: "price" stands for the mapped column.
    EXPECT_EQ(r->column_for("price"), "unit_price");
    EXPECT_EQ(r->column_for("date"), "date");
}

TEST(Config, ErrorsNameFileAndKey) {
    temp_dir dir;
    const auto path = dir.file("c.yaml");
    const std::pair<const char*, const char*> cases[] = {
        {"min_prise: 10\n", "min_prise"},
        {"min_price: 1e1\n", "min_price"},
        {"max_quantity: -1\n", "max_quantity"},
        {"max_decimals: 40\n", "max_decimals"},
        {"required_fields: product\n", "required_fields"},
        {"min_price: [\n", "invalid YAML"},
        {"- a\n- b\n", "mapping"},
        {"delimiter: ':'\n", "delimiter"},
        {"fields: price\n", "fields"},
        {"fields:\n  cost: c\n", "fields.cost"},
        {"fields:\n  price: product\n", "product and price are both mapped"},
    };
    for (const auto& [text, needle] : cases) {
        write_file(path, text);
        const auto r = load_rules(path);
        ASSERT_FALSE(r) << text;
        EXPECT_NE(r.error().message().find(path), std::string::npos) << r.error().message();
        EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
    }
    const auto missing = load_rules(dir.file("nope.yaml"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace salesproc
