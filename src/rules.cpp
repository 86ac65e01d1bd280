#include "salesproc/rules.hpp"

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

// The hot path for the common shape of price, an unsigned "digits[.digits]" with at most 18
// digits and at most max_decimals fraction digits, in one pass and without 128-bit overflow
// checks (units < 10^18 and quantity < 2^64, so the amount fits in 127 bits). Returns false to
// hand anything else to the general path, which decides identically.
bool check_plain_price(std::string_view price, std::string_view quantity, const rules& r,
                       sale_check& c) {
    if (price.empty() || price.size() > 19 || r.min_price.scale > r.max_decimals ||
        r.min_price.units < 0 || r.min_price.units > static_cast<int128>(pow10_u64[18]))
        return false;
    // One multiply-add per digit; the dot's position gives both digit counts afterwards.
    std::uint64_t value = 0;
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
    const auto int_digits =
        static_cast<unsigned>(dot == std::string_view::npos ? price.size() : dot);
    const auto frac_digits =
        static_cast<unsigned>(dot == std::string_view::npos ? 0 : price.size() - dot - 1);
    if (int_digits == 0 || (dot != std::string_view::npos && frac_digits == 0)) {
        reject(c, reject_reason::bad_price);
        return true;
    }
    if (frac_digits > r.max_decimals || int_digits + r.max_decimals > 18) return false;
    const std::uint64_t units = value * pow10_u64[r.max_decimals - frac_digits];
    const int128 min_units =
        r.min_price.units * static_cast<int128>(pow10_u64[r.max_decimals - r.min_price.scale]);
    if (units == 0 || static_cast<int128>(units) < min_units) {
        reject(c, reject_reason::price_below_min);
        return true;
    }
    std::uint64_t qty = 0;
    if (!quantity.empty() && quantity.size() <= 19) {
        // Plain digits, the common case; anything else takes the general parser below.
        for (const char ch : quantity) {
            const auto digit = static_cast<unsigned char>(ch - '0');
            if (digit >= 10) {
                qty = UINT64_MAX;
                break;
            }
            qty = qty * 10 + digit;
        }
    } else {
        qty = UINT64_MAX;
    }
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
                      const rules& r) noexcept {
    sale_check c;
    if (product.empty()) return reject(c, reject_reason::missing_product);
    const std::string& prefix = r.product_prefix;
    if (product.size() < prefix.size() || !same_bytes(product.data(), prefix.data(), prefix.size()))
        return reject(c, reject_reason::bad_prefix);
    if (check_plain_price(price, quantity, r, c)) return c;

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

}  // namespace salesproc
