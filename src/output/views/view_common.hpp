// What the three views say alike: the run's verdict, the limits of what they list. Internal to
// the views; pure.
#pragma once

#include "salesproc/output/views.hpp"

#include <cstddef>
#include <string>

namespace salesproc::detail {

// The most of each list a view shows; it says how many more there are.
inline constexpr std::size_t view_list_limit = 100;
// The samples the page shows per reason, and the bytes shown of a name, row or detail.
inline constexpr std::size_t view_samples_shown = 10;
inline constexpr std::size_t view_text_limit = 300;

struct view_verdict {
    std::size_t gates_failed = 0;
    std::uint64_t api_failed = 0;
    [[nodiscard]] bool passed() const { return gates_failed == 0 && api_failed == 0; }
    // "passed", "1 quality gate failed", "2 API sources failed", or both.
    [[nodiscard]] std::string text() const;
};
view_verdict verdict_of(const report_view& v);

// The input's name with its shard: "sales.csv (shard 3/8)".
std::string input_label(const view_input& in);

}  // namespace salesproc::detail
