#include "salesproc/rules/rules.hpp"

#include "salesproc/rules/detail/quick_sale.hpp"

#include "salesproc/rules/detail/digits.hpp"

#include <cstdint>
#include <cstring>
#include <optional>

namespace salesproc {

std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
        case reject_reason::malformed_row:
            return "malformed_row";
        case reject_reason::missing_product:
            return "missing_product";
        case reject_reason::bad_prefix:
            return "bad_prefix";
        case reject_reason::bad_price:
            return "bad_price";
        case reject_reason::price_below_min:
            return "price_below_min";
        case reject_reason::too_many_decimals:
            return "too_many_decimals";
        case reject_reason::bad_quantity:
            return "bad_quantity";
        case reject_reason::quantity_out_of_range:
            return "quantity_out_of_range";
    }
    return "unknown";
}

std::optional<rule_field> rule_field_named(std::string_view name) noexcept {
    for (std::size_t i = 0; i < rule_field_names.size(); ++i)
        if (rule_field_names[i] == name) return static_cast<rule_field>(i);
    return std::nullopt;
}

const std::string& rules::column_for(const std::string& field) const noexcept {
    const auto f = rule_field_named(field);
    return f ? column(*f) : field;
}

std::optional<char> parse_delimiter(std::string_view text) noexcept {
    if (text == "," || text == ";" || text == "|") return text.front();
    if (text == "tab" || text == "\\t" || text == "\t") return '\t';
    return std::nullopt;
}

std::string delimiter_name(char d) {
    return d == '\t' ? std::string("tab") : std::string(1, d);
}

namespace {

// Results are filled in place (the caller's return slot) rather than built and copied: copying a
// struct just written with byte-sized stores stalls store forwarding on the hot path.
sale_check& reject(sale_check& c, reject_reason why) {
    c.outcome = sale_check::kind::rejected;
    c.reason = why;
    return c;
}

// True when [p, p + n) lies inside `readable`, so that a wide load there stays in the buffer.
bool inside(std::string_view readable, const char* p, std::size_t n) noexcept {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const auto begin = reinterpret_cast<std::uintptr_t>(readable.data());
    return at >= begin && at - begin + n <= readable.size();
}

// The common shape of a price, "digits[.digits]", read without a branch per digit: one 16-byte
// classification and at most two eight-digit conversions. Returns false for any other shape
// (or more than 8 digits on either side), which the loop in check_plain_price then reads.
bool read_plain_price_wide(std::string_view price, std::uint64_t& value, unsigned& int_digits,
                           unsigned& frac_digits) noexcept {
    const auto m = detail::scan_digits16(price.data());
    const unsigned length = (1U << price.size()) - 1;
    if (((m.digits | m.dots) & length) != length) return false;
    const unsigned dots = m.dots & length;
    if ((dots & (dots - 1)) != 0) return false;  // two dots
    const auto dot = dots != 0 ? static_cast<std::size_t>(__builtin_ctz(dots)) : price.size();
    int_digits = static_cast<unsigned>(dot);
    frac_digits = dots != 0 ? static_cast<unsigned>(price.size() - dot - 1) : 0;
    // ".5" and "5." are bad prices; the loop below says so.
    if (int_digits == 0 || int_digits > 8 || frac_digits > 8 || (dots != 0 && frac_digits == 0))
        return false;
    value = std::uint64_t{detail::parse_digits8(price.data(), int_digits)} * pow10_u64[frac_digits];
    if (frac_digits != 0) value += detail::parse_digits8(price.data() + dot + 1, frac_digits);
    return true;
}

// The hot path for the common shape of price, an unsigned "digits[.digits]" with at most 18
// digits and at most max_decimals fraction digits, in one pass and without 128-bit overflow
// checks (units < 10^18 and quantity < 2^64, so the amount fits in 127 bits). Returns false to
// hand anything else to the general path, which decides identically. Fields inside `readable`
// (with 32 bytes to spare) are read wide, without a branch per digit.
// A price of plain digits with at most one dot, one multiply-add per digit: true with its value
// and digit counts; false (with `bad` set when it is no number at all) otherwise.
[[gnu::always_inline]] inline bool read_plain_price_narrow(std::string_view price,
                                                           std::uint64_t& value,
                                                           unsigned& int_digits,
                                                           unsigned& frac_digits, bool& bad) {
    value = 0;
    std::size_t dot = std::string_view::npos;
    for (std::size_t i = 0; i < price.size(); ++i) {
        const auto digit = static_cast<unsigned char>(price[i] - '0');
        if (digit < 10) {
            value = value * 10 + digit;
        } else if (price[i] == '.' && dot == std::string_view::npos) {
            dot = i;
        } else {
            return false;
        }
    }
    // The dot's position gives both digit counts.
    int_digits = static_cast<unsigned>(dot == std::string_view::npos ? price.size() : dot);
    frac_digits = static_cast<unsigned>(dot == std::string_view::npos ? 0 : price.size() - dot - 1);
    bad = int_digits == 0 || (dot != std::string_view::npos && frac_digits == 0);
    return !bad;
}

// A quantity of plain digits (the common case), or UINT64_MAX for anything else, which the
// general parser then reads.
[[gnu::always_inline]] inline std::uint64_t plain_quantity(std::string_view quantity,
                                                           std::string_view readable) {
    if (!quantity.empty() && quantity.size() <= 8 && inside(readable, quantity.data(), 16)) {
        const unsigned length = (1U << quantity.size()) - 1;
        if ((detail::scan_digits16(quantity.data()).digits & length) == length)
            return detail::parse_digits8(quantity.data(), quantity.size());
        return UINT64_MAX;
    }
    if (quantity.empty() || quantity.size() > 19) return UINT64_MAX;
    std::uint64_t qty = 0;
    for (const char ch : quantity) {
        const auto digit = static_cast<unsigned char>(ch - '0');
        if (digit >= 10) return UINT64_MAX;
        qty = qty * 10 + digit;
    }
    return qty;
}

bool check_plain_price(std::string_view price, std::string_view quantity, const rules& r,
                       sale_check& c, std::string_view readable) {
    if (price.empty() || price.size() > 19 || r.min_price.scale > r.max_decimals ||
        r.min_price.units < 0 || r.min_price.units > static_cast<int128>(pow10_u64[18]))
        return false;
    std::uint64_t value = 0;
    unsigned int_digits = 0;
    unsigned frac_digits = 0;
    if (price.size() > 16 || !inside(readable, price.data(), 32) ||
        !read_plain_price_wide(price, value, int_digits, frac_digits)) {
        bool bad = false;
        if (!read_plain_price_narrow(price, value, int_digits, frac_digits, bad)) {
            if (!bad) return false;
            reject(c, reject_reason::bad_price);
            return true;
        }
    }
    if (frac_digits > r.max_decimals || int_digits + r.max_decimals > 18) return false;
    const std::uint64_t units = value * pow10_u64[r.max_decimals - frac_digits];
    const int128 min_units =
        r.min_price.units * static_cast<int128>(pow10_u64[r.max_decimals - r.min_price.scale]);
    if (units == 0 || static_cast<int128>(units) < min_units) {
        reject(c, reject_reason::price_below_min);
        return true;
    }
    std::uint64_t qty = plain_quantity(quantity, readable);
    if (qty == UINT64_MAX) {
        const auto q = parse_integer_text(quantity);
        if (!q) return reject(c, reject_reason::bad_quantity), true;
        qty = q->negative ? 0 : q->magnitude;
    }
    if (qty < 1 || qty > r.max_quantity)
        return reject(c, reject_reason::quantity_out_of_range), true;
    c.quantity = qty;
    c.amount = static_cast<int128>(static_cast<uint128>(units) * qty);
    return true;
}

}  // namespace

