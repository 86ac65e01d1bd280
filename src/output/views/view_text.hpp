// Text for the views: numbers as people read them (thousands separators, every fraction digit
// of money, a share as a percentage) and strings from the data made safe for HTML, XML and
// Markdown. Internal to the views; pure.
#pragma once

#include "salesproc/rules/money.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace salesproc::detail {

// "1234567.50" as "1,234,567.50": a comma between groups of three integer digits.
std::string grouped(std::string_view decimal);
// Money with all `scale` fraction digits, grouped: 249.90, not 249.9.
std::string money_text(int128 units, unsigned scale);
std::string count_text(std::uint64_t n);
// part / whole as a percentage with two decimals, rounded half up; "0.00%" when whole is 0.
std::string percent_text(std::uint64_t part, std::uint64_t whole);
// "850 ms", "12.345 s", "2 min 5.000 s".
std::string duration_text(std::uint64_t ms);

// `s` cut to at most `limit` bytes on a UTF-8 boundary, "…" appended when cut.
std::string clipped(std::string_view s, std::size_t limit);

// `s` as HTML or XML 1.0 text or attribute value: & < > " ' escaped, bytes that are not UTF-8
// and control characters other than tab and line feed (which XML 1.0 cannot hold) shown as
// U+FFFD.
void append_markup(std::string& out, std::string_view s);
std::string markup(std::string_view s);
// `s` as the text of one GitHub Markdown table cell: HTML escaped as above (GitHub renders
// inline HTML), Markdown's punctuation backslash-escaped, '|' escaped and line breaks made
// spaces, so that a name can neither end the cell nor format or link anything.
std::string markdown_cell(std::string_view s);

}  // namespace salesproc::detail
