// Turning a 2xx JSON body into records: an array counts each element, any other value counts
// once. Objects with product, price and quantity (numbers or strings) are sales, validated by the
// CSV rules. Prices come from the JSON number's own text, never through double. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/rules/reject_batch.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/aggregate.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

// Where records, and the next page's URL, sit in a body: RFC 6901 JSON pointers, empty for none.
struct body_layout {
    std::string records_pointer;  // "/data": the array (or single record) of records
    std::string next_pointer;     // "/next": a string URL; null, "" or absent on the last page
};

struct api_records {
    std::uint64_t records = 0;
    std::optional<std::string> next;  // from layout.next_pointer
    sales_aggregate sales;
    // Rejected sales as `rejects` asked: line 0 is the first record; a row is the record's
    // compact JSON (object keys in their order, numbers in their own text).
    reject_batch rejects;
};

inline constexpr unsigned max_json_depth = 64;

// Errors: errc::bad_json (syntax, nesting deeper than max_json_depth, with the byte offset; a
// records pointer that names nothing; a next pointer that names something other than a string
// or null); errc::money_overflow when a sale's exact total overflows. `context` names the URL.
result<api_records> parse_api_records(std::string_view body, const rules& r,
                                      const std::string& context,
                                      const reject_options& rejects = {},
                                      const body_layout& layout = {});

}  // namespace salesproc