sale_check check_sale(std::string_view product, std::string_view price, std::string_view quantity,
                      const rules& r, std::string_view readable, unsigned json_numbers) noexcept {
    sale_check c;
    if (product.empty()) return reject(c, reject_reason::missing_product);
    const std::string& prefix = r.product_prefix;
    if (product.size() < prefix.size() || !same_bytes(product.data(), prefix.data(), prefix.size()))
        return reject(c, reject_reason::bad_prefix);
    // Numbers in a declared format are read in plain notation from here on. A quantity that is
    // none keeps its text, which no integer parser accepts.
    char price_room[plain_number_room];
    char quantity_room[plain_number_room];
    if (!r.numbers.plain()) {
        if ((json_numbers & price_is_json_number) == 0) {
            const auto plain = to_plain_number(price, r.numbers, price_room);
            if (!plain) return reject(c, reject_reason::bad_price);
            price = *plain;
        }
        if ((json_numbers & quantity_is_json_number) == 0)
            quantity = to_plain_number(quantity, r.numbers, quantity_room).value_or(quantity);
    }
    if (check_plain_price(price, quantity, r, c, readable)) return c;

    const auto p = parse_decimal_text(price);
    if (!p) return reject(c, reject_reason::bad_price);
    if (p->negative || p->is_zero()) return reject(c, reject_reason::price_below_min);
    // Truncating the price to min_price's scale keeps the comparison exact: min has no digits
    // beyond that scale, so trunc(p) < min exactly when p < min. An overflowing price is
    // certainly above the minimum.
    const auto at_min_scale = to_units(*p, r.min_price.scale);
    if (at_min_scale && compare(fixed_point{*at_min_scale, r.min_price.scale}, r.min_price) < 0)
        return reject(c, reject_reason::price_below_min);
    if (p->frac_digits.size() > r.max_decimals) return reject(c, reject_reason::too_many_decimals);

    const auto q = parse_integer_text(quantity);
    if (!q) return reject(c, reject_reason::bad_quantity);
    if (q->negative || q->magnitude < 1 || q->magnitude > r.max_quantity)
        return reject(c, reject_reason::quantity_out_of_range);
    c.quantity = q->magnitude;
    const auto units = to_units(*p, r.max_decimals);
    if (!units || !checked_mul(*units, static_cast<int128>(q->magnitude), c.amount))
        c.outcome = sale_check::kind::overflow;
    return c;
}

namespace detail {

quick_rules::quick_rules(const rules& r) noexcept {
    const std::size_t prefix = r.product_prefix.size();
    // quick_check reads plain notation only: a declared number format goes the long way.
    if (prefix > 8 || r.max_decimals > 8 || r.min_price.scale > r.max_decimals ||
        r.min_price.units < 0 || !r.numbers.plain())
        return;
    const int128 minimum =
        r.min_price.units * static_cast<int128>(pow10_u64[r.max_decimals - r.min_price.scale]);
    if (minimum > static_cast<int128>(pow10_u64[18])) return;
    std::memcpy(&prefix_word, r.product_prefix.data(), prefix);
    prefix_mask = prefix == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * prefix)) - 1;
    prefix_size = prefix;
    min_units = static_cast<std::uint64_t>(minimum);
    max_quantity = r.max_quantity;
    for (unsigned f = 0; f <= r.max_decimals; ++f)
        frac_scale[f] = pow10_u64[r.max_decimals - f];
    enabled = true;
}

}  // namespace detail

}  // namespace salesproc
