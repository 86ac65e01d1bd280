#include "salesproc/api/body_records.hpp"

#include "support/document_records.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace salesproc {
namespace {

// What a body's reading comes to, to compare readings.
struct summary {
    bool ok = false;
    std::string error;
    std::uint64_t records = 0, valid = 0, invalid = 0;
    int128 total = 0;
    std::optional<std::string> next;
    std::vector<std::string> products;
    bool operator==(const summary&) const = default;
};

summary summarize(const result<void>& status, body_records& reader) {
    summary s;
    if (!status) {
        s.error = status.error().message();
        return s;
    }
    s.ok = true;
    const auto& out = reader.records();
    s.records = out.records;
    s.valid = out.sales.valid();
    s.invalid = out.sales.invalid();
    s.total = out.sales.total();
    s.next = out.next;
    for (const auto& p : out.sales.products())
        s.products.emplace_back(p.product);
    return s;
}

// The body fed in pieces: cut at each of `cuts` (ascending offsets).
summary read_cut(std::string_view body, const std::vector<std::size_t>& cuts,
                 api_format format = api_format::json, const body_options& options = {}) {
    body_records reader(format, rules{}, options, "u");
    std::size_t at = 0;
    result<void> status;
    for (std::size_t i = 0; i <= cuts.size() && status; ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : body.size();
        status = reader.feed(body.substr(at, end - at));
        at = end;
    }
    if (status) status = reader.finish();
    return summarize(status, reader);
}

summary read_whole(std::string_view body, api_format format = api_format::json,
                   const body_options& options = {}) {
    return read_cut(body, {}, format, options);
}

const std::string sales_body =
    R"({"next": "/p2", "data": [{"product": "Halal Dates", "price": 12.50, "quantity": 2},
  {"product": "Halal T\u00e9a", "price": "15.10", "quantity": "3", "tags": [1, {"a": null}]},
  {"product": "Pork", "price": 20, "quantity": 1}, 7, "x"], "after": {"deep": [[true]]}})";

TEST(BodyRecords, AnySplitOfTheBodyReadsTheSame) {
    body_options o;
    o.layout = {"/data", "/next"};
    const summary whole = read_whole(sales_body, api_format::json, o);
    ASSERT_TRUE(whole.ok) << whole.error;
    EXPECT_EQ(whole.records, 5U);
    EXPECT_EQ(whole.valid, 2U);
    EXPECT_EQ(whole.total, 2500 + 4530);
    EXPECT_EQ(whole.next, "/p2");
    EXPECT_EQ(whole.products, (std::vector<std::string>{"Halal Dates",
                                                        "Halal T\xc3\xa9"
                                                        "a"}));
    for (std::size_t cut = 0; cut <= sales_body.size(); ++cut)
        ASSERT_EQ(read_cut(sales_body, {cut}, api_format::json, o), whole) << "cut at " << cut;
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < sales_body.size(); ++i)
        every_byte.push_back(i);
    EXPECT_EQ(read_cut(sales_body, every_byte, api_format::json, o), whole);
}

TEST(BodyRecords, TheNextPointerIsFoundBeforeOrAfterTheRecords) {
    body_options o;
    o.layout = {"/data", "/links/next"};
    const auto before = read_whole(
        R"({"links": {"next": "https://h/p?page=2"}, "data": [{"product": "Halal A", "price": "10", "quantity": 1}]})",
        api_format::json, o);
    const auto after = read_whole(
        R"({"data": [{"product": "Halal A", "price": "10", "quantity": 1}], "links": {"next": "https://h/p?page=2"}})",
        api_format::json, o);
    ASSERT_TRUE(before.ok) << before.error;
    EXPECT_EQ(before.next, "https://h/p?page=2");
    EXPECT_EQ(before, after);
    // A key that only looks like the path is not it; an element of an array by its index is.
    o.layout = {"/pages/1/items", "/links/1"};
    const auto indexed = read_whole(
        R"({"links": ["a", "b"], "pages": [{"items": [1, 2, 3]}, {"items": [4, 5]}], "page": {"items": [6]}})",
        api_format::json, o);
    ASSERT_TRUE(indexed.ok) << indexed.error;
    EXPECT_EQ(indexed.records, 2U);
    EXPECT_EQ(indexed.next, "b");
}

