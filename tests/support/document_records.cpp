#include "document_records.hpp"

#include "salesproc/rules/header.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/totals/validator.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace salesproc::testing {
namespace {

// Ordered, so that a rejected record reads back with its keys as the API sent them.
using json = nlohmann::ordered_json;

// Builds the DOM like nlohmann's own SAX DOM builder, but keeps floating-point numbers as their
// source text in a binary value (so a price is exact, and stays a number, not a string, when the
// record is written back) and refuses nesting beyond max_json_depth.
class exact_sax : public nlohmann::detail::json_sax_dom_parser<json> {
  public:
    explicit exact_sax(json& result) : json_sax_dom_parser(result, false) {}

    bool number_float(json::number_float_t, const json::string_t& text) {
        json::binary_t bytes(std::vector<std::uint8_t>(text.begin(), text.end()));
        return json_sax_dom_parser::binary(bytes);
    }
    bool start_object(std::size_t n) {
        keys_.emplace_back();
        return ++depth_ <= max_json_depth && json_sax_dom_parser::start_object(n);
    }
    bool start_array(std::size_t n) {
        return ++depth_ <= max_json_depth && json_sax_dom_parser::start_array(n);
    }
    bool end_object() {
        keys_.pop_back();
        --depth_;
        return json_sax_dom_parser::end_object();
    }
    bool end_array() {
        --depth_;
        return json_sax_dom_parser::end_array();
    }
    bool key(json::string_t& k) {
        // Duplicate keys anywhere: the streaming reader calls a duplicated rule field malformed,
        // where this DOM keeps the last value.
        if (!keys_.empty() && !keys_.back().insert(k).second) duplicate_ = true;
        return json_sax_dom_parser::key(k);
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& ex) {
        error_ = "at byte " + std::to_string(position) + ": " + ex.what();
        return false;
    }
    [[nodiscard]] unsigned depth() const noexcept { return depth_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] bool duplicate() const noexcept { return duplicate_; }

  private:
    std::vector<std::set<std::string>> keys_;
    bool duplicate_ = false;
    unsigned depth_ = 0;
    std::string error_;
};

// Compact JSON of a record as parsed: numbers written from their own text.
void write_compact(const json& v, std::string& out) {
    switch (v.type()) {
        case json::value_t::binary: {
            const auto& bytes = v.get_binary();
            out.append(bytes.begin(), bytes.end());
            return;
        }
        case json::value_t::string:
            detail::append_json_string(out, v.get_ref<const std::string&>());
            return;
        case json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.items()) {
                if (!first) out += ',';
                first = false;
                detail::append_json_string(out, key);
                out += ':';
                write_compact(item, out);
            }
            out += '}';
            return;
        }
        case json::value_t::array: {
            out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (i) out += ',';
                write_compact(v[i], out);
            }
            out += ']';
            return;
        }
        default:
            out += v.dump();
    }
}

// A sale field as text: strings as they are (trimmed like CSV fields), numbers exactly.
std::optional<std::string> field_text(const json& v) {
    if (v.is_string()) return std::string(csv::trim(v.get_ref<const std::string&>()));
    if (v.is_binary()) return std::string(v.get_binary().begin(), v.get_binary().end());
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    return std::nullopt;
}

// A record's key for a rule field, as a CSV header's column is found: the exact key, else the
// one key that matches loosely (case, surrounding spaces); two such keys are none.
json::const_iterator find_key(const json& record, const std::string& name) {
    const auto exact = record.find(name);
    if (exact != record.end()) return exact;
    auto found = record.end();
    for (auto it = record.begin(); it != record.end(); ++it)
        if (loosely_equal(it.key(), name)) {
            if (found != record.end()) return record.end();
            found = it;
        }
    return found;
}

// Call only when out.rejects.wants(why): the row is written out for those alone.
void keep_reject(api_records& out, reject_reason why, const json& record,
                 const std::string& detail) {
    std::string row;
    write_compact(record, row);
    out.rejects.add(why, out.records - 1, row, detail);
}

