#include "salesproc/rules/number_format.hpp"

#include "salesproc/base/detail/text.hpp"

#include <array>
#include <cstring>

namespace salesproc {
namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_upper(char c) noexcept {
    return c >= 'A' && c <= 'Z';
}

bool is_letter(char c) noexcept {
    return is_upper(c) || (c >= 'a' && c <= 'z');
}

// The length of the thousands separator `f` declares at text[i], or 0. A declared space is also
// U+00A0 NO-BREAK SPACE and U+202F NARROW NO-BREAK SPACE, as European exports write it.
std::size_t separator_at(std::string_view text, std::size_t i, char thousands) noexcept {
    if (thousands == 0) return 0;
    if (text[i] == thousands) return 1;
    if (thousands != ' ') return 0;
    const std::string_view rest = text.substr(i);
    if (rest.substr(0, 2) == "\xC2\xA0") return 2;
    if (rest.substr(0, 3) == "\xE2\x80\xAF") return 3;
    return 0;
}

char* put(char* out, std::string_view s) noexcept {
    return detail::copy_bytes(out, s.data(), s.size());
}

struct named_character {
    std::string_view bytes;
    std::string_view name;
};

constexpr std::array<named_character, 9> invisibles{{
    {"\xC2\xA0", "U+00A0 NO-BREAK SPACE"},
    {"\xE2\x80\xAF", "U+202F NARROW NO-BREAK SPACE"},
    {"\xE2\x80\x87", "U+2007 FIGURE SPACE"},
    {"\xE2\x80\x89", "U+2009 THIN SPACE"},
    {"\xE2\x80\x8B", "U+200B ZERO WIDTH SPACE"},
    {"\xE2\x80\x8C", "U+200C ZERO WIDTH NON-JOINER"},
    {"\xE2\x80\x8D", "U+200D ZERO WIDTH JOINER"},
    {"\xE2\x81\xA0", "U+2060 WORD JOINER"},
    {"\xEF\xBB\xBF", "U+FEFF ZERO WIDTH NO-BREAK SPACE (a byte-order mark)"},
}};

constexpr std::array<std::string_view, 12> currency_signs{"$",
                                                          "\xE2\x82\xAC",
                                                          "\xC2\xA3",
                                                          "\xC2\xA5",
                                                          "\xE2\x82\xB9",
                                                          "\xE2\x82\xBD",
                                                          "\xE2\x82\xBA",
                                                          "\xE2\x82\xA9",
                                                          "\xE2\x82\xAA",
                                                          "\xE2\x82\xAB",
                                                          "\xE2\x82\xB1",
                                                          "\xC2\xA2"};

// A run of 2 or 3 letters starting with a capital ("USD", "RM", "Rp"): a currency code, when
// the text also holds a digit.
std::string_view currency_code(std::string_view text) noexcept {
    bool digit = false;
    for (const char c : text)
        digit = digit || is_digit(c);
    if (!digit) return {};
    for (std::size_t i = 0; i < text.size();) {
        if (!is_letter(text[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < text.size() && is_letter(text[j]))
            ++j;
        if (j - i >= 2 && j - i <= 3 && is_upper(text[i])) return text.substr(i, j - i);
        i = j;
    }
    return {};
}

// Digits in groups of three after a first group of one to three, split by `sep`, then optionally
// `decimal` and more digits: "1,234,567.50" for (',', '.').
bool grouped(std::string_view text, char sep, char decimal) noexcept {
    std::size_t i = text.empty() || (text[0] != '+' && text[0] != '-') ? 0 : 1;
    std::size_t run = 0;
    std::size_t groups = 0;
    for (; i < text.size() && text[i] != decimal; ++i) {
        if (is_digit(text[i])) {
            ++run;
        } else if (text[i] == sep && run >= 1 && (groups == 0 ? run <= 3 : run == 3)) {
            ++groups;
            run = 0;
        } else {
            return false;
        }
    }
    if (groups == 0 || run != 3) return false;
    for (++i; i < text.size(); ++i)
        if (!is_digit(text[i])) return false;
    return true;
}

// Digits, one `decimal`, digits: "12,50" for ','.
bool decimal_with(std::string_view text, char decimal) noexcept {
    const auto at = text.find(decimal);
    if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (i != at && !is_digit(text[i]) && !(i == 0 && (text[i] == '+' || text[i] == '-')))
            return false;
    return true;
}

bool exponent(std::string_view text) noexcept {
    const auto e = text.find_first_of("eE");
    return e != std::string_view::npos && e > 0 && e + 1 < text.size() && is_digit(text[e - 1]) &&
           (is_digit(text[e + 1]) || text[e + 1] == '+' || text[e + 1] == '-');
}

// The separators' story, when there is one: a decimal comma, a thousands separator, a point
// where a comma is declared, groups out of shape.
char* diagnose_separators(char* out, std::string_view text, const number_format& f,
                          bool integer) noexcept {
    const char other = f.decimal == '.' ? ',' : '.';
    if (f.thousands == 0 && grouped(text, other, f.decimal))
        return put(out, other == ',' ? "a thousands separator ','; try --thousands-separator ,"
                                     : "a thousands separator '.'; try --thousands-separator .");
    if (f.decimal == '.' && grouped(text, '.', ','))
        return put(out,
                   "a decimal comma with '.' between thousands? try --decimal-separator , "
                   "--thousands-separator .");
    if (!integer && f.thousands != other && decimal_with(text, other))
        return put(out, other == ',' ? "a decimal comma? try --decimal-separator ,"
                                     : "a decimal point where --decimal-separator is ','");
    if (f.thousands != 0 && text.find(f.thousands) != std::string_view::npos)
        return put(out,
                   "thousands groups are not well formed (a first group of 1 to 3 digits, "
                   "then groups of 3)");
    if (integer && text.find_first_of(".,") != std::string_view::npos)
        return put(out, "a fraction: a quantity is a whole number");
    return out;
}

}  // namespace

std::optional<char> parse_decimal_separator(std::string_view text) noexcept {
    if (text == "." || text == ",") return text[0];
    return std::nullopt;
}

std::optional<char> parse_thousands_separator(std::string_view text) noexcept {
    if (text == "none") return '\0';
    if (text == "space" || text == " ") return ' ';
    if (text == "." || text == "," || text == "'") return text[0];
    return std::nullopt;
}

std::string thousands_name(char c) {
    if (c == 0) return "none";
    if (c == ' ') return "space";
    return std::string(1, c);
}

std::optional<std::string_view> to_plain_number(std::string_view text, const number_format& f,
                                                char* room) noexcept {
    if (text.size() >= plain_number_room) return text;
    char* out = room;
    std::size_t i = 0;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) *out++ = text[i++];
    std::size_t run = 0;     // digits since the last separator
    std::size_t groups = 0;  // thousands separators seen
    bool fraction = false;
    while (i < text.size()) {
        const char c = text[i];
        if (is_digit(c)) {
            *out++ = c;
            ++run;
            ++i;
        } else if (c == f.decimal && !fraction) {
            if (groups != 0 && run != 3) return std::nullopt;
            *out++ = '.';
            fraction = true;
            run = 0;
            ++i;
        } else if (const std::size_t n = separator_at(text, i, f.thousands); n != 0) {
            if (fraction || run == 0 || (groups == 0 ? run > 3 : run != 3)) return std::nullopt;
            ++groups;
            run = 0;
            i += n;
        } else {
            return std::nullopt;  // not a number in the declared format
        }
    }
    if (groups != 0 && !fraction && run != 3) return std::nullopt;
    return std::string_view(room, static_cast<std::size_t>(out - room));
}

std::string_view invisible_character(std::string_view text) noexcept {
    for (const auto& c : invisibles)
        if (text.substr(0, c.bytes.size()) == c.bytes) return c.name;
    return {};
}

char* diagnose_number(char* out, std::string_view text, const number_format& f,
                      bool integer) noexcept {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const std::string_view name = invisible_character(text.substr(i));
        // A declared space separator may be a no-break one: then it is no stranger.
        if (!name.empty() && separator_at(text, i, f.thousands) == 0) {
            out = put(out, "an invisible character ");
            return put(out, name);
        }
    }
    for (const auto sign : currency_signs)
        if (text.find(sign) != std::string_view::npos) {
            out = put(out, "a currency sign '");
            out = put(out, sign);
            return put(out, "'");
        }
    if (const auto code = currency_code(text); !code.empty()) {
        out = put(out, "a currency code '");
        out = put(out, code);
        return put(out, "'");
    }
    if (exponent(text)) return put(out, "an exponent: write the number in plain notation");
    char* said = diagnose_separators(out, text, f, integer);
    if (said != out) return said;
    if (text.find(' ') != std::string_view::npos && f.thousands != ' ')
        return put(out, "a space inside the number");
    return out;
}

}  // namespace salesproc
