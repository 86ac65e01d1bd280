// merge's steps over the parts, each a room of its own: reading them (with every number checked
// and each part checked against itself), the checks between parts (the same input twice, the
// shard chain, a file that changed between shard runs), and what the merged report lists.
// Internal to salesproc_core and its tests; one thread.
#pragma once

#include "salesproc/base/log.hpp"
#include "salesproc/merge/report_reader.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/totals/aggregate.hpp"
#include "salesproc/totals/catalog.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace salesproc::detail {

// A count's digits as written in a report (a quantity), up to 2^128 - 1; nullopt otherwise.
std::optional<uint128> parse_count_text(std::string_view s);

// What merge keeps of a part besides its products.
struct part_summary {
    partial_report report;
    std::uint64_t line_offset = 0;  // added to its CSV lines: its shard's place in the file
};

struct merged_parts {
    std::vector<part_summary> parts;
    product_catalog products;
    sales_aggregate totals;
    nlohmann::ordered_json rules;
    unsigned scale = 2;
    std::optional<api_summary> api;
};

// Reads `paths` in order into `m`: the parts' products into the catalog, their counts into the
// totals. Errors (exit 1) name the part: unreadable or malformed (read_report), other rules
// than the first part's, a part that contradicts itself (its products do not sum to its
// total_sales, its rejected reasons to invalid_sales, or valid and invalid sales to its rows
// and records), and a sum that leaves the exact range (a count past 2^64 - 1, a product's
// quantity past 2^128 - 1, a total past 2^127 - 1).
result<void> read_parts(const std::vector<std::string>& paths, merged_parts& m, logger& log,
                        const text_loader* load = nullptr);

// Refuses (exit 1) two parts that read the same input: the same path with the same identity
// (size, mtime and fingerprint), unless they are different shards of it; naming both parts.
result<void> check_same_inputs(const std::vector<part_summary>& parts);

// Consecutive shards of one file: checked as a chain (every shard present, in order, with the
// quote state its start really has) and as one file (every shard read the same identity);
// their line numbers are made global in line_offset.
result<void> check_shards(std::vector<part_summary>& parts);

// The parts' inputs as one run lists them: a file's shards become that file again.
std::vector<csv_input_summary> merged_inputs(const std::vector<part_summary>& parts);

// rejected_samples of the merged report: the first `limit` per reason, shard lines made global.
result<void> merge_samples(const std::vector<part_summary>& parts, std::size_t limit,
                           reject_samples& out);

}  // namespace salesproc::detail
