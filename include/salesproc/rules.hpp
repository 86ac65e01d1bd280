// The Halal-only business rules and the per-record validator. check_sale is pure and
// thread-safe; a rules object is read-only once validation starts.
#pragma once

#include "salesproc/money.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

// Reject reasons in rule order: a rejected row carries the first rule it fails.
enum class reject_reason : std::uint8_t {
    malformed_row,
    missing_product,
    bad_prefix,
    bad_price,
    price_below_min,
    too_many_decimals,
    bad_quantity,
    quantity_out_of_range,
};
inline constexpr std::size_t reject_reason_count = 8;

std::string_view to_string(reject_reason r) noexcept;

inline constexpr std::array<reject_reason, reject_reason_count> all_reject_reasons{
    reject_reason::malformed_row,   reject_reason::missing_product,
    reject_reason::bad_prefix,      reject_reason::bad_price,
    reject_reason::price_below_min, reject_reason::too_many_decimals,
    reject_reason::bad_quantity,    reject_reason::quantity_out_of_range,
};

// Defaults equal data/config.yaml.
struct rules {
    std::string product_prefix = "Halal";
    fixed_point min_price{1000, 2};  // 10.00
    std::uint64_t max_quantity = 100;
    unsigned max_decimals = 2;  // also the scale of every amount
    std::vector<std::string> required_fields{"product", "price", "quantity"};
};

struct sale_check {
    enum class kind : std::uint8_t { valid, rejected, overflow } outcome = kind::valid;
    reject_reason reason = reject_reason::malformed_row;
    int128 amount = 0;  // price * quantity in units of 10^-max_decimals
    std::uint64_t quantity = 0;
};

// Applies rules 2..8 to already trimmed and unquoted field values (rule 1, malformed_row, is the
// tokenizer's). `overflow` means price * quantity left the exact 128-bit range.
sale_check check_sale(std::string_view product, std::string_view price, std::string_view quantity,
                      const rules& r) noexcept;

}  // namespace salesproc
