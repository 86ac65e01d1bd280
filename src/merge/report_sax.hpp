// The SAX pass over a report that merge reads: sales_by_product streamed to a visitor,
// unique_products counted, every other top-level member kept as a small document of its own, each
// number with its own text. Internal to report_reader.cpp.
#pragma once

#include "salesproc/merge/report_reader.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace salesproc::detail {

// Streams the report: sales_by_product to the visitor, unique_products counted, every other
// top-level member into a small document of its own.
class report_sax : public nlohmann::json_sax<nlohmann::ordered_json> {
    using json = nlohmann::ordered_json;

  public:
    explicit report_sax(const product_visitor& visit) : visit_(visit) {}

    std::map<std::string, json> sections;
    std::size_t products = 0;
    std::size_t unique_products = 0;
    std::optional<std::string> failure;  // why the parse stopped
    bool top_is_object = false;

    bool null() override { return value(json(nullptr)); }
    bool boolean(bool v) override { return value(json(v)); }
    bool number_integer(number_integer_t v) override {
        return product_field(std::to_string(v)) || value(json(v));
    }
    bool number_unsigned(number_unsigned_t v) override {
        return product_field(std::to_string(v)) || value(json(v));
    }
    bool number_float(number_float_t, const string_t& text) override {
        return product_field(text) ||
               value(json::binary(std::vector<std::uint8_t>(text.begin(), text.end())));
    }
    bool string(string_t& v) override { return product_field(v) || value(json(v)); }
    bool binary(binary_t&) override { return fail("binary values are not JSON"); }

    bool start_object(std::size_t) override {
        ++depth_;
        if (depth_ == 1) {
            top_is_object = true;
            return true;
        }
        if (in_products() && depth_ == 3) {
            entry_ = {};
            return true;
        }
        return open(json::object());
    }
    bool end_object() override {
        --depth_;
        if (in_products() && depth_ == 2) {
            if (!entry_.name || !entry_.quantity || !entry_.total)
                return fail("sales_by_product: an entry lacks product, quantity or total");
            ++products;
            if (auto r = visit_(*entry_.name, *entry_.quantity, *entry_.total); !r) {
                failure = r.error().message();
                return false;
            }
            return true;
        }
        return close();
    }
    bool start_array(std::size_t) override {
        ++depth_;
        if (depth_ == 2 && (top_key_ == "sales_by_product" || top_key_ == "unique_products"))
            return true;
        return open(json::array());
    }
    bool end_array() override {
        --depth_;
        if (depth_ == 1 && (top_key_ == "sales_by_product" || top_key_ == "unique_products"))
            return true;
        return close();
    }
    bool key(string_t& k) override {
        if (depth_ == 1) {
            top_key_ = k;
            if (sections.count(k) != 0 || seen_lists_.count(k) != 0)
                return fail("duplicate key '" + k + "'");
            if (k == "sales_by_product" || k == "unique_products") seen_lists_.insert(k);
        } else if (in_products() && depth_ == 3) {
            entry_key_ = k;
        } else {
            key_ = k;
        }
        return true;
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& e) override {
        const std::string what = e.what();
        failure = what.find("unexpected end of input") != std::string::npos
                      ? "truncated: the JSON ends at byte " + std::to_string(position)
                      : "not valid JSON at byte " + std::to_string(position);
        return false;
    }

  private:
    struct entry {
        std::optional<std::string> name, quantity, total;
    };

    [[nodiscard]] bool in_products() const { return top_key_ == "sales_by_product"; }

    bool fail(std::string why) {
        failure = std::move(why);
        return false;
    }

    // A scalar inside sales_by_product (or a name of unique_products): consumed here.
    bool product_field(const std::string& text) {
        if (depth_ == 2 && top_key_ == "unique_products") {
            ++unique_products;
            return true;
        }
        if (!in_products() || depth_ != 3) return false;
        if (entry_key_ == "product")
            entry_.name = text;
        else if (entry_key_ == "quantity")
            entry_.quantity = text;
        else if (entry_key_ == "total")
            entry_.total = text;
        return true;
    }

    // A value inside a section's document (or a whole scalar section).
    json* place(json v) {
        if (stack_.empty()) {
            json& slot = sections[top_key_];
            slot = std::move(v);
            return &slot;
        }
        json& parent = *stack_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(v));
            return &parent.back();
        }
        json& slot = parent[key_];
        slot = std::move(v);
        return &slot;
    }
    bool value(json v) {
        if (depth_ == 0) return fail("the report is not a JSON object");
        if (depth_ == 2 && top_key_ == "sales_by_product")
            return fail("sales_by_product holds a value that is not an object");
        place(std::move(v));
        return true;
    }
    bool open(json container) {
        if (in_products()) return fail("sales_by_product: an entry holds a nested value");
        stack_.push_back(place(std::move(container)));
        return true;
    }
    bool close() {
        if (!stack_.empty()) stack_.pop_back();
        return true;
    }

    const product_visitor& visit_;
    int depth_ = 0;
    std::string top_key_;
    std::string key_;
    std::string entry_key_;
    entry entry_;
    std::vector<json*> stack_;
    std::set<std::string> seen_lists_;
};

}  // namespace salesproc::detail
