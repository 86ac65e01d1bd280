// What both command lines (a run's and merge's) check their values with. Internal to
// salesproc_core.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/base/units.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace salesproc {
struct view_paths;
}

namespace salesproc::cli_checks {

// --html, --summary and --junit, alike for a run, merge and render.
void add_view_flags(CLI::App& app, view_paths& views);
// -q, -v and --log-format, alike for a run, merge and render.
void add_log_flags(CLI::App& app, bool& quiet, bool& verbose, std::string& log_format);

// CLI11 validators report "<flag>: <reason>"; keep their text and our one-line format.
// A CLI11 check from one of salesproc's parsers: the value is accepted when `parse` accepts it.
template <class Parse>
inline CLI::Validator parsed_by(Parse parse, const char* kind, const char* examples,
                                const char* name) {
    return CLI::Validator(
        [=](std::string& s) {
            return parse(s) ? std::string()
                            : "'" + s + "' is not a " + kind + " (e.g. " + examples + ")";
        },
        name);
}

inline CLI::Validator size_validator() {
    return parsed_by(parse_size, "size", "65536, 64KiB, 4MiB", "SIZE");
}

inline CLI::Validator duration_validator() {
    return parsed_by(parse_duration, "duration", "250ms, 10s, 2m", "DUR");
}

// A count: digits only, so "-1" and "1e3" are refused rather than wrapped or truncated.
inline std::optional<std::uint64_t> parse_count(const std::string& s) {
    std::uint64_t v = 0;
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// A usage error (exit 2) naming the flag.
inline error usage(std::string context, std::string reason) {
    return make_error(errc::invalid_argument, std::move(context), std::move(reason));
}

}  // namespace salesproc::cli_checks
