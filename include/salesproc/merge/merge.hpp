// salesproc merge: partial reports (the map step's outputs, on any number of machines) into the
// one report a single run over the same inputs would have written, byte for byte apart from
// generated_at, duration_ms and csv.chunks. Totals add up exactly (every number from its own
// text), products keep first-seen order across the parts in the order given, shards of one file
// are checked as a chain of quote states and their line numbers made global again.
#pragma once

#include "salesproc/base/log.hpp"
#include "salesproc/output/views.hpp"
#include "salesproc/totals/quality.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc {

struct merge_options {
    std::vector<std::string> parts;  // reports, in input order
    std::string out_path;
    std::optional<std::string> rejects_path;  // merged rejects file
    std::vector<std::string> part_rejects;    // each part's rejects file, in the parts' order
    std::optional<std::string> metrics_path;
    view_paths views;  // --html, --summary, --junit
    std::vector<std::pair<std::string, std::string>> metrics_labels;
    std::size_t samples = 3;  // the parts' --samples: rejected_samples keeps the first N
    quality_gates gates;
    verbosity level = verbosity::normal;
    log_format format = log_format::text;
};

// Runs the merge to an exit code: 0, 1 (a part unreadable, malformed or not fitting the others,
// a broken shard chain, an unwritable output; nothing written), 4 (a gate exceeded).
int run_merge(const merge_options& options);

}  // namespace salesproc
