#include "salesproc/report_reader.hpp"

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

// Streams the report: sales_by_product to the visitor, unique_products counted, every other
// top-level member into a small document of its own.
class report_sax : public nlohmann::json_sax<json> {
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

// A section's value, or the reason it is not there as it should be.
struct section_reader {
    const std::map<std::string, json>& sections;
    std::string missing;  // the first problem found

    const json* get(const std::string& key, bool (json::*is)() const noexcept) {
        const auto it = sections.find(key);
        if (it == sections.end() || !(it->second.*is)()) {
            if (missing.empty()) missing = "'" + key + "' is missing or of the wrong type";
            return nullptr;
        }
        return &it->second;
    }
    std::uint64_t count(const json& v, const std::string& what) {
        if (!v.is_number_unsigned()) {
            if (missing.empty()) missing = "'" + what + "' is not a count";
            return 0;
        }
        return v.get<std::uint64_t>();
    }
};

std::optional<csv_input_summary> read_input(const json& v, section_reader& s) {
    if (!v.is_object() || !v.contains("path") || !v["path"].is_string()) return std::nullopt;
    csv_input_summary in;
    in.path = v["path"].get<std::string>();
    auto u64 = [&](const char* key) -> std::uint64_t {
        return v.contains(key) ? s.count(v[key], std::string("csv.") + key) : 0;
    };
    in.rows = u64("rows");
    in.valid = u64("valid");
    in.invalid = u64("invalid");
    in.bytes = u64("bytes");
    in.chunks = u64("chunks");
    if (v.contains("compression")) {
        const std::string c =
            v["compression"].is_string() ? v["compression"].get<std::string>() : "";
        in.compression = c == "gzip"   ? detail::compression::gzip
                         : c == "zstd" ? detail::compression::zstd
                                       : detail::compression::none;
        in.decompressed_bytes = u64("decompressed_bytes");
    } else {
        in.decompressed_bytes = in.bytes;
    }
    if (v.contains("shard")) {
        const json& sh = v["shard"];
        shard_outcome o;
        const auto start = sh.value("start", std::string());
        const auto end = sh.value("end", std::string());
        if (!sh.is_object() || !parse_shard_start(start) || !parse_shard_start(end)) {
            if (s.missing.empty()) s.missing = "'csv.shard' is not a shard record";
            return in;
        }
        o.spec.index = static_cast<unsigned>(s.count(sh.value("index", json()), "csv.shard.index"));
        o.spec.count = static_cast<unsigned>(s.count(sh.value("count", json()), "csv.shard.count"));
        o.spec.start_quoted = *parse_shard_start(start);
        o.end_quoted = *parse_shard_start(end);
        o.lines = s.count(sh.value("lines", json()), "csv.shard.lines");
        if (o.spec.count == 0 || o.spec.index >= o.spec.count)
            if (s.missing.empty()) s.missing = "'csv.shard' has no valid K/N";
        in.shard = o;
    }
    return in;
}

std::optional<api_summary> read_api(const json& v, section_reader& s) {
    api_summary a;
    auto u64 = [&](const char* key) -> std::uint64_t {
        return v.contains(key) ? s.count(v[key], std::string("api.") + key) : 0;
    };
    a.requested = u64("requested");
    a.succeeded = u64("succeeded");
    a.retries = u64("retries");
    a.records = u64("records");
    a.valid_sales = u64("valid_sales");
    a.invalid_sales = u64("invalid_sales");
    if (v.contains("pages")) {
        a.pages = u64("pages");
        a.paginated = true;
    }
    a.retry_budget_exhausted = v.value("retry_budget_exhausted", false);
    if (v.contains("failures") && v["failures"].is_array())
        for (const auto& f : v["failures"]) {
            api_summary::failure one;
            one.url = f.value("url", std::string());
            one.attempts = static_cast<unsigned>(f.value("attempts", 0U));
            one.error = f.value("error", std::string());
            one.code = f.value("code", std::string());
            one.pages = static_cast<unsigned>(f.value("pages", 0U));
            a.failures.push_back(std::move(one));
        }
    return a;
}

}  // namespace

