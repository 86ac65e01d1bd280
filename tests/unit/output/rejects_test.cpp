#include "salesproc/output/rejects.hpp"

#include "salesproc/api/api_records.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace salesproc {
namespace {

rules config_rules() {
    rules r;
    r.min_price = fixed_point{100, 1};  // 10.0, as data/config.yaml writes it
    return r;
}

std::string describe(reject_reason why, std::string_view product, std::string_view price,
                     std::string_view quantity) {
    std::string out;
    describe_reject(why, product, price, quantity, config_rules(), out);
    return out;
}

TEST(Rejects, EachReasonHasItsDetail) {
    EXPECT_EQ(describe(reject_reason::missing_product, "", "10", "1"), "product is empty");
    EXPECT_EQ(describe(reject_reason::bad_prefix, "Monitor", "10", "1"),
              "product 'Monitor' does not start with 'Halal'");
    EXPECT_EQ(describe(reject_reason::bad_price, "Halal X", "abc", "1"),
              "price 'abc' is not a plain decimal number");
    EXPECT_EQ(describe(reject_reason::bad_price, "Halal X", "", "1"), "price is empty");
    EXPECT_EQ(describe(reject_reason::price_below_min, "Halal X", "5.00", "1"),
              "price 5.00 is below min_price 10.0");
    EXPECT_EQ(describe(reject_reason::too_many_decimals, "Halal X", "10.005", "1"),
              "price 10.005 has 3 decimals, more than max_decimals 2");
    EXPECT_EQ(describe(reject_reason::bad_quantity, "Halal X", "10", "x"),
              "quantity 'x' is not an integer");
    EXPECT_EQ(describe(reject_reason::bad_quantity, "Halal X", "10", ""), "quantity is empty");
    EXPECT_EQ(describe(reject_reason::quantity_out_of_range, "Halal X", "10", "150"),
              "quantity 150 is above max_quantity 100");
    EXPECT_EQ(describe(reject_reason::quantity_out_of_range, "Halal X", "10", "0"),
              "quantity 0 is below 1");
    EXPECT_EQ(describe(reject_reason::quantity_out_of_range, "Halal X", "10", "-3"),
              "quantity -3 is below 1");
    EXPECT_EQ(oversized_detail(70000, 65536),
              "row of 70000 bytes is over --max-row-size (65536 bytes); the row shown is cut to "
              "its first 1024 bytes");
}

TEST(Rejects, LongValuesAreShortenedOnAUtf8Boundary) {
    std::string product = std::string(39, 'M') + "\xC3\xA9" + std::string(100, 'x');
    const auto d = describe(reject_reason::bad_prefix, product, "10", "1");
    EXPECT_EQ(d, "product '" + std::string(39, 'M') + "...' does not start with 'Halal'");
}

TEST(Rejects, FormatIsChosenByExtension) {
    EXPECT_EQ(rejects_format_for("r.jsonl"), rejects_format::jsonl);
    EXPECT_EQ(rejects_format_for("/x/r.ndjson"), rejects_format::jsonl);
    EXPECT_EQ(rejects_format_for("r.csv"), rejects_format::csv);
    EXPECT_EQ(rejects_format_for("r.json"), rejects_format::csv);
    EXPECT_EQ(rejects_format_for("-"), rejects_format::csv);
}

struct collected {
    std::string text;
    reject_log log;
    explicit collected(reject_options o)
        : log(o, [this](std::string_view b) -> result<void> {
              text.append(b);
              return {};
          }) {}
};

TEST(Rejects, BatchesAreNumberedByTheReducerAndQuotedAsCsv) {
    reject_options o;
    o.all = true;
    collected c(o);
    reject_batch b;
    b.reset(o);
    ASSERT_TRUE(b.wants(reject_reason::bad_prefix));
    b.add(reject_reason::bad_prefix, 0, "Monitor,5,1",
          "product 'Monitor' does not start with 'Halal'");
    b.add(reject_reason::malformed_row, 3, "\"a \"\"b\"\"\nc\",1", "expected 3 fields, found 2");
    b.set_lines(5);
    ASSERT_TRUE(c.log.take(b, "in,put.csv", 2));
    ASSERT_TRUE(c.log.take(b, "in,put.csv", 2 + b.lines()));
    ASSERT_TRUE(c.log.flush());
    EXPECT_EQ(c.text,
              "source,line,reason,detail,row\n"
              "\"in,put.csv\",2,bad_prefix,product 'Monitor' does not start with 'Halal',"
              "\"Monitor,5,1\"\n"
              "\"in,put.csv\",5,malformed_row,\"expected 3 fields, found 2\","
              "\"\"\"a \"\"\"\"b\"\"\"\"\nc\"\",1\"\n"
              "\"in,put.csv\",7,bad_prefix,product 'Monitor' does not start with 'Halal',"
              "\"Monitor,5,1\"\n"
              "\"in,put.csv\",10,malformed_row,\"expected 3 fields, found 2\","
              "\"\"\"a \"\"\"\"b\"\"\"\"\nc\"\",1\"\n");
}

TEST(Rejects, ABatchSpilledToDiskListsTheSameLinesInOrder) {
    for (const auto format : {rejects_format::csv, rejects_format::jsonl}) {
        reject_options o;
        o.all = true;
        o.format = format;
        collected held(o);
        collected spilled(o);
        reject_batch a;
        reject_batch b;
        a.reset(o);
        b.reset(o);
        for (std::uint64_t i = 0; i < 1000; ++i) {
            for (auto* x : {&a, &b})
                x->add(reject_reason::bad_price, i, "row " + std::to_string(i), "price 'x' is bad");
            if (i % 7 == 0) {
                ASSERT_TRUE(b.spill_over(100));
            }
        }
        ASSERT_TRUE(b.spill_over(0));  // all of it on disk
        b.add(reject_reason::bad_prefix, 1000, "last", "held");
        a.add(reject_reason::bad_prefix, 1000, "last", "held");
        EXPECT_EQ(b.listed(), 1001U);
        for (int twice = 0; twice < 2; ++twice) {
            ASSERT_TRUE(held.log.take(a, "https://h/x", 1));
            ASSERT_TRUE(spilled.log.take(b, "https://h/x", 1));
        }
        ASSERT_TRUE(held.log.flush());
        ASSERT_TRUE(spilled.log.flush());
        EXPECT_EQ(spilled.text, held.text);
        EXPECT_EQ(std::count(held.text.begin(), held.text.end(), '\n'),
                  2002 + (format == rejects_format::csv ? 1 : 0));
    }
}

TEST(Rejects, JsonLinesParseLineByLineWithTheFiveKeys) {
    reject_options o;
    o.all = true;
    o.format = rejects_format::jsonl;
    collected c(o);
    reject_batch b;
    b.reset(o);
    b.add(reject_reason::bad_price, 0, "Halal \"X\",\xFF\xFE,1\t", "price '\xFF' is not ...");
    b.set_lines(1);
    ASSERT_TRUE(c.log.take(b, "https://api.example/sales", 4));
    ASSERT_TRUE(c.log.flush());
    std::istringstream lines(c.text);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        ++n;
        const auto j = nlohmann::json::parse(line);  // invalid UTF-8 became U+FFFD
        EXPECT_EQ(j.size(), 5U);
        EXPECT_EQ(j["source"], "https://api.example/sales");
        EXPECT_EQ(j["line"], 4);
        EXPECT_EQ(j["reason"], "bad_price");
        EXPECT_EQ(j["row"], "Halal \"X\",\xEF\xBF\xBD\xEF\xBF\xBD,1\t");
    }
    EXPECT_EQ(n, 1);
}