TEST(BodyRecords, ErrorsAreInOurWordsWithTheByteOffset) {
    const auto error_of = [](std::string_view body) { return read_whole(body).error; };
    EXPECT_EQ(error_of("[1, 2"), "u: invalid JSON at byte 5: unexpected end of input");
    EXPECT_EQ(error_of("[1, 2]x"), "u: invalid JSON at byte 6: unexpected data after the value");
    EXPECT_EQ(error_of("[1, 2}"), "u: invalid JSON at byte 5: unexpected character '}'");
    EXPECT_EQ(error_of(std::string("123\0", 4)),
              "u: invalid JSON at byte 3: unexpected data after the value");
    for (const auto* lone : {"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\uDBFFx\""})
        EXPECT_NE(error_of(lone).find(": unpaired surrogate in a \\u escape"), std::string::npos)
            << lone;
    EXPECT_TRUE(read_whole("\"\\ud83d\\ude00\"").ok);
    // A skipped string, not held, is checked all the same.
    EXPECT_FALSE(read_whole("{\"x\": \"\\ud800\", \"data\": []}").ok);
    EXPECT_NE(error_of("\"\xff\"").find("invalid UTF-8 byte 0xFF"), std::string::npos);
    EXPECT_NE(error_of(std::string(100000, '[')).find("nesting deeper than 64"), std::string::npos);
    EXPECT_TRUE(read_whole(std::string(64, '[') + std::string(64, ']')).ok);
    EXPECT_EQ(error_of(""), "u: invalid JSON at byte 0: unexpected end of input");
    EXPECT_TRUE(read_whole(" [1] \r\n\t ").ok);
    // A leading UTF-8 byte-order mark is skipped (RFC 8259 8.1), however it arrives; not a
    // second one, nor one later.
    for (std::size_t cut = 0; cut <= 4; ++cut)
        EXPECT_EQ(read_cut("\xEF\xBB\xBF[1]", {cut}).records, 1U) << cut;
    EXPECT_EQ(read_whole("\xEF\xBB").error, "u: invalid JSON at byte 0: invalid UTF-8 byte 0xEF");
    EXPECT_EQ(read_whole("\xEF\xBB\xBF\xEF\xBB\xBF"
                         "1")
                  .error,
              "u: invalid JSON at byte 3: invalid UTF-8 byte 0xEF");
    EXPECT_EQ(read_whole("\xEF\xBB\xBF").error,
              "u: invalid JSON at byte 3: unexpected end of input");
    // Whatever the cut, the last byte's error is the same.
    for (std::size_t cut = 0; cut <= 7; ++cut)
        EXPECT_EQ(read_cut("[1, 2]x", {cut}).error,
                  "u: invalid JSON at byte 6: unexpected data after the value");
    for (const auto& s : {error_of("[1, 2"), error_of("{\"a\" 1}")}) {
        EXPECT_EQ(s.find("json.exception"), std::string::npos);
        EXPECT_EQ(s.find("syntax error"), std::string::npos);
    }
}

TEST(BodyRecords, ARuleFieldGivenTwiceIsAMalformedSaleOtherKeysMayRepeat) {
    body_options o;
    o.rejects = reject_options{0, true, rejects_format::csv};
    body_records reader(api_format::json, rules{}, o, "u");
    ASSERT_TRUE(reader.feed(
        R"([{"product": "Halal A", "price": "10", "price": "99", "quantity": 1},
            {"product": "Halal B", "price": "10", "quantity": 1, "id": 1, "id": 2}])"));
    ASSERT_TRUE(reader.finish());
    const auto& out = reader.records();
    EXPECT_EQ(out.sales.valid(), 1U);
    EXPECT_EQ(out.sales.rejected(reject_reason::malformed_row), 1U);
}

