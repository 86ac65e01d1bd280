// The chunk's pass over its records (see totals/validator.hpp): the entry points, and the plain
// tokenizer path the indexed walk is held to. The walk itself is window_walk.cpp.
#include "salesproc/totals/validator.hpp"

#include "row_checker.hpp"

#include <vector>

namespace salesproc {

using detail::check_into;
using detail::row_checker;

bool validate_chunk(const chunk_buffer& chunk, const header_layout& layout, const rules& r,
                    const reject_options& options, sales_aggregate& out, reject_batch& rejects) {
    out.clear();
    rejects.reset(options);
    // The chunker counts its skipped rows itself (chunker::oversized_rows); here they are only
    // listed, in their place before the chunk's records.
    for (const auto& row : chunk.skipped())
        if (rejects.wants(reject_reason::malformed_row))
            rejects.add(reject_reason::malformed_row, row.line, row.head,
                        oversized_detail(row.size, layout.max_row_size));
    return validate_records(chunk.records(), layout, r, out, &rejects, chunk.lines_before());
}

bool validate_fields(std::string_view product, std::string_view price, std::string_view quantity,
                     const rules& r, sales_aggregate& out,
                     std::optional<reject_reason>* rejected_as, unsigned json_numbers) {
    std::optional<reject_reason> why;
    const bool fits = check_into(product, price, quantity, r, out, why, {}, json_numbers);
    if (rejected_as != nullptr) *rejected_as = why;
    return fits;
}

namespace {

// Every record through csv::tokenizer and row_checker alone: what the indexed walk must equal.
bool validate_tokenized(std::string_view records, const header_layout& layout, const rules& r,
                        sales_aggregate& out, reject_batch* rejects, std::uint64_t first_line) {
    std::vector<std::string_view> fields(layout.columns);
    row_checker check(layout, r, out, rejects, records);
    csv::tokenizer tok(records, r.delimiter);
    csv::record rec;
    std::uint64_t line = first_line;
    while (tok.next(rec, fields)) {
        if (!check(rec, fields, line)) return false;
        line += 1 + rec.quoted_newlines;
    }
    if (rejects != nullptr) rejects->set_lines(line);
    return true;
}

}  // namespace

namespace detail {

bool validate_records_tokenized(std::string_view records, const header_layout& layout,
                                const rules& r, sales_aggregate& out, reject_batch* rejects,
                                std::uint64_t first_line) {
    return validate_tokenized(records, layout, r, out, rejects, first_line);
}

}  // namespace detail

}  // namespace salesproc
