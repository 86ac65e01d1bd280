// Loading the YAML rules file (format of data/config.yaml). Errors name the file and the key.
#pragma once

#include "salesproc/errors.hpp"
#include "salesproc/rules.hpp"

#include <string>

namespace salesproc {

// Reads `path` over the defaults. Unknown keys are errors: a typo must not silently fall back to
// a default rule. Numbers are taken from their text, never through floating point.
result<rules> load_rules(const std::string& path);

// Validates a rules object built from defaults, a file and flag overrides.
result<void> validate_rules(const rules& r, const std::string& context);

}  // namespace salesproc
