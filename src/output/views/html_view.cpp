// The HTML page: one self-contained file (inline CSS and SVG, no script, no network) that reads
// in print and without colour: every figure is written out, bars carry their values, status is
// a word, not a colour.
#include "salesproc/output/views.hpp"

#include "view_common.hpp"
#include "view_text.hpp"

#include <algorithm>

namespace salesproc {
namespace {

using detail::markup;

constexpr std::string_view style = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#111;
background:#fff;max-width:64rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;
border-bottom:2px solid #111}h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #bbb;vertical-align:top}
th{border-bottom:2px solid #111}table.figures{width:auto;min-width:28rem}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.row{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85rem;word-break:break-all}
.status{font-weight:bold;font-size:1.1rem}.note{color:#444}
svg{display:block;max-width:100%;height:auto}svg text{font-size:12px;fill:#111}
.bar{fill:#555}.bar-failed{fill:#111}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:auto}}
)";

struct bar {
    std::string label;
    std::string value;  // as shown
    std::uint64_t width = 0;
};

// Horizontal bars, widths given in pixels (0..bar_room), labels and values written out.
constexpr std::uint64_t bar_room = 380;

void append_bars(std::string& out, const std::vector<bar>& bars, std::string_view title) {
    const std::size_t row = 22;
    const std::size_t height = bars.size() * row + 8;
    out += "<svg role=\"img\" viewBox=\"0 0 760 " + std::to_string(height) +
           "\" width=\"760\" height=\"" + std::to_string(height) + "\"><title>";
    detail::append_markup(out, title);
    out += "</title>\n";
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const std::string y = std::to_string(i * row + 4);
        const std::string text_y = std::to_string(i * row + 19);
        out += "<text x=\"214\" y=\"" + text_y + "\" text-anchor=\"end\">";
        detail::append_markup(out, detail::clipped(bars[i].label, 32));
        out += "</text><rect class=\"bar\" x=\"220\" y=\"" + y + "\" width=\"" +
               std::to_string(std::max<std::uint64_t>(bars[i].width, 1)) +
               "\" height=\"18\"/><text x=\"" + std::to_string(226 + bars[i].width) + "\" y=\"" +
               text_y + "\">" + markup(bars[i].value) + "</text>\n";
    }
    out += "</svg>\n";
}

std::uint64_t width_of(uint128 value, uint128 largest) {
    if (largest == 0) return 0;
    return static_cast<std::uint64_t>(value * bar_room / largest);
}

void append_row(std::string& out, std::initializer_list<std::pair<std::string, bool>> cells) {
    out += "<tr>";
    for (const auto& [text, number] : cells)
        out += (number ? "<td class=\"n\">" : "<td>") + text + "</td>";
    out += "</tr>\n";
}

void append_more(std::string& out, std::size_t shown, std::size_t total, std::string_view what) {
    if (total > shown)
        out += "<p class=\"note\">And " + detail::count_text(total - shown) + " more " +
               std::string(what) + " (the JSON report has them all).</p>\n";
}

void append_headline(std::string& out, const report_view& v, const detail::view_verdict& verdict) {
    const std::uint64_t judged = v.valid + v.invalid;
    std::uint64_t rows = 0, bytes = 0;
    for (const auto& in : v.inputs) {
        rows += in.rows;
        bytes += in.bytes;
    }
    out += "<p class=\"status\" id=\"status\">" +
           std::string(verdict.passed() ? "PASSED" : "FAILED: ") +
           (verdict.passed() ? "" : markup(verdict.text())) + "</p>\n";
    out += "<h2 id=\"headline\">Headline figures</h2>\n<table class=\"figures\"><tbody>\n";
    const auto figure = [&](std::string name, std::string value) {
        append_row(out, {{std::move(name), false}, {std::move(value), true}});
    };
    figure("Total sales", detail::money_text(v.total_sales, v.scale));
    figure("Valid rows and records", detail::count_text(v.valid));
    figure("Rejected rows and records", detail::count_text(v.invalid));
    figure("Share rejected", detail::percent_text(v.invalid, judged));
    figure("Products", detail::count_text(v.products));
    figure("Inputs", detail::count_text(v.inputs.size()) + " (" + detail::count_text(rows) +
                         " rows, " + detail::count_text(bytes) + " bytes)");
    if (v.api) figure("API records", detail::count_text(v.api_records));
    std::size_t passed = v.gates.size() - verdict.gates_failed;
    figure("Quality gates", v.gates.empty()
                                ? "none given"
                                : detail::count_text(passed) + " passed, " +
                                      detail::count_text(verdict.gates_failed) + " failed");
    figure("Duration", detail::duration_text(v.duration_ms));
    figure("Generated", markup(v.generated_at));
    out += "</tbody></table>\n";
}

void append_gates(std::string& out, const report_view& v) {
    if (v.gates.empty()) return;
    out +=
        "<h2 id=\"gates\">Quality gates</h2>\n<table><thead><tr><th>Gate</th>"
        "<th class=\"n\">Limit</th><th class=\"n\">Actual</th><th>Result</th></tr></thead>"
        "<tbody>\n";
    for (const auto& g : v.gates)
        append_row(out,
                   {{"<code>" + markup(g.flag) + "</code>", false},
                    {markup(detail::grouped(g.limit)), true},
                    {markup(detail::grouped(g.actual)), true},
                    {g.passed ? "&#10003; passed" : "&#10007; <strong>failed</strong>", false}});
    out += "</tbody></table>\n";
}

void append_products(std::string& out, const report_view& v) {
    out += "<h2 id=\"products\">Sales by product</h2>\n";
    if (v.top.empty()) {
        out += "<p>No valid sales.</p>\n";
        return;
    }
    out += "<p>The top " + detail::count_text(v.top.size()) + " of " +
           detail::count_text(v.products) + " products by total";
    if (v.products > v.top.size())
        out += "; " + detail::count_text(v.products - v.top.size()) + " more are left out";
    out += ".</p>\n";
    std::vector<bar> bars;
    const int128 largest = std::max<int128>(v.top.front().total, 0);
    for (const auto& p : v.top)
        bars.push_back({p.name, detail::money_text(p.total, v.scale),
                        width_of(static_cast<uint128>(std::max<int128>(p.total, 0)),
                                 static_cast<uint128>(largest))});
    append_bars(out, bars, "Sales by product, top " + std::to_string(v.top.size()));
    out +=
        "<table><thead><tr><th class=\"n\">#</th><th>Product</th><th class=\"n\">Quantity"
        "</th><th class=\"n\">Total</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < v.top.size(); ++i)
        append_row(out, {{std::to_string(i + 1), true},
                         {markup(detail::clipped(v.top[i].name, detail::view_text_limit)), false},
                         {detail::grouped(to_string(v.top[i].quantity)), true},
                         {detail::money_text(v.top[i].total, v.scale), true}});
    out += "</tbody></table>\n";
}

void append_samples(std::string& out, const std::vector<reject_sample>& samples) {
    out +=
        "<table><thead><tr><th>Source</th><th class=\"n\">Line</th><th>Detail</th>"
        "<th>Row</th></tr></thead><tbody>\n";
    const std::size_t shown = std::min(samples.size(), detail::view_samples_shown);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& s = samples[i];
        out += "<tr><td>" + markup(detail::clipped(s.source, detail::view_text_limit)) +
               "</td><td class=\"n\">" + detail::count_text(s.line) + "</td><td>" +
               markup(detail::clipped(s.detail, detail::view_text_limit)) +
               "</td><td class=\"row\">" + markup(detail::clipped(s.row, detail::view_text_limit)) +
               "</td></tr>\n";
    }
    out += "</tbody></table>\n";
    append_more(out, shown, samples.size(), "samples");
}

void append_rejects(std::string& out, const report_view& v) {
    out += "<h2 id=\"rejects\">Rejections by reason</h2>\n";
    if (v.invalid == 0) {
        out += "<p>No row or record was rejected.</p>\n";
        return;
    }
    const std::uint64_t largest = *std::max_element(v.rejected.begin(), v.rejected.end());
    std::vector<bar> bars;
    for (auto why : all_reject_reasons) {
        const std::uint64_t n = v.rejected[static_cast<std::size_t>(why)];
        bars.push_back({std::string(to_string(why)), detail::count_text(n), width_of(n, largest)});
    }
    append_bars(out, bars, "Rejections by reason");
    for (auto why : all_reject_reasons) {
        const std::uint64_t n = v.rejected[static_cast<std::size_t>(why)];
        if (n == 0) continue;
        out += "<h3 id=\"reason-" + std::string(to_string(why)) + "\">" +
               std::string(to_string(why)) + ": " + detail::count_text(n) + " (" +
               detail::percent_text(n, v.invalid) + " of rejects)</h3>\n";
        if (v.samples) append_samples(out, (*v.samples)[static_cast<std::size_t>(why)]);
    }
}

void append_api(std::string& out, const report_view& v) {
    if (!v.api) return;
    const api_summary& a = *v.api;
    out += "<h2 id=\"api\">API sources</h2>\n<table><tbody>\n";
    append_row(out, {{"Requested", false}, {detail::count_text(a.requested), true}});
    append_row(out, {{"Succeeded", false}, {detail::count_text(a.succeeded), true}});
    append_row(out, {{"Failed", false}, {detail::count_text(a.requested - a.succeeded), true}});
    append_row(out, {{"Retries", false}, {detail::count_text(a.retries), true}});
    append_row(out, {{"Records", false}, {detail::count_text(a.records), true}});
    out += "</tbody></table>\n";
    if (a.failures.empty()) return;
    out +=
        "<table><thead><tr><th>Failed URL</th><th>Code</th><th class=\"n\">Attempts</th>"
        "<th>Error</th></tr></thead><tbody>\n";
    const std::size_t shown = std::min(a.failures.size(), detail::view_list_limit);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& f = a.failures[i];
        append_row(out, {{markup(detail::clipped(f.url, detail::view_text_limit)), false},
                         {"<code>" + markup(f.code) + "</code>", false},
                         {std::to_string(f.attempts), true},
                         {markup(detail::clipped(f.error, detail::view_text_limit)), false}});
    }
    out += "</tbody></table>\n";
    append_more(out, shown, a.failures.size(), "failures");
}

void append_inputs(std::string& out, const report_view& v) {
    out +=
        "<h2 id=\"inputs\">Inputs</h2>\n<table><thead><tr><th>Input</th><th class=\"n\">Rows"
        "</th><th class=\"n\">Bytes</th></tr></thead><tbody>\n";
    const std::size_t shown = std::min(v.inputs.size(), detail::view_list_limit);
    for (std::size_t i = 0; i < shown; ++i)
        append_row(
            out,
            {{markup(detail::clipped(detail::input_label(v.inputs[i]), detail::view_text_limit)),
              false},
             {detail::count_text(v.inputs[i].rows), true},
             {detail::count_text(v.inputs[i].bytes), true}});
    out += "</tbody></table>\n";
    append_more(out, shown, v.inputs.size(), "inputs");
    if (!v.rejects_path.empty())
        out += "<p>Every rejected row is in <code>" + markup(v.rejects_path) + "</code>.</p>\n";
}

void append_parts(std::string& out, const report_view& v) {
    if (v.parts.empty()) return;
    out += "<h2 id=\"parts\">Parts</h2>\n<p>This report merges " +
           detail::count_text(v.parts.size()) +
           " parts.</p>\n<table><thead><tr><th>Part</th><th>Shard</th><th class=\"n\">Valid</th>"
           "<th class=\"n\">Rejected</th></tr></thead><tbody>\n";
    const std::size_t shown = std::min(v.parts.size(), detail::view_list_limit);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto& p = v.parts[i];
        append_row(out, {{markup(detail::clipped(p.path, detail::view_text_limit)), false},
                         {p.shard.empty() ? "whole input" : markup(p.shard), false},
                         {detail::count_text(p.valid), true},
                         {detail::count_text(p.invalid), true}});
    }
    out += "</tbody></table>\n";
    append_more(out, shown, v.parts.size(), "parts");
}

}  // namespace

std::string render_html(const report_view& v) {
    const detail::view_verdict verdict = detail::verdict_of(v);
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"salesproc " SALESPROC_VERSION
        "\">\n"
        "<title>Sales report ";
    out += markup(v.generated_at) + ": " + detail::money_text(v.total_sales, v.scale) +
           "</title>\n<style>" + std::string(style) + "</style>\n</head>\n<body>\n<header><h1>" +
           "Sales report</h1>\n<p class=\"note\">" + markup(v.generated_at) + ", " +
           detail::duration_text(v.duration_ms) +
           ", salesproc " SALESPROC_VERSION
           "</p>\n"
           "</header>\n<main>\n";
    append_headline(out, v, verdict);
    append_gates(out, v);
    append_products(out, v);
    append_rejects(out, v);
    append_api(out, v);
    append_parts(out, v);
    append_inputs(out, v);
    out += "</main>\n</body>\n</html>\n";
    return out;
}

}  // namespace salesproc
