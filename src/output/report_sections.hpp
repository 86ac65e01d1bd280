// The report's sections that are objects of their own (rules, quality, csv, rejected samples,
// api), as JSON. Internal to salesproc_model; build_report puts them together. Pure.
#pragma once

#include "salesproc/output/report.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace salesproc::detail {

nlohmann::ordered_json rules_section(const rules& r);
nlohmann::ordered_json quality_section(const std::vector<gate_outcome>& gates);
nlohmann::ordered_json parts_section(const std::vector<report_part>& parts);
nlohmann::ordered_json csv_section(const std::vector<csv_input_summary>& inputs);
nlohmann::ordered_json samples_section(const reject_samples& all);
nlohmann::ordered_json api_section(const api_summary& a);

}  // namespace salesproc::detail
