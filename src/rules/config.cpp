#include "salesproc/rules/config.hpp"

#include "salesproc/base/detail/text.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
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
    rules& r = config.rule_set;
    if (root.IsNull()) return config;
    if (!root.IsMap()) return config_error(path, "", "expected a mapping of rule names to values");

    for (const auto& kv : root) {
        const auto key = kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (key == "required_fields") {
            if (!v.IsSequence()) return config_error(path, key, "expected a list of column names");
            r.required_fields.clear();
            for (const auto& item : v) {
                if (!item.IsScalar() || item.Scalar().empty())
                    return config_error(path, key, "expected non-empty column names");
                r.required_fields.push_back(item.Scalar());
            }
            continue;
        }
        if (key == "fields") {
            if (!v.IsMap())
                return config_error(path, key,
                                    "expected a map of rule fields to column names, e.g. "
                                    "{product: Product, price: unit_price}");
            for (const auto& f : v) {
                const auto name = f.first.as<std::string>();
                const auto field = rule_field_named(name);
                if (!field)
                    return config_error(path, key + "." + name,
                                        "unknown field (expected product, price, quantity)");
                if (!f.second.IsScalar() || f.second.Scalar().empty())
                    return config_error(path, key + "." + name, "expected a column name");
                r.columns[static_cast<std::size_t>(*field)] = f.second.Scalar();
            }
            continue;
        }
        if (!v.IsScalar()) return config_error(path, key, "expected a single value");
        const std::string& s = v.Scalar();
        if (key == "product_prefix") {
            r.product_prefix = s;
        } else if (key == "records_pointer" || key == "next_pointer") {
            if (!detail::is_json_pointer(s))
                return config_error(path, key,
                                    "'" + s + "' is not a JSON pointer (RFC 6901), e.g. /data");
            (key == "records_pointer" ? config.api.records_pointer : config.api.next_pointer) = s;
        } else if (key == "max_pages") {
            const auto n = parse_integer_text(s);
            if (!n || n->negative || n->magnitude < 1 || n->magnitude > 1'000'000)
                return config_error(path, key, "'" + s + "' is not a count from 1 to 1000000");
            config.api.max_pages = static_cast<unsigned>(n->magnitude);
        } else if (key == "follow_cross_origin") {
            if (s != "true" && s != "false")
                return config_error(path, key, "'" + s + "' is not true or false");
            config.api.follow_cross_origin = s == "true";
        } else if (key == "delimiter") {
            const auto d = parse_delimiter(s);
            if (!d)
                return config_error(
                    path, key, "'" + s + "' is not a delimiter (expected ',', ';', '|' or tab)");
            r.delimiter = *d;
        } else if (key == "min_price") {
            const auto fp = parse_fixed(s);
            if (!fp) return config_error(path, key, "'" + s + "' is not a plain decimal number");
            r.min_price = *fp;
        } else if (key == "max_quantity" || key == "max_decimals") {
            const auto n = parse_integer_text(s);
            if (!n || n->negative || n->magnitude == UINT64_MAX)
                return config_error(path, key, "'" + s + "' is not a non-negative integer");
            if (key == "max_quantity")
                r.max_quantity = n->magnitude;
            else if (n->magnitude > max_scale)
                return config_error(path, key, "must be at most " + std::to_string(max_scale));
            else
                r.max_decimals = static_cast<unsigned>(n->magnitude);
        } else {
            return config_error(path, key,
                                "unknown key (expected min_price, max_quantity, "
                                "required_fields, product_prefix, max_decimals, delimiter, "
                                "fields, records_pointer, next_pointer, max_pages, "
                                "follow_cross_origin)");
        }
    }
    if (auto ok = validate_rules(r, path); !ok) return ok.error();
    return config;
}

}  // namespace salesproc
