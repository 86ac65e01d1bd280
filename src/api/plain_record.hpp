// An NDJSON line read without the push parser, when it is plain. Most lines of an export are
// objects of unescaped strings and plain numbers, and for them Boost.JSON's events and the
// handler's bookkeeping were three quarters of the work. Internal to salesproc_model; pure.
#pragma once

#include "record_fields.hpp"

#include <cstdint>
#include <string_view>

namespace salesproc::detail {

// Reads `line` (an NDJSON line from its first non-blank byte to its '\n', excluded) into
// `fields` (begun) when it is plain: one JSON object, then only whitespace; strings without a
// backslash, of valid UTF-8 and no control character; numbers without an exponent; at most 32
// levels deep. Such a line is valid RFC 8259 JSON, and the values given to `fields` are those
// the parser would give, in place in `line`. False for every other line (every invalid one
// among them), which must then be read by the parser: `fields` holds nothing of use.
bool read_plain_record(std::string_view line, record_fields& fields);

// A record's text (an NDJSON line, or an array element, from its first non-blank byte) whole in
// `readable`, the bytes being read: added to `out` as the parser would add it when it is plain
// and cannot be larger than max_record_size. `parse`: the parser must read it (`out` is as it
// was); `overflow`: an exact total overflowed (out.sales names the product).
enum class plain_outcome : std::uint8_t { added, parse, overflow };
struct plain_context {
    record_fields& fields;
    record_seen& rec;  // its quick rules set
    std::size_t max_record_size;
};
plain_outcome add_plain_record(std::string_view text, std::string_view readable, plain_context& c,
                               const rules& r, api_records& out);

}  // namespace salesproc::detail
