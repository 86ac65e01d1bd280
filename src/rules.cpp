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

sale_check check_sale(std::string_view product, std::string_view price, std::string_view quantity,
                      const rules& r) noexcept {
    auto reject = [](reject_reason why) {
        sale_check c;
        c.outcome = sale_check::kind::rejected;
        c.reason = why;
        return c;
    };
    if (product.empty()) return reject(reject_reason::missing_product);
    if (!product.starts_with(r.product_prefix)) return reject(reject_reason::bad_prefix);

    const auto p = parse_decimal_text(price);
    if (!p) return reject(reject_reason::bad_price);
    if (p->negative || p->is_zero()) return reject(reject_reason::price_below_min);
    std::optional<int128> units;
    if (p->frac_digits.size() <= r.max_decimals && r.min_price.scale <= r.max_decimals) {
        // Common case: the price is exact at the amount scale, so one conversion serves both
        // the minimum check and the amount. An overflowing price is certainly above the minimum.
        units = to_units(*p, r.max_decimals);
        int128 min_units = 0;
        if (units &&
            checked_mul(r.min_price.units,
                        static_cast<int128>(pow10_u64(r.max_decimals - r.min_price.scale)),
                        min_units) &&
            *units < min_units)
            return reject(reject_reason::price_below_min);
    } else {
        // Truncating the price to min_price's scale keeps the comparison exact: min has no
        // digits beyond that scale, so trunc(p) < min exactly when p < min.
        const auto at_min_scale = to_units(*p, r.min_price.scale);
        if (at_min_scale && compare(fixed_point{*at_min_scale, r.min_price.scale}, r.min_price) < 0)
            return reject(reject_reason::price_below_min);
        if (p->frac_digits.size() > r.max_decimals) return reject(reject_reason::too_many_decimals);
        units = to_units(*p, r.max_decimals);
    }

    const auto q = parse_integer_text(quantity);
    if (!q) return reject(reject_reason::bad_quantity);
    if (q->negative || q->magnitude < 1 || q->magnitude > r.max_quantity)
        return reject(reject_reason::quantity_out_of_range);

    sale_check c;
    c.quantity = q->magnitude;
    if (!units || !checked_mul(*units, static_cast<int128>(q->magnitude), c.amount))
        c.outcome = sale_check::kind::overflow;
    return c;
}

}  // namespace salesproc