TEST(BodyRecords, NdjsonLinesAreRecordsWithCrlfBlankLinesAndNoFinalNewline) {
    const std::string lines =
        "{\"product\": \"Halal A\", \"price\": \"10\", \"quantity\": 1}\r\n"
        "\r\n"
        "   \n"
        "\x1e{\"product\": \"Halal B\", \"price\": 25.00, \"quantity\": 4}\n"
        "[1, 2]\n"
        "\"x\"";
    const summary whole = read_whole(lines, api_format::ndjson);
    ASSERT_TRUE(whole.ok) << whole.error;
    EXPECT_EQ(whole.records, 4U);
    EXPECT_EQ(whole.valid, 2U);
    EXPECT_EQ(whole.total, 1000 + 10000);
    for (std::size_t cut = 0; cut <= lines.size(); ++cut)
        ASSERT_EQ(read_cut(lines, {cut}, api_format::ndjson), whole) << "cut at " << cut;
    EXPECT_EQ(read_whole("{\"a\": 1}\n{\"a\": 2} 3\n", api_format::ndjson).error,
              "u: invalid JSON at line 2, byte 18: unexpected data after the value");
    EXPECT_EQ(read_whole("{\"a\": 1}\n{\"a\": \n", api_format::ndjson).error,
              "u: invalid JSON at line 2, byte 15: unexpected end of input");
    // A JSON array read as NDJSON is one record per line, not a document spanning lines.
    EXPECT_FALSE(read_whole("[1,\n2]\n", api_format::ndjson).ok);
}

// A line whole in the bytes fed may be read without the parser (plain_record); fed a byte at a
// time none is. Valid lines read the same either way, and an invalid one fails both.
TEST(BodyRecords, PlainNdjsonLinesReadAsTheParserReadsThem) {
    const std::string sale = R"({"product": "Halal Dates", "price": 12.50, "quantity": 2})";
    const std::vector<std::string> valid = {
        sale,
        R"({"product":"Halal T\u00e9a","price":"15.10","quantity":"3"})",  // an escape
        "{\"product\":\"Halal T\xC3\xA9"
        "a \xE2\x82\xAC \xF0\x9F\x8D\xB5\",\"price\":20,\"quantity\":1}",
        R"({"product": "Halal Oil", "price": 1.5e1, "quantity": 2})",  // an exponent
        R"({"product": "Halal Oil", "price": -0.0, "quantity": 0})",
        R"({"product": " Halal Rice ", "price": " 12 ", "quantity": 7, "product": "x"})",
        R"({"PRODUCT": "Halal Figs", "price": 12, "Quantity": 1, "n": [true, false, null, {}]})",
        R"({"product": null, "price": {"a": [1, {"b": "c"}]}, "quantity": [] } )"
        "\r",
        "{}",
        "{ }",
        "[1, 2]",
        "\"x\"",
        "7",
        std::string(33, '[') + std::string(33, ']'),
        "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}",
    };
    const std::vector<std::string> invalid = {
        R"({"product": "Halal", "price": 1,})",
        R"({"product": "Halal", "price" 1})",
        R"({"product": "Halal", "price": 01})",
        R"({"product": "Halal", "price": 1.})",
        R"({"product": "Halal", "price": .5})",
        R"({"product": "Halal", "price": -})",
        R"({"product": "Halal", "price": tru})",
        R"({"product": "Halal", "price": nul})",
        R"({"product": "Halal", "price": 1} x)",
        R"({"product": "Halal", "price": 1})"
        "\x1e",
        R"({"product": "Halal", "price": 1)",
        R"({"product": "Halal", "price": [1,]})",
        R"({"product": "Halal", 5: 1})",
        R"({"product": "Halal\ud800", "price": 1})",
        std::string(R"({"product": "Hal)") + '\0' + R"(al", "price": 1})",
        "{\"product\": \"Halal\t\", \"price\": 1}",
        "{\"product\": \"Halal \xC0\x80\"}",          // overlong
        "{\"product\": \"Halal \xE0\x80\x80\"}",      // overlong
        "{\"product\": \"Halal \xED\xA0\x80\"}",      // a surrogate
        "{\"product\": \"Halal \xF4\x90\x80\x80\"}",  // past U+10FFFF
        "{\"product\": \"Halal \xE2\x82\"}",          // cut short
        "{\"product\": \"Halal \xFF\"}",
        "{\"a\":" + std::string(70, '[') + std::string(70, ']') + "}",  // too deep
    };
    const auto check = [&](const std::string& line, bool ok) {
        SCOPED_TRACE(line);
        const std::string body = sale + "\n" + line + "\n" + sale + "\n";
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < body.size(); ++i)
            every_byte.push_back(i);
        const summary whole = read_whole(body, api_format::ndjson);
        const summary parsed = read_cut(body, every_byte, api_format::ndjson);
        EXPECT_EQ(whole.ok, ok) << whole.error;
        if (ok)
            EXPECT_EQ(whole, parsed);
        else
            EXPECT_FALSE(parsed.ok);
    };
    for (const std::string& line : valid)
        check(line, true);
    for (const std::string& line : invalid)
        check(line, false);
}

