// What happens to one record of a chunk, however it was split: the rules' verdict, the sum, the
// reject kept. Shared by the indexed window walk (window_walk.cpp) and the plain tokenizer
// (validator.cpp); internal to salesproc_model, inlined into both hot loops.
#pragma once

#include "salesproc/base/detail/text.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/rules/detail/quick_sale.hpp"
#include "salesproc/totals/validator.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>
#include <string>

namespace salesproc::detail {

// The row as the rejects file shows it: without the CR of a CR LF line ending.
inline std::string_view row_text(std::string_view text) noexcept {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return text;
}

// Out of line and cold: the hot loop only tests rejects->wants().
// `text` is the record; `unquoted` when none of its fields holds a quote.
[[gnu::cold, gnu::noinline]] inline void keep_rule_reject(reject_batch& rejects, reject_reason why,
                                                          std::uint64_t line, std::string_view text,
                                                          bool unquoted, std::string_view product,
                                                          std::string_view price,
                                                          std::string_view quantity,
                                                          const rules& r) {
    char detail[reject_detail_bound];
    const char* end = write_reject_detail(detail, why, product, price, quantity, r);
    // A rule reject has every column, so several commas when ',' separates them; with no field
    // quoted, no quote at all.
    rejects.add(why, line, row_text(text),
                std::string_view(detail, static_cast<std::size_t>(end - detail)),
                unquoted && r.delimiter == ',');
}

[[gnu::cold, gnu::noinline]] inline void keep_malformed(reject_batch& rejects, std::uint64_t line,
                                                        const csv::record& rec,
                                                        const header_layout& layout) {
    std::string detail;
    std::string_view row = row_text(rec.text);
    if (rec.text.size() > layout.max_row_size) {
        detail = oversized_detail(rec.text.size(), layout.max_row_size);
        row = utf8_prefix(row, oversized_row_bytes);
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
                       std::optional<reject_reason>& rejected_as, std::string_view readable = {},
                       unsigned json_numbers = 0) {
    const sale_check c = check_sale(product, price, quantity, r, readable, json_numbers);
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
            scratch.reserve(fields[i].size() + quick_reach);
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
        switch (quick_check(quick_, product, price, quantity, amount, qty, why)) {
            case quick_outcome::valid:
                return out_.add_sale_short(product, amount, qty) ? outcome::added
                                                                 : outcome::overflow;
            case quick_outcome::rejected:
                out_.add_reject(why);
                if (rejects_ != nullptr && rejects_->wants(why)) [[unlikely]]
                    keep_rule_reject(*rejects_, why, line, text, unquoted, product, price, quantity,
                                     rules_);
                return outcome::added;
            case quick_outcome::unknown:
                break;
        }
        return outcome::not_plain;
    }

    // A value in the chunk's buffer, or in its scratch string, with quick_check's reach to spare.
    [[nodiscard]] bool readable(std::string_view value, std::size_t scratch) const noexcept {
        const std::string& room = scratch_[scratch];
        const auto at = reinterpret_cast<std::uintptr_t>(value.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(room.data());
        return inside(value) || (at >= begin && at - begin + quick_reach <= room.capacity());
    }

    // A field in the chunk's buffer with quick_check's reach to spare (not one in scratch).
    [[nodiscard]] bool inside(std::string_view field) const noexcept {
        const auto at = reinterpret_cast<std::uintptr_t>(field.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(records_.data());
        return at >= begin && at - begin + quick_reach <= records_.size();
    }

    const header_layout& layout_;
    const rules& rules_;
    sales_aggregate& out_;
    reject_batch* rejects_;
    std::string_view records_;
    quick_rules quick_;
    // Unquoting room for the three rule fields. Per thread, reused across chunks, so the hot
    // loop allocates nothing per row; looked up once per chunk, not per row (a thread_local
    // with a constructor costs a call on each use).
    std::array<std::string, 3>& scratch_;
    // unquote()'s room: products with doubled quotes up to this long take the quick path.
    static constexpr std::size_t unquoted_bytes = 256;
    std::array<char, unquoted_bytes + quick_reach> unquoted_{};

    static std::array<std::string, 3>& thread_scratch() {
        thread_local std::array<std::string, 3> scratch;
        return scratch;
    }
};

// Newlines are rare inside a record: memchr skips the rest at vector speed.
inline std::size_t count_newlines(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char *p = s.data(), *end = p + s.size();
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) !=
         nullptr;
         ++p)
        ++n;
    return n;
}

inline bool is_blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), csv::is_space);
}

}  // namespace salesproc::detail
