#include "salesproc/output/rejects.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/rules/money.hpp"

#include <charconv>
#include <cstring>
#include <utility>

namespace salesproc {
namespace {

constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
// Room past buffer_bytes for the line that crosses it: a line is at most a few KiB (rows over
// --max-row-size are cut), and a longer one only makes the buffer grow once.
constexpr std::size_t buffer_slack = std::size_t{64} << 10;

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Detail text is written through a plain pointer into room of reject_detail_bound bytes: every
// piece is a constant, a number or a value cut to 43 bytes.
char* put(char* out, std::string_view s) noexcept {
    return detail::copy_bytes(out, s.data(), s.size());
}

char* put_shortened(char* out, std::string_view value) noexcept {
    constexpr std::size_t limit = 40;
    if (value.size() <= limit) return put(out, value);
    out = put(out, detail::utf8_prefix(value, limit));
    return put(out, "...");
}

char* put_quoted(char* out, std::string_view value) noexcept {
    *out++ = '\'';
    out = put_shortened(out, value);
    *out++ = '\'';
    return out;
}

char* put_number(char* out, std::uint64_t v) noexcept {
    return std::to_chars(out, out + 20, v).ptr;
}

}  // namespace

rejects_format rejects_format_for(std::string_view path) noexcept {
    return ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ? rejects_format::jsonl
                                                                   : rejects_format::csv;
}

char* write_reject_detail(char* out, reject_reason why, std::string_view product,
                          std::string_view price, std::string_view quantity,
                          const rules& r) noexcept {
    switch (why) {
        case reject_reason::malformed_row:
            return put(out, "not a sale");
        case reject_reason::missing_product:
            return put(out, "product is empty");
        case reject_reason::bad_prefix:
            out = put(out, "product ");
            out = put_quoted(out, product);
            out = put(out, " does not start with ");
            return put_quoted(out, r.product_prefix);
        case reject_reason::bad_price:
            if (price.empty()) return put(out, "price is empty");
            out = put(out, "price ");
            out = put_quoted(out, price);
            return put(out, " is not a plain decimal number");
        case reject_reason::price_below_min: {
            // The most common reject in real exports: its constant part is formatted once.
            thread_local fixed_point cached{-1, 0};
            thread_local std::string min_text;
            if (cached.units != r.min_price.units || cached.scale != r.min_price.scale) {
                cached = r.min_price;
                min_text = format_units(r.min_price.units, r.min_price.scale);
            }
            out = put(out, "price ");
            out = put_shortened(out, price);
            out = put(out, " is below min_price ");
            return put(out, min_text);
        }
        case reject_reason::too_many_decimals: {
            const auto d = parse_decimal_text(price);
            out = put(out, "price ");
            out = put_shortened(out, price);
            out = put(out, " has ");
            out = put_number(out, d ? d->frac_digits.size() : 0);
            out = put(out, " decimals, more than max_decimals ");
            return put_number(out, r.max_decimals);
        }
        case reject_reason::bad_quantity:
            if (quantity.empty()) return put(out, "quantity is empty");
            out = put(out, "quantity ");
            out = put_quoted(out, quantity);
            return put(out, " is not an integer");
        case reject_reason::quantity_out_of_range: {
            const auto q = parse_integer_text(quantity);
            out = put(out, "quantity ");
            out = put_shortened(out, quantity);
            if (q && !q->negative && q->magnitude > r.max_quantity) {
                out = put(out, " is above max_quantity ");
                return put_number(out, r.max_quantity);
            }
            return put(out, " is below 1");
        }
    }
    return out;
}

void describe_reject(reject_reason why, std::string_view product, std::string_view price,
                     std::string_view quantity, const rules& r, std::string& out) {
    const std::size_t at = out.size();
    out.resize(at + reject_detail_bound);
    char* end = write_reject_detail(out.data() + at, why, product, price, quantity, r);
    out.resize(static_cast<std::size_t>(end - out.data()));
}

std::string oversized_detail(std::uint64_t size, std::uint64_t max_row_size) {
    return "row of " + std::to_string(size) + " bytes is over --max-row-size (" +
           std::to_string(max_row_size) + " bytes); the row shown is cut to its first " +
           std::to_string(oversized_row_bytes) + " bytes";
}

void reject_batch::reset(const reject_options& options) noexcept {
    samples_ = options.samples;
    all_ = options.all;
    format_ = options.format;
    kept_ = {};
    samples_kept_.clear();
    text_.clear();
    entries_.clear();
    lines_ = 0;
}

void reject_batch::add(reject_reason why, std::uint64_t line, std::string_view row,
                       std::string_view detail, bool plain_fields) {
    auto& kept = kept_[static_cast<std::size_t>(why)];
    if (kept < samples_)
        samples_kept_.push_back(sample{why, line, std::string(detail),
                                       std::string(detail::utf8_prefix(row, sample_row_bytes))});
    ++kept;
    if (!all_) return;
    const std::string_view reason = to_string(why);
    if (format_ == rejects_format::csv) {
        char* p = text_.reserve_more(reason.size() + detail::csv_field_bound(detail.size()) +
                                     detail::csv_field_bound(row.size()) + 4);
        *p++ = ',';
        p = put(p, reason);
        *p++ = ',';
        p = detail::write_csv_field(p, detail);
        *p++ = ',';
        if (plain_fields) {
            *p++ = '"';
            p = put(p, row);
            *p++ = '"';
        } else {
            p = detail::write_csv_field(p, row);
        }
        *p++ = '\n';
        text_.commit(p);
    } else {
        char* p = text_.reserve_more(reason.size() + detail::json_string_bound(detail.size()) +
                                     detail::json_string_bound(row.size()) + 40);
        p = put(p, ",\"reason\":\"");
        p = put(p, reason);
        p = put(p, "\",\"detail\":");
        p = detail::write_json_string(p, detail);
        p = put(p, ",\"row\":");
        p = detail::write_json_string(p, row);
        p = put(p, "}\n");
        text_.commit(p);
    }
    entries_.push_back(entry{line, text_.size()});
}

reject_log::reject_log(reject_options options, writer out)
    : options_(options), out_(std::move(out)) {
    // Whole from the start, so that filling it never reallocates and copies what it holds.
    if (options_.all) buffer_.reserve_more(buffer_bytes + buffer_slack);
    if (options_.all && options_.format == rejects_format::csv)
        buffer_.append("source,line,reason,detail,row\n");
}

reject_log::reject_log(reject_options options, view_writer out)
    : reject_log(options, [out = std::move(out)](detail::byte_buffer& b) -> result<void> {
          auto r = out(b.view());
          b.clear();
          return r;
      }) {}

result<void> reject_log::take(const reject_batch& batch, std::string_view source,
                              std::uint64_t first_line) {
    for (const auto& s : batch.samples_kept_) {
        auto& list = samples_[static_cast<std::size_t>(s.reason)];
        if (list.size() < options_.samples)
            list.push_back(
                reject_sample{std::string(source), first_line + s.line, s.detail, s.row});
    }
    if (!options_.all || batch.entries_.empty()) return {};
    if (source != source_ || prefix_.empty()) {
        source_ = source;
        prefix_.clear();
        if (options_.format == rejects_format::csv) {
            detail::append_csv_field(prefix_, source);
            prefix_ += ',';
        } else {
            prefix_ = "{\"source\":";
            detail::append_json_string(prefix_, source);
            prefix_ += ",\"line\":";
        }
    }
    // The serial part of writing rejects, on the reducer's thread: copies into a buffer that the
    // writer takes whole, with no per-line allocation.
    std::size_t begin = 0;
    for (const auto& e : batch.entries_) {
        const std::size_t tail = e.end - begin;
        char* p = buffer_.reserve_more(prefix_.size() + 20 + tail);
        p = detail::copy_bytes(p, prefix_.data(), prefix_.size());
        p = std::to_chars(p, p + 20, first_line + e.line).ptr;
        p = detail::copy_bytes(p, batch.text_.data() + begin, tail);
        buffer_.commit(p);
        begin = e.end;
        if (buffer_.size() >= buffer_bytes)
            if (auto r = hand_over(false); !r) return r;
    }
    return {};
}

result<void> reject_log::flush() {
    return hand_over(true);
}

result<void> reject_log::hand_over(bool all) {
    // Until the end, only whole 4 KiB blocks go: the writer can send those to the disk as they
    // are (O_DIRECT), and the few bytes after the last one start the next buffer.
    constexpr std::size_t block = 4096;
    const std::size_t n = all ? buffer_.size() : buffer_.size() / block * block;
    if (n == 0) return {};
    carry_.assign(buffer_.view().substr(n));
    buffer_.truncate(n);
    result<void> r;
    if (out_) r = out_(buffer_);
    buffer_.clear();
    buffer_.reserve_more(buffer_bytes + buffer_slack);  // a buffer fresh from the writer is empty
    buffer_.append(carry_);
    return r;
}

}  // namespace salesproc
