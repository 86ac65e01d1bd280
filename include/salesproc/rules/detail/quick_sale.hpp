// The CSV hot path's shortcut for the common rows. Inline, because it runs once per row; pure and
// thread-safe.
#pragma once

#include "salesproc/rules/detail/digits.hpp"
#include "salesproc/rules/rules.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace salesproc::detail {

// The rules precomputed for the CSV hot path, once per chunk. quick_check() decides the common
// rows, valid ones and the common rejects, with one load per field and no branch per digit: the
// prefix, a price "digits[.digits]" with at most 8 digits on either side, a quantity of at most
// 8 digits. Whatever it decides, check_sale decides the same; every other row is check_sale's.
struct quick_rules {
    bool enabled = false;  // false when the rules are outside what quick_check handles
    std::uint64_t prefix_word = 0;
    std::uint64_t prefix_mask = 0;
    std::size_t prefix_size = 0;
    std::uint64_t min_units = 0;  // min_price at max_decimals fraction digits
    std::uint64_t max_quantity = 0;
    std::array<std::uint64_t, 9> frac_scale{};  // 10^(max_decimals - f) for f fraction digits

    explicit quick_rules(const rules& r) noexcept;
};

// Bytes quick_check may read from the start of each field (the product needs 8, the price 17,
// the quantity 16).
inline constexpr std::size_t quick_reach = 32;

enum class quick_outcome : std::uint8_t { valid, rejected, unknown };

// `valid`: `amount` and `qty` are what check_sale would give. `rejected`: `why` is check_sale's
// reason. `unknown`: ask check_sale. The fields must have quick_reach bytes readable.
inline quick_outcome quick_check(const quick_rules& q, std::string_view product,
                                 std::string_view price, std::string_view quantity, int128& amount,
                                 std::uint64_t& qty, reject_reason& why) noexcept {
    if (!q.enabled) return quick_outcome::unknown;
    // The rules in check_sale's order, each decided here only for the shapes named above.
    auto rejected = [&why](reject_reason r) {
        why = r;
        return quick_outcome::rejected;
    };
    if (product.empty()) return rejected(reject_reason::missing_product);
    std::uint64_t head = 0;
    std::memcpy(&head, product.data(), 8);
    if (product.size() < q.prefix_size || ((head ^ q.prefix_word) & q.prefix_mask) != 0)
        return rejected(reject_reason::bad_prefix);
    // A 17-byte price ("8 digits . 8 digits") is longer than one scan; it goes the long way.
    if (price.empty() || price.size() > 16) return quick_outcome::unknown;
    const auto p = scan_digits16(price.data());
    const unsigned length = (1U << price.size()) - 1;
    const unsigned dots = p.dots & length;
    if (((p.digits | dots) & length) != length || (dots & (dots - 1)) != 0)
        return quick_outcome::unknown;
    const std::size_t dot =
        dots != 0 ? static_cast<std::size_t>(__builtin_ctz(dots)) : price.size();
    const std::size_t frac = dots != 0 ? price.size() - dot - 1 : 0;
    // Too many fraction digits: whether the price is also below the minimum is check_sale's.
    if (dot == 0 || dot > 8 || (dots != 0 && frac == 0) || frac >= q.frac_scale.size() ||
        q.frac_scale[frac] == 0)
        return quick_outcome::unknown;
    std::uint64_t units = std::uint64_t{parse_digits(price.data(), dot)} * q.frac_scale[0];
    if (frac != 0)
        units += std::uint64_t{parse_digits(price.data() + dot + 1, frac)} * q.frac_scale[frac];
    if (units == 0 || units < q.min_units) return rejected(reject_reason::price_below_min);
    if (quantity.empty() || quantity.size() > 8) return quick_outcome::unknown;
    const unsigned qlength = (1U << quantity.size()) - 1;
    if ((scan_digits16(quantity.data()).digits & qlength) != qlength) return quick_outcome::unknown;
    const std::uint64_t n = parse_digits(quantity.data(), quantity.size());
    if (n < 1 || n > q.max_quantity) return rejected(reject_reason::quantity_out_of_range);
    qty = n;
    amount = static_cast<int128>(static_cast<uint128>(units) * n);
    return quick_outcome::valid;
}

}  // namespace salesproc::detail
