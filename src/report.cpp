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
    if (in.samples != nullptr) {
        json samples = json::object();
        for (auto r : all_reject_reasons) {
            json list = json::array();
            for (const auto& sample : (*in.samples)[static_cast<std::size_t>(r)])
                list.push_back({{"source", sample.source},
                                {"line", sample.line},
                                {"detail", sample.detail},
                                {"row", sample.row}});
            samples[std::string(to_string(r))] = std::move(list);
        }
        doc["rejected_samples"] = std::move(samples);
    }
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

std::string serialize_report(const json& doc) {
    std::string out;
    write_value(doc, out, 0);
    out += '\n';
    return out;
}

}  // namespace salesproc
