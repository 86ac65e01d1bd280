// The per-URL fetch decisions without sockets, in the manner of Boost.Redis's test_run_fsm:
// events in, actions out.
#include "salesproc/api/detail/fetch_step.hpp"

#include <gtest/gtest.h>

namespace salesproc::detail {
namespace {

using kind = fetch_action::kind;
using namespace std::chrono_literals;

http_url url(const char* text) {
    auto u = parse_http_url(text);
    EXPECT_TRUE(u) << text;
    return *u;
}

const retry_policy& policy() {
    static const retry_policy p({3, 100ms, 1000ms}, [] { return 0.5; });
    return p;
}

const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

attempt_failure failure(errc e) {
    attempt_failure f;
    f.code = make_error_code(e);
    return f;
}

struct budget {
    int left = 100;
    std::function<bool()> fn() {
        return [this] { return left-- > 0; };
    }
};

TEST(FetchStep, SuccessAtOnce) {
    budget b;
    fetch_step s(url("https://u:p@a.example/x"), policy(), 5, b.fn());
    EXPECT_EQ(s.start().what, kind::request);
    EXPECT_EQ(s.url().redacted, "https://***@a.example/x");
    EXPECT_TRUE(s.send_credentials());
    EXPECT_EQ(s.on_response({200, "OK", {}, {}}, now, {}).what, kind::done);
    EXPECT_EQ(s.attempts(), 1U);
    EXPECT_EQ(s.retries(), 0U);
}

TEST(FetchStep, TransientStatusWaitsThenRequestsAgainThenGivesUp) {
    budget b;
    fetch_step s(url("https://a.example/x"), policy(), 5, b.fn());
    s.start();
    for (unsigned i = 0; i < 3; ++i) {
        const auto a = s.on_response({503, "Service Unavailable", {}, {}}, now, {});
        ASSERT_EQ(a.what, kind::wait) << i;
        EXPECT_EQ(a.delay, milliseconds(std::min(1000, 50 << i)));  // full jitter at 0.5
        EXPECT_EQ(s.on_waited().what, kind::request);
    }
    const auto last = s.on_response({503, "Service Unavailable", {}, {}}, now, {});
    ASSERT_EQ(last.what, kind::fail);
    EXPECT_EQ(last.error, "HTTP 503 Service Unavailable (gave up after 4 attempts)");
    EXPECT_EQ(last.code, make_error_code(errc::http_status));
    EXPECT_EQ(s.attempts(), 4U);
    EXPECT_EQ(s.retries(), 3U);
}

TEST(FetchStep, PermanentFailuresStopAtOnce) {
    budget b;
    fetch_step s(url("https://a.example/x"), policy(), 5, b.fn());
    s.start();
    auto a = s.on_response({404, "Not Found", {}, {}}, now, {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "HTTP 404 Not Found");
    fetch_step t(url("https://a.example/x"), policy(), 5, b.fn());
    t.start();
    a = t.on_failure(failure(errc::tls_verify), "certificate verify failed: expired", {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.code, make_error_code(errc::tls_verify));
    EXPECT_EQ(a.error, "certificate verify failed: expired");
}

TEST(FetchStep, RetryAfterBeyondTheDeadlineOrCapGivesUpWithTheReason) {
    budget b;
    fetch_step s(url("https://a.example/x"), policy(), 5, b.fn());
    s.start();
    auto a = s.on_response({429, "Too Many Requests", {}, "2"}, now, {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "HTTP 429 Too Many Requests (Retry-After 2s exceeds --backoff-max 1s)");
    fetch_step t(url("https://a.example/x"), policy(), 5, b.fn());
    t.start();
    a = t.on_response({503, "", {}, "0"}, now, 0ms);
    EXPECT_EQ(a.what, kind::fail);
    a = fetch_step(url("https://a.example/x"), policy(), 5, b.fn())
            .on_response({503, "", {}, "0"}, now, 10ms);
    EXPECT_EQ(a.what, kind::wait);
    EXPECT_EQ(a.delay, 0ms);
}

TEST(FetchStep, AnEmptyRetryBudgetMakesFailuresFinal) {
    budget b;
    b.left = 1;
    fetch_step s(url("https://a.example/x"), policy(), 5, b.fn());
    s.start();
    EXPECT_EQ(s.on_failure(failure(errc::timeout), "timeout after 1s", {}).what, kind::wait);
    s.on_waited();
    const auto a = s.on_failure(failure(errc::connection_refused), "connect failed", {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "connect failed (retry budget exhausted)");
    EXPECT_EQ(a.code, make_error_code(errc::connection_refused));
}

TEST(FetchStep, RedirectsAreFollowedWithinTheLimitAndScopeCredentials) {
    budget b;
    fetch_step s(url("https://u:p@a.example/x"), policy(), 2, b.fn());
    s.start();
    EXPECT_EQ(s.on_response({302, "Found", "/y", {}}, now, {}).what, kind::request);
    EXPECT_EQ(s.url().target, "/y");
    EXPECT_TRUE(s.send_credentials());  // same origin
    EXPECT_EQ(s.on_response({301, "", "https://b.example/z", {}}, now, {}).what, kind::request);
    EXPECT_EQ(s.url().host, "b.example");
    EXPECT_FALSE(s.send_credentials());  // another origin: no credentials, no --header
    const auto a = s.on_response({307, "", "/again", {}}, now, {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "more than 2 redirects in a row");
    EXPECT_EQ(a.code, make_error_code(errc::bad_redirect));
    EXPECT_EQ(s.attempts(), 1U);  // redirects are not attempts
}

TEST(FetchStep, DowngradesAndMissingLocationsAreRefused) {
    budget b;
    fetch_step s(url("https://a.example/x"), policy(), 5, b.fn());
    s.start();
    auto a = s.on_response({302, "", "http://a.example/x", {}}, now, {});
    EXPECT_EQ(a.what, kind::fail);
    EXPECT_EQ(a.error, "refusing redirect from https to http (http://a.example/x)");
    fetch_step t(url("https://a.example/x"), policy(), 5, b.fn());
    t.start();
    a = t.on_response({308, "", {}, {}}, now, {});
    EXPECT_EQ(a.error, "HTTP 308 redirect without Location");
    fetch_step h(url("http://a.example/x"), policy(), 5, b.fn());
    h.start();
    EXPECT_EQ(h.on_response({302, "", "https://a.example/x", {}}, now, {}).what, kind::request);
    EXPECT_TRUE(h.url().tls);  // upgrades are fine
}

}  // namespace
}  // namespace salesproc::detail
