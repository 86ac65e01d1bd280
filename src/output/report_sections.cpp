#include "report_sections.hpp"

#include "salesproc/base/detail/text.hpp"

namespace salesproc::detail {
namespace {

using json = nlohmann::ordered_json;

void add_compression(json& section, const csv_input_summary& s) {
    if (s.compression == detail::compression::none) return;
    section["compression"] = std::string(detail::to_string(s.compression));
    section["decompressed_bytes"] = s.decompressed_bytes;
}

// A remote object: its ETag beside its URL, and the resumes after cuts.
void add_remote(json& section, const csv_input_summary& s) {
    if (!s.remote) return;
    if (!s.remote->etag.empty()) section["etag"] = s.remote->etag;
    section["resumes"] = s.remote->resumes;
}

void add_identity(json& section, const csv_input_summary& s) {
    if (!s.identity) return;
    section["identity"] = {{"size", s.identity->size},
                           {"mtime_ns", s.identity->mtime_ns},
                           {"fingerprint", s.identity->fingerprint}};
}

}  // namespace

json rules_section(const rules& r) {
    json required = json::array();
    for (const auto& f : r.required_fields)
        required.push_back(f);
    json fields = json::object();
    for (std::size_t i = 0; i < rule_field_names.size(); ++i)
        fields[std::string(rule_field_names[i])] = r.columns[i];
    json section{{"product_prefix", r.product_prefix},
                 {"min_price", exact_number(format_units(r.min_price.units, r.min_price.scale))},
                 {"max_quantity", r.max_quantity},
                 {"max_decimals", r.max_decimals},
                 {"required_fields", required},
                 {"delimiter", delimiter_name(r.delimiter)},
                 {"fields", fields}};
    // A declared number format is part of what the totals mean; plain notation, the default,
    // leaves no key, so reports without one read as they always did.
    if (!r.numbers.plain()) {
        section["decimal_separator"] = std::string(1, r.numbers.decimal);
        section["thousands_separator"] = thousands_name(r.numbers.thousands);
    }
    return section;
}

json quality_section(const std::vector<gate_outcome>& gates) {
    json out = json::object();
    for (const auto& g : gates)
        out[g.name] = {{"limit", exact_number(g.limit)},
                       {"actual", exact_number(g.actual)},
                       {"passed", g.passed}};
    return out;
}

json parts_section(const std::vector<report_part>& parts) {
    json out = json::array();
    for (const auto& p : parts) {
        json one{{"path", p.path}, {"valid_sales", p.valid}, {"invalid_sales", p.invalid}};
        if (!p.shard.empty()) one["shard"] = p.shard;
        out.push_back(std::move(one));
    }
    return out;
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
        add_identity(section, s);
        add_remote(section, s);
        if (s.shard)
            section["shard"] = {
                {"index", s.shard->spec.index},
                {"count", s.shard->spec.count},
                {"start", std::string(quote_state_name(s.shard->spec.start_quoted))},
                {"end", std::string(quote_state_name(s.shard->end_quoted))},
                {"lines", s.shard->lines}};
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
        add_identity(entry, s);
        add_remote(entry, s);
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
                 {"records", a.records},
                 {"valid_sales", a.valid_sales},
                 {"invalid_sales", a.invalid_sales}};
    if (a.paginated) section["pages"] = a.pages;
    section["retry_budget_exhausted"] = a.retry_budget_exhausted;
    section["failures"] = std::move(failures);
    section["urls"] = a.urls;
    return section;
}

}  // namespace salesproc::detail
