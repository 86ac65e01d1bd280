#include "record_sale.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/totals/validator.hpp"

#include <cstring>

#include <boost/json/basic_parser_impl.hpp>

#include <vector>

namespace salesproc::detail {
namespace {

// Writes a record's compact JSON as the row tape would have it: keys and strings re-escaped,
// numbers in their own text.
class row_writer : public unlimited_json_handler {
  public:
    using error_code = boost::system::error_code;

    std::string out;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code&) { return open('{', true); }
    bool on_object_end(std::size_t, error_code&) { return close('}'); }
    bool on_array_begin(error_code&) { return open('[', false); }
    bool on_array_end(std::size_t, error_code&) { return close(']'); }
    bool on_key_part(std::string_view s, std::size_t, error_code&) { return part(key_, s); }
    bool on_key(std::string_view s, std::size_t, error_code&) { return part(key_, s); }
    bool on_string_part(std::string_view s, std::size_t, error_code&) { return part(text_, s); }
    bool on_string(std::string_view s, std::size_t, error_code&) {
        text_ += s;
        value();
        append_json_string(out, text_);
        text_.clear();
        return true;
    }
    bool on_number_part(std::string_view s, error_code&) { return part(text_, s); }
    bool on_int64(std::int64_t, std::string_view s, error_code&) { return number(s); }
    bool on_uint64(std::uint64_t, std::string_view s, error_code&) { return number(s); }
    bool on_double(double, std::string_view s, error_code&) { return number(s); }
    bool on_bool(bool b, error_code&) { return literal(b ? "true" : "false"); }
    bool on_null(error_code&) { return literal("null"); }
    bool on_comment_part(std::string_view, error_code&) { return true; }
    bool on_comment(std::string_view, error_code&) { return true; }

  private:
    struct frame {
        bool object;
        bool first;
    };
    static bool part(std::string& to, std::string_view s) {
        to += s;
        return true;
    }
    // A value starts: its separator, and its key in an object.
    void value() {
        if (stack_.empty()) return;
        frame& f = stack_.back();
        if (!f.first) out += ',';
        f.first = false;
        if (f.object) {
            append_json_string(out, key_);
            out += ':';
            key_.clear();
        }
    }
    bool open(char c, bool object) {
        value();
        out += c;
        stack_.push_back({object, true});
        return true;
    }
    bool close(char c) {
        stack_.pop_back();
        out += c;
        return true;
    }
    bool number(std::string_view last) {
        text_ += last;
        value();
        out += text_;
        text_.clear();
        return true;
    }
    bool literal(std::string_view text) {
        value();
        out += text;
        return true;
    }

    std::vector<frame> stack_;
    std::string key_;
    std::string text_;
};

enum class quick_verdict : std::uint8_t { added, overflow, rejected, unknown };

// quick_check's verdict on a sale whose fields have its reach to spare in rec.readable, applied
// as check_sale's would be; `unknown` for the rest.
quick_verdict decide_quickly(const record_seen& rec, api_records& out, reject_reason& why) {
    const auto inside = [&rec](std::string_view text) {
        const auto at = reinterpret_cast<std::uintptr_t>(text.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(rec.readable.data());
        return at >= begin && at - begin + quick_reach <= rec.readable.size();
    };
    const std::string_view product = rec.fields[0]->text;
    const std::string_view price = rec.fields[1]->text;
    const std::string_view quantity = rec.fields[2]->text;
    if (rec.quick == nullptr || !inside(product) || !inside(price) || !inside(quantity))
        return quick_verdict::unknown;
    int128 amount = 0;
    std::uint64_t qty = 0;
    switch (quick_check(*rec.quick, product, price, quantity, amount, qty, why)) {
        case quick_outcome::valid:
            return out.sales.add_sale_short(product, amount, qty) ? quick_verdict::added
                                                                  : quick_verdict::overflow;
        case quick_outcome::rejected:
            out.sales.add_reject(why);
            return quick_verdict::rejected;
        case quick_outcome::unknown:
            break;
    }
    return quick_verdict::unknown;
}

void keep(api_records& out, reject_reason why, const record_seen& rec, std::string_view detail) {
    out.rejects.add(why, out.records - 1,
                    rec.raw.empty() ? render_tape(rec.row) : render_raw(rec.raw), detail);
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

std::string render_raw(std::string_view raw) {
    boost::json::parse_options o;
    o.max_depth = max_json_depth;
    boost::json::basic_parser<row_writer> p(o);
    boost::system::error_code ec;
    p.write_some(false, raw.data(), raw.size(), ec);
    return std::move(p.handler().out);
}

error total_overflow(const api_records& out, const std::string& context) {
    return make_error(errc::money_overflow, context,
                      "the total of product '" + out.sales.overflowed_product() +
                          "' exceeds the exact 128-bit fixed-point range");
}

bool add_record(const record_seen& rec, const rules& r, api_records& out) {
    ++out.records;
    if (!rec.object) return true;
    const field_value_seen& product = *rec.fields[0];
    const field_value_seen& price = *rec.fields[1];
    const field_value_seen& quantity = *rec.fields[2];
    const std::array<const field_value_seen*, 3>& f = rec.fields;
    for (const auto* field : f)
        if (field->what == field_value_seen::kind::absent) return true;  // not a sale
    for (std::size_t i = 0; i < f.size(); ++i) {
        const bool wrong_type = f[i]->what == field_value_seen::kind::other;
        if (!wrong_type && !f[i]->repeated) continue;
        // The shape of a sale with a field of the wrong JSON type, or a field given twice (which
        // of the two would be a guess): a malformed sale.
        out.sales.add_reject(reject_reason::malformed_row);
        if (out.rejects.wants(reject_reason::malformed_row)) {
            const std::string& key = r.columns[i];
            keep(out, reject_reason::malformed_row, rec,
                 wrong_type
                     ? key + " is " + std::string(f[i]->text) + ", expected a string or a number"
                     : "key '" + key + "' appears twice in the record");
        }
        return true;
    }
    const unsigned json_numbers =
        (price.what == field_value_seen::kind::number ? price_is_json_number : 0U) |
        (quantity.what == field_value_seen::kind::number ? quantity_is_json_number : 0U);
    std::optional<reject_reason> why;
    reject_reason quick_why = reject_reason::malformed_row;
    switch (decide_quickly(rec, out, quick_why)) {
        case quick_verdict::added:
            return true;
        case quick_verdict::overflow:
            return false;
        case quick_verdict::rejected:
            why = quick_why;
            break;
        case quick_verdict::unknown:
            if (!validate_fields(product.text, price.text, quantity.text, r, out.sales, &why,
                                 json_numbers))
                return false;
    }
    if (why && out.rejects.wants(*why)) {
        std::string detail;
        describe_reject(*why, product.text, price.text, quantity.text, r, detail);
        keep(out, *why, rec, detail);
    }
    return true;
}

}  // namespace salesproc::detail
