#include "salesproc/merge/report_reader.hpp"

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
    checked_reader c;
    const json none = json::object();
    auto section = [&](const char* key, bool (*is)(const json&), const char* kind) -> const json& {
        const auto it = sax.sections.find(key);
        if (it == sax.sections.end()) {
            c.note(std::string(key) + ": is missing");
            return none;
        }
        if (!is(it->second)) {
            c.note(std::string(key) + ": expected " + kind);
            return none;
        }
        return it->second;
    };
    auto is_count = +[](const json& v) { return v.is_number_unsigned(); };
    auto is_object = +[](const json& v) { return v.is_object(); };
    const json& api_records = section("api_records", is_count, "a count");
    const json& total = section("total_sales", &is_exact_number, "an exact decimal number");
    const json& valid = section("valid_sales", is_count, "a count");
    const json& invalid = section("invalid_sales", is_count, "a count");
    const json& rejected = section("rejected", is_object, "an object");
    const json& rules = section("rules", is_object, "an object");
    const json& csv = section("csv", is_object, "an object");
    if (!c.ok()) return make_error(errc::bad_report, path, "not a salesproc report: " + c.problem);
    out.api_records = api_records.get<std::uint64_t>();
    out.total_sales = *number_text(total);
    out.valid_sales = valid.get<std::uint64_t>();
    out.invalid_sales = invalid.get<std::uint64_t>();
    for (const auto why : all_reject_reasons)
        out.rejected[static_cast<std::size_t>(why)] =
            c.count(rejected, "rejected.", std::string(to_string(why)));
    out.rules = rules;
    if (const auto it = sax.sections.find("rejected_samples"); it != sax.sections.end())
        out.samples = read_samples(it->second, c);
    if (const auto it = sax.sections.find("api"); it != sax.sections.end())
        out.api = read_api(it->second, c);
    if (c.ok()) read_csv(csv, c, out);
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
