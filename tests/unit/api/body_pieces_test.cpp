#include "salesproc/api/body_pieces.hpp"

#include "salesproc/output/rejects.hpp"
#include "support/piece_reading.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace salesproc {
namespace {

// What a body's reading comes to, rejects included, to compare readings.
struct summary {
    std::string error;
    std::uint64_t records = 0, valid = 0, invalid = 0;
    int128 total = 0;
    std::vector<std::string> products;
    std::string rejects;  // the --rejects file
    std::vector<std::string> samples;
    bool operator==(const summary&) const = default;
};

summary summarize(const result<api_records>& got, const reject_options& o) {
    summary s;
    if (!got) {
        s.error = got.error().message();
        return s;
    }
    s.records = got->records;
    s.valid = got->sales.valid();
    s.invalid = got->sales.invalid();
    s.total = got->sales.total();
    for (const auto& p : got->sales.products())
        s.products.emplace_back(p.product);
    reject_log log(o, [&](std::string_view bytes) -> result<void> {
        s.rejects.append(bytes);
        return {};
    });
    EXPECT_TRUE(log.take(got->rejects, "u", 1));
    EXPECT_TRUE(log.flush());
    EXPECT_EQ(got->rejects.lines(), got->records);
    for (const auto& reason : log.samples())
        for (const auto& sample : reason)
            s.samples.push_back(std::to_string(sample.line) + " " + sample.detail + " " +
                                sample.row);
    return s;
}

const rules rule_set{};

result<api_records> read_whole(std::string_view body, api_format f, const body_options& o,
                               std::size_t feed) {
    body_records reader(f, rule_set, o, "u");
    for (std::size_t at = 0; at < body.size(); at += feed)
        if (auto ok = reader.feed(body.substr(at, feed)); !ok) return ok.error();
    if (auto ok = reader.finish(); !ok) return ok.error();
    return std::move(reader.records());
}

result<api_records> read_in_pieces(std::string_view body, api_format f, const body_options& o,
                                   std::size_t piece_size, std::size_t feed,
                                   std::size_t* pieces = nullptr) {
    return testing::read_in_pieces(body, f, rule_set, o, piece_size, feed, pieces);
}

body_options all_rejects() {
    body_options o;
    o.rejects.all = true;
    o.rejects.samples = 2;
    o.rejects.format = rejects_format::jsonl;
    return o;
}

// Sales, rejects of several reasons, strings that hold brackets, commas, quotes and escapes,
// nested values, numbers last in an element, and whitespace between elements.
const std::vector<std::string> elements = {
    R"({"product": "Halal Dates", "price": 12.50, "quantity": 2})",
    R"({"product":"Pork, \"smoked\" [x]","price":"20","quantity":1})",
    " 7 ",
    R"({"product": "Halal T\u00e9a {", "price": "15.10", "quantity": "3", "tags": [1, {"a": null}]})",
    "\"x,]}\\\\\"",
    R"({"product": "Halal Rice", "price": 9.99, "quantity": 5})",
    "[1,[2,{\"k\":\"]\"}]]",
    R"({"product": "Halal Oil", "price": 10.005, "quantity": 500, "n": -1.5e3})",
    "{}",
    R"({"product": "Halal Figs", "price": 11, "quantity": 1, "price": 12})",
    "\n\t123",
    // Rule keys below the top level are not the record's; keys that match loosely are.
    R"({"customer": {"product": "Pork", "price": 1}, "product": "Halal Honey", "price": "13.50",)"
    R"( "quantity": 2, "x": [{"quantity": 9}]})",
    R"({" Product ": "Halal Salt", "PRICE": 12.25, "quantity": 4})",
    R"({"product": true, "price": null, "quantity": {"n": 1}})",
    R"({"product": "Halal \"Nuts\"", "price": [], "quantity": 1})",
};