result<partial_report> read_report(const std::string& path, const product_visitor& visit) {
    // Read whole (a report is its products' size) and parsed from memory: the FILE adapter
    // reads a byte per call.
    std::string text;
    {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
        if (!file) return errno_error(path, errno);
        char block[1 << 16];
        for (std::size_t got; (got = std::fread(block, 1, sizeof block, file.get())) != 0;)
            text.append(block, got);
        if (std::ferror(file.get()) != 0) return errno_error(path, errno);
    }
    report_sax sax(visit);
    const bool parsed = json::sax_parse(text, &sax);
    if (!parsed || sax.failure)
        return make_error(errc::bad_report, path, sax.failure.value_or("not a salesproc report"));
    if (!sax.top_is_object) return make_error(errc::bad_report, path, "not a salesproc report");

    partial_report out;
    out.path = path;
    section_reader s{sax.sections, {}};
    const json* api_records = s.get("api_records", &json::is_number_unsigned);
    const json* total = s.get("total_sales", &json::is_binary);
    const json* valid = s.get("valid_sales", &json::is_number_unsigned);
    const json* invalid = s.get("invalid_sales", &json::is_number_unsigned);
    const json* rejected = s.get("rejected", &json::is_object);
    const json* rules = s.get("rules", &json::is_object);
    const json* csv = s.get("csv", &json::is_object);
    if (!s.missing.empty())
        return make_error(errc::bad_report, path, "not a salesproc report: " + s.missing);
    out.api_records = api_records->get<std::uint64_t>();
    out.total_sales = *number_text(*total);
    out.valid_sales = valid->get<std::uint64_t>();
    out.invalid_sales = invalid->get<std::uint64_t>();
    for (const auto why : all_reject_reasons) {
        const std::string name(to_string(why));
        if (!rejected->contains(name)) {
            s.missing = "'rejected." + name + "' is missing";
            break;
        }
        out.rejected[static_cast<std::size_t>(why)] =
            s.count((*rejected)[name], "rejected." + name);
    }
    out.rules = *rules;
    if (const auto it = sax.sections.find("rejected_samples"); it != sax.sections.end()) {
        reject_samples samples;
        for (const auto why : all_reject_reasons) {
            const json& list = it->second.value(std::string(to_string(why)), json::array());
            if (!list.is_array()) s.missing = "'rejected_samples' is not a list per reason";
            for (const auto& e : list) {
                if (!e.is_object() || !e.contains("line") || !e["line"].is_number_unsigned()) {
                    s.missing = "'rejected_samples' holds an entry without a line";
                    break;
                }
                samples[static_cast<std::size_t>(why)].push_back(
                    {e.value("source", std::string()), e["line"].get<std::uint64_t>(),
                     e.value("detail", std::string()), e.value("row", std::string())});
            }
        }
        out.samples = std::move(samples);
    }
    if (csv->contains("inputs")) {
        for (const auto& entry : (*csv)["inputs"])
            if (auto in = read_input(entry, s)) out.inputs.push_back(std::move(*in));
    } else if (auto in = read_input(*csv, s)) {
        // One input: its valid and invalid are the report's, less the API's (below).
        in->valid = out.valid_sales;
        in->invalid = out.invalid_sales;
        out.inputs.push_back(std::move(*in));
    }
    if (out.inputs.empty() && s.missing.empty()) s.missing = "'csv' names no input";
    if (const auto it = sax.sections.find("api"); it != sax.sections.end()) {
        out.api = read_api(it->second, s);
        if (out.inputs.size() == 1 && !csv->contains("inputs")) {
            out.inputs[0].valid -= std::min(out.inputs[0].valid, out.api->valid_sales);
            out.inputs[0].invalid -= std::min(out.inputs[0].invalid, out.api->invalid_sales);
        }
    }
    if (!s.missing.empty())
        return make_error(errc::bad_report, path, "not a salesproc report: " + s.missing);
    if (sax.unique_products != sax.products)
        return make_error(errc::bad_report, path,
                          "unique_products and sales_by_product differ in length (" +
                              std::to_string(sax.unique_products) + " and " +
                              std::to_string(sax.products) + ")");
    out.products = sax.products;
    return out;
}

}  // namespace salesproc
