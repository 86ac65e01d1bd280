// When to retry an HTTP fetch, and after how long: a pure, sans-I/O policy. The fetch coroutine
// only sleeps for the delay it is given and calls again. Thread-safety: retry_policy is
// immutable (its random source must be safe to call from every thread that calls next());
// retry_budget is not synchronised, and the fetcher's I/O threads share it under a mutex.
#pragma once

#include "salesproc/base/errors.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace salesproc {

using std::chrono::milliseconds;

// What one attempt ended with. `http_status` is set for HTTP errors; `retry_after` when the
// server sent a Retry-After header (already converted to a delay).
struct attempt_failure {
    boost::system::error_code code;
    unsigned http_status = 0;
    std::optional<milliseconds> retry_after;
};

// True for failures that may succeed on another attempt: connect failures, timeouts, resets,
// truncated bodies and HTTP 408, 425, 429, 500, 502, 503, 504. Certificate failures, other
// statuses, invalid JSON, oversized bodies and bad redirects are permanent.
bool is_transient(const attempt_failure& f) noexcept;

struct retry_decision {
    bool retry = false;
    milliseconds delay{0};
    std::string give_up_reason;  // set when !retry and the reason is the policy's, not the error's
};

struct retry_settings {
    unsigned max_retries = 3;
    milliseconds backoff_base{500};
    milliseconds backoff_max{30'000};
};

class retry_policy {
  public:
    // `uniform` returns a value in [0, 1); injected so tests are deterministic.
    retry_policy(retry_settings settings, std::function<double()> uniform);

    // Decides after attempt number `attempt` (0 for the first) failed with `f`. Full jitter:
    // uniform(0, min(backoff_max, backoff_base * 2^attempt)). Retry-After (429/503) replaces the
    // jitter; if it exceeds backoff_max or `time_left` (the deadline), give up at once.
    [[nodiscard]] retry_decision next(unsigned attempt, const attempt_failure& f,
                                      std::optional<milliseconds> time_left) const;

  private:
    retry_settings settings_;
    std::function<double()> uniform_;
};

// Caps retries across the whole run at 20% of requests + 10, so a dead API is not hammered.
class retry_budget {
  public:
    explicit retry_budget(std::uint64_t requests) noexcept : limit_(requests / 5 + 10) {}
    // Takes one retry from the budget; false once it is spent.
    bool try_spend() noexcept {
        if (spent_ >= limit_) {
            exhausted_ = true;
            return false;
        }
        ++spent_;
        return true;
    }
    [[nodiscard]] bool exhausted() const noexcept { return exhausted_; }
    [[nodiscard]] std::uint64_t limit() const noexcept { return limit_; }

  private:
    std::uint64_t limit_;
    std::uint64_t spent_ = 0;
    bool exhausted_ = false;
};

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`). nullopt when
// unparseable; a date in the past is zero.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

}  // namespace salesproc
