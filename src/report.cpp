#include "salesproc/report.hpp"

#include <ctime>

namespace salesproc {
namespace {

using json = nlohmann::ordered_json;

std::string iso8601(std::chrono::system_clock::time_point tp) {
    const std::time_t t = std::chrono::system_clock::to_time_t(tp);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

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

json quality_section(const std::vector<gate_outcome>& gates) {
    json out = json::object();
    for (const auto& g : gates)
        out[g.name] = {{"limit", exact_number(g.limit)},
                       {"actual", exact_number(g.actual)},
                       {"passed", g.passed}};
    return out;
}

void add_compression(json& section, const csv_input_summary& s) {
    if (s.compression == detail::compression::none) return;
    section["compression"] = std::string(detail::to_string(s.compression));
    section["decompressed_bytes"] = s.decompressed_bytes;
}

json csv_section(const std::vector<csv_input_summary>& inputs) {
    json section = json::object();
    if (inputs.size() == 1) {
        const auto& s = inputs.front();
        section["path"] = s.path;
        section["rows"] = s.rows;
        section["bytes"] = s.bytes;
        add_compression(section, s);
        section["chunks"] = s.chunks;
        return section;
    }
    json list = json::array();
    std::uint64_t rows = 0, bytes = 0, chunks = 0;
    for (const auto& s : inputs) {
        json entry{{"path", s.path},
                   {"rows", s.rows},
                   {"valid", s.valid},
                   {"invalid", s.invalid},
                   {"bytes", s.bytes}};
        add_compression(entry, s);
        list.push_back(std::move(entry));
        rows += s.rows;
        bytes += s.bytes;
        chunks += s.chunks;
    }
    section["inputs"] = std::move(list);
    section["rows"] = rows;
    section["bytes"] = bytes;
    section["chunks"] = chunks;
    return section;
}

json samples_section(const reject_samples& all) {
    json samples = json::object();
    for (auto r : all_reject_reasons) {
        json list = json::array();
        for (const auto& sample : all[static_cast<std::size_t>(r)])
            list.push_back({{"source", sample.source},
                            {"line", sample.line},
                            {"detail", sample.detail},
                            {"row", sample.row}});
        samples[std::string(to_string(r))] = std::move(list);
    }
    return samples;
}

json api_section(const api_summary& a) {
    json failures = json::array();
    for (const auto& f : a.failures) {
        failures.push_back(
            {{"url", f.url}, {"attempts", f.attempts}, {"error", f.error}, {"code", f.code}});
        // A paginated URL that failed after some pages: their records are kept and counted.
        if (f.pages != 0) failures.back()["pages"] = f.pages;
    }
    json section{{"requested", a.requested},
                 {"succeeded", a.succeeded},
                 {"failed", a.requested - a.succeeded},
                 {"retries", a.retries},
                 {"records", a.records}};
    if (a.paginated) section["pages"] = a.pages;
    section["retry_budget_exhausted"] = a.retry_budget_exhausted;
    section["failures"] = std::move(failures);
    return section;
}

}  // namespace

json exact_number(const std::string& decimal_text) {
    return json::binary(std::vector<std::uint8_t>(decimal_text.begin(), decimal_text.end()));
}

json build_report(const report_input& in) {
    const sales_aggregate& t = *in.totals;
    json doc;
    doc["api_records"] = in.api ? in.api->records : 0;
    doc["total_sales"] = exact_number(format_units(t.total(), in.scale));
    json products = json::array();
    for (const auto& p : t.products())
        products.push_back(p.product);
    doc["unique_products"] = products;
    doc["valid_sales"] = t.valid();
    doc["invalid_sales"] = t.invalid();
    json rejected = json::object();
    for (auto r : all_reject_reasons)
        rejected[std::string(to_string(r))] = t.rejected(r);
    doc["rejected"] = rejected;
    if (in.samples != nullptr) doc["rejected_samples"] = samples_section(*in.samples);
    json by_product = json::array();
    for (const auto& p : t.products()) {
        json row;
        row["product"] = p.product;
        row["quantity"] = exact_number(to_string(p.quantity));
        row["total"] = exact_number(format_units(p.amount, in.scale));
        by_product.push_back(std::move(row));
    }
    doc["sales_by_product"] = by_product;
    doc["csv"] = csv_section(in.csv_inputs);
    if (in.api) doc["api"] = api_section(*in.api);
    if (in.quality) doc["quality"] = quality_section(*in.quality);
    doc["generated_at"] = iso8601(in.generated_at);
    doc["duration_ms"] = in.duration.count();
    return doc;
}

namespace {

// The report's text, handed to the sink in pieces of about 1 MiB.
class report_stream {
  public:
    explicit report_stream(const report_sink& out) : out_(out) { text_.reserve(piece + 4096); }

    // `"key": ` at the top level, after the previous member's separator.
    void key(std::string_view k) {
        text_ += first_ ? "{\n  " : ",\n  ";
        first_ = false;
        string(k);
        text_ += ": ";
    }
    void member(std::string_view k, const json& v) {
        key(k);
        write_value(v, text_, 1);
        spill();
    }
    // A JSON string exactly as nlohmann writes it (UTF-8 kept, invalid bytes replaced); plain
    // printable ASCII, which product names nearly always are, without building a json value.
    void string(std::string_view s) {
        bool plain = true;
        for (const char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u >= 0x7F || c == '"' || c == '\\') {
                plain = false;
                break;
            }
        }
        if (plain) {
            text_ += '"';
            text_ += s;
            text_ += '"';
        } else {
            text_ += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
        }
    }
    std::string& text() noexcept { return text_; }
    void spill() {
        if (text_.size() >= piece) flush();
    }
    result<void> finish() {
        text_ += "\n}\n";
        flush();
        return status_;
    }

  private:
    static constexpr std::size_t piece = std::size_t{1} << 20;
    void flush() {
        if (status_ && !text_.empty()) status_ = out_(text_);
        text_.clear();
    }

    const report_sink& out_;
    std::string text_;
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
    if (t.products().empty()) {
        s.text() += "[]";
    } else {
        s.text() += '[';
        for (const auto& p : t.products()) {
            s.text() += s.text().back() == '[' ? "\n    " : ",\n    ";
            s.string(p.product);
            s.spill();
        }
        s.text() += "\n  ]";
    }
    s.member("valid_sales", t.valid());
    s.member("invalid_sales", t.invalid());
    json rejected = json::object();
    for (auto r : all_reject_reasons)
        rejected[std::string(to_string(r))] = t.rejected(r);
    s.member("rejected", rejected);
    if (in.samples != nullptr) s.member("rejected_samples", samples_section(*in.samples));
    s.key("sales_by_product");
    if (t.products().empty()) {
        s.text() += "[]";
    } else {
        s.text() += '[';
        bool first = true;
        for (const auto& p : t.products()) {
            s.text() += first ? "\n    {\n      \"product\": " : ",\n    {\n      \"product\": ";
            first = false;
            s.string(p.product);
            s.text() += ",\n      \"quantity\": ";
            s.text() += to_string(p.quantity);
            s.text() += ",\n      \"total\": ";
            s.text() += format_units(p.amount, in.scale);
            s.text() += "\n    }";
            s.spill();
        }
        s.text() += "\n  ]";
    }
    s.member("csv", csv_section(in.csv_inputs));
    if (in.api) s.member("api", api_section(*in.api));
    if (in.quality) s.member("quality", quality_section(*in.quality));
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
