#include "salesproc/base/detail/text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace salesproc::detail {
namespace {

std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string csv_field(std::string_view s) {
    std::string out;
    append_csv_field(out, s);
    return out;
}

TEST(Text, JsonStringsEscapeAndStayValidUtf8) {
    EXPECT_EQ(json_string("plain"), "\"plain\"");
    EXPECT_EQ(json_string("a\"b\\c\n\r\t\x01"), "\"a\\\"b\\\\c\\n\\r\\t\\u0001\"");
    EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    // Stray continuation, truncated sequence, overlong, surrogate: each bad byte is U+FFFD.
    EXPECT_EQ(json_string("\x80"), "\"\\ufffd\"");
    EXPECT_EQ(json_string("\xC3"), "\"\\ufffd\"");
    EXPECT_EQ(json_string("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
    EXPECT_EQ(json_string("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
    for (std::string_view s : {"\xFF\xFE", "ok\xE2\x82", "\xF4\x90\x80\x80"})
        EXPECT_TRUE(nlohmann::json::accept(json_string(s))) << s;
}

TEST(Text, CsvFieldsAreQuotedOnlyWhenNeeded) {
    EXPECT_EQ(csv_field("plain text"), "plain text");
    EXPECT_EQ(csv_field(""), "");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
    EXPECT_EQ(csv_field(" padded"), "\" padded\"");
    // Past the 16-byte vector blocks, in the overlapping last block, and exactly 16 bytes.
    EXPECT_EQ(csv_field(std::string(40, 'x') + ","), "\"" + std::string(40, 'x') + ",\"");
    EXPECT_EQ(csv_field(std::string(17, 'x') + "\""), "\"" + std::string(17, 'x') + "\"\"\"");
    EXPECT_EQ(csv_field(std::string(16, 'x')), std::string(16, 'x'));
    EXPECT_EQ(csv_field(std::string(33, 'y')), std::string(33, 'y'));
}

TEST(Text, Utf8PrefixNeverCutsASequence) {
    const std::string s =
        "ab\xE2\x82\xAC"
        "cd";  // a, b, euro sign (3 bytes), c, d
    EXPECT_EQ(utf8_prefix(s, 100), s);
    EXPECT_EQ(utf8_prefix(s, 5), "ab\xE2\x82\xAC");
    EXPECT_EQ(utf8_prefix(s, 4), "ab");
    EXPECT_EQ(utf8_prefix(s, 3), "ab");
    EXPECT_EQ(utf8_prefix(s, 2), "ab");
    EXPECT_EQ(shorten("short"), "short");
    EXPECT_EQ(shorten(std::string(50, 'z'), 10), std::string(10, 'z') + "...");
}

}  // namespace
}  // namespace salesproc::detail
