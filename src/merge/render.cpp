// salesproc render: a saved report read back (merge's reader) into the views' model.
#include "salesproc/merge/render.hpp"

#include "salesproc/base/exit_codes.hpp"
#include "salesproc/http/remote_objects.hpp"
#include "salesproc/merge/detail/merge_parts.hpp"
#include "salesproc/merge/report_reader.hpp"
#include "salesproc/output/remote_output.hpp"

#include <algorithm>

namespace salesproc {
namespace {

// -1, 0 or 1 as a is below, equal to or above b: exact, at any number of digits.
int compare_decimal(const decimal_text& a, const decimal_text& b) {
    const bool a_neg = a.negative && !a.is_zero();
    const bool b_neg = b.negative && !b.is_zero();
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    const auto strip = [](std::string_view d) {
        const auto first = d.find_first_not_of('0');
        return first == std::string_view::npos ? std::string_view() : d.substr(first);
    };
    const std::string_view ai = strip(a.int_digits), bi = strip(b.int_digits);
    int order = 0;
    if (ai.size() != bi.size()) {
        order = ai.size() < bi.size() ? -1 : 1;
    } else if (const int c = ai.compare(bi); c != 0) {
        order = c < 0 ? -1 : 1;
    } else {
        const std::size_t n = std::max(a.frac_digits.size(), b.frac_digits.size());
        for (std::size_t i = 0; i < n && order == 0; ++i) {
            const char x = i < a.frac_digits.size() ? a.frac_digits[i] : '0';
            const char y = i < b.frac_digits.size() ? b.frac_digits[i] : '0';
            if (x != y) order = x < y ? -1 : 1;
        }
    }
    return a_neg ? -order : order;
}

// The top products by the text of their totals, kept as sales_by_product streams by (the
// report's scale, in its rules section, comes after the products).
class text_top {
  public:
    struct entry {
        std::string name, quantity, total;
    };
    result<void> offer(std::string_view name, std::string_view quantity, std::string_view total) {
        const auto parsed = parse_decimal_text(total);
        if (!parsed)
            return make_error(errc::bad_report, "sales_by_product", "a total is no number");
        // Later products equal to a kept one come after it. (Kept totals are parsed again as
        // they are compared: a parse holds views into its string, which moves.)
        const auto at = std::upper_bound(
            kept_.begin(), kept_.end(), *parsed, [](const decimal_text& t, const entry& e) {
                return compare_decimal(t, *parse_decimal_text(e.total)) > 0;
            });
        if (at == kept_.end() && kept_.size() == view_top_products) return {};
        kept_.insert(at, entry{std::string(name), std::string(quantity), std::string(total)});
        if (kept_.size() > view_top_products) kept_.pop_back();
        return {};
    }
    std::vector<entry>& kept() { return kept_; }

  private:
    std::vector<entry> kept_;  // largest total first
};

std::optional<int128> units_of(std::string_view text, unsigned scale) {
    const auto d = parse_decimal_text(text);
    if (!d) return std::nullopt;
    return to_units(*d, scale);
}

}  // namespace

result<report_view> read_view(const std::string& path, const text_loader* load) {
    text_top top;
    auto part = read_report(
        path,
        [&](std::string_view name, std::string_view quantity, std::string_view total) {
            return top.offer(name, quantity, total);
        },
        load);
    if (!part) return part.error();
    const partial_report& p = *part;
    report_view v;
    const auto& decimals = p.rules.value("max_decimals", nlohmann::ordered_json());
    if (!decimals.is_number_unsigned() || decimals.get<std::uint64_t>() > max_scale)
        return make_error(errc::bad_report, path, "rules.max_decimals: expected 0 to 18");
    v.scale = decimals.get<unsigned>();
    const auto total = units_of(p.total_sales, v.scale);
    if (!total) return make_error(errc::bad_report, path, "total_sales does not fit 128 bits");
    v.total_sales = *total;
    v.valid = p.valid_sales;
    v.invalid = p.invalid_sales;
    v.api_records = p.api_records;
    v.rejected = p.rejected;
    v.samples = p.samples;
    for (const auto& in : p.inputs)
        v.inputs.push_back({in.path, in.rows, in.bytes, shard_label(in)});
    v.api = p.api;
    v.gates = view_gates(p.quality);
    for (auto& e : top.kept()) {
        const auto q = detail::parse_count_text(e.quantity);
        const auto t = units_of(e.total, v.scale);
        if (!q || !t)
            return make_error(
                errc::bad_report, path,
                "sales_by_product: a quantity or total of '" + e.name + "' does not fit 128 bits");
        v.top.push_back({std::move(e.name), *q, *t});
    }
    v.products = p.products;
    v.parts = p.parts;
    v.rejects_path = p.rejects_path;
    v.generated_at = p.generated_at;
    v.duration_ms = p.duration_ms;
    return v;
}

int run_render(const render_options& o) {
    logger log(o.level, o.format);
    output_opener opener(fetch_settings{}, s3_flags{});
    // A report in a bucket (the day's merged report, say) is read as merge reads its parts.
    const text_loader from_bucket = [&opener](const std::string& url) -> result<std::string> {
        auto client = opener.objects();
        if (!client) return client.error();
        return (*client)->read(url);
    };
    auto view = read_view(o.report_path, is_remote_output(o.report_path) ? &from_bucket : nullptr);
    if (!view) {
        print_error(view.error().message());
        return exit_failure;
    }
    view_outputs outputs;
    for (auto& [flag, path] : o.views.asked()) {
        auto out = opener.open(path);
        if (!out) {
            print_error(out.error().message());
            return exit_failure;
        }
        outputs.emplace_back(flag, std::move(*out));
    }
    auto written = write_views(outputs, *view);
    for (auto& [flag, out] : outputs)
        if (written) written = out.publish();
    if (!written) {
        for (auto& [flag, out] : outputs)
            out.discard();
        print_error(written.error().message());
        return exit_failure;
    }
    log.info("rendered", {{"report", o.report_path}, {"views", outputs.size()}});
    return exit_ok;
}

}  // namespace salesproc
