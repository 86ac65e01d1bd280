// What the Asio side of the HTTP client shares: namespace aliases, the non-throwing completion
// token, how an attempt ends, and the run's stop state. Internal to salesproc_core.
#pragma once

#include "salesproc/api/detail/http_response.hpp"
#include "salesproc/api/retry_policy.hpp"
#include "salesproc/base/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace salesproc::http_detail {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

inline constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

using response = detail::http_response;

// How one attempt ended: a response, or a classified failure and its message.
struct attempt_result {
    std::optional<response> ok;
    attempt_failure failure;
    std::string error;
};

// The jitter's random source when the caller gave none: a seeded engine (the callers take
// turns with it under their own lock).
inline std::function<double()> seeded_uniform() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

inline attempt_result failed(errc code, std::string text) {
    attempt_result r;
    r.failure.code = make_error_code(code);
    r.error = std::move(text);
    return r;
}

// Whether the run is stopping, and why: set once, read from every I/O thread.
class stop_state {
  public:
    void request(std::string reason) {
        {
            std::lock_guard lock(mu_);
            if (reason_.empty()) reason_ = std::move(reason);
        }
        stopping_.store(true, std::memory_order_release);
    }
    [[nodiscard]] bool stopping() const noexcept {
        return stopping_.load(std::memory_order_acquire);
    }
    [[nodiscard]] std::string reason() const {
        std::lock_guard lock(mu_);
        return reason_;
    }

  private:
    std::atomic<bool> stopping_{false};
    mutable std::mutex mu_;
    std::string reason_;  // set once, before stopping_
};

}  // namespace salesproc::http_detail
