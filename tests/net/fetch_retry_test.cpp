// The API fetch against a real loopback HTTPS server (tests/support/mock_server) with
// certificates generated at test time: retries, timeouts, bodies, redirects, concurrency,
// cancellation. Backoffs are milliseconds: no test sleeps for seconds.
#include "net/net_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <filesystem>
#include <sstream>
#include <thread>

namespace salesproc {
namespace {

// The shared PKI, mock-server options, fast settings and fetch() of net_support.hpp.
using namespace test;
using namespace std::chrono_literals;

TEST(Fetch, HttpsRecordsAndKeepAliveReuse) {
    mock_server srv(tls_options());
    std::vector<std::string> urls;
    for (int i = 1; i <= 20; ++i)
        urls.push_back(srv.url("/posts/" + std::to_string(i)));
    urls.push_back(srv.url("/posts"));
    auto s = fast_settings();
    s.concurrency = 4;
    const auto f = fetch(urls, s);
    std::uint64_t records = 0;
    for (const auto& u : f.urls) {
        EXPECT_TRUE(u.ok) << u.url << ": " << u.error;
        records += u.records;
    }
    EXPECT_EQ(records, 120U);
    EXPECT_EQ(f.retries, 0U);
    EXPECT_LE(srv.connections(), 4U);  // pooled: connections opened < requests
    EXPECT_LT(f.connections_opened, urls.size());
}

TEST(Fetch, TransientStatusSequenceIsRetried) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts/1?status=503,503,200")});
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].attempts, 3U);
    EXPECT_EQ(f.retries, 2U);
}

TEST(Fetch, PermanentStatusIsNotRetried) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/nope"), srv.url("/posts/1?status=403")});
    EXPECT_EQ(f.urls[0].error, "HTTP 404 Not Found");
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_EQ(f.urls[1].error, "HTTP 403 Forbidden");
    EXPECT_EQ(f.retries, 0U);
}

TEST(Fetch, GivesUpAfterRetriesWithReason) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts/1?status=500")});
    EXPECT_FALSE(f.urls[0].ok);
    EXPECT_EQ(f.urls[0].attempts, 4U);
    EXPECT_EQ(f.urls[0].error, "HTTP 500 Internal Server Error (gave up after 4 attempts)");
}

TEST(Fetch, RetryAfterIsHonouredAndCapped) {
    mock_server srv(tls_options());
    const auto ok = fetch({srv.url("/posts/1?status=429,200&retry_after=0")});
    EXPECT_TRUE(ok.urls[0].ok) << ok.urls[0].error;
    EXPECT_EQ(ok.retries, 1U);
    const auto t0 = std::chrono::steady_clock::now();
    const auto capped = fetch({srv.url("/posts/1?status=503&retry_after=3600")});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(capped.urls[0].attempts, 1U);
    EXPECT_NE(capped.urls[0].error.find("Retry-After 60m"), std::string::npos)
        << capped.urls[0].error;
    EXPECT_NE(capped.urls[0].error.find("exceeds --backoff-max"), std::string::npos);
}

TEST(Fetch, TimeoutPerAttemptIsRetriedThenReported) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.timeout = 150ms;
    s.retry.max_retries = 1;
    const auto f = fetch({srv.url("/posts/1?delay_ms=2000")}, s);
    EXPECT_FALSE(f.urls[0].ok);
    EXPECT_EQ(f.urls[0].attempts, 2U);
    EXPECT_EQ(f.urls[0].error, "timeout after 150ms (gave up after 2 attempts)");
}

TEST(Fetch, ABodyThatStallsHitsTheTimeoutOneThatKeepsComingDoesNot) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.timeout = 200ms;
    s.retry.max_retries = 0;
    const auto stalled = fetch({srv.url("/posts/1?trickle_ms=300")}, s);
    EXPECT_NE(stalled.urls[0].error.find("timeout after 200ms"), std::string::npos)
        << stalled.urls[0].error;
    // A byte every 10 ms (~70 bytes): the body takes longer than --timeout in all, but never
    // waits anywhere near that long.
    s.timeout = 300ms;
    const auto steady = std::chrono::steady_clock::now();
    const auto flowing = fetch({srv.url("/posts/2?trickle_ms=10")}, s);
    ASSERT_TRUE(flowing.urls[0].ok) << flowing.urls[0].error;
    EXPECT_GT(std::chrono::steady_clock::now() - steady, 300ms);
}

