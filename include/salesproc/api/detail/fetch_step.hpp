// One URL's fetch as a state machine, in the manner of Boost.Redis's run_fsm: the fetching
// coroutine reports how each step ended and does what the returned action says (send the
// request, sleep, or stop). Redirects (the limit, the https-to-http refusal, credentials kept to
// the original origin), retries (the retry policy and the run's retry budget) and the wording of
// every failure are decided here, without sockets. Never throws on a decision; not thread-safe.
#pragma once

#include "salesproc/api/retry_policy.hpp"
#include "salesproc/api/url.hpp"
#include "salesproc/base/errors.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc::detail {

struct fetch_action {
    enum class kind : std::uint8_t {
        request,  // send a request for url(), with credentials if send_credentials()
        wait,     // sleep for `delay`, then call on_waited()
        done,     // a 2xx response: its body is the URL's records
        fail,     // give up: `error` for people, `code` for programs
    };
    kind what = kind::request;
    milliseconds delay{0};
    std::string error;
    boost::system::error_code code;
};

// What the decision needs of a response.
struct response_summary {
    unsigned status = 0;
    std::string_view reason;
    std::string_view location;     // empty when absent
    std::string_view retry_after;  // empty when absent
};

class fetch_step {
  public:
    // `try_spend_retry` takes one retry from the run's budget (false once it is spent);
    // `policy` and the function must outlive the step.
    fetch_step(http_url original, const retry_policy& policy, unsigned max_redirects,
               std::function<bool()> try_spend_retry);

    fetch_action start();
    // A complete response arrived for the last request. `now` dates Retry-After; `time_left`
    // is what remains of the run's deadline, if it has one.
    fetch_action on_response(const response_summary& r, std::chrono::system_clock::time_point now,
                             std::optional<milliseconds> time_left);
    // The last request failed without a response: `f.code` classifies it, `message` says it.
    fetch_action on_failure(const attempt_failure& f, const std::string& message,
                            std::optional<milliseconds> time_left);
    // The wait an action asked for is over.
    fetch_action on_waited();

    [[nodiscard]] const http_url& url() const noexcept { return current_; }
    // Credentials and --header values go to the URL's own origin only, never to a host a
    // redirect points at.
    [[nodiscard]] bool send_credentials() const noexcept {
        return current_.origin() == original_.origin();
    }
    [[nodiscard]] unsigned attempts() const noexcept { return attempts_; }
    [[nodiscard]] unsigned retries() const noexcept { return retry_; }

  private:
    static fetch_action fail(boost::system::error_code code, std::string error);
    fetch_action retry_or_fail(const attempt_failure& f, const std::string& message,
                               std::optional<milliseconds> time_left);

    http_url original_;
    http_url current_;
    const retry_policy& policy_;
    unsigned max_redirects_;
    std::function<bool()> try_spend_retry_;
    unsigned redirects_ = 0;
    unsigned retry_ = 0;
    unsigned attempts_ = 0;
};

// 301, 302, 303, 307 and 308.
bool is_redirect(unsigned status) noexcept;

}  // namespace salesproc::detail
