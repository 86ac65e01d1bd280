#include "salesproc/rules/validator.hpp"

#include "salesproc/input/csv.hpp"
#include "salesproc/rules/detail/quick_sale.hpp"
#include "salesproc/input/detail/structural_index.hpp"
#include "salesproc/base/detail/text.hpp"

#include <algorithm>
#include <array>
#include <cstring>
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
// `text` is the record; `unquoted` when none of its fields holds a quote.
[[gnu::cold, gnu::noinline]] void keep_rule_reject(reject_batch& rejects, reject_reason why,
                                                   std::uint64_t line, std::string_view text,
                                                   bool unquoted, std::string_view product,
                                                   std::string_view price,
                                                   std::string_view quantity, const rules& r) {
    char detail[reject_detail_bound];
    const char* end = write_reject_detail(detail, why, product, price, quantity, r);
    // A rule reject has every column, so several commas when ',' separates them; with no field
    // quoted, no quote at all.
    rejects.add(why, line, row_text(text),
                std::string_view(detail, static_cast<std::size_t>(end - detail)),
                unquoted && r.delimiter == ',');
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
                       std::optional<reject_reason>& rejected_as, std::string_view readable = {}) {
    const sale_check c = check_sale(product, price, quantity, r, readable);
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

namespace {

// The rows are indexed a window at a time, so the index stays in L1 next to the bytes it points
// into; a window always starts at a record start, outside quotes.
constexpr std::size_t window_bytes = std::size_t{16} << 10;

// What happens to one record, however it was split: shared by the indexed walk and the scalar
// tokenizer that takes the rare record longer than a window (or the unterminated last one).
class row_checker {
  public:
    // `records` is the buffer every unquoted field points into.
    row_checker(const header_layout& layout, const rules& r, sales_aggregate& out,
                reject_batch* rejects, std::string_view records)
        : layout_(layout),
          rules_(r),
          out_(out),
          rejects_(rejects),
          records_(records),
          quick_(r),
          scratch_(thread_scratch()) {}

    // False when an exact total overflowed.
    bool operator()(const csv::record& rec, std::span<const std::string_view> fields,
                    std::uint64_t line) {
        // Size first: the chunker skips an over-long line without looking at it, blank or not,
        // and the outcome must not depend on which of the two saw it (fuzzing found this).
        if (rec.text.size() > layout_.max_row_size) [[unlikely]] {
            out_.add_oversized_rows(1);
            if (rejects_ != nullptr && rejects_->wants(reject_reason::malformed_row))
                keep_malformed(*rejects_, line, rec, layout_);
            return true;
        }
        if (rec.blank) return true;
        if (rec.field_count != layout_.columns || rec.unterminated_quote) [[unlikely]] {
            out_.add_reject(reject_reason::malformed_row);
            if (rejects_ != nullptr && rejects_->wants(reject_reason::malformed_row))
                keep_malformed(*rejects_, line, rec, layout_);
            return true;
        }
        // Only fields that hold a quote need unquoting; the rest are trimmed in place. Scratch
        // keeps quick_check's reach beyond any value, so an unquoted value is checked quickly too.
        auto value = [&](std::size_t i, std::string& scratch) {
            const bool quoted = ((rec.quoted_fields >> std::min<std::size_t>(i, 63)) & 1U) != 0;
            if (!quoted) return csv::trim(fields[i]);
            scratch.reserve(fields[i].size() + detail::quick_reach);
            return csv::field_value(fields[i], scratch);
        };
        const std::string_view product = value(layout_.product, scratch_[0]);
        const std::string_view price = value(layout_.price, scratch_[1]);
        const std::string_view quantity = value(layout_.quantity, scratch_[2]);
        // The common rows in a few loads; the rest is check_sale's.
        if (readable(product, 0) && readable(price, 1) && readable(quantity, 2)) [[likely]] {
            const outcome quick =
                decide_quickly(product, price, quantity, rec.text, rec.quoted_fields == 0, line);
            if (quick != outcome::not_plain) return quick == outcome::added;
        }
        return check_fully(product, price, quantity, rec.text, rec.quoted_fields == 0, line) !=
               outcome::overflow;
    }

    enum class outcome : std::uint8_t { added, not_plain, overflow };

    // A record of exactly the header's columns split at its delimiters (the CR of a CR LF line
    // already cut from the last field); `unquoted` when it holds no quote, else `product` is the
    // inside of a field that was one quoted run. `added` when quick_check decided it, and it is
    // now counted; `not_plain` leaves it untouched for operator().
    // `roomy`: the caller knows the record is within --max-row-size and has quick_check's reach.
    [[gnu::always_inline]] outcome plain(std::string_view product, std::string_view price,
                                         std::string_view quantity, std::string_view text,
                                         std::uint64_t line, bool roomy, bool unquoted = true) {
        // The product is the one value trimmed here: a price or quantity with surrounding
        // whitespace is not one of quick_check's shapes, so check_sale trims it. Both ends above
        // ' ' in one compare: a byte at or below it wraps past 255.
        const unsigned front = static_cast<unsigned char>(product.front());
        const unsigned back = static_cast<unsigned char>(product.back());
        const bool untrimmed = product.empty() || ((front - 33U) | (back - 33U)) < 256U;
        if (!untrimmed ||
            (!roomy && (text.size() > layout_.max_row_size || !inside(text.substr(text.size())))))
            [[unlikely]]
            return outcome::not_plain;
        const outcome quick = decide_quickly(product, price, quantity, text, unquoted, line);
        if (quick != outcome::not_plain) [[likely]]
            return quick;
        // The shapes quick_check leaves, here rather than after a second walk of the record.
        return check_fully(product, csv::trim(price), csv::trim(quantity), text, unquoted, line);
    }

    // The inside of a quoted field whose quotes are the offsets e[0] (opening), the pairs
    // e[1..q) (doubled quotes, each pair adjacent) and e[q] (closing), with each pair taken as one
    // quote; in a buffer with quick_check's reach to spare. A null view when it does not fit.
    std::string_view unquote(const char* w, const std::uint32_t* e, std::size_t q) noexcept {
        const std::size_t size = e[q] - e[0] - 1 - (q - 1) / 2;
        if (size > unquoted_bytes) return {};
        char* out = unquoted_.data();
        std::uint32_t from = e[0] + 1;
        for (std::size_t i = 1; i < q; i += 2) {
            // Up to and with the first quote of the pair; the second one is skipped.
            std::memcpy(out, w + from, e[i] + 1 - from);
            out += e[i] + 1 - from;
            from = e[i + 1] + 1;
        }
        std::memcpy(out, w + from, e[q] - from);
        return {unquoted_.data(), size};
    }

  private:
    // Every rule, by check_sale, on trimmed and unquoted values; `added` or `overflow`.
    outcome check_fully(std::string_view product, std::string_view price, std::string_view quantity,
                        std::string_view text, bool unquoted, std::uint64_t line) {
        std::optional<reject_reason> why;
        if (!check_into(product, price, quantity, rules_, out_, why, records_))
            return outcome::overflow;
        if (why && rejects_ != nullptr && rejects_->wants(*why)) [[unlikely]]
            keep_rule_reject(*rejects_, *why, line, text, unquoted, product, price, quantity,
                             rules_);
        return outcome::added;
    }

    // quick_check's verdict applied; `not_plain` when it has none. Inlined into both callers:
    // it is the per-row work.
    [[gnu::always_inline]] outcome decide_quickly(std::string_view product, std::string_view price,
                                                  std::string_view quantity, std::string_view text,
                                                  bool unquoted, std::uint64_t line) {
        int128 amount = 0;
        std::uint64_t qty = 0;
        reject_reason why = reject_reason::malformed_row;
        switch (detail::quick_check(quick_, product, price, quantity, amount, qty, why)) {
            case detail::quick_outcome::valid:
                return out_.add_sale_short(product, amount, qty) ? outcome::added
                                                                 : outcome::overflow;
            case detail::quick_outcome::rejected:
                out_.add_reject(why);
                if (rejects_ != nullptr && rejects_->wants(why)) [[unlikely]]
                    keep_rule_reject(*rejects_, why, line, text, unquoted, product, price, quantity,
                                     rules_);
                return outcome::added;
            case detail::quick_outcome::unknown:
                break;
        }
        return outcome::not_plain;
    }

    // A value in the chunk's buffer, or in its scratch string, with quick_check's reach to spare.
    [[nodiscard]] bool readable(std::string_view value, std::size_t scratch) const noexcept {
        const std::string& room = scratch_[scratch];
        const auto at = reinterpret_cast<std::uintptr_t>(value.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(room.data());
        return inside(value) ||
               (at >= begin && at - begin + detail::quick_reach <= room.capacity());
    }

    // A field in the chunk's buffer with quick_check's reach to spare (not one in scratch).
    [[nodiscard]] bool inside(std::string_view field) const noexcept {
        const auto at = reinterpret_cast<std::uintptr_t>(field.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(records_.data());
        return at >= begin && at - begin + detail::quick_reach <= records_.size();
    }

    const header_layout& layout_;
    const rules& rules_;
    sales_aggregate& out_;
    reject_batch* rejects_;
    std::string_view records_;
    detail::quick_rules quick_;
    // Unquoting room for the three rule fields. Per thread, reused across chunks, so the hot
    // loop allocates nothing per row; looked up once per chunk, not per row (a thread_local
    // with a constructor costs a call on each use).
    std::array<std::string, 3>& scratch_;
    // unquote()'s room: products with doubled quotes up to this long take the quick path.
    static constexpr std::size_t unquoted_bytes = 256;
    std::array<char, unquoted_bytes + detail::quick_reach> unquoted_{};

    static std::array<std::string, 3>& thread_scratch() {
        thread_local std::array<std::string, 3> scratch;
        return scratch;
    }
};

// Newlines are rare inside a record: memchr skips the rest at vector speed.
std::size_t count_newlines(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char *p = s.data(), *end = p + s.size();
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) !=
         nullptr;
         ++p)
        ++n;
    return n;
}

bool is_blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), csv::is_space);
}

}  // namespace

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

