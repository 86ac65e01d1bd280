// Rendering sales_results.json. Money and counts are written as exact JSON numbers straight from
// their 128-bit values: a double would lose cents above 2^53. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/csv_input.hpp"
#include "salesproc/rules/reject_batch.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/aggregate.hpp"
#include "salesproc/totals/catalog.hpp"
#include "salesproc/totals/quality.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

// The report's "api" section, counted once from the fetch outcomes.
struct api_summary {
    struct failure {
        std::string url;  // redacted
        unsigned attempts = 0;
        std::string error;
        std::string code;    // failure_code() of the error
        unsigned pages = 0;  // pages that succeeded before the failure (their records count)
    };
    std::uint64_t requested = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t retries = 0;
    std::uint64_t records = 0;  // of every page that succeeded
    // Of those records, the sales counted valid and invalid (what the CSV half's counts exclude).
    std::uint64_t valid_sales = 0;
    std::uint64_t invalid_sales = 0;
    std::uint64_t pages = 0;  // pages that succeeded, over all URLs
    bool paginated = false;   // some URL had more than one page: "pages" is reported
    bool retry_budget_exhausted = false;
    std::vector<failure> failures;  // in URL order
    // Every URL requested (redacted), in order: a JUnit test case each. Empty in a report
    // written before it was recorded.
    std::vector<std::string> urls;
};

// One part of a merged report, as its "parts" list shows it.
struct report_part {
    std::string path;  // the part's report, as given to merge
    std::uint64_t valid = 0;
    std::uint64_t invalid = 0;
    std::string shard;  // "K/N" when the part is one shard of an input, else ""
};

struct report_input {
    const sales_aggregate* totals = nullptr;  // CSV and API sales together
    // The products, finished; without one, totals' own products (a slice) are reported.
    const product_catalog* products = nullptr;
    unsigned scale = 2;  // fraction digits of every amount
    // One per CSV input, in order. With one, the csv section is {path, rows, bytes, chunks} as
    // always (plus compression and decompressed_bytes for a compressed input); with several, an
    // "inputs" list takes the place of "path" and rows, bytes and chunks are sums.
    std::vector<csv_input_summary> csv_inputs;
    const api_summary* api = nullptr;                    // when URLs were given
    const reject_samples* samples = nullptr;             // "rejected_samples", unless --samples 0
    const std::vector<gate_outcome>* quality = nullptr;  // when gates were given
    const rules* rule_set = nullptr;  // the "rules" section: what the report was computed under
    const nlohmann::ordered_json* rules_section = nullptr;  // or that section as read (merge)
    // Where the rejects file went (an absolute path or an s3:// URL), for merge to find it; empty
    // without one, or when it went to stdout.
    std::string rejects_path;
    std::vector<report_part> parts;  // a merged report's parts, in merge order ("parts")
    std::chrono::system_clock::time_point generated_at;
    std::chrono::milliseconds duration{0};
};

// Receives the report's bytes in order, in pieces of about 1 MiB; an error stops the writing.
using report_sink = std::function<result<void>(std::string_view)>;

// Writes the report: pretty-printed JSON (2-space indent, trailing newline). The per-product
// lists go straight from the aggregate to `out`, without a JSON document, so a catalog of
// millions of products costs no more memory than the aggregate already holds. Returns the
// sink's first error.
result<void> write_report(const report_input& in, const report_sink& out);

// The same report as a JSON document and its text: the reference write_report is tested
// against, and handy for small reports. Exact numbers are nlohmann binary values holding their
// decimal text; serialize_report() writes them as bare JSON numbers.
nlohmann::ordered_json build_report(const report_input& in);
std::string serialize_report(const nlohmann::ordered_json& doc);

// UTC to the second, as the report's generated_at: "2026-12-07T14:16:15Z".
std::string iso8601(std::chrono::system_clock::time_point tp);

// An exact JSON number from its decimal text, for build_report and the API section.
nlohmann::ordered_json exact_number(const std::string& decimal_text);

}  // namespace salesproc
