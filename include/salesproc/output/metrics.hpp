// --metrics: a run's outcome in the Prometheus text exposition format, for node_exporter's
// textfile collector. Written at the end of every run, failed ones included, atomically (temp
// file and rename, as the collector requires). Formatting is pure; write_metrics does the I/O.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/base/log.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/aggregate.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

// What a run amounted to. The counts are there once the CSV half finished; a run that failed
// before has only the exit code, the times and the input bytes read.
struct run_metrics {
    int exit_code = 0;
    std::chrono::system_clock::time_point finished;
    double duration_seconds = 0;
    std::optional<double> last_success;  // from the previous file, when this run failed
    std::uint64_t input_bytes = 0;
    struct counts {
        std::uint64_t valid = 0;
        std::uint64_t invalid = 0;
        std::array<std::uint64_t, reject_reason_count> rejected{};
        std::string total_sales = "0";  // exact decimal text
    };
    std::optional<counts> rows;
    struct api_counts {
        std::uint64_t succeeded = 0;
        std::uint64_t failed = 0;
        std::uint64_t retries = 0;
    };
    std::optional<api_counts> api;                            // when URLs were given and fetched
    std::vector<std::pair<std::string, std::string>> labels;  // --metrics-label, in order
};

// Fills what a run (or a merge) counted: `totals` at `scale` fraction digits, and the API's
// requests when there were any.
void note_outcome(run_metrics& m, const sales_aggregate& totals, unsigned scale,
                  const api_summary* api);

// Whether `key` is a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting "__").
bool is_label_name(std::string_view key) noexcept;

// --metrics-label values ("key=value", as typed) as labels that keep the file one Prometheus
// accepts: a label name that is not one of salesproc's own ("result", "reason"), each name once,
// a value of valid UTF-8. Errors are usage errors (errc::invalid_argument) naming the flag.
result<std::vector<std::pair<std::string, std::string>>> parse_metrics_labels(
    const std::vector<std::string>& given);

// The exposition text: HELP and TYPE for every metric, gauges all (each describes the last run).
std::string format_metrics(const run_metrics& m);

// The value of salesproc_last_success_timestamp_seconds in an earlier file's text, if any (NaN
// when the line is there but its value is no number).
std::optional<double> last_success_in(std::string_view previous);

class atomic_output;

// Writes `m` through `out`, prepared for `path` when the run started (so that an unwritable
// --metrics fails before any work), and publishes it. When the run failed (exit code not 0), the
// last success time is carried over from the file being replaced; one that is not a plausible
// Unix time is dropped with a warning on `log`. Errors name the path.
result<void> commit_metrics(atomic_output& out, const std::string& path, run_metrics m,
                            logger& log);

}  // namespace salesproc