namespace {

// One window's whole records, walked through the structural index. `Columns` is the header's
// column count when it is known at compile time (the common product,price,quantity file), or 0.
// Leaves `record_start` at the first record the window does not hold whole; false on overflow.
struct window_walk {
    const char* w;               // the window
    const std::uint32_t* index;  // its structural offsets
    std::size_t count;           // how many
    const header_layout& layout;
    char delimiter;
    std::span<std::string_view> fields;
    row_checker& check;
    csv::record& rec;
    std::uint64_t& line;
    bool quoted_newline;  // the window has a '\n' inside quotes somewhere
    // Every record the window holds whole is within --max-row-size and has quick_check's reach
    // in the buffer: checked once here instead of once a row.
    bool roomy;

    // `Standard`: the columns are product, price, quantity in that order (Columns is then 3).
    template <std::size_t Columns, bool Standard>
    bool run(std::size_t& record_start) {
        const std::size_t columns = Columns != 0 ? Columns : layout.columns;
        std::size_t k = 0;
        for (;;) {
            // Most records are plain: exactly `columns` fields, no quote, nothing to trim. Those
            // take check.plain(); any other one (or one it declines) the general walk below.
            // (One column would make a blank line a record; such a file takes the walk below.)
            if (columns >= 2 && count - k >= columns) {
                const std::uint32_t* const e = index + k;
                bool plain = w[e[columns - 1]] == '\n';
                for (std::size_t c = 0; c + 1 < columns; ++c)
                    plain &= w[e[c]] == delimiter;
                if (plain) {
                    const char* const text = w + record_start;
                    const char* const end = w + e[columns - 1];
                    // trim() would drop the CR of a CR LF line; only the last field holds it.
                    const char* const last_end = end - (end != text && end[-1] == '\r');
                    auto field = [&](std::size_t c) {
                        const char* from = c == 0 ? text : w + e[c - 1] + 1;
                        const char* to = c + 1 == columns ? last_end : w + e[c];
                        return std::string_view(from, static_cast<std::size_t>(to - from));
                    };
                    const std::string_view record(text, static_cast<std::size_t>(end - text));
                    const auto handled =
                        Standard ? check.plain(field(0), field(1), field(2), record, line, roomy)
                                 : check.plain(field(layout.product), field(layout.price),
                                               field(layout.quantity), record, line, roomy);
                    if (handled == row_checker::outcome::overflow) return false;
                    if (handled == row_checker::outcome::added) {
                        ++line;
                        record_start = e[columns - 1] + 1;
                        k += columns;
                        continue;
                    }
                }
            }
            // A product that is one quoted field ("Halal Rug, Large",10.00,2), doubled quotes and
            // all ("Halal ""Premium"" Dates"), when no line break hides in the window: every quote
            // is in the index, and a doubled one is two adjacent quote offsets.
            if (Standard && !quoted_newline && count - k >= 5) {
                const std::uint32_t* const e = index + k;
                const bool opens = e[0] == record_start && w[e[0]] == '"';
                std::size_t q = 1;  // the closing quote's entry
                while (opens && q + 4 < count - k && w[e[q]] == '"' && e[q + 1] == e[q] + 1 &&
                       w[e[q + 1]] == '"')
                    q += 2;
                if (opens && q + 3 < count - k && w[e[q]] == '"' && e[q] + 1 == e[q + 1] &&
                    w[e[q + 1]] == delimiter && w[e[q + 2]] == delimiter && w[e[q + 3]] == '\n') {
                    const char* const text = w + record_start;
                    const char* const end = w + e[q + 3];
                    const char* const last_end = end - (end[-1] == '\r');
                    const std::string_view product =
                        q == 1 ? std::string_view(w + e[0] + 1, e[1] - e[0] - 1)
                               : check.unquote(w, e, q);
                    const std::string_view price(w + e[q + 1] + 1, e[q + 2] - e[q + 1] - 1);
                    const std::string_view quantity(
                        w + e[q + 2] + 1, static_cast<std::size_t>(last_end - (w + e[q + 2] + 1)));
                    const auto handled =
                        product.data() == nullptr
                            ? row_checker::outcome::not_plain
                            : check.plain(
                                  product, price, quantity,
                                  std::string_view(text, static_cast<std::size_t>(end - text)),
                                  line, roomy, false);
                    if (handled == row_checker::outcome::overflow) return false;
                    if (handled == row_checker::outcome::added) {
                        ++line;
                        record_start = e[q + 3] + 1;
                        k += q + 4;
                        continue;
                    }
                }
            }
            // Each record is the run of offsets up to its '\n': quotes mark their field as
            // quoted, delimiters end fields. This is tokenizer::next's loop, over the index.
            std::size_t n = 0;
            std::uint64_t quoted_fields = 0;
            const char* field_start = w + record_start;
            std::size_t j = k;
            for (; j < count; ++j) {
                const char* at = w + index[j];
                if (*at == delimiter) {
                    if (n < fields.size())
                        fields[n] = std::string_view(field_start,
                                                     static_cast<std::size_t>(at - field_start));
                    ++n;
                    field_start = at + 1;
                } else if (*at == '"') {
                    quoted_fields |= std::uint64_t{1} << std::min<std::size_t>(n, 63);
                } else {
                    break;  // '\n' outside quotes
                }
            }
            if (j == count) return true;  // the window ends inside this record
            const char* record_end = w + index[j];
            if (n < fields.size())
                fields[n] = std::string_view(field_start,
                                             static_cast<std::size_t>(record_end - field_start));
            ++n;
            rec.field_count = n;
            rec.unterminated_quote = false;
            rec.quoted_fields = quoted_fields;
            rec.text = std::string_view(w + record_start,
                                        static_cast<std::size_t>(record_end - (w + record_start)));
            // Every '\n' inside a record is inside quotes: only a quoted record can hold one.
            rec.quoted_newlines =
                quoted_fields == 0 || !quoted_newline ? 0 : count_newlines(rec.text);
            rec.blank = n == 1 && quoted_fields == 0 && is_blank(rec.text);
            if (!check(rec, fields, line)) return false;
            line += 1 + rec.quoted_newlines;
            record_start = index[j] + 1;
            k = j + 1;
        }
    }
};

}  // namespace