TEST(Rejects, SamplesAreTheFirstNPerReasonInInputOrder) {
    reject_options o;
    o.samples = 2;
    collected c(o);
    reject_batch first, second;
    first.reset(o);
    second.reset(o);
    for (std::uint64_t line = 0; line < 5; ++line)
        if (first.wants(reject_reason::bad_price))
            first.add(reject_reason::bad_price, line, "r" + std::to_string(line), "d");
    EXPECT_FALSE(first.wants(reject_reason::bad_price));  // two kept, no more asked for
    EXPECT_TRUE(first.wants(reject_reason::bad_prefix));
    second.add(reject_reason::bad_price, 0, "later", "d");
    second.add(reject_reason::bad_prefix, 1, std::string(300, 'p'), "d");
    ASSERT_TRUE(c.log.take(first, "f.csv", 2));
    ASSERT_TRUE(c.log.take(second, "f.csv", 100));
    const auto& price = c.log.samples()[static_cast<std::size_t>(reject_reason::bad_price)];
    ASSERT_EQ(price.size(), 2U);
    EXPECT_EQ(price[0].line, 2U);
    EXPECT_EQ(price[0].row, "r0");
    EXPECT_EQ(price[1].line, 3U);
    const auto& prefix = c.log.samples()[static_cast<std::size_t>(reject_reason::bad_prefix)];
    ASSERT_EQ(prefix.size(), 1U);
    EXPECT_EQ(prefix[0].line, 101U);
    EXPECT_EQ(prefix[0].row.size(), sample_row_bytes);
    EXPECT_EQ(c.text, "");  // no --rejects: nothing written
}

