#include "salesproc/api/detail/fetch_step.hpp"

namespace salesproc::detail {

bool is_redirect(unsigned status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

fetch_step::fetch_step(http_url original, const retry_policy& policy, unsigned max_redirects,
                       std::function<bool()> try_spend_retry)
    : original_(std::move(original)),
      current_(original_),
      policy_(policy),
      max_redirects_(max_redirects),
      try_spend_retry_(std::move(try_spend_retry)) {}

fetch_action fetch_step::start() {
    attempts_ = 1;
    return {};
}

fetch_action fetch_step::fail(boost::system::error_code code, std::string error) {
    fetch_action a;
    a.what = fetch_action::kind::fail;
    a.code = code;
    a.error = std::move(error);
    return a;
}

fetch_action fetch_step::on_response(const response_summary& r,
                                     std::chrono::system_clock::time_point now,
                                     std::optional<milliseconds> time_left) {
    if (r.status >= 200 && r.status < 300) {
        fetch_action a;
        a.what = fetch_action::kind::done;
        return a;
    }
    if (is_redirect(r.status)) {
        if (r.location.empty())
            return fail(make_error_code(errc::bad_redirect),
                        "HTTP " + std::to_string(r.status) + " redirect without Location");
        if (++redirects_ > max_redirects_)
            return fail(make_error_code(errc::bad_redirect),
                        "more than " + std::to_string(max_redirects_) + " redirects in a row");
        auto next = resolve_location(current_, r.location);
        if (!next) return fail(make_error_code(errc::bad_redirect), next.error().reason);
        if (current_.tls && !next->tls)
            return fail(make_error_code(errc::bad_redirect),
                        "refusing redirect from https to http (" + next->redacted + ")");
        current_ = std::move(*next);
        return {};  // a redirect is followed at once and is not a new attempt
    }
    attempt_failure f;
    f.code = make_error_code(errc::http_status);
    f.http_status = r.status;
    if (!r.retry_after.empty()) f.retry_after = parse_retry_after(r.retry_after, now);
    std::string message = "HTTP " + std::to_string(r.status);
    if (!r.reason.empty()) message.append(" ").append(r.reason);
    return retry_or_fail(f, message, time_left);
}

fetch_action fetch_step::on_failure(const attempt_failure& f, const std::string& message,
                                    std::optional<milliseconds> time_left) {
    return retry_or_fail(f, message, time_left);
}

fetch_action fetch_step::retry_or_fail(const attempt_failure& f, const std::string& message,
                                       std::optional<milliseconds> time_left) {
    const retry_decision d = policy_.next(retry_, f, time_left);
    if (!d.retry)
        return fail(f.code,
                    message + (d.give_up_reason.empty() ? "" : " (" + d.give_up_reason + ")"));
    if (!try_spend_retry_()) return fail(f.code, message + " (retry budget exhausted)");
    ++retry_;
    fetch_action a;
    a.what = fetch_action::kind::wait;
    a.delay = d.delay;
    return a;
}

fetch_action fetch_step::on_waited() {
    ++attempts_;
    return {};
}

}  // namespace salesproc::detail
