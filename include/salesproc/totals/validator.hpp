// A chunk's pass: every record judged by the rules and summed into a sales_aggregate, the rejects
// kept in a reject_batch. The per-chunk hot path. Stateless apart from per-thread scratch; safe
// to call from many threads on different chunks.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/chunker.hpp"
#include "salesproc/rules/header.hpp"
#include "salesproc/rules/reject_batch.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/aggregate.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

// Validates every record in `records` (whole records; the last may lack its '\n'), adding to
// `out`. Returns false when an exact total overflowed; out.overflowed_product() names it.
// With `rejects`, the rejects it wants go there, numbered from `first_line` (the line of the
// first record, counted from the batch's line 0), and its lines end up as the batch's lines().
bool validate_records(std::string_view records, const header_layout& layout, const rules& r,
                      sales_aggregate& out, reject_batch* rejects = nullptr,
                      std::uint64_t first_line = 0);

namespace detail {
// validate_records without the structural index and its shortcuts: each record split by
// csv::tokenizer. The same outcome by definition; tests and fuzzers hold the fast path to it.
bool validate_records_tokenized(std::string_view records, const header_layout& layout,
                                const rules& r, sales_aggregate& out,
                                reject_batch* rejects = nullptr, std::uint64_t first_line = 0);
}  // namespace detail

// One chunk as the pipeline validates it: the rows the chunker skipped (rejected as over
// layout.max_row_size) and then its records, into `out` and `rejects`, which it resets first.
bool validate_chunk(const chunk_buffer& chunk, const header_layout& layout, const rules& r,
                    const reject_options& options, sales_aggregate& out, reject_batch& rejects);

// Validates one record that is already split into fields (the API half's sales), adding to `out`.
// `*rejected_as`, when given, receives the reason of a rejected sale, or nothing.
// `json_numbers` says which fields are JSON numbers (see check_sale).
bool validate_fields(std::string_view product, std::string_view price, std::string_view quantity,
                     const rules& r, sales_aggregate& out,
                     std::optional<reject_reason>* rejected_as = nullptr,
                     unsigned json_numbers = 0);

}  // namespace salesproc