TEST(Fetch, ResetAndTruncatedBodiesAreTransient) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts/1?reset=1"), srv.url("/posts/2?truncate=1")});
    for (const auto& u : f.urls) {
        EXPECT_FALSE(u.ok);
        EXPECT_EQ(u.attempts, 4U) << u.error;
        EXPECT_NE(u.error.find("gave up after 4 attempts"), std::string::npos) << u.error;
    }
}

TEST(Fetch, InvalidJsonIsPermanent) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts/1?invalid_json=1")});
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_NE(f.urls[0].error.find("invalid JSON"), std::string::npos) << f.urls[0].error;
}

TEST(Fetch, ChunkedBodies) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts?chunked=1")});
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].records, 100U);
}

TEST(Fetch, BodyOverLimitFailsWithoutRetry) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.max_body = 100000;
    const auto f = fetch({srv.url("/posts?huge=5000000"), srv.url("/posts?huge=50000")}, s);
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_NE(f.urls[0].error.find("exceeds --max-body"), std::string::npos) << f.urls[0].error;
    EXPECT_TRUE(f.urls[1].ok) << f.urls[1].error;
}

TEST(Fetch, GzipBodiesAreAskedForAndDecoded) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts?gzip=1"), srv.url("/sales?gzip=1")});
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].records, 100U);
    EXPECT_EQ(srv.last_header("/posts", "Accept-Encoding"), "gzip");
    ASSERT_TRUE(f.urls[1].ok) << f.urls[1].error;
    EXPECT_EQ(f.urls[1].sales.total(), 2500 + 4530 + 1001);
}

// --max-body caps the decoded size too: ~8 KB on the wire that would inflate to 8 MB fails that
// URL, without a retry, while the compressed size alone was well under the limit.
TEST(Fetch, GzipBombFailsWithoutRetry) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.max_body = 1 << 20;
    const auto f = fetch({srv.url("/posts?huge=8000000&gzip=1")}, s);
    EXPECT_FALSE(f.urls[0].ok);
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_EQ(f.urls[0].error, "decoded gzip body exceeds --max-body 1048576 bytes");
}

TEST(Fetch, UnsupportedOrCorruptEncodingIsPermanent) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/posts/1?encoding=br"), srv.url("/posts/2?encoding=gzip")});
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_EQ(f.urls[0].error, "unsupported Content-Encoding 'br' (only gzip was asked for)");
    EXPECT_EQ(f.urls[1].attempts, 1U);
    EXPECT_NE(f.urls[1].error.find("invalid gzip body"), std::string::npos) << f.urls[1].error;
}

// The header cap: a server that sends an endless header is cut off at 64 KiB, not buffered.
TEST(Fetch, HeadersOverTheCapFailWithoutRetry) {
    mock_server srv(tls_options());
    const auto f =
        fetch({srv.url("/posts/1?huge_header=200000"), srv.url("/posts/2?huge_header=30000")});
    EXPECT_FALSE(f.urls[0].ok);
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_NE(f.urls[0].error.find("response headers exceed 64 KiB"), std::string::npos)
        << f.urls[0].error;
    EXPECT_TRUE(f.urls[1].ok) << f.urls[1].error;
}

TEST(Fetch, RedirectsFollowedWithinLimitAndNeverDowngraded) {
    mock_server srv(tls_options());
    mock_server plain([] {
        mock_server::options o;
        o.tls = false;
        return o;
    }());
    const std::string target = srv.url("/posts/7");
    const auto f =
        fetch({srv.url("/a?redirect=" + target), srv.url("/b?redirect=" + plain.url("/posts/1")),
               srv.url("/loop?redirect_self=1")});
    EXPECT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_NE(f.urls[1].error.find("refusing redirect from https to http"), std::string::npos)
        << f.urls[1].error;
    EXPECT_EQ(plain.requests(), 0U);
    EXPECT_NE(f.urls[2].error.find("more than 5 redirects"), std::string::npos) << f.urls[2].error;
}

