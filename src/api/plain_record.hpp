// An NDJSON line read without the push parser, when it is plain. Most lines of an export are
// objects of unescaped strings and plain numbers, and for them Boost.JSON's events and the
// handler's bookkeeping were three quarters of the work. Internal to salesproc_model; pure.
#pragma once

#include "record_fields.hpp"

#include <string_view>

namespace salesproc::detail {

// Reads `line` (an NDJSON line from its first non-blank byte to its '\n', excluded) into
// `fields` (begun) when it is plain: one JSON object, then only whitespace; strings without a
// backslash, of valid UTF-8 and no control character; numbers without an exponent; at most 32
// levels deep. Such a line is valid RFC 8259 JSON, and the values given to `fields` are those
// the parser would give, in place in `line`. False for every other line (every invalid one
// among them), which must then be read by the parser: `fields` holds nothing of use.
bool read_plain_record(std::string_view line, record_fields& fields);

}  // namespace salesproc::detail
