// The view a run or merge reports, and the top products kept as a catalog streams by.
#include "salesproc/output/views.hpp"

#include "output/report_sections.hpp"
#include "salesproc/base/detail/text.hpp"

#include <algorithm>

namespace salesproc {
namespace {

// The text of an exact number as the report writes it (build_report's binary values), or of
// any other JSON value.
std::string number_text(const nlohmann::ordered_json& v) {
    if (v.is_binary()) return {v.get_binary().begin(), v.get_binary().end()};
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

}  // namespace

std::string shard_label(const csv_input_summary& in) {
    if (!in.shard) return {};
    return std::to_string(in.shard->spec.index) + "/" + std::to_string(in.shard->spec.count);
}

void top_products::offer(std::string_view name, uint128 quantity, int128 total) {
    const std::uint64_t order = seen_++;
    // The heap's front is the entry that leaves first: the smallest total, the latest seen.
    const auto leaves_first = [](const entry& a, const entry& b) {
        if (a.product.total != b.product.total) return a.product.total > b.product.total;
        return a.order < b.order;
    };
    if (keep_ == 0) return;
    if (heap_.size() == keep_) {
        // A later product equal to the smallest kept comes after it: it stays out.
        if (total <= heap_.front().product.total) return;
        std::pop_heap(heap_.begin(), heap_.end(), leaves_first);
        heap_.pop_back();
    }
    heap_.push_back({{std::string(name), quantity, total}, order});
    std::push_heap(heap_.begin(), heap_.end(), leaves_first);
}

std::vector<view_product> top_products::take() {
    std::sort(heap_.begin(), heap_.end(), [](const entry& a, const entry& b) {
        if (a.product.total != b.product.total) return a.product.total > b.product.total;
        return a.order < b.order;
    });
    std::vector<view_product> out;
    out.reserve(heap_.size());
    for (auto& e : heap_)
        out.push_back(std::move(e.product));
    heap_.clear();
    return out;
}

std::vector<view_gate> view_gates(const nlohmann::ordered_json& quality) {
    std::vector<view_gate> out;
    if (!quality.is_object()) return out;
    for (const auto& [name, gate] : quality.items()) {
        view_gate g;
        g.flag = name == "max_invalid"         ? "--max-invalid"
                 : name == "max_invalid_ratio" ? "--max-invalid-ratio"
                                               : name;
        if (gate.is_object()) {
            g.limit = number_text(gate.value("limit", nlohmann::ordered_json()));
            g.actual = number_text(gate.value("actual", nlohmann::ordered_json()));
            g.passed = gate.value("passed", true);
        }
        out.push_back(std::move(g));
    }
    return out;
}

report_view view_of(const report_input& in) {
    report_view v;
    const sales_aggregate& t = *in.totals;
    v.scale = in.scale;
    v.total_sales = t.total();
    v.valid = t.valid();
    v.invalid = t.invalid();
    v.api_records = in.api != nullptr ? in.api->records : 0;
    for (auto r : all_reject_reasons)
        v.rejected[static_cast<std::size_t>(r)] = t.rejected(r);
    if (in.samples != nullptr) v.samples = *in.samples;
    for (const auto& i : in.csv_inputs)
        v.inputs.push_back({i.path, i.rows, i.bytes, shard_label(i)});
    if (in.api != nullptr) v.api = *in.api;
    if (in.quality != nullptr) v.gates = view_gates(detail::quality_section(*in.quality));
    top_products top;
    if (in.products != nullptr) {
        in.products->for_each([&](const product_catalog::entry& e) {
            top.offer(e.name, e.quantity, static_cast<int128>(e.amount));
        });
    } else {
        for (const auto& p : t.products())
            top.offer(p.product, p.quantity, p.amount);
    }
    v.products = top.seen();
    v.top = top.take();
    for (auto& p : v.top)
        p.name = detail::shown_name(p.name);
    v.parts = in.parts;
    v.rejects_path = in.rejects_path;
    v.generated_at = iso8601(in.generated_at);
    v.duration_ms = static_cast<std::uint64_t>(in.duration.count());
    return v;
}

}  // namespace salesproc
