#include "salesproc/validator.hpp"

#include "salesproc/csv.hpp"
#include "salesproc/detail/text.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace salesproc {

result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name) {
    if (csv::has_bare_cr(header))
        return make_error(errc::invalid_argument, source_name,
                          "line endings are CR only (classic Mac); salesproc reads LF or CR LF "
                          "line endings: convert with tr '\\r' '\\n'");
    std::vector<std::string> names;
    csv::tokenizer tok(header, r.delimiter);
    csv::record rec;
    std::vector<std::string_view> raw(1);
    // The header may hold any number of columns: split it with a span as large as needed.
    {
        csv::tokenizer counter(header, r.delimiter);
        counter.next(rec, {});
        raw.resize(rec.field_count);
    }
    tok.next(rec, raw);
    std::string scratch;
    names.reserve(raw.size());
    for (auto f : raw)
        names.emplace_back(csv::field_value(f, scratch));

    auto find = [&](std::string_view name) -> std::optional<std::size_t> {
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) return std::nullopt;
        return static_cast<std::size_t>(it - names.begin());
    };
    std::vector<std::string> required = r.required_fields;
    for (const auto must : rule_field_names)
        if (std::find(required.begin(), required.end(), must) == required.end())
            required.emplace_back(must);
    for (const auto& field : required) {
        const std::string& column = r.column_for(field);
        if (!find(column)) {
            std::string seen;
            for (std::size_t i = 0; i < names.size() && i < 10; ++i)
                seen += (i ? ", " : "") + detail::shorten(names[i]);
            if (names.size() > 10) seen += ", ...";
            // A mapped field names both: the field the rules need and the column looked for.
            const std::string context =
                column == field ? source_name + ": column '" + column + "'"
                                : source_name + ": field '" + field + "' (column '" + column + "')";
            std::string reason = "required column is missing from the header (found: " + seen + ")";
            if (names.size() == 1 && r.delimiter != ',' && header.find(',') != header.npos)
                reason += "; the header has commas but --delimiter is '" +
                          delimiter_name(r.delimiter) + "'";
            else if (names.size() == 1 && r.delimiter == ',')
                for (const char d : {';', '\t', '|'})
                    if (header.find(d) != header.npos) {
                        reason += "; the header looks " + delimiter_name(d) +
                                  "-separated: try --delimiter " +
                                  (d == '\t' ? std::string("tab") : "'" + std::string(1, d) + "'");
                        break;
                    }
            return make_error(errc::missing_column, context, reason);
        }
    }
    return header_layout{names.size(), *find(r.column(rule_field::product)),
                         *find(r.column(rule_field::price)), *find(r.column(rule_field::quantity)),
                         SIZE_MAX};
}

