#include "salesproc/rules/config.hpp"

#include "salesproc/base/detail/text.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace salesproc {
namespace {

error config_error(const std::string& path, const std::string& key, const std::string& why) {
    return make_error(errc::bad_config, key.empty() ? path : path + ": " + key, why);
}

}  // namespace

result<void> validate_rules(const rules& r, const std::string& context,
                            const std::string& fields_context) {
    if (r.max_decimals > max_scale)
        return make_error(errc::bad_config, context + ": max_decimals",
                          "must be at most " + std::to_string(max_scale));
    if (r.min_price.units < 0)
        return make_error(errc::bad_config, context + ": min_price", "must not be negative");
    if (r.max_quantity < 1)
        return make_error(errc::bad_config, context + ": max_quantity", "must be at least 1");
    if (r.numbers.decimal == r.numbers.thousands)
        return make_error(errc::bad_config, context + ": thousands_separator",
                          std::string("is the decimal separator '") + r.numbers.decimal + "' too");
    for (std::size_t i = 0; i < r.columns.size(); ++i)
        for (std::size_t j = i + 1; j < r.columns.size(); ++j)
            if (r.columns[i] == r.columns[j])
                return make_error(
                    fields_context.empty() ? errc::bad_config : errc::invalid_argument,
                    fields_context.empty() ? context + ": fields" : fields_context,
                    std::string(rule_field_names[i]) + " and " + std::string(rule_field_names[j]) +
                        " are both mapped to column '" + r.columns[i] + "'");
    return {};
}

result<rules> load_rules(const std::string& path) {
    auto c = load_config(path);
    if (!c) return c.error();
    return std::move(c->rule_set);
}

namespace {

// One key of the file: its value read into the config, or an error (context: the path and key).
using key_reader = result<void> (*)(const YAML::Node& v, const std::string& s, config_file& c);

error bad(std::string why) {
    return make_error(errc::bad_config, "", std::move(why));
}

result<void> read_required_fields(const YAML::Node& v, const std::string&, config_file& c) {
    if (!v.IsSequence()) return bad("expected a list of column names");
    c.rule_set.required_fields.clear();
    for (const auto& item : v) {
        if (!item.IsScalar() || item.Scalar().empty())
            return bad("expected non-empty column names");
        c.rule_set.required_fields.push_back(item.Scalar());
    }
    return {};
}

result<void> read_fields(const YAML::Node& v, const std::string&, config_file& c) {
    if (!v.IsMap())
        return bad(
            "expected a map of rule fields to column names, e.g. "
            "{product: Product, price: unit_price}");
    for (const auto& f : v) {
        const auto name = f.first.as<std::string>();
        const auto field = rule_field_named(name);
        if (!field)
            return make_error(errc::bad_config, "." + name,
                              "unknown field (expected product, price, quantity)");
        if (!f.second.IsScalar() || f.second.Scalar().empty())
            return make_error(errc::bad_config, "." + name, "expected a column name");
        c.rule_set.columns[static_cast<std::size_t>(*field)] = f.second.Scalar();
    }
    return {};
}

result<void> read_pointer(const std::string& s, std::optional<std::string>& out) {
    if (!detail::is_json_pointer(s))
        return bad("'" + s + "' is not a JSON pointer (RFC 6901), e.g. /data");
    out = s;
    return {};
}

result<std::uint64_t> read_count(const std::string& s, std::uint64_t low, std::uint64_t high) {
    const auto n = parse_integer_text(s);
    if (!n || n->negative || n->magnitude == UINT64_MAX)
        return bad("'" + s + "' is not a non-negative integer");
    if (n->magnitude < low || n->magnitude > high)
        return bad("must be from " + std::to_string(low) + " to " + std::to_string(high));
    return n->magnitude;
}

using key_table = std::map<std::string, key_reader, std::less<>>;

// The rules' and the API's scalar keys.
key_table rule_and_api_keys() {
    return {
        {"product_prefix",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             c.rule_set.product_prefix = s;
             return {};
         }},
        {"min_price",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             const auto fp = parse_fixed(s);
             if (!fp) return bad("'" + s + "' is not a plain decimal number");
             c.rule_set.min_price = *fp;
             return {};
         }},
        {"max_quantity",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             auto n = read_count(s, 0, UINT64_MAX - 1);
             if (n) c.rule_set.max_quantity = *n;
             return n ? result<void>() : result<void>(n.error());
         }},
        {"max_decimals",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             auto n = read_count(s, 0, max_scale);
             if (n) c.rule_set.max_decimals = static_cast<unsigned>(*n);
             return n ? result<void>() : result<void>(n.error());
         }},
        {"delimiter",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             const auto d = parse_delimiter(s);
             if (!d) return bad("'" + s + "' is not a delimiter (expected ',', ';', '|' or tab)");
             c.rule_set.delimiter = *d;
             return {};
         }},
        {"records_pointer", [](const YAML::Node&, const std::string& s,
                               config_file& c) { return read_pointer(s, c.api.records_pointer); }},
        {"next_pointer", [](const YAML::Node&, const std::string& s,
                            config_file& c) { return read_pointer(s, c.api.next_pointer); }},
        {"max_pages",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             auto n = read_count(s, 1, 1'000'000);
             if (n) c.api.max_pages = static_cast<unsigned>(*n);
             return n ? result<void>() : result<void>(n.error());
         }},
    };
}

