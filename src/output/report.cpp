#include "salesproc/output/report.hpp"

#include "report_sections.hpp"

#include "salesproc/base/detail/text.hpp"

#include <emmintrin.h>

#include <ctime>

namespace salesproc {
namespace {

using json = nlohmann::ordered_json;

void write_value(const json& v, std::string& out, int indent) {
    const auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
    switch (v.type()) {
        case json::value_t::binary: {
            const auto& bytes = v.get_binary();
            out.append(bytes.begin(), bytes.end());
            return;
        }
        case json::value_t::object: {
            if (v.empty()) {
                out += "{}";
                return;
            }
            out += "{\n";
            bool first = true;
            for (const auto& [key, item] : v.items()) {
                if (!first) out += ",\n";
                first = false;
                pad(indent + 1);
                out += json(key).dump(-1, ' ', false, json::error_handler_t::replace);
                out += ": ";
                write_value(item, out, indent + 1);
            }
            out += '\n';
            pad(indent);
            out += '}';
            return;
        }
        case json::value_t::array: {
            if (v.empty()) {
                out += "[]";
                return;
            }
            out += "[\n";
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (i) out += ",\n";
                pad(indent + 1);
                write_value(v[i], out, indent + 1);
            }
            out += '\n';
            pad(indent);
            out += ']';
            return;
        }
        default:
            out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

// The report's products in first-seen order: from the catalog, or from the totals themselves.
std::size_t product_count(const report_input& in) {
    return in.products != nullptr ? in.products->size() : in.totals->products().size();
}
template <class Visit>
void for_each_product(const report_input& in, Visit&& visit) {
    if (in.products != nullptr) {
        in.products->for_each([&](const product_catalog::entry& e) {
            visit(e.name, e.quantity, static_cast<int128>(e.amount));
        });
        return;
    }
    for (const auto& p : in.totals->products())
        visit(p.product, p.quantity, p.amount);
}

}  // namespace

std::string iso8601(std::chrono::system_clock::time_point tp) {
    const std::time_t t = std::chrono::system_clock::to_time_t(tp);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json exact_number(const std::string& decimal_text) {
    return json::binary(std::vector<std::uint8_t>(decimal_text.begin(), decimal_text.end()));
}

json build_report(const report_input& in) {
    const sales_aggregate& t = *in.totals;
    json doc;
    doc["api_records"] = in.api ? in.api->records : 0;
    doc["total_sales"] = exact_number(format_units(t.total(), in.scale));
    json products = json::array();
    for_each_product(in, [&](std::string_view name, uint128, int128) {
        products.push_back(detail::shown_name(name));
    });
    doc["unique_products"] = products;
    doc["valid_sales"] = t.valid();
    doc["invalid_sales"] = t.invalid();
    json rejected = json::object();
    for (auto r : all_reject_reasons)
        rejected[std::string(to_string(r))] = t.rejected(r);
    doc["rejected"] = rejected;
    if (in.samples != nullptr) doc["rejected_samples"] = detail::samples_section(*in.samples);
    json by_product = json::array();
    for_each_product(in, [&](std::string_view name, uint128 quantity, int128 amount) {
        json row;
        row["product"] = detail::shown_name(name);
        row["quantity"] = exact_number(to_string(quantity));
        row["total"] = exact_number(format_units(amount, in.scale));
        by_product.push_back(std::move(row));
    });
    doc["sales_by_product"] = by_product;
    if (in.rule_set) doc["rules"] = detail::rules_section(*in.rule_set);
    if (!in.rule_set && in.rules_section) doc["rules"] = *in.rules_section;
    doc["csv"] = detail::csv_section(in.csv_inputs);
    if (in.api) doc["api"] = detail::api_section(*in.api);
    if (in.quality) doc["quality"] = detail::quality_section(*in.quality);
    if (!in.rejects_path.empty()) doc["rejects"] = json{{"path", in.rejects_path}};
    if (!in.parts.empty()) doc["parts"] = detail::parts_section(in.parts);
    doc["generated_at"] = iso8601(in.generated_at);
    doc["duration_ms"] = in.duration.count();
    return doc;
}

namespace {

// Printable ASCII without '"' or '\\', which JSON takes as it is: what product names nearly
// always are. Sixteen bytes at a time; a signed compare below ' ' also catches bytes >= 0x80.
bool plain_ascii(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 16; n -= 16, p += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                                      _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
        if (_mm_movemask_epi8(bad) != 0) return false;
    }
    for (; n != 0; --n, ++p) {
        const auto u = static_cast<unsigned char>(*p);
        if (u < 0x20 || u >= 0x7F || *p == '"' || *p == '\\') return false;
    }
    return true;
}

// The report's text, handed to the sink in pieces of about 1 MiB. The per-product lines, which
// are nearly all of a catalog's report, are written through a pointer into reserved room.
class report_stream {
  public:
    explicit report_stream(const report_sink& out) : out_(out) { text_.reserve_more(piece + 4096); }

    // `"key": ` at the top level, after the previous member's separator.
    void key(std::string_view k) {
        raw(first_ ? "{\n  " : ",\n  ");
        first_ = false;
        string(k);
        raw(": ");
    }
    void member(std::string_view k, const json& v) {
        key(k);
        std::string value;
        write_value(v, value, 1);
        text_.append(value);
        spill();
    }
    void raw(std::string_view s) { text_.append(s); }
    // A JSON string exactly as nlohmann writes it (UTF-8 kept, invalid bytes replaced); plain
    // printable ASCII, which product names nearly always are, without building a json value.
    void string(std::string_view s) {
        if (plain_ascii(s)) {
            char* p = text_.reserve_more(s.size() + 2);
            *p++ = '"';
            p = detail::copy_bytes(p, s.data(), s.size());
            *p++ = '"';
            text_.commit(p);
        } else {
            text_.append(json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
        }
    }
    // A product name as shown_name shows it (printable ASCII, nearly every name, at once).
    void product_name(std::string_view name) {
        if (plain_ascii(name))
            string(name);
        else
            string(detail::shown_name(name));
    }
    // One element of sales_by_product, after its separator.
    void product_row(std::string_view name, uint128 quantity, int128 amount, unsigned scale) {
        static constexpr std::string_view open = "\n    {\n      \"product\": ";
        static constexpr std::string_view mid = ",\n      \"quantity\": ";
        static constexpr std::string_view last = ",\n      \"total\": ";
        static constexpr std::string_view close = "\n    }";
        raw(open);
        product_name(name);
        // Both numbers fit in 48 + 96 bytes.
        char* p = text_.reserve_more(mid.size() + 48 + last.size() + 96 + close.size());
        p = detail::copy_bytes(p, mid.data(), mid.size());
        p = write_integer(quantity, p);
        p = detail::copy_bytes(p, last.data(), last.size());
        p = write_units(amount, scale, p);
        p = detail::copy_bytes(p, close.data(), close.size());
        text_.commit(p);
    }
    void spill() {
        if (text_.size() >= piece) flush();
    }
    result<void> finish() {
        raw("\n}\n");
        flush();
        return status_;
    }

  private:
    static constexpr std::size_t piece = std::size_t{1} << 20;
    void flush() {
        if (status_ && !text_.empty()) status_ = out_(text_.view());
        text_.clear();
    }

    const report_sink& out_;
    detail::byte_buffer text_;
    bool first_ = true;
    result<void> status_;
};

}  // namespace

result<void> write_report(const report_input& in, const report_sink& out) {
    const sales_aggregate& t = *in.totals;
    report_stream s(out);
    s.member("api_records", in.api ? in.api->records : 0);
    s.member("total_sales", exact_number(format_units(t.total(), in.scale)));
    s.key("unique_products");
    if (product_count(in) == 0) {
        s.raw("[]");
    } else {
        bool first = true;
        for_each_product(in, [&](std::string_view name, uint128, int128) {
            s.raw(first ? "[\n    " : ",\n    ");
            first = false;
            s.product_name(name);
            s.spill();
        });
        s.raw("\n  ]");
    }
    s.member("valid_sales", t.valid());
    s.member("invalid_sales", t.invalid());
    json rejected = json::object();
    for (auto r : all_reject_reasons)
        rejected[std::string(to_string(r))] = t.rejected(r);
    s.member("rejected", rejected);
    if (in.samples != nullptr) s.member("rejected_samples", detail::samples_section(*in.samples));
    s.key("sales_by_product");
    if (product_count(in) == 0) {
        s.raw("[]");
    } else {
        bool first = true;
        for_each_product(in, [&](std::string_view name, uint128 quantity, int128 amount) {
            s.raw(first ? "[" : ",");
            first = false;
            s.product_row(name, quantity, amount, in.scale);
            s.spill();
        });
        s.raw("\n  ]");
    }
    if (in.rule_set) s.member("rules", detail::rules_section(*in.rule_set));
    if (!in.rule_set && in.rules_section) s.member("rules", *in.rules_section);
    s.member("csv", detail::csv_section(in.csv_inputs));
    if (in.api) s.member("api", detail::api_section(*in.api));
    if (in.quality) s.member("quality", detail::quality_section(*in.quality));
    if (!in.rejects_path.empty()) s.member("rejects", json{{"path", in.rejects_path}});
    if (!in.parts.empty()) s.member("parts", detail::parts_section(in.parts));
    s.member("generated_at", iso8601(in.generated_at));
    s.member("duration_ms", in.duration.count());
    return s.finish();
}

std::string serialize_report(const json& doc) {
    std::string out;
    write_value(doc, out, 0);
    out += '\n';
    return out;
}

}  // namespace salesproc