bool validate_records(std::string_view records, const header_layout& layout, const rules& r,
                      sales_aggregate& out, reject_batch* rejects, std::uint64_t first_line) {
    thread_local std::vector<std::string_view> field_storage;
    thread_local std::vector<std::uint32_t> index(window_bytes + detail::structural_slack);
    field_storage.resize(layout.columns);
    const std::span<std::string_view> fields(field_storage);
    row_checker check(layout, r, out, rejects, records);
    const char delimiter = r.delimiter;

    const bool standard =
        layout.columns == 3 && layout.product == 0 && layout.price == 1 && layout.quantity == 2;
    csv::record rec;
    const char* const begin = records.data();
    const std::size_t size = records.size();
    std::size_t pos = 0;
    // Physical lines, counted from the record ends and the line breaks inside quotes: no second
    // scan of the chunk.
    std::uint64_t line = first_line;
    while (pos < size) {
        const char* const w = begin + pos;
        bool in_quotes = false;
        bool quoted_newline = false;
        const std::size_t window = std::min(window_bytes, size - pos);
        const std::size_t count = detail::index_structurals({w, window}, delimiter, index.data(),
                                                            in_quotes, quoted_newline);
        const bool roomy =
            window <= layout.max_row_size && size - pos >= window + detail::quick_reach;
        window_walk walk{w,     index.data(), count, layout,         delimiter, fields,
                         check, rec,          line,  quoted_newline, roomy};
        std::size_t record_start = 0;
        if (!(standard ? walk.run<3, true>(record_start) : walk.run<0, false>(record_start)))
            return false;
        if (record_start != 0) {
            pos += record_start;
            continue;
        }
        // No whole record in the window: one longer than the window, or the last one, which has
        // no '\n'. The tokenizer takes exactly that record.
        csv::tokenizer tok(std::string_view(w, size - pos), delimiter);
        tok.next(rec, fields);
        if (!check(rec, fields, line)) return false;
        line += 1 + rec.quoted_newlines;
        pos = static_cast<std::size_t>(tok.position() - begin);
    }
    if (rejects != nullptr) rejects->set_lines(line);
    return true;
}

}  // namespace salesproc