std::string array_body(std::size_t n, bool bom = false) {
    std::string body = bom ? "\xEF\xBB\xBF [" : " [";
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) body += i % 3 == 0 ? " ,\r\n" : ",";
        body += elements[i % elements.size()];
    }
    return body + "]\n";
}

std::string ndjson_body(std::size_t n) {
    std::string body = "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& e = elements[i % elements.size()];
        if (e.find('\n') != std::string::npos) continue;
        body += e + (i % 4 == 1 ? "\r\n" : "\n");
        if (i % 5 == 2) body += " \t\r\n";  // a blank line
        if (i % 7 == 3) body += "\x1e";
    }
    body += elements[0];  // no final newline
    return body;
}

void expect_pieces_read_alike(const std::string& body, api_format f, const body_options& o) {
    const summary whole = summarize(read_whole(body, f, o, body.size() + 1), o.rejects);
    for (const std::size_t piece : {1UL, 2UL, 5UL, 17UL, 64UL, 300UL, 1UL << 20})
        for (const std::size_t feed : {1UL, 3UL, 64UL, body.size() + 1}) {
            SCOPED_TRACE("piece " + std::to_string(piece) + ", feed " + std::to_string(feed));
            EXPECT_EQ(summarize(read_in_pieces(body, f, o, piece, feed), o.rejects), whole);
        }
}

TEST(BodyPieces, AnArrayReadInPiecesIsTheWholeBodyRead) {
    const std::string body = array_body(60, true);
    std::size_t pieces = 0;
    ASSERT_TRUE(read_in_pieces(body, api_format::json, {}, 64, 7, &pieces));
    EXPECT_GT(pieces, 10U);  // it was cut
    const summary whole =
        summarize(read_whole(body, api_format::json, all_rejects(), 9999), all_rejects().rejects);
    EXPECT_EQ(whole.records, 60U);
    EXPECT_FALSE(whole.rejects.empty());
    expect_pieces_read_alike(body, api_format::json, all_rejects());
    expect_pieces_read_alike(body, api_format::json, {});
}

TEST(BodyPieces, NdjsonReadInPiecesIsTheWholeBodyRead) {
    const std::string body = ndjson_body(60);
    std::size_t pieces = 0;
    ASSERT_TRUE(read_in_pieces(body, api_format::ndjson, {}, 64, 7, &pieces));
    EXPECT_GT(pieces, 10U);
    expect_pieces_read_alike(body, api_format::ndjson, all_rejects());
    expect_pieces_read_alike(body, api_format::ndjson, {});
}

// A record whole in the bytes read keeps only its rule fields' values, in place (see
// record_handler's lean_); fed a byte at a time, with a row tape, or close to --max-record-size it
// is read in full. All read the same.
TEST(BodyPieces, ARecordReadWholeReadsAsOneReadInFull) {
    for (const api_format f : {api_format::json, api_format::ndjson}) {
        const std::string body = f == api_format::json ? array_body(45) : ndjson_body(45);
        for (const body_options& o : {body_options{}, all_rejects()}) {
            const summary whole = summarize(read_in_pieces(body, f, o, 1, body.size()), o.rejects);
            EXPECT_EQ(summarize(read_whole(body, f, o, 1), o.rejects), whole);
            body_options tight = o;
            std::size_t longest = 0;
            for (const std::string& e : elements)
                longest = std::max(longest, e.size());
            tight.max_record_size = longest + 4;
            EXPECT_EQ(summarize(read_in_pieces(body, f, tight, 1, body.size()), o.rejects), whole);
        }
    }
    const summary read = summarize(read_whole(array_body(45), api_format::json, all_rejects(), 1),
                                   all_rejects().rejects);
    EXPECT_NE(std::find(read.products.begin(), read.products.end(), "Halal Honey"),
              read.products.end());
    EXPECT_NE(std::find(read.products.begin(), read.products.end(), "Halal Salt"),
              read.products.end());
    EXPECT_EQ(std::find(read.products.begin(), read.products.end(), "Pork"), read.products.end());
    EXPECT_NE(read.rejects.find("product is boolean"), std::string::npos) << read.rejects;
    EXPECT_NE(read.rejects.find("price is array"), std::string::npos);
}

