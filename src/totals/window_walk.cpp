// The indexed walk over a chunk's records, a 16 KiB window at a time (see totals/validator.hpp):
// the per-row hot path.
#include "salesproc/totals/validator.hpp"

#include "row_checker.hpp"

#include "salesproc/input/detail/structural_index.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace salesproc {

using detail::count_newlines;
using detail::is_blank;
using detail::row_checker;

namespace {

// The rows are indexed a window at a time, so the index stays in L1 next to the bytes it points
// into; a window always starts at a record start, outside quotes.
constexpr std::size_t window_bytes = std::size_t{16} << 10;

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

    // What one step of the walk did with the record at the walk's position.
    enum class step : std::uint8_t { taken, declined, overflow, window_end };

    // `Standard`: the columns are product, price, quantity in that order (Columns is then 3).
    // Each record goes to the first step that takes it: the plain record, the quoted product,
    // the general walk. The plain record (most rows) is decided inline; the other two steps are
    // calls of their own, which measured best: 1M rows, --threads 1, 362.0M instructions against
    // 358.9M for the walk as one 113-line function, and 364-372M with them inlined.
    template <std::size_t Columns, bool Standard>
    bool run(std::size_t& record_start) {
        const std::size_t columns = Columns != 0 ? Columns : layout.columns;
        std::size_t k = 0;
        for (;;) {
            // Most records are plain: exactly `columns` fields, no quote, nothing to trim. Those
            // take check.plain() right here; any other one (or one it declines) a later step.
            // (One column would make a blank line a record; such a file takes the general walk.)
            if (columns >= 2 && count - k >= columns) {
                const std::uint32_t* const e = index + k;
                bool plain = w[e[columns - 1]] == '\n';
                for (std::size_t c = 0; c + 1 < columns; ++c)
                    plain &= w[e[c]] == delimiter;
                if (plain) {
                    const auto handled = plain_record<Columns, Standard>(e, record_start);
                    if (handled == row_checker::outcome::overflow) return false;
                    if (handled == row_checker::outcome::added) {
                        ++line;
                        record_start = e[columns - 1] + 1;
                        k += columns;
                        continue;
                    }
                }
            }
            step s = Standard ? quoted_product(k, record_start) : step::declined;
            if (s == step::declined) s = general(k, record_start);
            if (s != step::taken) return s == step::window_end;
        }
    }

    // A record of exactly the header's columns split at its delimiters (offsets `e`), given to
    // check.plain().
    template <std::size_t Columns, bool Standard>
    [[gnu::always_inline]] row_checker::outcome plain_record(const std::uint32_t* e,
                                                             std::size_t record_start) {
        const std::size_t columns = Columns != 0 ? Columns : layout.columns;
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
        return Standard ? check.plain(field(0), field(1), field(2), record, line, roomy)
                        : check.plain(field(layout.product), field(layout.price),
                                      field(layout.quantity), record, line, roomy);
    }

    // A product that is one quoted field ("Halal Rug, Large",10.00,2), doubled quotes and all
    // ("Halal ""Premium"" Dates"), when no line break hides in the window: every quote is in the
    // index, and a doubled one is two adjacent quote offsets.
    [[gnu::noinline]] step quoted_product(std::size_t& k, std::size_t& record_start) {
        if (quoted_newline || count - k < 5) return step::declined;
        const std::uint32_t* const e = index + k;
        const bool opens = e[0] == record_start && w[e[0]] == '"';
        std::size_t q = 1;  // the closing quote's entry
        while (opens && q + 4 < count - k && w[e[q]] == '"' && e[q + 1] == e[q] + 1 &&
               w[e[q + 1]] == '"')
            q += 2;
        if (!opens || q + 3 >= count - k || w[e[q]] != '"' || e[q] + 1 != e[q + 1] ||
            w[e[q + 1]] != delimiter || w[e[q + 2]] != delimiter || w[e[q + 3]] != '\n')
            return step::declined;
        const char* const text = w + record_start;
        const char* const end = w + e[q + 3];
        const char* const last_end = end - (end[-1] == '\r');
        const std::string_view product =
            q == 1 ? std::string_view(w + e[0] + 1, e[1] - e[0] - 1) : check.unquote(w, e, q);
        const std::string_view price(w + e[q + 1] + 1, e[q + 2] - e[q + 1] - 1);
        const std::string_view quantity(w + e[q + 2] + 1,
                                        static_cast<std::size_t>(last_end - (w + e[q + 2] + 1)));
        if (product.data() == nullptr) return step::declined;
        const auto handled = check.plain(
            product, price, quantity, std::string_view(text, static_cast<std::size_t>(end - text)),
            line, roomy, false);
        return taken(handled, k, q + 4, record_start, e[q + 3]);
    }

