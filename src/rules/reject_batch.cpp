// A slice's rejects, formatted on the thread that validates it (see rules/reject_batch.hpp).
#include "salesproc/rules/reject_batch.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/rules/money.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace salesproc {
namespace {

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

// ": <what was seen>" after a number's detail, when there is something to say.
char* put_diagnosis(char* out, std::string_view text, const rules& r, bool integer) noexcept {
    char* said = diagnose_number(out + 2, text, r.numbers, integer);
    if (said == out + 2) return out;
    out[0] = ':';
    out[1] = ' ';
    return said;
}

// Why a product that is not quite it fails the prefix: only by case, or by an invisible
// character in front.
char* put_prefix_hint(char* out, std::string_view product, const std::string& prefix) noexcept {
    const std::string_view invisible = invisible_character(product);
    if (!invisible.empty()) {
        out = put(out, " (it starts with ");
        out = put(out, invisible);
        return put(out, ")");
    }
    if (product.size() < prefix.size()) return out;
    auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20U : c; };
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(static_cast<unsigned char>(product[i])) !=
            lower(static_cast<unsigned char>(prefix[i])))
            return out;
    return put(out, " (only the case differs)");
}

// A price or quantity in plain notation, read in the rules' number format.
std::string_view plain_price(std::string_view price, const rules& r, char* room) noexcept {
    if (r.numbers.plain()) return price;
    return to_plain_number(price, r.numbers, room).value_or(price);
}

// "price P is below min_price M": the most common reject in real exports, so its constant part
// is formatted once.
char* put_below_min(char* out, std::string_view price, const rules& r) noexcept {
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

}  // namespace

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
            out = put_quoted(out, r.product_prefix);
            return put_prefix_hint(out, product, r.product_prefix);
        case reject_reason::bad_price:
            if (price.empty()) return put(out, "price is empty");
            out = put(out, "price ");
            out = put_quoted(out, price);
            out = put(out, r.numbers.plain() ? " is not a plain decimal number"
                                             : " is not a number in the declared format");
            return put_diagnosis(out, price, r, false);
        case reject_reason::price_below_min:
            return put_below_min(out, price, r);
        case reject_reason::too_many_decimals: {
            char room[plain_number_room];
            const auto d = parse_decimal_text(plain_price(price, r, room));
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
            out = put(out, " is not an integer");
            return put_diagnosis(out, quantity, r, true);
        case reject_reason::quantity_out_of_range: {
            char room[plain_number_room];
            const auto q = parse_integer_text(plain_price(quantity, r, room));
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
    // One sample per reason at least: the run's warning about a file whose rows mostly fail
    // shows the first, even with --samples 0.
    samples_ = std::max<std::size_t>(options.samples, 1);
    all_ = options.all;
    format_ = options.format;
    kept_ = {};
    samples_kept_.clear();
    text_.clear();
    entries_.clear();
    spill_.reset();
    spilled_ = 0;
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

void reject_batch::append(reject_batch&& later) {
    auto seen = kept_;
    for (auto& s : later.samples_kept_) {
        auto& n = seen[static_cast<std::size_t>(s.reason)];
        if (n < samples_) samples_kept_.push_back(std::move(s));
        ++n;
    }
    for (std::size_t i = 0; i < kept_.size(); ++i)
        kept_[i] += later.kept_[i];
    if (!all_ || later.entries_.empty()) return;
    const std::size_t base = text_.size();
    text_.append(later.text_.view());
    for (const auto& e : later.entries_)
        entries_.push_back(entry{e.line, base + e.end});
}

}  // namespace salesproc

namespace salesproc {

result<void> reject_batch::spill_over(std::size_t limit) {
    if (text_.size() + entries_.size() * sizeof(entry) <= limit) return {};
    const auto failed = [](const char* what) {
        return make_error(errc::io_error, "rejects",
                          std::string(what) + " a temporary file: " + std::strerror(errno));
    };
    if (!spill_) {
        // Unnamed in $TMPDIR (else /tmp), so nothing outlives the process, even a kill -9.
        const char* dir = std::getenv("TMPDIR");
        const int fd = ::open(dir != nullptr && *dir != '\0' ? dir : "/tmp",
                              O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) {
            spill_.reset(::fdopen(fd, "w+"));
            if (!spill_) ::close(fd);
        } else {
            spill_.reset(std::tmpfile());  // a file system without O_TMPFILE: named, unlinked
        }
        if (!spill_) return failed("cannot create");
    }
    std::size_t begin = 0;
    for (const auto& e : entries_) {
        const std::uint64_t head[2] = {e.line, e.end - begin};
        if (std::fwrite(head, sizeof head, 1, spill_.get()) != 1 ||
            std::fwrite(text_.data() + begin, 1, e.end - begin, spill_.get()) != e.end - begin)
            return failed("cannot write");
        begin = e.end;
    }
    spilled_ += entries_.size();
    text_.clear();
    entries_.clear();
    return {};
}

}  // namespace salesproc
