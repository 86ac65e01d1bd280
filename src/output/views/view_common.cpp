#include "view_common.hpp"

namespace salesproc {

std::vector<std::pair<std::string, std::string>> view_paths::asked() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!html.empty()) out.emplace_back("--html", html);
    if (!summary.empty()) out.emplace_back("--summary", summary);
    if (!junit.empty()) out.emplace_back("--junit", junit);
    return out;
}

std::string render_view(std::string_view flag, const report_view& v) {
    if (flag == "--html") return render_html(v);
    if (flag == "--summary") return render_summary(v);
    return render_junit(v);
}

result<void> write_views(view_outputs& views, const report_view& v) {
    for (auto& [flag, out] : views) {
        if (auto r = out.write(render_view(flag, v)); !r) return r;
        if (auto r = out.finish(); !r) return r;
    }
    return {};
}

result<void> write_views(view_outputs& views, const report_input& in) {
    if (views.empty()) return {};
    return write_views(views, view_of(in));
}

}  // namespace salesproc

namespace salesproc::detail {

std::string view_verdict::text() const {
    if (passed()) return "passed";
    std::string out;
    if (gates_failed != 0)
        out = std::to_string(gates_failed) + " quality gate" + (gates_failed == 1 ? "" : "s") +
              " failed";
    if (api_failed != 0) {
        if (!out.empty()) out += ", ";
        out +=
            std::to_string(api_failed) + " API source" + (api_failed == 1 ? "" : "s") + " failed";
    }
    return out;
}

view_verdict verdict_of(const report_view& v) {
    view_verdict out;
    for (const auto& g : v.gates)
        if (!g.passed) ++out.gates_failed;
    if (v.api) out.api_failed = v.api->requested - v.api->succeeded;
    return out;
}

std::string input_label(const view_input& in) {
    return in.shard.empty() ? in.path : in.path + " (shard " + in.shard + ")";
}

}  // namespace salesproc::detail
