// The header row of a CSV input: where the columns the rules need sit. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace salesproc {

// Where the columns the rules need sit in the header.
struct header_layout {
    std::size_t columns = 0;
    std::size_t product = 0;
    std::size_t price = 0;
    std::size_t quantity = 0;
    // Rows longer than this are malformed_row whether or not they fit in a chunk, so the
    // outcome never depends on the chunk size (the chunker skips those that do not fit).
    std::size_t max_row_size = SIZE_MAX;
};

// Finds columns by name (trimmed, unquoted, any order; extra columns are ignored). A column from
// rules.required_fields, or one of product/price/quantity, that is absent is an error naming it
// and `source_name`.
result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name);

}  // namespace salesproc
