// The report for people: an HTML page, a CI job summary (GitHub-flavoured Markdown) and JUnit
// XML, all rendered from one report_view. A run and merge build the view from what they report
// (view_of); `salesproc render` builds it from a saved report; both fill it from the same
// numbers, so a view rendered from a report equals the one its run wrote. Every string from the
// data is escaped for its format. Pure; thread-safe.
#pragma once

#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/rules/money.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

// The most products a view lists: the page and the summary stay small at any catalog size.
inline constexpr std::size_t view_top_products = 20;

struct view_product {
    std::string name;  // as the report shows it
    uint128 quantity = 0;
    int128 total = 0;
};

// The products with the largest totals, in that order (ties: first seen first), kept while a
// whole catalog streams by. Costs a name copy only for a product that enters the top.
class top_products {
  public:
    explicit top_products(std::size_t keep = view_top_products) : keep_(keep) {}
    void offer(std::string_view name, uint128 quantity, int128 total);
    [[nodiscard]] std::uint64_t seen() const noexcept { return seen_; }
    // The top, largest total first; empties the collector.
    std::vector<view_product> take();

  private:
    struct entry {
        view_product product;
        std::uint64_t order = 0;
    };
    std::size_t keep_;
    std::uint64_t seen_ = 0;
    std::vector<entry> heap_;  // the smallest kept at the front
};

struct view_gate {
    std::string flag;  // "--max-invalid"
    std::string limit;
    std::string actual;
    bool passed = true;
};

// "K/N" for a shard's input, "" for a whole one: how the views and merge's parts name a shard.
std::string shard_label(const csv_input_summary& in);

struct view_input {
    std::string path;
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;
    std::string shard;  // "K/N" or ""
};

struct report_view {
    unsigned scale = 2;
    int128 total_sales = 0;
    std::uint64_t valid = 0;
    std::uint64_t invalid = 0;
    std::uint64_t api_records = 0;
    std::array<std::uint64_t, reject_reason_count> rejected{};
    std::optional<reject_samples> samples;  // absent with --samples 0
    std::vector<view_input> inputs;
    std::optional<api_summary> api;
    std::vector<view_gate> gates;
    std::vector<view_product> top;  // at most view_top_products
    std::uint64_t products = 0;     // in the whole report
    std::vector<report_part> parts;
    std::string rejects_path;
    std::string generated_at;  // as the report writes it
    std::uint64_t duration_ms = 0;
};

// The view of what a run or merge reports: `in` as write_report takes it (generated_at and
// duration as the report writes them).
report_view view_of(const report_input& in);

// The gates as the report's "quality" section holds them (names, limits, actuals, passed); an
// unknown gate keeps its name as its flag.
std::vector<view_gate> view_gates(const nlohmann::ordered_json& quality);

// Where the views go ("" for a view not asked for): --html, --summary, --junit.
struct view_paths {
    std::string html, summary, junit;
    [[nodiscard]] bool any() const { return !html.empty() || !summary.empty() || !junit.empty(); }
    // The views asked for as (flag, path), in that order.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> asked() const;
};

// The view a flag asks for ("--html", "--summary", "--junit"), rendered.
std::string render_view(std::string_view flag, const report_view& v);

// Each view asked for, as (flag, its output).
using view_outputs = std::vector<std::pair<std::string, atomic_output>>;
// Renders each view into its output and finishes it: durable, not yet visible. Returns the
// first write error (naming the output).
result<void> write_views(view_outputs& views, const report_view& v);
// The same for what a run or merge reports; builds the view only when some view is asked for.
result<void> write_views(view_outputs& views, const report_input& in);

// The views. html: one self-contained page (inline CSS and SVG, no script). summary: Markdown
// for $GITHUB_STEP_SUMMARY, under 1 MiB at any size. junit: one <testsuite> in <testsuites>,
// a test case per gate, per API URL and per input.
std::string render_html(const report_view& v);
std::string render_summary(const report_view& v);
std::string render_junit(const report_view& v);

// The JUnit of a run that failed (exit 1) on an input it could not read: the inputs before it
// passed, it is an <error>, those after it are skipped. `failed` is the index of the unreadable
// input, or inputs.size() when the failure names none of them: then a test case "run" holds the
// error and every input is skipped.
std::string render_failed_junit(const std::vector<std::string>& inputs, std::size_t failed,
                                const std::string& message,
                                std::chrono::system_clock::time_point when,
                                std::uint64_t duration_ms);

}  // namespace salesproc
