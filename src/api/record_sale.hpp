// One API record, complete: what a record is to the sales (a count, a sale, a reject) once its
// parser has found the three rule fields. Shared by the JSON and the NDJSON reading of a body.
// Internal to salesproc_model; one body at a time.
#pragma once

#include "salesproc/api/api_records.hpp"
#include "salesproc/rules/rules.hpp"

#include <array>
#include <string>
#include <string_view>

namespace salesproc::detail {

// A rule field's value in a record as the parser saw it.
struct field_value_seen {
    enum class kind : std::uint8_t { absent, string, number, other } what = kind::absent;
    std::string text;       // a string's value, a number's own text, or the JSON type's name
    bool repeated = false;  // the key appears twice in the record
};

struct record_seen {
    bool object = false;
    std::array<field_value_seen, 3> fields;  // product, price, quantity
    std::string_view row;                    // compact JSON, when it was built
};

// Adds `rec`, the record at index out.records, to `out`: counted; validated as a sale when it is
// an object with the three fields; its reject kept as out.rejects wants. False when an exact total
// overflowed (out.sales names the product).
bool add_record(const record_seen& rec, const rules& r, api_records& out);

}  // namespace salesproc::detail
