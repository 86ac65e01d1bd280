// One salesproc run from parsed options to an exit code: rules, CSV pipeline, report.
// Not reentrant: it installs SIGINT/SIGTERM handling for its duration.
#pragma once

#include "salesproc/api/aws_config.hpp"
#include "salesproc/api/fetch_types.hpp"
#include "salesproc/base/exit_codes.hpp"
#include "salesproc/base/log.hpp"
#include "salesproc/input/shard.hpp"
#include "salesproc/output/views.hpp"
#include "salesproc/rules/money.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/quality.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc {

struct run_options {
    std::vector<std::string> csv_paths;  // in order; "-" (stdin) at most once
    std::string out_path;
    std::optional<std::string> rejects_path;  // every reject, CSV or JSON Lines
    std::optional<std::string> metrics_path;  // Prometheus textfile, written by every run
    view_paths views;                         // --html, --summary, --junit
    std::vector<std::pair<std::string, std::string>> metrics_labels;
    std::size_t samples = 3;  // rejected_samples per reason; 0: no key
    quality_gates gates;
    std::optional<std::string> config_path;
    std::optional<std::string> product_prefix;
    std::optional<fixed_point> min_price;
    std::optional<std::uint64_t> max_quantity;
    std::optional<unsigned> max_decimals;
    std::optional<char> delimiter;                                  // over the config's
    std::optional<char> decimal_separator, thousands_separator;     // over the config's
    std::optional<std::string> encoding;                            // over the config's
    std::optional<std::uint64_t> skip_lines;                        // over the config's
    std::vector<std::pair<rule_field, std::string>> field_columns;  // --field, over the config's
    unsigned threads = 1;
    std::size_t chunk_size = std::size_t{512} << 10;
    std::size_t max_row_size = std::size_t{64} << 20;
    std::optional<shard_spec> shard;  // --shard K/N of the one --csv
    std::vector<http_url> urls;       // already validated
    fetch_settings fetch;
    s3_flags s3;  // --no-sign-request, --s3-addressing: for s3:// inputs
    // API input options given as flags, over the config's; the rest of fetch is final.
    std::optional<std::string> records_pointer, next_pointer;
    std::optional<unsigned> max_pages;
    bool follow_cross_origin = false;
    verbosity level = verbosity::normal;
    log_format format = log_format::text;
};

// Runs to completion and returns the process exit code. Fatal errors are printed to stderr as
// one line, "salesproc: error: <context>: <reason>".
int run(const run_options& options);

}  // namespace salesproc
