#include "salesproc/input/csv.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace salesproc::csv {
namespace {

struct parsed {
    std::vector<std::string> fields;
    bool unterminated = false;
    bool blank = false;
};

std::vector<parsed> parse_all(std::string_view data, char delimiter = ',') {
    std::vector<parsed> out;
    tokenizer tok(data, delimiter);
    record rec;
    std::array<std::string_view, 16> raw;
    std::string scratch;
    while (tok.next(rec, raw)) {
        parsed p;
        p.unterminated = rec.unterminated_quote;
        p.blank = rec.blank;
        for (std::size_t i = 0; i < std::min(rec.field_count, raw.size()); ++i)
            p.fields.emplace_back(field_value(raw[i], scratch));
        out.push_back(std::move(p));
    }
    return out;
}

TEST(Tokenizer, SplitsOnTheChosenDelimiterOnly) {
    // Long enough records that both the 16-byte scan and the byte tail see every delimiter.
    for (const char d : {',', ';', '|', '\t'}) {
        std::string text = "\"Halal Quite Long Product Name,x;y|z\"";
        text += d;
        text += "\"quoted ";
        text += d;
        text += " and , ; | \t\nnewline\"";
        text += d;
        text += "3\r\nlast";
        text += d;
        text += "row\n";
        const auto r = parse_all(text, d);
        ASSERT_EQ(r.size(), 2U) << "delimiter " << int(d);
        ASSERT_EQ(r[0].fields.size(), 3U) << "delimiter " << int(d);
        EXPECT_EQ(r[0].fields[0], "Halal Quite Long Product Name,x;y|z");
        EXPECT_EQ(r[0].fields[1], std::string("quoted ") + d + " and , ; | \t\nnewline");
        EXPECT_EQ(r[0].fields[2], "3");
        EXPECT_EQ(r[1].fields, (std::vector<std::string>{"last", "row"}));
    }
}

TEST(Tokenizer, SplitsPlainRecordsAndTrims) {
    const auto r = parse_all("a, b ,c\n 1 ,2,3\n");
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(Tokenizer, HandlesCrlfAndMissingFinalNewline) {
    const auto r = parse_all("a,b\r\nc,d");
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"c", "d"}));
}

TEST(Tokenizer, QuotedCommasDoubledQuotesAndNewlines) {
    const auto r = parse_all("\"Halal Rug, Large\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,y,z\n");
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].fields,
              (std::vector<std::string>{"Halal Rug, Large", "say \"hi\"", "two\nlines"}));
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Tokenizer, LongRecordsCrossTheVectorWidth) {
    std::string longfield(100, 'x');
    const auto r = parse_all(longfield + "," + longfield + ",\"" + longfield + "\"\n1,2,3\n");
    ASSERT_EQ(r.size(), 2U);
    EXPECT_EQ(r[0].fields[2], longfield);
    EXPECT_EQ(r[1].fields, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(Tokenizer, FlagsBlankLinesAndUnterminatedQuotes) {
    const auto r = parse_all("\n   \r\na,\"open\n");
    ASSERT_EQ(r.size(), 3U);
    EXPECT_TRUE(r[0].blank);
    EXPECT_TRUE(r[1].blank);
    EXPECT_FALSE(r[2].blank);
    EXPECT_TRUE(r[2].unterminated);
}

TEST(Tokenizer, CountsFieldsBeyondTheSpan) {
    tokenizer tok("1,2,3,4,5\n");
    record rec;
    std::array<std::string_view, 2> raw;
    ASSERT_TRUE(tok.next(rec, raw));
    EXPECT_EQ(rec.field_count, 5U);
    EXPECT_EQ(raw[1], "2");
}

TEST(Tokenizer, SurvivesNulAndInvalidUtf8) {
    const std::string data("a\0b,\xff\xfe,c\n", 9);
    const auto r = parse_all(data);
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].fields.size(), 3U);
    EXPECT_EQ(r[0].fields[0], std::string("a\0b", 3));
}

TEST(FieldValue, TrimsInsideAndOutsideQuotes) {
    std::string scratch;
    EXPECT_EQ(field_value("  \" Halal X \"  ", scratch), "Halal X");
    EXPECT_EQ(field_value("plain\r", scratch), "plain");
    EXPECT_EQ(field_value("\"\"", scratch), "");
}

TEST(CountQuotes, MatchesScalarCountOnAllLengths) {
    std::string s;
    for (int i = 0; i < 5000; ++i) {
        s.push_back(i % 7 == 0 ? '"' : 'x');
        std::size_t expect = 0;
        for (char c : s)
            expect += c == '"';
        if (i % 97 == 0 || i > 4980) {
            EXPECT_EQ(count_quotes(s), expect) << i;
        }
    }
}

TEST(Cut, FindsLastTerminatorOutsideQuotes) {
    std::size_t q = 0;
    // The final '\n' is inside quotes, so the cut is after "a,b\n".
    const std::string buf = "a,b\nc,\"d\ne";
    EXPECT_EQ(find_last_record_end(buf, 0, 0, q), 4U);
    EXPECT_EQ(q, 1U);
    EXPECT_EQ(find_last_record_end("no newline", 0, 0, q), std::string_view::npos);
    // A cut between CR and LF never happens: the cut is always after the LF.
    EXPECT_EQ(find_last_record_end("a\r\nb\r", 0, 0, q), 3U);
}

TEST(Cut, FirstRecordEndTracksQuoteState) {
    bool in_quotes = true;
    EXPECT_EQ(find_first_record_end("x\n\"y\nz", in_quotes), 5U);
    EXPECT_FALSE(in_quotes);
}

}  // namespace
}  // namespace salesproc::csv
