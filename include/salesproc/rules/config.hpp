// Loading the YAML rules file (format of data/config.yaml). Errors name the file and the key.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace salesproc {

// The API input options a config file may set (flags override them); unset ones stay empty.
struct api_input_options {
    std::optional<std::string> records_pointer;
    std::optional<std::string> next_pointer;
    std::optional<unsigned> max_pages;
    std::optional<bool> follow_cross_origin;
};

// How to read the CSV inputs, where a config file says (flags override them).
struct csv_input_options {
    std::optional<std::string> encoding;
    std::optional<std::uint64_t> skip_lines;
};

struct config_file {
    rules rule_set;
    api_input_options api;
    csv_input_options input;
};

// Reads `path` over the defaults. Unknown keys are errors: a typo must not silently fall back to
// a default rule. Numbers are taken from their text, never through floating point.
result<config_file> load_config(const std::string& path);
// load_config's rules alone.
result<rules> load_rules(const std::string& path);

// Validates a rules object built from defaults, a file and flag overrides.
// `fields_context` names where the column mapping came from when that is not `context` (the
// --field flag over a config file's mapping).
result<void> validate_rules(const rules& r, const std::string& context,
                            const std::string& fields_context = {});

}  // namespace salesproc