// How the input's text is read, and the rest.
key_table input_keys() {
    return {
        {"decimal_separator",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             const auto d = parse_decimal_separator(s);
             if (!d) return bad("'" + s + "' is not a decimal separator (expected '.' or ',')");
             c.rule_set.numbers.decimal = *d;
             return {};
         }},
        {"thousands_separator",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             const auto t = parse_thousands_separator(s);
             if (!t)
                 return bad("'" + s +
                            "' is not a thousands separator (expected '.', ',', \"'\", space "
                            "or none)");
             c.rule_set.numbers.thousands = *t;
             return {};
         }},
        {"encoding",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             if (s.empty()) return bad("expected an encoding name, e.g. cp1252");
             c.input.encoding = s;
             return {};
         }},
        {"skip_lines",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             auto n = read_count(s, 0, std::uint64_t{1} << 40);
             if (n) c.input.skip_lines = *n;
             return n ? result<void>() : result<void>(n.error());
         }},
        {"follow_cross_origin",
         [](const YAML::Node&, const std::string& s, config_file& c) -> result<void> {
             if (s != "true" && s != "false") return bad("'" + s + "' is not true or false");
             c.api.follow_cross_origin = s == "true";
             return {};
         }},
    };
}

// The keys whose value is one scalar, and what each does with it.
const key_table& scalar_keys() {
    static const key_table keys = [] {
        key_table all = rule_and_api_keys();
        all.merge(input_keys());
        return all;
    }();
    return keys;
}

// Every key, in the order the "unknown key" message lists them.
std::string known_keys() {
    std::string out = "required_fields, fields";
    for (const auto& [name, read] : scalar_keys())
        out += ", " + name;
    return out;
}

result<void> read_key(const std::string& key, const YAML::Node& v, config_file& c) {
    if (key == "required_fields") return read_required_fields(v, {}, c);
    if (key == "fields") return read_fields(v, {}, c);
    const auto it = scalar_keys().find(key);
    if (it == scalar_keys().end()) return bad("unknown key (expected " + known_keys() + ")");
    if (!v.IsScalar()) return bad("expected a single value");
    return it->second(v, v.Scalar(), c);
}

}  // namespace

result<config_file> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return errno_error(path, errno);
    std::stringstream text;
    text << in.rdbuf();
    YAML::Node root;
    try {
        root = YAML::Load(text.str());
    } catch (const YAML::Exception& e) {
        return config_error(
            path, "", "invalid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    config_file config;
    if (root.IsNull()) return config;
    if (!root.IsMap()) return config_error(path, "", "expected a mapping of rule names to values");
    for (const auto& kv : root) {
        const auto key = kv.first.as<std::string>();
        // A reader's error context, when it has one, is the part of the key below this one.
        if (auto r = read_key(key, kv.second, config); !r)
            return config_error(path, key + r.error().context, r.error().reason);
    }
    if (auto ok = validate_rules(config.rule_set, path); !ok) return ok.error();
    return config;
}

}  // namespace salesproc
