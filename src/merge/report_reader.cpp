#include "salesproc/merge/report_reader.hpp"

#include "report_sax.hpp"

#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

namespace salesproc {
namespace {

using json = nlohmann::ordered_json;

// The text of an exact number in a section: a float keeps its own text (as binary, the way the
// report writer holds exact numbers), an integer is exact already.
std::optional<std::string> number_text(const json& v) {
    if (v.is_binary()) return std::string(v.get_binary().begin(), v.get_binary().end());
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    return std::nullopt;
}

bool is_exact_number(const json& v) {
    return number_text(v).has_value();
}

// Reads the sections' values with their types checked: the first value missing or of the wrong
// kind is recorded as "<field>: expected <kind>" (or "<field>: is missing"), and reading goes on
// with a neutral value, so one problem is named and nothing throws.
class checked_reader {
  public:
    std::string problem;  // the first one found

    [[nodiscard]] bool ok() const noexcept { return problem.empty(); }

    // The member `key` of `obj`, checked with `is` (kind names it); nullptr when absent (and
    // `required`) or of the wrong kind.
    const json* member(const json& obj, const std::string& where, const std::string& key,
                       bool (json::*is)() const noexcept, const char* kind, bool required = true) {
        const auto it = obj.find(key);
        if (it == obj.end()) {
            if (required) note(where + key + ": is missing");
            return nullptr;
        }
        if (!((*it).*is)()) {
            note(where + key + ": expected " + kind);
            return nullptr;
        }
        return &*it;
    }
    std::uint64_t count(const json& obj, const std::string& where, const std::string& key,
                        bool required = true) {
        const json* v = member(obj, where, key, &json::is_number_unsigned, "a count", required);
        return v != nullptr ? v->get<std::uint64_t>() : 0;
    }
    std::string text(const json& obj, const std::string& where, const std::string& key,
                     bool required = true) {
        const json* v = member(obj, where, key, &json::is_string, "a string", required);
        return v != nullptr ? v->get<std::string>() : std::string();
    }
    bool flag(const json& obj, const std::string& where, const std::string& key) {
        const json* v = member(obj, where, key, &json::is_boolean, "true or false", false);
        return v != nullptr && v->get<bool>();
    }
    void note(std::string why) {
        if (problem.empty()) problem = std::move(why);
    }
};

// A count that must fit in 32 bits (shard numbers, attempts, pages).
unsigned small_count(checked_reader& c, const json& obj, const std::string& where,
                     const std::string& key, bool required = true) {
    const std::uint64_t v = c.count(obj, where, key, required);
    if (v > 0xFFFFFFFFU) c.note(where + key + ": is out of range");
    return static_cast<unsigned>(v);
}

std::optional<shard_outcome> read_shard(const json& sh, checked_reader& c, const std::string& at) {
    if (!sh.is_object()) {
        c.note(at + ": expected an object");
        return std::nullopt;
    }
    shard_outcome o;
    const std::string where = at + ".";
    o.spec.index = small_count(c, sh, where, "index");
    o.spec.count = small_count(c, sh, where, "count");
    const auto start = parse_shard_start(c.text(sh, where, "start"));
    const auto end = parse_shard_start(c.text(sh, where, "end"));
    o.lines = c.count(sh, where, "lines");
    if (!c.ok()) return std::nullopt;
    if (!start || !end) c.note(at + ": start and end must be outside or quoted");
    if (o.spec.count == 0 || o.spec.index >= o.spec.count) c.note(at + ": has no valid K/N");
    o.spec.start_quoted = start.value_or(false);
    o.end_quoted = end.value_or(false);
    return o;
}

std::optional<input_identity> read_identity(const json& v, checked_reader& c,
                                            const std::string& at) {
    if (!v.is_object()) {
        c.note(at + ": expected an object");
        return std::nullopt;
    }
    input_identity id;
    const std::string where = at + ".";
    id.size = c.count(v, where, "size");
    const json* mtime = c.member(v, where, "mtime_ns", &json::is_number_integer, "an integer");
    if (mtime != nullptr) id.mtime_ns = mtime->get<std::int64_t>();
    id.fingerprint = c.text(v, where, "fingerprint");
    return id;
}

csv_input_summary read_input(const json& v, checked_reader& c, const std::string& at) {
    csv_input_summary in;
    if (!v.is_object()) {
        c.note(at + ": expected an object");
        return in;
    }
    const std::string where = at + ".";
    in.path = c.text(v, where, "path");
    in.rows = c.count(v, where, "rows", false);
    in.valid = c.count(v, where, "valid", false);
    in.invalid = c.count(v, where, "invalid", false);
    in.bytes = c.count(v, where, "bytes", false);
    in.chunks = c.count(v, where, "chunks", false);
    in.decompressed_bytes = in.bytes;
    if (v.contains("compression")) {
        const std::string name = c.text(v, where, "compression");
        in.compression = name == "gzip"   ? detail::compression::gzip
                         : name == "zstd" ? detail::compression::zstd
                                          : detail::compression::none;
        if (c.ok() && in.compression == detail::compression::none)
            c.note(where + "compression: expected gzip or zstd");
        in.decompressed_bytes = c.count(v, where, "decompressed_bytes");
    }
    if (v.contains("shard")) in.shard = read_shard(v["shard"], c, where + "shard");
    if (v.contains("identity")) in.identity = read_identity(v["identity"], c, where + "identity");
    // A remote object's: its ETag (when it had one) and how often its reading resumed.
    if (v.contains("resumes")) {
        remote_state r;
        r.resumes = c.count(v, where, "resumes");
        if (v.contains("etag")) r.etag = c.text(v, where, "etag");
        r.size = in.identity ? std::optional(in.identity->size) : std::nullopt;
        in.remote = std::move(r);
    }
    return in;
}

api_summary read_api(const json& v, checked_reader& c) {
    api_summary a;
    if (!v.is_object()) {
        c.note("api: expected an object");
        return a;
    }
    const std::string where = "api.";
    a.requested = c.count(v, where, "requested", false);
    a.succeeded = c.count(v, where, "succeeded", false);
    a.retries = c.count(v, where, "retries", false);
    a.records = c.count(v, where, "records", false);
    a.valid_sales = c.count(v, where, "valid_sales", false);
    a.invalid_sales = c.count(v, where, "invalid_sales", false);
    if (v.contains("pages")) {
        a.pages = c.count(v, where, "pages");
        a.paginated = true;
    }
    a.retry_budget_exhausted = c.flag(v, where, "retry_budget_exhausted");
    if (const json* urls = c.member(v, where, "urls", &json::is_array, "a list", false))
        for (std::size_t i = 0; i < urls->size() && c.ok(); ++i) {
            if (!(*urls)[i].is_string())
                c.note(where + "urls[" + std::to_string(i) + "]: expected a string");
            else
                a.urls.push_back((*urls)[i].get<std::string>());
        }
    const json* failures =
        c.member(v, where, "failures", &json::is_array, "a list", /*required=*/false);
    if (failures == nullptr) return a;
    for (std::size_t i = 0; i < failures->size(); ++i) {
        const json& f = (*failures)[i];
        const std::string at = where + "failures[" + std::to_string(i) + "]";
        if (!f.is_object()) {
            c.note(at + ": expected an object");
            break;
        }
        api_summary::failure one;
        one.url = c.text(f, at + ".", "url");
        one.attempts = small_count(c, f, at + ".", "attempts");
        one.error = c.text(f, at + ".", "error");
        one.code = c.text(f, at + ".", "code");
        one.pages = small_count(c, f, at + ".", "pages", false);
        a.failures.push_back(std::move(one));
    }
    return a;
}

reject_samples read_samples(const json& v, checked_reader& c) {
    reject_samples samples;
    if (!v.is_object()) {
        c.note("rejected_samples: expected an object");
        return samples;
    }
    for (const auto why : all_reject_reasons) {
        const std::string name(to_string(why));
        const json* list = c.member(v, "rejected_samples.", name, &json::is_array, "a list",
                                    /*required=*/false);
        if (list == nullptr) continue;
        for (std::size_t i = 0; i < list->size() && c.ok(); ++i) {
            const json& e = (*list)[i];
            const std::string at = "rejected_samples." + name + "[" + std::to_string(i) + "]";
            if (!e.is_object()) {
                c.note(at + ": expected an object");
                break;
            }
            reject_sample one;
            one.source = c.text(e, at + ".", "source", false);
            one.line = c.count(e, at + ".", "line");
            one.detail = c.text(e, at + ".", "detail", false);
            one.row = c.text(e, at + ".", "row", false);
            samples[static_cast<std::size_t>(why)].push_back(std::move(one));
        }
    }
    return samples;
}

// The csv section: one input, or an "inputs" list.
void read_csv(const json& csv, checked_reader& c, partial_report& out) {
    if (const json* list = c.member(csv, "csv.", "inputs", &json::is_array, "a list", false)) {
        for (std::size_t i = 0; i < list->size() && c.ok(); ++i)
            out.inputs.push_back(
                read_input((*list)[i], c, "csv.inputs[" + std::to_string(i) + "]"));
        if (c.ok() && out.inputs.empty()) c.note("csv.inputs: names no input");
        return;
    }
    // One input: its valid and invalid are the report's, less the API's.
    csv_input_summary in = read_input(csv, c, "csv");
    in.valid = out.valid_sales - std::min(out.valid_sales, out.api ? out.api->valid_sales : 0);
    in.invalid =
        out.invalid_sales - std::min(out.invalid_sales, out.api ? out.api->invalid_sales : 0);
    out.inputs.push_back(std::move(in));
}

// What only the views show: a merged report's parts, the gates as written, the timing.
void read_view_sections(const std::map<std::string, json>& sections, checked_reader& c,
                        partial_report& out) {
    if (const auto it = sections.find("quality"); it != sections.end()) {
        if (!it->second.is_object()) c.note("quality: expected an object");
        out.quality = it->second;
    }
    if (const auto it = sections.find("generated_at"); it != sections.end()) {
        if (!it->second.is_string())
            c.note("generated_at: expected a string");
        else
            out.generated_at = it->second.get<std::string>();
    }
    if (const auto it = sections.find("duration_ms"); it != sections.end()) {
        if (!it->second.is_number_unsigned())
            c.note("duration_ms: expected a count");
        else
            out.duration_ms = it->second.get<std::uint64_t>();
    }
    const auto it = sections.find("parts");
    if (it == sections.end()) return;
    if (!it->second.is_array()) return c.note("parts: expected a list");
    for (std::size_t i = 0; i < it->second.size() && c.ok(); ++i) {
        const json& p = it->second[i];
        const std::string at = "parts[" + std::to_string(i) + "].";
        if (!p.is_object()) return c.note("parts[" + std::to_string(i) + "]: expected an object");
        report_part one;
        one.path = c.text(p, at, "path");
        one.valid = c.count(p, at, "valid_sales");
        one.invalid = c.count(p, at, "invalid_sales");
        one.shard = c.text(p, at, "shard", false);
        out.parts.push_back(std::move(one));
    }
}

// The whole file: a report is its products' size, and parsing from memory beats the FILE
// adapter, which reads a byte per call.

// The top-level members every report has, checked for their kind.
struct top_members {
    const json* api_records;
    const json* total;
    const json* valid;
    const json* invalid;
    const json* rejected;
    const json* rules;
    const json* csv;
};

top_members find_members(const std::map<std::string, json>& sections, checked_reader& c) {
    auto section = [&](const char* key, bool (*is)(const json&), const char* kind) -> const json* {
        const auto it = sections.find(key);
        if (it == sections.end()) {
            c.note(std::string(key) + ": is missing");
            return nullptr;
        }
        if (!is(it->second)) {
            c.note(std::string(key) + ": expected " + kind);
            return nullptr;
        }
        return &it->second;
    };
    auto is_count = +[](const json& v) { return v.is_number_unsigned(); };
    auto is_object = +[](const json& v) { return v.is_object(); };
    return {section("api_records", is_count, "a count"),
            section("total_sales", &is_exact_number, "an exact decimal number"),
            section("valid_sales", is_count, "a count"),
            section("invalid_sales", is_count, "a count"),
            section("rejected", is_object, "an object"),
            section("rules", is_object, "an object"),
            section("csv", is_object, "an object")};
}

}  // namespace

result<std::string> read_part_text(const std::string& path) {
    std::string text;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) return errno_error(path, errno);
    char block[1 << 16];
    for (std::size_t got; (got = std::fread(block, 1, sizeof block, file.get())) != 0;)
        text.append(block, got);
    if (std::ferror(file.get()) != 0) return errno_error(path, errno);
    return text;
}