TEST(BodyRecords, ARecordLargerThanTheLimitFailsTheBodyNotTheBodysSize) {
    body_options o;
    o.max_record_size = 100;
    std::string many = "[";
    for (int i = 0; i < 1000; ++i)
        many +=
            std::string(i ? "," : "") + R"({"product": "Halal A", "price": "10", "quantity": 1})";
    many += "]";
    const auto fine = read_whole(many, api_format::json, o);
    ASSERT_TRUE(fine.ok) << fine.error;
    EXPECT_EQ(fine.valid, 1000U);
    body_records reader(api_format::json, rules{}, o, "u");
    const auto big = reader.feed("[{\"product\": \"" + std::string(200, 'x') + "\"}]");
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, make_error_code(errc::record_too_large));
    EXPECT_EQ(big.error().message(), "u: record 0 is larger than --max-record-size 100 bytes");
    // Nor may a value outside the records be held beyond the limit.
    o.layout = {"/data", ""};
    EXPECT_EQ(
        read_whole("{\"" + std::string(200, 'y') + "\": 1, \"data\": []}", api_format::json, o)
            .error,
        "u: a value outside the records is larger than --max-record-size 100 bytes");
    o.layout = {};
    EXPECT_FALSE(read_whole(std::string(150, '7'), api_format::json, o).ok);
}

TEST(BodyRecords, TheFormatComesFromTheFlagThenContentTypeThenThePath) {
    EXPECT_EQ(body_format(api_format::automatic, "application/x-ndjson", "/x"), api_format::ndjson);
    EXPECT_EQ(body_format(api_format::automatic, "Application/JSONL; charset=utf-8", "/x"),
              api_format::ndjson);
    EXPECT_EQ(body_format(api_format::automatic, "application/json-seq", "/x"), api_format::ndjson);
    EXPECT_EQ(body_format(api_format::automatic, "application/json", "/x"), api_format::json);
    EXPECT_EQ(body_format(api_format::automatic, "application/json", "/x.ndjson"),
              api_format::ndjson);
    EXPECT_EQ(body_format(api_format::json, "application/x-ndjson", "/x.jsonl"), api_format::json);
    EXPECT_EQ(body_format(api_format::ndjson, "application/json", "/x"), api_format::ndjson);
    EXPECT_EQ(parse_api_format("auto"), api_format::automatic);
    EXPECT_EQ(parse_api_format("xml"), std::nullopt);
}

TEST(BodyRecords, AgreesWithTheDocumentReader) {
    const std::vector<std::string> bodies = {
        sales_body,
        "[]",
        "42",
        "\"s\"",
        "null",
        R"({"product": "Halal A", "price": 1, "quantity": 1})",
        R"([{"product": "Halal A", "PRICE ": "10", "quantity": 1}, {"product": "Halal B", "price": "10", "Price": "11", "quantity": 1}])",
        R"([{"product": ["Halal"], "price": "10", "quantity": 1}, {"product": "Halal C", "price": 1e3, "quantity": 1}])",
    };
    for (const auto& body : bodies) {
        const auto doc = testing::document_api_records(body, rules{}, "u");
        const auto streamed = parse_api_records(body, rules{}, "u");
        ASSERT_EQ(doc.has_value(), streamed.has_value()) << body;
        if (!doc) continue;
        EXPECT_EQ(doc->records, streamed->records) << body;
        EXPECT_EQ(doc->sales.valid(), streamed->sales.valid()) << body;
        EXPECT_EQ(doc->sales.invalid(), streamed->sales.invalid()) << body;
        EXPECT_EQ(doc->sales.total(), streamed->sales.total()) << body;
    }
}

}  // namespace
}  // namespace salesproc
