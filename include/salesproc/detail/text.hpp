// Small text encoders shared by the rejects file, the report samples and the API records:
// JSON string escaping, CSV field quoting and cutting on a UTF-8 boundary. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace salesproc::detail {

// Appends `s` as a JSON string literal, quotes included. Bytes that are not valid UTF-8 become
// U+FFFD, so the output is always valid JSON whatever the input file held.
void append_json_string(std::string& out, std::string_view s);

// Appends `s` as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma,
// a quote, a line break or surrounding whitespace (which a trimming reader would lose).
void append_csv_field(std::string& out, std::string_view s);

// The longest prefix of `s` of at most `limit` bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t limit) noexcept;

// `s` for a one-line message: at most `limit` bytes (cut on a UTF-8 boundary, "..." appended).
std::string shorten(std::string_view s, std::size_t limit = 40);
void append_shortened(std::string& out, std::string_view s, std::size_t limit = 40);

}  // namespace salesproc::detail