TEST(Fetch, HeadersAndCredentialsStayOnTheirOrigin) {
    mock_server a(tls_options());
    mock_server b(tls_options({"IP:127.0.0.1"}));
    auto s = fast_settings();
    s.headers = {{"Authorization", "Bearer planted-secret"}, {"X-Team", "sales"}};
    // Same host name, different port: a different origin.
    const auto other = "https://127.0.0.1:" + std::to_string(b.port()) + "/echo";
    const auto f = fetch({a.url("/echo"), a.url("/posts/1?redirect=" + other)}, s);
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    ASSERT_TRUE(f.urls[1].ok) << f.urls[1].error;
    EXPECT_EQ(a.last_header("/echo", "Authorization"), "Bearer planted-secret");
    EXPECT_EQ(a.last_header("/echo", "X-Team"), "sales");
    EXPECT_EQ(b.last_header("/echo", "Authorization"), "");
    EXPECT_EQ(b.last_header("/echo", "X-Team"), "");
}

TEST(Fetch, UserinfoBecomesBasicAuthAndIsRedacted) {
    mock_server srv(tls_options());
    const auto url =
        "https://alice:s3cret@localhost:" + std::to_string(srv.port()) + "/echo?status=401";
    const auto f = fetch({url});
    EXPECT_EQ(srv.last_header("/echo", "Authorization"), "Basic YWxpY2U6czNjcmV0");
    EXPECT_EQ(f.urls[0].url.find("s3cret"), std::string::npos);
    EXPECT_EQ(f.urls[0].error.find("s3cret"), std::string::npos);
}

TEST(Fetch, StaleKeepAliveConnectionIsResentOnceNotRetried) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.concurrency = 1;
    s.retry.max_retries = 0;
    std::vector<std::string> urls;
    for (int i = 1; i <= 5; ++i)
        urls.push_back(srv.url("/posts/" + std::to_string(i) + "?drop_after=1"));
    const auto f = fetch(urls, s);
    for (const auto& u : f.urls)
        EXPECT_TRUE(u.ok) << u.url << ": " << u.error;
    EXPECT_EQ(f.retries, 0U);
}

TEST(Fetch, ConcurrencyIsBoundedAndReached) {
    mock_server srv(tls_options());
    std::vector<std::string> urls;
    for (int i = 0; i < 48; ++i)
        urls.push_back(srv.url("/posts/" + std::to_string(i % 10 + 1) + "?delay_ms=40"));
    auto s = fast_settings();
    s.concurrency = 8;
    const auto f = fetch(urls, s);
    for (const auto& u : f.urls)
        ASSERT_TRUE(u.ok) << u.error;
    EXPECT_EQ(srv.max_in_flight(), 8U);
}

// Workers on several I/O threads share one URL queue, one retry budget and one concurrency
// bound: which thread fetched a URL must not show in its outcome or in the totals.
TEST(Fetch, IoThreadsDoNotChangeOutcomes) {
    mock_server srv(tls_options());
    auto run_with = [&](unsigned io_threads) {
        // The mock counts status sequences per target, so each run gets its own targets.
        const std::string tag = "run=" + std::to_string(io_threads);
        std::vector<std::string> urls;
        for (int i = 0; i < 60; ++i) {
            const std::string n = std::to_string(i % 10 + 1);
            switch (i % 5) {
                case 0:
                    urls.push_back(srv.url("/posts/" + n + "?" + tag));
                    break;
                case 1:
                    urls.push_back(srv.url("/posts/" + n +
                                           "?status=503,200&i=" + std::to_string(i) + "&" + tag));
                    break;
                case 2:
                    urls.push_back(srv.url("/nothing/" + n + "?" + tag));
                    break;
                case 3:
                    urls.push_back(srv.url("/sales?" + tag));
                    break;
                default:
                    urls.push_back(srv.url("/posts?delay_ms=5&" + tag));
                    break;
            }
        }
        auto s = fast_settings();
        s.concurrency = 12;
        s.io_threads = io_threads;
        return fetch(urls, s);
    };
    const auto one = run_with(1);
    EXPECT_EQ(one.retries, 12U);
    for (unsigned io_threads : {2U, 4U}) {
        SCOPED_TRACE(io_threads);
        const auto many = run_with(io_threads);
        ASSERT_EQ(many.urls.size(), one.urls.size());
        EXPECT_EQ(many.retries, one.retries);
        EXPECT_FALSE(many.retry_budget_exhausted);
        for (std::size_t i = 0; i < one.urls.size(); ++i) {
            const auto& a = one.urls[i];
            const auto& b = many.urls[i];
            EXPECT_EQ(a.ok, b.ok) << i;
            EXPECT_EQ(a.attempts, b.attempts) << i;
            EXPECT_EQ(a.error, b.error) << i;
            EXPECT_EQ(a.records, b.records) << i;
            EXPECT_EQ(a.sales.valid(), b.sales.valid()) << i;
            EXPECT_EQ(a.sales.total(), b.sales.total()) << i;
        }
        EXPECT_LE(srv.max_in_flight(), 12U);
    }
}

