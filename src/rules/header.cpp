// The header row: where the columns the rules need sit (see rules/header.hpp).
#include "salesproc/rules/header.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/input/csv.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace salesproc {

result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name) {
    if (csv::has_bare_cr(header))
        return make_error(errc::invalid_argument, source_name,
                          "line endings are CR only (classic Mac); salesproc reads LF or CR LF "
                          "line endings: convert with tr '\\r' '\\n'");
    std::vector<std::string> names;
    csv::tokenizer tok(header, r.delimiter);
    csv::record rec;
    std::vector<std::string_view> raw(1);
    // The header may hold any number of columns: split it with a span as large as needed.
    {
        csv::tokenizer counter(header, r.delimiter);
        counter.next(rec, {});
        raw.resize(rec.field_count);
    }
    tok.next(rec, raw);
    std::string scratch;
    names.reserve(raw.size());
    for (auto f : raw)
        names.emplace_back(csv::field_value(f, scratch));

    auto find = [&](std::string_view name) -> std::optional<std::size_t> {
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) return std::nullopt;
        return static_cast<std::size_t>(it - names.begin());
    };
    std::vector<std::string> required = r.required_fields;
    for (const auto must : rule_field_names)
        if (std::find(required.begin(), required.end(), must) == required.end())
            required.emplace_back(must);
    for (const auto& field : required) {
        const std::string& column = r.column_for(field);
        if (!find(column)) {
            std::string seen;
            for (std::size_t i = 0; i < names.size() && i < 10; ++i)
                seen += (i ? ", " : "") + detail::shorten(names[i]);
            if (names.size() > 10) seen += ", ...";
            // A mapped field names both: the field the rules need and the column looked for.
            const std::string context =
                column == field ? source_name + ": column '" + column + "'"
                                : source_name + ": field '" + field + "' (column '" + column + "')";
            std::string reason = "required column is missing from the header (found: " + seen + ")";
            if (names.size() == 1 && r.delimiter != ',' && header.find(',') != header.npos)
                reason += "; the header has commas but --delimiter is '" +
                          delimiter_name(r.delimiter) + "'";
            else if (names.size() == 1 && r.delimiter == ',')
                for (const char d : {';', '\t', '|'})
                    if (header.find(d) != header.npos) {
                        reason += "; the header looks " + delimiter_name(d) +
                                  "-separated: try --delimiter " +
                                  (d == '\t' ? std::string("tab") : "'" + std::string(1, d) + "'");
                        break;
                    }
            return make_error(errc::missing_column, context, reason);
        }
    }
    return header_layout{names.size(), *find(r.column(rule_field::product)),
                         *find(r.column(rule_field::price)), *find(r.column(rule_field::quantity)),
                         SIZE_MAX};
}

}  // namespace salesproc
