#include "salesproc/totals/quality.hpp"

namespace salesproc {

std::optional<fixed_point> parse_ratio(std::string_view text) noexcept {
    const auto v = parse_fixed(text);
    if (!v || v->units < 0) return std::nullopt;
    if (compare(*v, fixed_point{1, 0}) > 0) return std::nullopt;
    return v;
}

std::vector<gate_outcome> check_quality(const quality_gates& gates, std::uint64_t invalid,
                                        std::uint64_t total) {
    std::vector<gate_outcome> out;
    if (gates.max_invalid) {
        out.push_back(gate_outcome{"max_invalid", "--max-invalid",
                                   std::to_string(*gates.max_invalid), std::to_string(invalid),
                                   invalid <= *gates.max_invalid});
    }
    if (gates.max_invalid_ratio) {
        const fixed_point& limit = *gates.max_invalid_ratio;
        // invalid / total <= units / 10^scale, cross-multiplied: exact in 128 bits, since every
        // factor is below 2^64 and units <= 10^18.
        const bool passed =
            static_cast<int128>(invalid) * static_cast<int128>(pow10_u64[limit.scale]) <=
            limit.units * static_cast<int128>(total);
        constexpr unsigned digits = 9;
        int128 actual = 0;
        if (total != 0) {
            const int128 scaled =
                static_cast<int128>(invalid) * static_cast<int128>(pow10_u64[digits]);
            actual = (2 * scaled + static_cast<int128>(total)) / (2 * static_cast<int128>(total));
        }
        out.push_back(gate_outcome{"max_invalid_ratio", "--max-invalid-ratio",
                                   format_units(limit.units, limit.scale),
                                   format_units(actual, digits), passed});
    }
    return out;
}

bool warn_failed_gates(const std::vector<gate_outcome>& gates, logger& log) {
    bool failed = false;
    for (const auto& g : gates)
        if (!g.passed) {
            failed = true;
            log.warn("quality gate exceeded",
                     {{"gate", g.flag}, {"limit", g.limit}, {"actual", g.actual}});
        }
    return failed;
}

}  // namespace salesproc
