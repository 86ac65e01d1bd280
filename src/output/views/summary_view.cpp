// The CI job summary: GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY. Every list is cut to a
// few entries and every string from the data to a few hundred bytes, so it stays far under
// GitHub's 1 MiB limit at any catalog size.
#include "salesproc/output/views.hpp"

#include "view_common.hpp"
#include "view_text.hpp"

#include <algorithm>

namespace salesproc {
namespace {

using detail::markdown_cell;

constexpr std::size_t summary_products = 10;
constexpr std::size_t summary_failures = 20;
constexpr std::size_t summary_text = 160;

std::string cell(std::string_view s) {
    return markdown_cell(detail::clipped(s, summary_text));
}

void append_headline(std::string& out, const report_view& v, const detail::view_verdict& verdict) {
    out += std::string(verdict.passed() ? "## \xE2\x9C\x85" : "## \xE2\x9D\x8C") +
           " salesproc: " + detail::money_text(v.total_sales, v.scale) + " total sales";
    if (!verdict.passed()) out += " (" + verdict.text() + ")";
    std::uint64_t rows = 0;
    for (const auto& in : v.inputs)
        rows += in.rows;
    out += "\n\n| Figure | Value |\n| --- | ---: |\n";
    out += "| Total sales | " + detail::money_text(v.total_sales, v.scale) + " |\n";
    out += "| Valid rows and records | " + detail::count_text(v.valid) + " |\n";
    out += "| Rejected rows and records | " + detail::count_text(v.invalid) + " (" +
           detail::percent_text(v.invalid, v.valid + v.invalid) + ") |\n";
    out += "| Products | " + detail::count_text(v.products) + " |\n";
    out += "| Inputs | " + detail::count_text(v.inputs.size()) + " (" + detail::count_text(rows) +
           " rows) |\n";
    if (v.api)
        out += "| API sources | " + detail::count_text(v.api->requested) + " requested, " +
               detail::count_text(v.api->requested - v.api->succeeded) + " failed |\n";
    out += "| Duration | " + detail::duration_text(v.duration_ms) + " |\n";
    out += "| Generated | " + cell(v.generated_at) + " |\n";
}

void append_gates(std::string& out, const report_view& v) {
    if (v.gates.empty()) return;
    out +=
        "\n### Quality gates\n\n| Gate | Limit | Actual | Result |\n| --- | ---: | ---: | :---: "
        "|\n";
    for (const auto& g : v.gates)
        out += "| `" + g.flag + "` | " + cell(detail::grouped(g.limit)) + " | " +
               cell(detail::grouped(g.actual)) + " | " +
               (g.passed ? "\xE2\x9C\x85 passed" : "\xE2\x9D\x8C failed") + " |\n";
}

void append_products(std::string& out, const report_view& v) {
    if (v.top.empty()) return;
    const std::size_t shown = std::min(v.top.size(), summary_products);
    out += "\n### Top products (" + detail::count_text(shown) + " of " +
           detail::count_text(v.products) +
           ")\n\n| # | Product | Quantity | Total |\n"
           "| ---: | --- | ---: | ---: |\n";
    for (std::size_t i = 0; i < shown; ++i)
        out += "| " + std::to_string(i + 1) + " | " + cell(v.top[i].name) + " | " +
               detail::grouped(to_string(v.top[i].quantity)) + " | " +
               detail::money_text(v.top[i].total, v.scale) + " |\n";
}

void append_rejects(std::string& out, const report_view& v) {
    if (v.invalid == 0) return;
    out += "\n### Rejects by reason\n\n| Reason | Rejected | Sample |\n| --- | ---: | --- |\n";
    for (auto why : all_reject_reasons) {
        const auto at = static_cast<std::size_t>(why);
        if (v.rejected[at] == 0) continue;
        std::string sample;
        if (v.samples && !(*v.samples)[at].empty()) {
            const auto& s = (*v.samples)[at].front();
            sample = cell(s.source) + " line " + std::to_string(s.line) + ": " + cell(s.detail) +
                     " <code>" + markdown_cell(detail::clipped(s.row, summary_text)) + "</code>";
        }
        out += "| `" + std::string(to_string(why)) + "` | " + detail::count_text(v.rejected[at]) +
               " | " + sample + " |\n";
    }
}

void append_api_failures(std::string& out, const report_view& v) {
    if (!v.api || v.api->failures.empty()) return;
    const auto& failures = v.api->failures;
    const std::size_t shown = std::min(failures.size(), summary_failures);
    out += "\n### API failures\n\n| URL | Code | Attempts | Error |\n| --- | --- | ---: | --- |\n";
    for (std::size_t i = 0; i < shown; ++i)
        out += "| " + cell(failures[i].url) + " | `" + failures[i].code + "` | " +
               std::to_string(failures[i].attempts) + " | " + cell(failures[i].error) + " |\n";
    if (failures.size() > shown)
        out += "\nAnd " + detail::count_text(failures.size() - shown) +
               " more failures (the JSON report has them all).\n";
}

}  // namespace

std::string render_summary(const report_view& v) {
    std::string out;
    append_headline(out, v, detail::verdict_of(v));
    append_gates(out, v);
    append_products(out, v);
    append_rejects(out, v);
    append_api_failures(out, v);
    return out;
}

}  // namespace salesproc
