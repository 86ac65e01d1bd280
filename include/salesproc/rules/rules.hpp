// The Halal-only business rules and the per-record validator. check_sale is pure and
// thread-safe; a rules object is read-only once validation starts.
#pragma once

#include "salesproc/rules/money.hpp"
#include "salesproc/rules/number_format.hpp"

#include <array>
#include <cstdint>
#include <optional>
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

// The three fields the rules read, in this order wherever they are listed.
enum class rule_field : std::uint8_t { product, price, quantity };
inline constexpr std::array<std::string_view, 3> rule_field_names{"product", "price", "quantity"};
std::optional<rule_field> rule_field_named(std::string_view name) noexcept;

// Defaults equal data/config.yaml. The input's shape (delimiter, column names) travels with the
// rules, because a report is only comparable with another computed under both.
struct rules {
    std::string product_prefix = "Halal";
    fixed_point min_price{1000, 2};  // 10.00
    std::uint64_t max_quantity = 100;
    unsigned max_decimals = 2;  // also the scale of every amount
    // Rule field names ("product", ...); a field's column is looked up through `columns`.
    std::vector<std::string> required_fields{"product", "price", "quantity"};
    char delimiter = ',';
    // The CSV header name, and the API record key, of each rule_field; "#N" is the N-th column.
    std::array<std::string, 3> columns{"product", "price", "quantity"};
    // How prices and quantities are written (--decimal-separator, --thousands-separator).
    number_format numbers;

    [[nodiscard]] const std::string& column(rule_field f) const noexcept {
        return columns[static_cast<std::size_t>(f)];
    }
    // The column a required field name stands for: a rule field's mapped column, or the name.
    [[nodiscard]] const std::string& column_for(const std::string& field) const noexcept;
};

// --delimiter and the config's delimiter: ",", ";", "|", and "tab" or "\t" (or a tab itself).
std::optional<char> parse_delimiter(std::string_view text) noexcept;
// How a report and messages spell a delimiter: "tab" for '\t', the character otherwise.
std::string delimiter_name(char d);

struct sale_check {
    enum class kind : std::uint8_t { valid, rejected, overflow } outcome = kind::valid;
    reject_reason reason = reject_reason::malformed_row;
    int128 amount = 0;  // price * quantity in units of 10^-max_decimals
    std::uint64_t quantity = 0;
};

// Which fields are JSON numbers (an API record's): they are plain notation whatever
// rules.numbers declares.
inline constexpr unsigned price_is_json_number = 1;
inline constexpr unsigned quantity_is_json_number = 2;

// Applies rules 2..8 to already trimmed and unquoted field values (rule 1, malformed_row, is the
// tokenizer's), reading numbers in rules.numbers. `overflow` means price * quantity left the
// exact 128-bit range. Fields that lie inside `readable`, a buffer they point into, may be read
// with loads past their end (within it): the decision is the same, only faster.
sale_check check_sale(std::string_view product, std::string_view price, std::string_view quantity,
                      const rules& r, std::string_view readable = {},
                      unsigned json_numbers = 0) noexcept;

}  // namespace salesproc
