// Where a JSON text's structure lies, strings aside: the offsets of '[', '{', ']', '}' and ','
// outside strings, found 64 bytes at a time (SSE2; a block holding a backslash goes byte by byte).
// A quote opens or closes a string; a backslash escapes the byte after it, anywhere: outside a
// string it is a syntax error the parser reports, so nothing after it matters. The state carries
// across calls. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace salesproc::detail {

// RFC 8259's whitespace, and the UTF-8 byte-order mark a body may start with (8.1): shared by
// the body reader and the cutter, which must agree on both.
constexpr bool is_json_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

struct json_scan_state {
    bool in_string = false;
    bool escaped = false;  // the next byte is escaped
};

// Writes the offsets (from data's start) to `out`, which has room for data.size() of them, and
// returns how many there are.
std::size_t index_json_structurals(std::string_view data, std::uint32_t* out,
                                   json_scan_state& state) noexcept;
// The same, byte by byte: the reference the tests hold the fast one to.
std::size_t index_json_structurals_scalar(std::string_view data, std::uint32_t* out,
                                          json_scan_state& state) noexcept;

}  // namespace salesproc::detail
