// How numbers are written in an input: the decimal separator and the thousands separator the
// user declares (--decimal-separator, --thousands-separator, or the config's keys). Declared,
// never guessed: no heuristic may change a total. Also the words a reject's detail uses to say
// what was seen in a number that is not one (a currency sign, a decimal comma, an invisible
// character). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

struct number_format {
    char decimal = '.';  // '.' or ','
    char thousands = 0;  // 0 (none), '.', ',', '\'' or ' ' (a space: also U+00A0, U+202F)

    [[nodiscard]] bool plain() const noexcept { return decimal == '.' && thousands == 0; }
    bool operator==(const number_format&) const = default;
};

// "." or ","; nullopt otherwise.
std::optional<char> parse_decimal_separator(std::string_view text) noexcept;
// "." "," "'" "space" or "none" (0); nullopt otherwise.
std::optional<char> parse_thousands_separator(std::string_view text) noexcept;
// How the report and messages spell a thousands separator: "none", "space" or the character.
std::string thousands_name(char c);

// The longest number to_plain_number rewrites; longer text is left as it is (and is then no
// plain number either).
inline constexpr std::size_t plain_number_room = 64;

// `text` in format `f` rewritten in plain notation ("1.234,50" -> "1234.50") into `room`
// (plain_number_room bytes). nullopt when its thousands groups are not well formed: a first
// group of 1 to 3 digits, then groups of exactly 3, only before the decimal separator. Text that
// is no number in any format is passed through unchanged, for the plain parser to refuse.
std::optional<std::string_view> to_plain_number(std::string_view text, const number_format& f,
                                                char* room) noexcept;

// What a price or quantity that is no number shows, as the end of a reject's detail: "a
// currency sign '$'", "a decimal comma? try --decimal-separator ,", "an invisible character
// U+00A0 NO-BREAK SPACE", ... Written at `out` (room for 160 bytes); returns the end, or `out`
// when there is nothing to say.
char* diagnose_number(char* out, std::string_view text, const number_format& f,
                      bool integer) noexcept;

// The Unicode name of an invisible or space-like character starting `text` ("U+00A0 NO-BREAK
// SPACE"), or an empty view when it starts with none.
std::string_view invisible_character(std::string_view text) noexcept;

}  // namespace salesproc