    // A record check.plain() took (or overflowed on) spans `entries` offsets and ends at
    // `newline`; one it declined stays for the next step.
    [[gnu::always_inline]] step taken(row_checker::outcome handled, std::size_t& k,
                                      std::size_t entries, std::size_t& record_start,
                                      std::uint32_t newline) {
        if (handled == row_checker::outcome::overflow) return step::overflow;
        if (handled != row_checker::outcome::added) return step::declined;
        ++line;
        record_start = newline + 1;
        k += entries;
        return step::taken;
    }

    // Each record is the run of offsets up to its '\n': quotes mark their field as quoted,
    // delimiters end fields. This is tokenizer::next's loop, over the index.
    [[gnu::noinline]] step general(std::size_t& k, std::size_t& record_start) {
        std::size_t n = 0;
        std::uint64_t quoted_fields = 0;
        const char* field_start = w + record_start;
        std::size_t j = k;
        for (; j < count; ++j) {
            const char* at = w + index[j];
            if (*at == delimiter) {
                if (n < fields.size())
                    fields[n] =
                        std::string_view(field_start, static_cast<std::size_t>(at - field_start));
                ++n;
                field_start = at + 1;
            } else if (*at == '"') {
                quoted_fields |= std::uint64_t{1} << std::min<std::size_t>(n, 63);
            } else {
                break;  // '\n' outside quotes
            }
        }
        if (j == count) return step::window_end;  // the window ends inside this record
        const char* record_end = w + index[j];
        if (n < fields.size())
            fields[n] =
                std::string_view(field_start, static_cast<std::size_t>(record_end - field_start));
        ++n;
        rec.field_count = n;
        rec.unterminated_quote = false;
        rec.quoted_fields = quoted_fields;
        rec.text = std::string_view(w + record_start,
                                    static_cast<std::size_t>(record_end - (w + record_start)));
        // Every '\n' inside a record is inside quotes: only a quoted record can hold one.
        rec.quoted_newlines = quoted_fields == 0 || !quoted_newline ? 0 : count_newlines(rec.text);
        rec.blank = n == 1 && quoted_fields == 0 && is_blank(rec.text);
        if (!check(rec, fields, line)) return step::overflow;
        line += 1 + rec.quoted_newlines;
        record_start = index[j] + 1;
        k = j + 1;
        return step::taken;
    }
};

// Bytes of `text` that are not UTF-8, and the line of the first (`line` is text's first line),
// noted in `out` for the warning that suggests --encoding. Only texts with bytes above 0x7F
// come here.
void note_utf8(std::string_view text, std::uint64_t line, sales_aggregate& out) {
    std::uint64_t bad = 0;
    std::size_t first = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80U) {
            ++i;
            continue;
        }
        const std::size_t n = detail::utf8_sequence(text, i);
        if (n != 0) {
            i += n;
            continue;
        }
        if (bad++ == 0) first = i;
        ++i;
    }
    if (bad != 0) out.note_invalid_utf8(bad, line + count_newlines(text.substr(0, first)));
}

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
        detail::index_flags flags;
        const std::size_t window = std::min(window_bytes, size - pos);
        const std::size_t count =
            detail::index_structurals({w, window}, delimiter, index.data(), in_quotes, flags);
        const bool roomy =
            window <= layout.max_row_size && size - pos >= window + detail::quick_reach;
        const std::uint64_t window_line = line;
        window_walk walk{w,    index.data(),         count, layout, delimiter, fields, check, rec,
                         line, flags.quoted_newline, roomy};
        std::size_t record_start = 0;
        if (!(standard ? walk.run<3, true>(record_start) : walk.run<0, false>(record_start)))
            return false;
        if (record_start != 0) {
            if (flags.high_bytes) note_utf8({w, record_start}, window_line, out);
            pos += record_start;
            continue;
        }
        // No whole record in the window: one longer than the window, or the last one, which has
        // no '\n'. The tokenizer takes exactly that record.
        csv::tokenizer tok(std::string_view(w, size - pos), delimiter);
        tok.next(rec, fields);
        note_utf8(rec.text, line, out);
        if (!check(rec, fields, line)) return false;
        line += 1 + rec.quoted_newlines;
        pos = static_cast<std::size_t>(tok.position() - begin);
    }
    if (rejects != nullptr) rejects->set_lines(line);
    return true;
}

}  // namespace salesproc
