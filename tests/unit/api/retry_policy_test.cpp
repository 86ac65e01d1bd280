// The retry policy is sans-I/O: every decision is tested here without a socket.
#include "salesproc/api/retry_policy.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

using namespace std::chrono_literals;

attempt_failure http(unsigned status, std::optional<milliseconds> retry_after = std::nullopt) {
    return {make_error_code(errc::http_status), status, retry_after};
}
attempt_failure err(errc e) {
    return {make_error_code(e), 0, std::nullopt};
}

retry_policy policy(double u = 0.5, unsigned retries = 3) {
    return retry_policy({retries, 500ms, 30s}, [u] { return u; });
}

TEST(RetryPolicy, TransientFailuresAreRetried) {
    for (unsigned s : {408U, 425U, 429U, 500U, 502U, 503U, 504U})
        EXPECT_TRUE(policy().next(0, http(s), {}).retry) << s;
    for (errc e : {errc::connect_failed, errc::dns_failed, errc::connection_refused, errc::timeout,
                   errc::connection_lost})
        EXPECT_TRUE(policy().next(0, err(e), {}).retry);
}

TEST(RetryPolicy, PermanentFailuresAreNot) {
    for (unsigned s : {400U, 401U, 403U, 404U, 410U, 422U, 501U})
        EXPECT_FALSE(policy().next(0, http(s), {}).retry) << s;
    for (errc e : {errc::tls_verify, errc::bad_json, errc::body_too_large, errc::bad_redirect})
        EXPECT_FALSE(policy().next(0, err(e), {}).retry);
}

TEST(RetryPolicy, FullJitterExponentialCappedByMax) {
    // uniform(0, min(max, base * 2^attempt)): with u = 0.5 the delay is half the ceiling.
    EXPECT_EQ(policy(0.5, 20).next(0, http(503), {}).delay, 250ms);
    EXPECT_EQ(policy(0.5, 20).next(1, http(503), {}).delay, 500ms);
    EXPECT_EQ(policy(0.5, 20).next(3, http(503), {}).delay, 2000ms);
    EXPECT_EQ(policy(0.5, 20).next(10, http(503), {}).delay, 15000ms);  // capped at 30s
    EXPECT_EQ(policy(0.0, 20).next(5, http(503), {}).delay, 0ms);
    EXPECT_EQ(policy(0.999, 20).next(19, http(503), {}).delay.count() / 1000, 29);
}

TEST(RetryPolicy, GivesUpAfterMaxRetries) {
    const auto d = policy(0.5, 3).next(3, http(503), {});
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.give_up_reason, "gave up after 4 attempts");
}

TEST(RetryPolicy, RetryAfterReplacesJitterOn429And503Only) {
    EXPECT_EQ(policy().next(0, http(429, 2s), {}).delay, 2s);
    EXPECT_EQ(policy().next(0, http(503, 0s), {}).delay, 0s);
    EXPECT_EQ(policy().next(0, http(500, 2s), {}).delay, 250ms);  // 500 ignores Retry-After
}

TEST(RetryPolicy, RetryAfterBeyondMaxOrDeadlineGivesUpAtOnce) {
    const auto too_long = policy().next(0, http(429, 120s), {});
    EXPECT_FALSE(too_long.retry);
    EXPECT_EQ(too_long.give_up_reason, "Retry-After 2m exceeds --backoff-max 30s");
    const auto past_deadline = policy().next(0, http(503, 5s), 3s);
    EXPECT_FALSE(past_deadline.retry);
    EXPECT_NE(past_deadline.give_up_reason.find("--deadline"), std::string::npos);
}

TEST(RetryPolicy, BackoffThatWouldPassTheDeadlineGivesUp) {
    EXPECT_FALSE(policy(0.9).next(2, http(503), 100ms).retry);
    EXPECT_TRUE(policy(0.9).next(0, http(503), 10s).retry);
}

TEST(RetryBudget, TwentyPercentOfRequestsPlusTen) {
    retry_budget b(100);
    EXPECT_EQ(b.limit(), 30U);
    for (int i = 0; i < 30; ++i)
        EXPECT_TRUE(b.try_spend());
    EXPECT_FALSE(b.exhausted());
    EXPECT_FALSE(b.try_spend());
    EXPECT_TRUE(b.exhausted());
    EXPECT_EQ(retry_budget(0).limit(), 10U);
}

TEST(RetryAfter, DeltaSecondsAndHttpDate) {
    const auto now =
        std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(parse_retry_after("120", now), 120s);
    EXPECT_EQ(parse_retry_after(" 0 ", now), 0s);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), 10s);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // in the past
    EXPECT_FALSE(parse_retry_after("soon", now));
    EXPECT_FALSE(parse_retry_after("", now));
    EXPECT_GT(*parse_retry_after("99999999999999999999", now), 24h);
    // Far-future dates overflowed the clock's nanoseconds before (found by fuzzing).
    EXPECT_GT(*parse_retry_after("Wed, 21 Oct 4030 07:28:00 GMT", now), 24h);
    EXPECT_GT(*parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), 24h);
}

}  // namespace
}  // namespace salesproc