bool add_record(const json& v, const rules& r, api_records& out) {
    ++out.records;
    if (!v.is_object()) return true;
    const auto p = find_key(v, r.column(rule_field::product));
    const auto pr = find_key(v, r.column(rule_field::price));
    const auto q = find_key(v, r.column(rule_field::quantity));
    if (p == v.end() || pr == v.end() || q == v.end()) return true;
    const auto product = field_text(*p);
    const auto price = field_text(*pr);
    const auto quantity = field_text(*q);
    if (!product || !price || !quantity) {
        // The shape of a sale with a field of the wrong JSON type: a malformed sale, not "other".
        out.sales.add_reject(reject_reason::malformed_row);
        if (out.rejects.wants(reject_reason::malformed_row)) {
            const std::string& field =
                !product ? r.column(rule_field::product)
                         : (!price ? r.column(rule_field::price) : r.column(rule_field::quantity));
            keep_reject(out, reject_reason::malformed_row, v,
                        field + " is " + (!product ? *p : (!price ? *pr : *q)).type_name() +
                            ", expected a string or a number");
        }
        return true;
    }
    std::optional<reject_reason> why;
    const unsigned json_numbers = (pr->is_string() ? 0U : price_is_json_number) |
                                  (q->is_string() ? 0U : quantity_is_json_number);
    if (!validate_fields(*product, *price, *quantity, r, out.sales, &why, json_numbers))
        return false;
    if (why && out.rejects.wants(*why)) {
        std::string detail;
        describe_reject(*why, *product, *price, *quantity, r, detail);
        keep_reject(out, *why, v, detail);
    }
    return true;
}

}  // namespace

result<api_records> document_api_records(std::string_view body, const rules& r,
                                         const std::string& context, const reject_options& rejects,
                                         const body_layout& layout, bool* duplicate_keys) {
    // nlohmann reads a NUL as the end of the input; RFC 8259 allows none outside strings.
    if (body.find('\0') != std::string_view::npos)
        return make_error(errc::bad_json, context, "invalid JSON: a NUL byte");
    json root;
    exact_sax sax(root);
    const bool ok = json::sax_parse(body, &sax, json::input_format_t::json, true);
    if (!ok || sax.is_errored()) {
        if (sax.depth() > max_json_depth)
            return make_error(
                errc::bad_json, context,
                "invalid JSON: nesting deeper than " + std::to_string(max_json_depth));
        return make_error(
            errc::bad_json, context,
            "invalid JSON " + (sax.error().empty() ? std::string("body") : sax.error()));
    }
    if (duplicate_keys) *duplicate_keys = sax.duplicate();
    api_records out;
    out.rejects.reset(rejects);
    // Pointers were checked for form when given, so json_pointer does not throw here.
    const json* records = &root;
    if (!layout.records_pointer.empty()) {
        const json::json_pointer at(layout.records_pointer);
        if (!root.contains(at))
            return make_error(
                errc::bad_json, context,
                "the body has nothing at --records-pointer " + layout.records_pointer);
        records = &root.at(at);
    }
    if (!layout.next_pointer.empty()) {
        const json::json_pointer at(layout.next_pointer);
        if (root.contains(at)) {
            const json& next = root.at(at);
            if (next.is_string())
                out.next = next.get<std::string>();
            else if (!next.is_null())
                return make_error(errc::bad_json, context,
                                  "--next-pointer " + layout.next_pointer + " names a " +
                                      next.type_name() + ", expected a URL string or null");
        }
    }
    bool fits = true;
    if (records->is_array()) {
        for (const auto& item : *records)
            if (!(fits = add_record(item, r, out))) break;
    } else {
        fits = add_record(*records, r, out);
    }
    if (!fits)
        return make_error(errc::money_overflow, context,
                          "the total of product '" + out.sales.overflowed_product() +
                              "' exceeds the exact 128-bit fixed-point range");
    out.rejects.set_lines(out.records);
    return out;
}

}  // namespace salesproc::testing
