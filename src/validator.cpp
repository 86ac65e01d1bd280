#include "salesproc/validator.hpp"

#include "salesproc/csv.hpp"

#include <algorithm>
#include <span>
#include <vector>

namespace salesproc {

namespace {

// A column name as a message shows it: at most about 40 bytes, never cut inside UTF-8.
std::string shorten(const std::string& name) {
    if (name.size() <= 40) return name;
    std::size_t n = 40;
    while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0U) == 0x80U)
        --n;
    return name.substr(0, n) + "...";
}

}  // namespace

result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name) {
    if (csv::has_bare_cr(header))
        return make_error(errc::invalid_argument, source_name,
                          "line endings are CR only (classic Mac); salesproc reads LF or CR LF "
                          "line endings: convert with tr '\\r' '\\n'");
    std::vector<std::string> names;
    csv::tokenizer tok(header);
    csv::record rec;
    std::vector<std::string_view> raw(1);
    // The header may hold any number of columns: split it with a span as large as needed.
    {
        csv::tokenizer counter(header);
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
    for (const char* must : {"product", "price", "quantity"})
        if (std::find(required.begin(), required.end(), must) == required.end())
            required.emplace_back(must);
    for (const auto& name : required) {
        if (!find(name)) {
            std::string seen;
            for (std::size_t i = 0; i < names.size() && i < 10; ++i)
                seen += (i ? ", " : "") + shorten(names[i]);
            if (names.size() > 10) seen += ", ...";
            return make_error(errc::missing_column, source_name + ": column '" + name + "'",
                              "required column is missing from the header (found: " + seen + ")");
        }
    }
    return header_layout{names.size(), *find("product"), *find("price"), *find("quantity"),
                         SIZE_MAX};
}

namespace {

// Shared by the CSV and API halves; inlined into the per-row loop.
inline bool check_into(std::string_view product, std::string_view price, std::string_view quantity,
                       const rules& r, sales_aggregate& out) {
    const sale_check c = check_sale(product, price, quantity, r);
    if (c.outcome == sale_check::kind::valid) [[likely]]
        return out.add_sale(product, c.amount, c.quantity);
    if (c.outcome == sale_check::kind::rejected) {
        out.add_reject(c.reason);
        return true;
    }
    out.note_overflow(product);
    return false;
}

}  // namespace

bool validate_fields(std::string_view product, std::string_view price, std::string_view quantity,
                     const rules& r, sales_aggregate& out) {
    return check_into(product, price, quantity, r, out);
}

bool validate_records(std::string_view records, const header_layout& layout, const rules& r,
                      sales_aggregate& out) {
    // Per-thread scratch: reused across chunks, so the hot loop allocates nothing per row.
    thread_local std::vector<std::string_view> field_storage;
    thread_local std::string product_scratch, price_scratch, quantity_scratch;
    field_storage.resize(layout.columns);
    const std::span<std::string_view> fields(field_storage);

    csv::tokenizer tok(records);
    csv::record rec;
    while (tok.next(rec, fields)) {
        // Size first: the chunker skips an over-long line without looking at it, blank or not,
        // and the outcome must not depend on which of the two saw it (fuzzing found this).
        if (rec.text.size() > layout.max_row_size) {
            out.add_oversized_rows(1);
            continue;
        }
        if (rec.blank) continue;
        if (rec.field_count != layout.columns || rec.unterminated_quote) {
            out.add_reject(reject_reason::malformed_row);
            continue;
        }
        // Only fields that hold a quote need unquoting; the rest are trimmed in place.
        auto value = [&](std::size_t i, std::string& scratch) {
            const bool quoted = ((rec.quoted_fields >> std::min<std::size_t>(i, 63)) & 1U) != 0;
            return quoted ? csv::field_value(fields[i], scratch) : csv::trim(fields[i]);
        };
        if (!check_into(value(layout.product, product_scratch), value(layout.price, price_scratch),
                        value(layout.quantity, quantity_scratch), r, out))
            return false;
    }
    return true;
}

}  // namespace salesproc
