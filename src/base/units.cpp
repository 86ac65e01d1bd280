#include "salesproc/base/units.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <string>
#include <utility>

namespace salesproc {
namespace {

// Splits "64KiB" into 64 and "KiB"; nullopt when there is no leading number.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view s) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || end == s.data()) return std::nullopt;
    return std::pair{n, s.substr(static_cast<std::size_t>(end - s.data()))};
}

std::optional<std::uint64_t> times(std::uint64_t n, std::uint64_t factor) {
    if (factor != 0 && n > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
    return n * factor;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view s) noexcept {
    const auto parts = split_number(s);
    if (!parts) return std::nullopt;
    struct unit {
        std::string_view suffix;
        std::uint64_t factor;
    };
    static constexpr std::array<unit, 11> units{{{"", 1},
                                                 {"B", 1},
                                                 {"K", 1ULL << 10},
                                                 {"KiB", 1ULL << 10},
                                                 {"KB", 1000},
                                                 {"M", 1ULL << 20},
                                                 {"MiB", 1ULL << 20},
                                                 {"MB", std::uint64_t{1000} * 1000},
                                                 {"G", 1ULL << 30},
                                                 {"GiB", 1ULL << 30},
                                                 {"GB", std::uint64_t{1000} * 1000 * 1000}}};
    for (const auto& u : units) {
        if (parts->second == u.suffix) {
            const auto v = times(parts->first, u.factor);
            if (!v || *v == 0) return std::nullopt;
            return v;
        }
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) noexcept {
    const auto parts = split_number(s);
    if (!parts) return std::nullopt;
    std::uint64_t factor = 0;
    if (parts->second == "ms")
        factor = 1;
    else if (parts->second == "s" || parts->second.empty())
        factor = 1000;
    else if (parts->second == "m")
        factor = 60'000;
    else
        return std::nullopt;
    const auto v = times(parts->first, factor);
    if (!v || *v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1000))
        return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*v));
}

std::string format_duration(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace salesproc