TEST(Rejects, WriterErrorsStopTheLog) {
    reject_options o;
    o.all = true;
    reject_log log(o, [](std::string_view) -> result<void> {
        return make_error(errc::io_error, "r.csv", "No space left on device");
    });
    const auto r = log.flush();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "r.csv: No space left on device");
}

// An API source's rejects through the reject log (the API half's records, parsed in
// api/api_records): a record's line is its 1-based index, its row compact JSON.
TEST(ApiRecords, RejectedSalesKeepTheirIndexDetailAndCompactJson) {
    reject_options o;
    o.all = true;
    o.format = rejects_format::jsonl;
    const auto r = parse_api_records(
        R"([{"note": "not a sale"},
            {"product": "Pork", "price": 20.00, "quantity": 1, "tags": ["a", "b"]},
            {"product": "Halal Tea", "price": "15.10", "quantity": 3},
            {"quantity": 1, "price": 1e3, "product": "Halal Honey"},
            {"product": "Halal Arr", "price": null, "quantity": 1}])",
        rules{}, "u", o);
    ASSERT_TRUE(r) << r.error().message();
    std::string text;
    reject_log log(o, [&](std::string_view b) -> result<void> {
        text.append(b);
        return {};
    });
    ASSERT_TRUE(log.take(r->rejects, "https://api/sales", 1));
    ASSERT_TRUE(log.flush());
    // Line = the record's 1-based index; keys in the API's order; numbers in their own text.
    EXPECT_EQ(
        text,
        R"({"source":"https://api/sales","line":2,"reason":"bad_prefix",)"
        R"("detail":"product 'Pork' does not start with 'Halal'",)"
        R"("row":"{\"product\":\"Pork\",\"price\":20.00,\"quantity\":1,\"tags\":[\"a\",\"b\"]}"})"
        "\n"
        R"({"source":"https://api/sales","line":4,"reason":"bad_price",)"
        R"("detail":"price '1e3' is not a plain decimal number: an exponent: write the number in plain notation",)"
        R"("row":"{\"quantity\":1,\"price\":1e3,\"product\":\"Halal Honey\"}"})"
        "\n"
        R"({"source":"https://api/sales","line":5,"reason":"malformed_row",)"
        R"("detail":"price is null, expected a string or a number",)"
        R"("row":"{\"product\":\"Halal Arr\",\"price\":null,\"quantity\":1}"})"
        "\n");
    EXPECT_EQ(r->rejects.lines(), 5U);
}

}  // namespace
}  // namespace salesproc