result<partial_report> read_report(const std::string& path, const product_visitor& visit,
                                   const text_loader* load) {
    auto text = load != nullptr ? (*load)(path) : read_part_text(path);
    if (!text) return text.error();
    detail::report_sax sax(visit);
    const bool parsed = json::sax_parse(*text, &sax);
    if (!parsed || sax.failure)
        return make_error(errc::bad_report, path, sax.failure.value_or("not a salesproc report"));
    if (!sax.top_is_object) return make_error(errc::bad_report, path, "not a salesproc report");
    checked_reader c;
    const top_members m = find_members(sax.sections, c);
    if (!c.ok()) return make_error(errc::bad_report, path, "not a salesproc report: " + c.problem);
    partial_report out;
    out.path = path;
    out.api_records = m.api_records->get<std::uint64_t>();
    out.total_sales = *number_text(*m.total);
    out.valid_sales = m.valid->get<std::uint64_t>();
    out.invalid_sales = m.invalid->get<std::uint64_t>();
    for (const auto why : all_reject_reasons)
        out.rejected[static_cast<std::size_t>(why)] =
            c.count(*m.rejected, "rejected.", std::string(to_string(why)));
    out.rules = *m.rules;
    if (const auto it = sax.sections.find("rejected_samples"); it != sax.sections.end())
        out.samples = read_samples(it->second, c);
    if (const auto it = sax.sections.find("api"); it != sax.sections.end())
        out.api = read_api(it->second, c);
    if (c.ok()) read_csv(*m.csv, c, out);
    if (c.ok()) read_view_sections(sax.sections, c, out);
    if (const auto it = sax.sections.find("rejects"); it != sax.sections.end() && c.ok())
        if (const json* p = c.member(it->second, "rejects.", "path", &json::is_string, "a string"))
            out.rejects_path = p->get<std::string>();
    if (!c.ok()) return make_error(errc::bad_report, path, c.problem);
    if (sax.unique_products != sax.products)
        return make_error(errc::bad_report, path,
                          "unique_products and sales_by_product differ in length (" +
                              std::to_string(sax.unique_products) + " and " +
                              std::to_string(sax.products) + ")");
    out.products = sax.products;
    return out;
}

}  // namespace salesproc
