#include "salesproc/api_records.hpp"

#include "salesproc/csv.hpp"
#include "salesproc/validator.hpp"

#include <nlohmann/json.hpp>

namespace salesproc {
namespace {

using json = nlohmann::json;

// Builds the DOM like nlohmann's own SAX DOM builder, but keeps floating-point numbers as their
// source text (so a price is exact) and refuses nesting beyond max_json_depth.
class exact_sax : public nlohmann::detail::json_sax_dom_parser<json> {
  public:
    explicit exact_sax(json& result) : json_sax_dom_parser(result, false) {}

    bool number_float(json::number_float_t, const json::string_t& text) {
        json::string_t copy = text;
        return json_sax_dom_parser::string(copy);
    }
    bool start_object(std::size_t n) {
        return ++depth_ <= max_json_depth && json_sax_dom_parser::start_object(n);
    }
    bool start_array(std::size_t n) {
        return ++depth_ <= max_json_depth && json_sax_dom_parser::start_array(n);
    }
    bool end_object() {
        --depth_;
        return json_sax_dom_parser::end_object();
    }
    bool end_array() {
        --depth_;
        return json_sax_dom_parser::end_array();
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& ex) {
        error_ = "at byte " + std::to_string(position) + ": " + ex.what();
        return false;
    }
    [[nodiscard]] unsigned depth() const noexcept { return depth_; }
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

  private:
    unsigned depth_ = 0;
    std::string error_;
};

// A sale field as text: strings as they are (trimmed like CSV fields), integers exactly.
std::optional<std::string> field_text(const json& v) {
    if (v.is_string()) return std::string(csv::trim(v.get_ref<const std::string&>()));
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    return std::nullopt;
}

bool add_record(const json& v, const rules& r, api_records& out) {
    ++out.records;
    if (!v.is_object()) return true;
    const auto p = v.find("product");
    const auto pr = v.find("price");
    const auto q = v.find("quantity");
    if (p == v.end() || pr == v.end() || q == v.end()) return true;
    const auto product = field_text(*p);
    const auto price = field_text(*pr);
    const auto quantity = field_text(*q);
    if (!product || !price || !quantity) {
        // The shape of a sale with a field of the wrong JSON type: a malformed sale, not "other".
        out.sales.add_reject(reject_reason::malformed_row);
        return true;
    }
    return validate_fields(*product, *price, *quantity, r, out.sales);
}

}  // namespace

result<api_records> parse_api_records(std::string_view body, const rules& r,
                                      const std::string& context) {
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
    api_records out;
    bool fits = true;
    if (root.is_array()) {
        for (const auto& item : root)
            if (!(fits = add_record(item, r, out))) break;
    } else {
        fits = add_record(root, r, out);
    }
    if (!fits)
        return make_error(errc::money_overflow, context,
                          "the total of product '" + out.sales.overflowed_product() +
                              "' exceeds the exact 128-bit fixed-point range");
    return out;
}

}  // namespace salesproc
