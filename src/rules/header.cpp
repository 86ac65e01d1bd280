// The header row: where the columns the rules need sit (see rules/header.hpp).
#include "salesproc/rules/header.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/input/csv.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace salesproc {
namespace {

// Surrounding ASCII whitespace, U+00A0 and a byte-order mark trimmed.
std::string_view loose_trim(std::string_view s) noexcept {
    for (bool more = true; more;) {
        more = false;
        s = csv::trim(s);
        for (const std::string_view w :
             {std::string_view("\xC2\xA0"), std::string_view("\xEF\xBB\xBF")}) {
            if (s.substr(0, w.size()) == w) {
                s.remove_prefix(w.size());
                more = true;
            }
            if (s.size() >= w.size() && s.substr(s.size() - w.size()) == w) {
                s.remove_suffix(w.size());
                more = true;
            }
        }
    }
    return s;
}

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}

std::string loose_key(std::string_view s) {
    std::string out(loose_trim(s));
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string positions_text(const std::vector<std::size_t>& at,
                           const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < at.size(); ++i)
        out += (i == 0 ? "" : (i + 1 == at.size() ? " and " : ", ")) + std::string("'") +
               detail::shorten(names[at[i]]) + "' at position " + std::to_string(at[i] + 1);
    return out;
}

// The header's names, shown in a message: the first ten, each cut.
std::string seen_names(const std::vector<std::string>& names) {
    std::string seen;
    for (std::size_t i = 0; i < names.size() && i < 10; ++i)
        seen += (i ? ", " : "") + detail::shorten(names[i]);
    if (names.size() > 10) seen += ", ...";
    return seen;
}

struct column_finder {
    const std::vector<std::string>& names;
    std::string_view header;
    const rules& r;
    const std::string& source;

    [[nodiscard]] std::string context(const std::string& field, const std::string& column) const {
        return column == field ? source + ": column '" + column + "'"
                               : source + ": field '" + field + "' (column '" + column + "')";
    }

    // A missing column: what the header holds, and the likeliest fix.
    [[nodiscard]] error missing(const std::string& field, const std::string& column) const {
        std::string reason =
            "required column is missing from the header (found: " + seen_names(names) + ")";
        if (names.size() == 1 && r.delimiter != ',' && header.find(',') != header.npos)
            return make_error(errc::missing_column, context(field, column),
                              reason + "; the header has commas but --delimiter is '" +
                                  delimiter_name(r.delimiter) + "'");
        if (names.size() == 1 && r.delimiter == ',')
            for (const char d : {';', '\t', '|'})
                if (header.find(d) != header.npos)
                    return make_error(
                        errc::missing_column, context(field, column),
                        reason + "; the header looks " + delimiter_name(d) +
                            "-separated: try --delimiter " +
                            (d == '\t' ? std::string("tab") : "'" + std::string(1, d) + "'"));
        if (const auto guess = closest(column); guess && rule_field_named(field))
            return make_error(
                errc::missing_column, context(field, column),
                reason + "; if it is '" + *guess + "', try --field " + field + "=" + *guess);
        // One field that reads like a sentence: a title or a date above the header.
        if (names.size() == 1 && names[0].find(' ') != std::string::npos)
            reason += "; if lines above the header hold a title, skip them with --skip-lines N";
        return make_error(errc::missing_column, context(field, column), reason);
    }

    [[nodiscard]] std::optional<std::string> closest(const std::string& column) const {
        const std::string want = loose_key(column);
        std::optional<std::string> best;
        std::size_t best_distance = std::max<std::size_t>(2, want.size() / 2) + 1;
        for (const auto& n : names) {
            const std::size_t d = edit_distance(want, loose_key(n));
            if (d < best_distance && !loose_trim(n).empty()) {
                best_distance = d;
                best = std::string(loose_trim(n));
            }
        }
        return best;
    }

    result<std::size_t> by_position(const std::string& field, const std::string& column) const {
        std::size_t n = 0;
        const char* first = column.data() + 1;
        const auto [end, ec] = std::from_chars(first, column.data() + column.size(), n);
        if (ec != std::errc() || end != column.data() + column.size() || n == 0 || n > names.size())
            return make_error(errc::missing_column, context(field, column),
                              "the header has " + std::to_string(names.size()) +
                                  " columns; a position is #1 to #" + std::to_string(names.size()));
        return n - 1;
    }

    result<std::size_t> find(const std::string& field, header_layout& layout) const {
        const std::string& column = r.column_for(field);
        if (column.size() > 1 && column[0] == '#') return by_position(field, column);
        std::vector<std::size_t> exact, loose;
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] == column) exact.push_back(i);
            if (loosely_equal(names[i], column)) loose.push_back(i);
        }
        if (exact.size() == 1) return exact[0];
        const auto& found = exact.empty() ? loose : exact;
        if (found.empty()) return missing(field, column);
        if (found.size() > 1)
            return make_error(errc::missing_column, context(field, column),
                              "the header has " + positions_text(found, names) +
                                  ": name the one to read with --field " + field + "=#" +
                                  std::to_string(found[0] + 1));
        layout.loose.push_back({field, names[found[0]], found[0] + 1});
        return found[0];
    }
};

}  // namespace

bool loosely_equal(std::string_view a, std::string_view b) noexcept {
    a = loose_trim(a);
    b = loose_trim(b);
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

result<header_layout> parse_header(std::string_view header, const rules& r,
                                   const std::string& source_name) {
    if (csv::has_bare_cr(header))
        return make_error(errc::invalid_argument, source_name,
                          "line endings are CR only (classic Mac); salesproc reads LF or CR LF "
                          "line endings: convert with tr '\\r' '\\n'");
    // The header may hold any number of columns: split it with a span as large as needed.
    csv::record rec;
    csv::tokenizer(header, r.delimiter).next(rec, {});
    std::vector<std::string_view> raw(rec.field_count);
    csv::tokenizer(header, r.delimiter).next(rec, raw);
    std::vector<std::string> names;
    std::string scratch;
    names.reserve(raw.size());
    for (auto f : raw)
        names.emplace_back(csv::field_value(f, scratch));

    std::vector<std::string> required = r.required_fields;
    for (const auto must : rule_field_names)
        if (std::find(required.begin(), required.end(), must) == required.end())
            required.emplace_back(must);
    header_layout layout;
    layout.columns = names.size();
    const column_finder finder{names, header, r, source_name};
    std::array<std::size_t, 3> at{};
    for (const auto& field : required) {
        auto found = finder.find(field, layout);
        if (!found) return found.error();
        if (const auto f = rule_field_named(field)) at[static_cast<std::size_t>(*f)] = *found;
    }
    layout.product = at[0];
    layout.price = at[1];
    layout.quantity = at[2];
    return layout;
}

}  // namespace salesproc