TEST(Fetch, DeadlineCancelsAttemptsInFlightPromptly) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.deadline = 300ms;
    s.timeout = 10s;
    std::chrono::steady_clock::duration elapsed{};
    const auto f = fetch(
        {srv.url("/posts/1?delay_ms=5000"), srv.url("/posts/2?delay_ms=5000"), srv.url("/posts/3")},
        s, {}, &elapsed);
    EXPECT_LT(elapsed, 400ms);  // the deadline plus under 100 ms
    EXPECT_TRUE(f.deadline_hit);
    EXPECT_EQ(f.urls[0].error, "deadline 300ms exceeded");
    EXPECT_TRUE(f.urls[2].ok);
}

// Whoever awaits run() may be cancelled (awaitable operators do that when the other side
// fails): every I/O thread's requests must stop promptly, and run() complete only after them.
TEST(Fetch, CancellingTheCallerStopsEveryIoThread) {
    mock_server srv(tls_options());
    std::vector<http_url> urls;
    for (int i = 1; i <= 8; ++i)
        urls.push_back(
            parse_http_url(srv.url("/posts/" + std::to_string(i) + "?delay_ms=5000")).value());
    auto s = fast_settings();
    s.timeout = 10s;
    boost::asio::io_context io;
    auto created = api_fetcher::create(io.get_executor(), s, rules{});
    ASSERT_TRUE(created) << created.error().message();
    boost::asio::cancellation_signal stop;
    std::optional<fetch_summary> out;
    boost::asio::co_spawn(io, (*created)->run(urls),
                          boost::asio::bind_cancellation_slot(
                              stop.slot(), [&](std::exception_ptr e, fetch_summary f) {
                                  if (e) std::rethrow_exception(e);
                                  out = std::move(f);
                              }));
    boost::asio::steady_timer later(io, 200ms);
    later.async_wait([&](const boost::system::error_code&) {
        EXPECT_EQ(srv.max_in_flight(), 8U);  // both I/O threads have requests out
        stop.emit(boost::asio::cancellation_type::terminal);
    });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    ASSERT_TRUE(out);
    for (const auto& u : out->urls) {
        EXPECT_FALSE(u.ok);
        EXPECT_EQ(u.error, "cancelled") << u.url;
    }
}

TEST(Fetch, RetryBudgetCapsRetriesAcrossTheRun) {
    mock_server srv(tls_options());
    std::vector<std::string> urls;
    for (int i = 0; i < 20; ++i)
        urls.push_back(srv.url("/posts/" + std::to_string(i) + "?status=503"));
    auto s = fast_settings();
    s.retry = {10, 1ms, 2ms};
    const auto f = fetch(urls, s);
    EXPECT_EQ(f.retries, 20U / 5 + 10);
    EXPECT_TRUE(f.retry_budget_exhausted);
}

TEST(Fetch, ConnectFailureIsTransient) {
    // A port that was just free: bind, read the port, close.
    int port = 0;
    {
        mock_server tmp(tls_options());
        port = tmp.port();
    }
    const auto f = fetch({"https://127.0.0.1:" + std::to_string(port) + "/posts/1"});
    EXPECT_EQ(f.urls[0].attempts, 4U);
    EXPECT_NE(f.urls[0].error.find("Connection refused"), std::string::npos) << f.urls[0].error;
}

TEST(Fetch, SalesRecordsMergeExactly) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/sales")});
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].records, 6U);
    EXPECT_EQ(f.urls[0].sales.valid(), 3U);
    EXPECT_EQ(f.urls[0].sales.total(), 2500 + 4530 + 1001);
}

}  // namespace
}  // namespace salesproc
