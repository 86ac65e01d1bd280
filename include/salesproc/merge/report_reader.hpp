// A salesproc report read back, for merge: the counts, sections and products of one part. Every
// number keeps its own text (a JSON number is never read through a double), and the product list
// streams to a callback, so a catalog-sized part costs no document. Pure apart from reading the
// file; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/csv_input.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/rules/reject_batch.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

struct partial_report {
    std::string path;  // the file read
    std::uint64_t api_records = 0;
    std::string total_sales;  // its decimal text
    std::uint64_t valid_sales = 0;
    std::uint64_t invalid_sales = 0;
    std::array<std::uint64_t, reject_reason_count> rejected{};
    std::optional<reject_samples> samples;  // absent when the part ran with --samples 0
    nlohmann::ordered_json rules;           // the "rules" section as written
    std::vector<csv_input_summary> inputs;  // one entry per CSV input, shard included
    std::optional<api_summary> api;
    std::size_t products = 0;  // entries of sales_by_product
    std::string rejects_path;  // where its rejects file went ("rejects.path"), or ""
    // What render shows and merge does not read back: a merged report's parts, the gates as
    // written (the "quality" section, or null), and its timing.
    std::vector<report_part> parts;
    nlohmann::ordered_json quality;
    std::string generated_at;
    std::uint64_t duration_ms = 0;
};

// Each entry of sales_by_product, in order: the name and the texts of quantity and total.
using product_visitor = std::function<result<void>(std::string_view name, std::string_view quantity,
                                                   std::string_view total)>;

// The whole text of the file at `path`; errors name it.
result<std::string> read_part_text(const std::string& path);

// The whole text of a part: a file's, or (given one) what the loader brings (an s3:// part).
using text_loader = std::function<result<std::string>(const std::string& path)>;

// Reads the report at `path` (through `load` when given). Errors name the path: unreadable,
// not JSON, truncated, not a salesproc report (a key missing or of the wrong type); and the
// visitor's own errors.
result<partial_report> read_report(const std::string& path, const product_visitor& visit,
                                   const text_loader* load = nullptr);

}  // namespace salesproc