namespace {

// The row as the rejects file shows it: without the CR of a CR LF line ending.
std::string_view row_text(std::string_view text) noexcept {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return text;
}

// Out of line and cold: the hot loop only tests rejects->wants().
[[gnu::cold, gnu::noinline]] void keep_rule_reject(reject_batch& rejects, reject_reason why,
                                                   std::uint64_t line, const csv::record& rec,
                                                   std::string_view product, std::string_view price,
                                                   std::string_view quantity, const rules& r) {
    char detail[reject_detail_bound];
    const char* end = write_reject_detail(detail, why, product, price, quantity, r);
    // A rule reject has every column, so several commas when ',' separates them; with no field
    // quoted, no quote at all.
    rejects.add(why, line, row_text(rec.text),
                std::string_view(detail, static_cast<std::size_t>(end - detail)),
                rec.quoted_fields == 0 && r.delimiter == ',');
}

[[gnu::cold, gnu::noinline]] void keep_malformed(reject_batch& rejects, std::uint64_t line,
                                                 const csv::record& rec,
                                                 const header_layout& layout) {
    std::string detail;
    std::string_view row = row_text(rec.text);
    if (rec.text.size() > layout.max_row_size) {
        detail = oversized_detail(rec.text.size(), layout.max_row_size);
        row = detail::utf8_prefix(row, oversized_row_bytes);
    } else if (rec.unterminated_quote) {
        detail = "a quoted field is not closed before the end of the input";
    } else {
        detail = "expected " + std::to_string(layout.columns) + " fields, found " +
                 std::to_string(rec.field_count);
    }
    rejects.add(reject_reason::malformed_row, line, row, detail);
}

// Shared by the CSV and API halves; inlined into the per-row loop.
inline bool check_into(std::string_view product, std::string_view price, std::string_view quantity,
                       const rules& r, sales_aggregate& out,
                       std::optional<reject_reason>& rejected_as) {
    const sale_check c = check_sale(product, price, quantity, r);
    if (c.outcome == sale_check::kind::valid) [[likely]]
        return out.add_sale(product, c.amount, c.quantity);
    if (c.outcome == sale_check::kind::rejected) {
        out.add_reject(c.reason);
        rejected_as = c.reason;
        return true;
    }
    out.note_overflow(product);
    return false;
}

}  // namespace

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
                     std::optional<reject_reason>* rejected_as) {
    std::optional<reject_reason> why;
    const bool fits = check_into(product, price, quantity, r, out, why);
    if (rejected_as != nullptr) *rejected_as = why;
    return fits;
}

bool validate_records(std::string_view records, const header_layout& layout, const rules& r,
                      sales_aggregate& out, reject_batch* rejects, std::uint64_t first_line) {
    // Per-thread scratch: reused across chunks, so the hot loop allocates nothing per row.
    thread_local std::vector<std::string_view> field_storage;
    thread_local std::string product_scratch, price_scratch, quantity_scratch;
    field_storage.resize(layout.columns);
    const std::span<std::string_view> fields(field_storage);

    csv::tokenizer tok(records, r.delimiter);
    csv::record rec;
    // Physical lines, counted from the tokenizer's own record ends and quoted newlines: no
    // second scan of the chunk.
    std::uint64_t next_line = first_line;
    while (tok.next(rec, fields)) {
        const std::uint64_t line = next_line;
        next_line += 1 + rec.quoted_newlines;
        // Size first: the chunker skips an over-long line without looking at it, blank or not,
        // and the outcome must not depend on which of the two saw it (fuzzing found this).
        if (rec.text.size() > layout.max_row_size) {
            out.add_oversized_rows(1);
            if (rejects != nullptr && rejects->wants(reject_reason::malformed_row))
                keep_malformed(*rejects, line, rec, layout);
            continue;
        }
        if (rec.blank) continue;
        if (rec.field_count != layout.columns || rec.unterminated_quote) {
            out.add_reject(reject_reason::malformed_row);
            if (rejects != nullptr && rejects->wants(reject_reason::malformed_row))
                keep_malformed(*rejects, line, rec, layout);
            continue;
        }
        // Only fields that hold a quote need unquoting; the rest are trimmed in place.
        auto value = [&](std::size_t i, std::string& scratch) {
            const bool quoted = ((rec.quoted_fields >> std::min<std::size_t>(i, 63)) & 1U) != 0;
            return quoted ? csv::field_value(fields[i], scratch) : csv::trim(fields[i]);
        };
        const std::string_view product = value(layout.product, product_scratch);
        const std::string_view price = value(layout.price, price_scratch);
        const std::string_view quantity = value(layout.quantity, quantity_scratch);
        std::optional<reject_reason> why;
        if (!check_into(product, price, quantity, r, out, why)) return false;
        if (why && rejects != nullptr && rejects->wants(*why)) [[unlikely]]
            keep_rule_reject(*rejects, *why, line, rec, product, price, quantity, r);
    }
    if (rejects != nullptr) rejects->set_lines(next_line);
    return true;
}

}  // namespace salesproc