TEST(PieceBuffers, BuffersComeBackEmptyWithTheirRoomAndAtMostTheCountIsKept) {
    piece_buffers buffers(2, 1000);
    EXPECT_EQ(buffers.take().capacity(), std::string().capacity());
    buffers.give(std::string(999, 'x'));  // too small to be of use
    for (int i = 0; i < 3; ++i)
        buffers.give(std::string(1000, 'x'));
    for (int i = 0; i < 2; ++i) {
        const std::string b = buffers.take();
        EXPECT_TRUE(b.empty());
        EXPECT_GE(b.capacity(), 1000U);
    }
    EXPECT_EQ(buffers.take().capacity(), std::string().capacity());
}

TEST(BodyPieces, TheFirstErrorIsTheWholeBodysWhateverPieceItIsIn) {
    const std::string good = array_body(30);
    const std::string trimmed = good.substr(0, good.rfind(']'));
    std::vector<std::string> bad = {
        trimmed,                                 // no end
        trimmed + ",]",                          // a trailing comma
        trimmed + ",,1]",                        // an empty element
        trimmed + " 1]",                         // no comma
        trimmed + "]x",                          // after the value
        trimmed + "],",                          // after the value
        trimmed + ",\"\\ud800\"]",               // an unpaired surrogate
        trimmed + std::string(",\"a\0b\"]", 7),  // a NUL
        trimmed + ",{\"a\":1]",                  // mismatched
        trimmed + ",tru,1]",                     // a broken literal before a comma
        "[1,2" + std::string(200, ' ') + ",3}",  // mismatched, late
        "[" + std::string(100, '[') + "]",       // too deep
        "[1,\xff]",                              // not UTF-8
    };
    // The same at the end of plain elements, which are read without the parser.
    std::string plain = "[";
    for (int i = 0; i < 30; ++i)
        plain += R"({"product": "Halal A", "price": 12, "quantity": 1} ,)";
    for (const char* end :
         {"]x", "],", ",]", " 1]", ",{\"a\":1]", ",tru]", "", ",{\"a\":\"\xC0\x80\"}]"})
        bad.push_back(plain.substr(0, plain.size() - 1) + end);
    bad.push_back(plain + "\n");  // it ends after a ','

    for (const std::string& body : bad) {
        SCOPED_TRACE(body.substr(body.size() > 40 ? body.size() - 40 : 0));
        const summary whole = summarize(read_whole(body, api_format::json, {}, 9999), {});
        ASSERT_FALSE(whole.error.empty());
        for (const std::size_t piece : {1UL, 4UL, 33UL, 100UL, 1UL << 20})
            for (const std::size_t feed : {1UL, 5UL, 9999UL})
                EXPECT_EQ(summarize(read_in_pieces(body, api_format::json, {}, piece, feed), {}),
                          whole);
    }
    const std::string lines = ndjson_body(30);
    for (const std::string& body :
         std::vector<std::string>{lines + "\n{\"a\":", lines + "\n1 2\n3", lines + "\n[1,\n2]\n",
                                  lines + "\n\"\\ud800\"\n"}) {
        const summary whole = summarize(read_whole(body, api_format::ndjson, {}, 9999), {});
        ASSERT_FALSE(whole.error.empty());
        EXPECT_NE(whole.error.find("line"), std::string::npos);
        for (const std::size_t piece : {1UL, 4UL, 33UL, 100UL})
            EXPECT_EQ(summarize(read_in_pieces(body, api_format::ndjson, {}, piece, 7), {}), whole);
    }
}

