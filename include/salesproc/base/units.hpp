// Parsers for human-friendly flag values. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

// "4194304", "64KiB", "4MiB", "1GiB", "64K", "4M" (binary) and "64KB", "4MB" (decimal).
// nullopt on anything else, on zero, and on overflow.
std::optional<std::uint64_t> parse_size(std::string_view s) noexcept;

// "250ms", "10s", "2m"; a bare number is seconds. nullopt on anything else or overflow.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) noexcept;

// Inverse of parse_duration for messages: "500ms", "10s", "2m".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace salesproc
