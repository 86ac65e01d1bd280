// The header row of a CSV input: where the columns the rules need sit. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

    // A field read from a column whose name only loosely matched (case, surrounding spaces):
    // worth an info line.
    struct loose_match {
        std::string field;
        std::string column;    // as the header spells it
        std::size_t position;  // 1-based
    };
    std::vector<loose_match> loose;
};

// Two column names (or API keys) that match loosely: equal once surrounding whitespace
// (U+00A0 NO-BREAK SPACE and a byte-order mark included) is trimmed and ASCII case ignored.
bool loosely_equal(std::string_view a, std::string_view b) noexcept;

// Finds each needed column (rules.required_fields, and product, price, quantity through their
// mapped columns). A column "#N" is the N-th (1-based). Otherwise an exact name wins; failing
// that, the one column whose name matches loosely (noted in `loose`). Errors (naming
// `source_name` and the field): a column that is missing (with the --field to try for the
// closest name), a name two columns match loosely, a field read from a name the header holds
// twice (naming the positions), a position past the last column.
result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name);

}  // namespace salesproc