TEST(BodyPieces, ARecordTooLargeIsNamedByItsIndexInTheBody) {
    body_options o;
    o.max_record_size = 200;
    std::string body = array_body(40);
    body.insert(body.rfind(']'), ",{\"product\":\"" + std::string(300, 'x') + "\"}");
    const summary whole = summarize(read_whole(body, api_format::json, o, 9999), {});
    EXPECT_NE(whole.error.find("record 40 is larger than --max-record-size 200"), std::string::npos)
        << whole.error;
    for (const std::size_t piece : {16UL, 64UL, 256UL})
        EXPECT_EQ(summarize(read_in_pieces(body, api_format::json, o, piece, 13), {}), whole);
}

TEST(BodyPieces, BodiesThatCannotBeCutAreReadAsOneStream) {
    // Not an array; pointers; whitespace far longer than a piece inside and after the array.
    body_options pointers;
    pointers.layout = {"/data", "/next"};
    const std::string object = R"({"data": )" + array_body(20) + R"(, "next": null})";
    std::size_t pieces = 0;
    EXPECT_EQ(summarize(read_in_pieces(object, api_format::json, pointers, 16, 7, &pieces), {}),
              summarize(read_whole(object, api_format::json, pointers, 9999), {}));
    EXPECT_EQ(pieces, 0U);
    body_options small;
    small.max_record_size = 64;
    for (const std::string& body :
         std::vector<std::string>{"[1,2,{\"product\":" + std::string(1000, ' ') + "\"Halal\"}, 3]",
                                  array_body(20) + std::string(5000, ' '),
                                  R"({"product":"Halal","price":1,"quantity":1})"}) {
        EXPECT_EQ(summarize(read_in_pieces(body, api_format::json, small, 16, 7), {}),
                  summarize(read_whole(body, api_format::json, small, 9999), {}));
    }
}

TEST(BodyPieces, RandomArraysReadAlikeInPieces) {
    std::mt19937 rng(12345);
    const body_options o = all_rejects();
    for (int round = 0; round < 200; ++round) {
        std::string body = "[";
        const int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            if (i != 0) body += ',';
            body += elements[rng() % elements.size()];
        }
        body += "]";
        // Now and then a byte is broken, so that errors land anywhere.
        if (round % 3 == 0 && !body.empty()) body[rng() % body.size()] = "[]{},\"\\x "[rng() % 10];
        const summary whole = summarize(read_whole(body, api_format::json, o, 9999), o.rejects);
        const std::size_t piece = 1 + rng() % 40;
        EXPECT_EQ(
            summarize(read_in_pieces(body, api_format::json, o, piece, 1 + rng() % 9), o.rejects),
            whole)
            << body << " piece " << piece;
    }
}

TEST(RejectBatch, AppendKeepsTheFirstSamplesOfTheTwoInOrder) {
    reject_options o;
    o.samples = 2;
    o.all = true;
    reject_batch a;
    reject_batch b;
    a.reset(o);
    b.reset(o);
    a.add(reject_reason::bad_prefix, 0, "r0", "d0");
    b.add(reject_reason::bad_prefix, 1, "r1", "d1");
    b.add(reject_reason::bad_prefix, 2, "r2", "d2");
    b.add(reject_reason::bad_price, 3, "r3", "d3");
    a.append(std::move(b));
    a.set_lines(4);
    std::string text;
    reject_log log(o, [&](std::string_view bytes) -> result<void> {
        text.append(bytes);
        return {};
    });
    ASSERT_TRUE(log.take(a, "u", 1));
    ASSERT_TRUE(log.flush());
    const auto& halal = log.samples()[static_cast<std::size_t>(reject_reason::bad_prefix)];
    ASSERT_EQ(halal.size(), 2U);
    EXPECT_EQ(halal[0].row, "r0");
    EXPECT_EQ(halal[1].row, "r1");
    EXPECT_EQ(log.samples()[static_cast<std::size_t>(reject_reason::bad_price)].size(), 1U);
    for (const char* row : {"r0", "r1", "r2", "r3"})
        EXPECT_NE(text.find(row), std::string::npos) << text;
}

}  // namespace
}  // namespace salesproc
