// Data-quality gates for CI and cron: the most rejected rows and records a run tolerates, as a
// count and as a fraction of all of them. Decided exactly, in integers. Pure; thread-safe.
#pragma once

#include "salesproc/base/log.hpp"
#include "salesproc/rules/money.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

struct quality_gates {
    std::optional<std::uint64_t> max_invalid;
    std::optional<fixed_point> max_invalid_ratio;  // within [0, 1]

    [[nodiscard]] bool any() const noexcept { return max_invalid || max_invalid_ratio; }
};

// A ratio from the command line: plain decimal notation within [0, 1] ("0.05", "1", "0").
std::optional<fixed_point> parse_ratio(std::string_view text) noexcept;

struct gate_outcome {
    std::string name;    // report key: "max_invalid", "max_invalid_ratio"
    std::string flag;    // "--max-invalid", "--max-invalid-ratio"
    std::string limit;   // exact decimal text
    std::string actual;  // exact decimal text; a ratio is rounded half up to 9 decimals
    bool passed = true;
};

// One outcome per gate given, in the order above. `total` is every row and record validated
// (valid plus invalid); with none, the ratio is 0.
std::vector<gate_outcome> check_quality(const quality_gates& gates, std::uint64_t invalid,
                                        std::uint64_t total);

// Warns on `log` about every gate that failed (even with --quiet); true when one did.
bool warn_failed_gates(const std::vector<gate_outcome>& gates, logger& log);

}  // namespace salesproc
