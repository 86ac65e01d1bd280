#include "salesproc/api/retry_policy.hpp"

#include "salesproc/base/units.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace salesproc {

bool is_transient(const attempt_failure& f) noexcept {
    if (f.code == make_error_code(errc::http_status)) {
        switch (f.http_status) {
            case 408:
            case 425:
            case 429:
            case 500:
            case 502:
            case 503:
            case 504:
                return true;
            default:
                return false;
        }
    }
    return f.code == make_error_code(errc::connect_failed) ||
           f.code == make_error_code(errc::dns_failed) ||
           f.code == make_error_code(errc::connection_refused) ||
           f.code == make_error_code(errc::timeout) ||
           f.code == make_error_code(errc::connection_lost);
}

retry_policy::retry_policy(retry_settings settings, std::function<double()> uniform)
    : settings_(settings), uniform_(std::move(uniform)) {}

retry_decision retry_policy::next(unsigned attempt, const attempt_failure& f,
                                  std::optional<milliseconds> time_left) const {
    retry_decision d;
    if (!is_transient(f)) return d;
    if (attempt >= settings_.max_retries) {
        d.give_up_reason = "gave up after " + std::to_string(attempt + 1) + " attempts";
        return d;
    }
    const bool honours_retry_after = f.http_status == 429 || f.http_status == 503;
    if (honours_retry_after && f.retry_after) {
        if (*f.retry_after > settings_.backoff_max) {
            d.give_up_reason = "Retry-After " + format_duration(*f.retry_after) +
                               " exceeds --backoff-max " + format_duration(settings_.backoff_max);
            return d;
        }
        if (time_left && *f.retry_after >= *time_left) {
            d.give_up_reason = "Retry-After " + format_duration(*f.retry_after) +
                               " exceeds the time left before --deadline";
            return d;
        }
        d.retry = true;
        d.delay = *f.retry_after;
        return d;
    }
    // Full jitter; the shift is capped so that base * 2^attempt cannot overflow.
    const auto base = static_cast<double>(settings_.backoff_base.count());
    const double ceiling = std::min(static_cast<double>(settings_.backoff_max.count()),
                                    base * static_cast<double>(1ULL << std::min(attempt, 40U)));
    const double u = std::clamp(uniform_(), 0.0, 1.0);
    d.delay = milliseconds(static_cast<std::int64_t>(u * ceiling));
    if (time_left && d.delay >= *time_left) {
        d.give_up_reason = "no time left before --deadline";
        return d;
    }
    d.retry = true;
    return d;
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ')
        value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t secs = 0;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
        if (ec != std::errc{} || secs > 10'000'000) return milliseconds(10'000'000'000LL);
        return milliseconds(static_cast<std::int64_t>(secs) * 1000);
    }
    // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    const std::string text(value);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    // In whole seconds first: a date centuries ahead would overflow the clock's nanoseconds
    // (found by fuzzing). Anything that far out is capped like a huge delta.
    const std::time_t when = timegm(&tm);
    const std::time_t now_s = std::chrono::system_clock::to_time_t(now);
    if (when <= now_s) return milliseconds(0);
    if (when - now_s > 10'000'000) return milliseconds(10'000'000'000LL);
    return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(when) -
                                                    now);
}

}  // namespace salesproc
