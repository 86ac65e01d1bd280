#include "record_sale.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/totals/validator.hpp"

#include <cstring>

namespace salesproc::detail {
namespace {

void keep(api_records& out, reject_reason why, const record_seen& rec, std::string_view detail) {
    out.rejects.add(why, out.records - 1, render_tape(rec.row), detail);
}

}  // namespace

std::string render_tape(std::string_view tape) {
    std::string json;
    json.reserve(tape.size() + 16);
    for (std::size_t at = 0; at < tape.size();) {
        const std::size_t quote = std::min(tape.find('"', at), tape.size());
        json.append(tape.substr(at, quote - at));
        if (quote == tape.size()) break;
        std::uint64_t n = 0;
        std::memcpy(&n, tape.data() + quote + 1, sizeof n);
        const std::size_t begin = quote + 1 + sizeof n;
        append_json_string(json, tape.substr(begin, static_cast<std::size_t>(n)));
        at = begin + static_cast<std::size_t>(n);
    }
    return json;
}

bool add_record(const record_seen& rec, const rules& r, api_records& out) {
    ++out.records;
    if (!rec.object) return true;
    const auto& f = rec.fields;
    for (const auto& field : f)
        if (field.what == field_value_seen::kind::absent) return true;  // not a sale
    for (std::size_t i = 0; i < f.size(); ++i) {
        const bool wrong_type = f[i].what == field_value_seen::kind::other;
        if (!wrong_type && !f[i].repeated) continue;
        // The shape of a sale with a field of the wrong JSON type, or a field given twice (which
        // of the two would be a guess): a malformed sale.
        out.sales.add_reject(reject_reason::malformed_row);
        if (out.rejects.wants(reject_reason::malformed_row)) {
            const std::string& key = r.columns[i];
            keep(out, reject_reason::malformed_row, rec,
                 wrong_type ? key + " is " + f[i].text + ", expected a string or a number"
                            : "key '" + key + "' appears twice in the record");
        }
        return true;
    }
    const unsigned json_numbers =
        (f[1].what == field_value_seen::kind::number ? price_is_json_number : 0U) |
        (f[2].what == field_value_seen::kind::number ? quantity_is_json_number : 0U);
    std::optional<reject_reason> why;
    if (!validate_fields(f[0].text, f[1].text, f[2].text, r, out.sales, &why, json_numbers))
        return false;
    if (why && out.rejects.wants(*why)) {
        std::string detail;
        describe_reject(*why, f[0].text, f[1].text, f[2].text, r, detail);
        keep(out, *why, rec, detail);
    }
    return true;
}

}  // namespace salesproc::detail
