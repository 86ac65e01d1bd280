// The API half against a real loopback HTTPS server (tests/support/mock_server) with
// certificates generated at test time, and against servers that are not ours (python3's
// http.server over ssl). Backoffs are milliseconds: no test sleeps for seconds.
#include "salesproc/http_client.hpp"
#include "support/connect_proxy.hpp"
#include "support/mock_server.hpp"
#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

namespace salesproc {
namespace {

using namespace std::chrono_literals;
using test::mock_server;
using test::temp_dir;

struct pki_fixture {
    test::test_pki pki;
    temp_dir dir;
    std::string ca_file = dir.file("ca.pem");
    pki_fixture() { test::write_file(ca_file, pki.ca().cert_pem); }
};

pki_fixture& shared_pki() {
    static pki_fixture f;
    return f;
}

mock_server::options tls_options(std::vector<std::string> names = {"DNS:localhost",
                                                                   "IP:127.0.0.1"}) {
    mock_server::options o;
    o.cert = shared_pki().pki.issue(names);
    return o;
}

fetch_settings fast_settings() {
    fetch_settings s;
    s.cacert = shared_pki().ca_file;
    s.retry = {3, 5ms, 50ms};
    s.timeout = 2s;
    s.uniform = [] { return 0.5; };
    s.io_threads = 2;  // as on any multi-core machine: workers split over two I/O threads
    return s;
}

// `run_time`, if given, receives the time of the fetch phase alone (not TLS context set-up).
fetch_summary fetch(const std::vector<std::string>& urls, fetch_settings s = fast_settings(),
                    rules r = {}, std::chrono::steady_clock::duration* run_time = nullptr) {
    boost::asio::io_context io;
    auto fetcher = api_fetcher::create(io.get_executor(), std::move(s), std::move(r));
    EXPECT_TRUE(fetcher) << fetcher.error().message();
    std::vector<http_url> parsed;
    for (const auto& u : urls)
        parsed.push_back(parse_http_url(u).value());
    std::optional<fetch_summary> out;
    boost::asio::co_spawn(io, (*fetcher)->run(parsed), [&](std::exception_ptr e, fetch_summary f) {
        if (e) std::rethrow_exception(e);
        out = std::move(f);
    });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    if (run_time) *run_time = std::chrono::steady_clock::now() - started;
    return std::move(*out);
}

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

TEST(Fetch, SlowTrickleHitsTheAttemptTimeout) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.timeout = 200ms;
    s.retry.max_retries = 0;
    const auto f = fetch({srv.url("/posts/1?trickle_ms=50")}, s);
    EXPECT_NE(f.urls[0].error.find("timeout after 200ms"), std::string::npos) << f.urls[0].error;
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

// 16 URLs at concurrency 8: eight connections opened together, each used for two requests.
fetch_summary fetch_two_rounds(const mock_server& srv) {
    std::vector<std::string> urls;
    for (int i = 1; i <= 16; ++i)
        urls.push_back(srv.url("/posts/" + std::to_string(i) + "?delay_ms=20"));
    auto s = fast_settings();
    s.concurrency = 8;
    auto f = fetch(urls, s);
    for (const auto& u : f.urls)
        EXPECT_TRUE(u.ok) << u.url << ": " << u.error;
    return f;
}

// Connections opened together to one origin wait for the first one's TLS session and resume it
// (the server sees abbreviated handshakes). A TLS 1.2 session serves all of them.
TEST(Fetch, ParallelConnectionsResumeTheFirstTlsSession) {
    auto o = tls_options();
    o.tls12_only = true;
    mock_server srv(o);
    const auto f = fetch_two_rounds(srv);
    EXPECT_EQ(f.connections_opened, 8U);
    EXPECT_EQ(f.tls_resumed, 7U);
    EXPECT_EQ(srv.resumed_handshakes(), 7U);
}

// TLS 1.3 tickets are single-use (RFC 8446 C.4): the tickets that have arrived (the mock sends
// two per handshake) go to as many waiting connections, one each, and the server accepts every
// one offered.
TEST(Fetch, Tls13TicketsAreUsedOncePerConnection) {
    mock_server srv(tls_options());
    const auto f = fetch_two_rounds(srv);
    EXPECT_EQ(f.connections_opened, 8U);
    EXPECT_GE(f.tls_resumed, 1U);
    EXPECT_LE(f.tls_resumed, 7U);
    EXPECT_EQ(srv.resumed_handshakes(), f.tls_resumed);
}

// A server that cannot resume costs one short wait, not a queue of handshakes.
TEST(Fetch, ServerWithoutResumptionStillGetsParallelHandshakes) {
    auto o = tls_options();
    o.no_resumption = true;
    mock_server srv(o);
    const auto f = fetch_two_rounds(srv);
    EXPECT_EQ(f.tls_resumed, 0U);
    EXPECT_EQ(srv.resumed_handshakes(), 0U);
    EXPECT_EQ(srv.max_in_flight(), 8U);
}

// A session belongs to the origin it was verified for: another name for the same server (here
// its IP address) gets a full handshake and its own certificate check.
TEST(Fetch, TlsSessionsAreNotSharedBetweenOrigins) {
    mock_server srv(tls_options());
    const auto port = std::to_string(srv.port());
    auto s = fast_settings();
    s.concurrency = 1;
    const auto f =
        fetch({"https://localhost:" + port + "/posts/1", "https://127.0.0.1:" + port + "/posts/2",
               "https://localhost:" + port + "/posts/3"},
              s);
    for (const auto& u : f.urls)
        EXPECT_TRUE(u.ok) << u.url << ": " << u.error;
    EXPECT_EQ(f.connections_opened, 2U);
    EXPECT_EQ(f.tls_resumed, 0U);
    EXPECT_EQ(srv.resumed_handshakes(), 0U);
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

TEST(Tls, UntrustedExpiredAndWrongHostAreRejectedWithReason) {
    mock_server self_signed([] {
        mock_server::options o;
        o.cert = test::test_pki::self_signed({"DNS:localhost"});
        return o;
    }());
    mock_server expired([] {
        mock_server::options o;
        o.cert = shared_pki().pki.issue({"DNS:localhost"}, -30, -1);
        return o;
    }());
    mock_server wrong_host(tls_options({"DNS:wrong.example"}));
    const auto f =
        fetch({self_signed.url("/posts/1"), expired.url("/posts/1"), wrong_host.url("/posts/1")});
    EXPECT_EQ(f.urls[0].error, "certificate verify failed: self-signed certificate");
    EXPECT_EQ(f.urls[1].error, "certificate verify failed: certificate has expired");
    EXPECT_NE(f.urls[2].error.find("certificate verify failed: hostname mismatch"),
              std::string::npos)
        << f.urls[2].error;
    for (const auto& u : f.urls)
        EXPECT_EQ(u.attempts, 1U);
    EXPECT_EQ(self_signed.requests() + expired.requests() + wrong_host.requests(), 0U);
}

// The system trust store is honoured as OpenSSL defines it: a CA placed in SSL_CERT_DIR (hashed,
// as update-ca-certificates lays out /etc/ssl/certs) or named by SSL_CERT_FILE is trusted
// without --cacert. Runs the binary, since the variables are read when the client starts.
TEST(Tls, SystemTrustStoreFromSslCertDirAndFile) {
    mock_server srv(tls_options());
    temp_dir dir;
    const std::string pem = test::read_file(shared_pki().ca_file);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(ca, nullptr);
    char hashed[16];
    std::snprintf(hashed, sizeof hashed, "%08lx.0", X509_subject_name_hash(ca));
    X509_free(ca);
    test::write_file(dir.file(hashed), pem);
    const std::vector<std::string> args = {SALESPROC_BIN,
                                           "--csv",
                                           std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv",
                                           "--out",
                                           "-",
                                           "-q",
                                           "--api-url",
                                           srv.url("/posts/1")};
    for (const auto& [var, value] :
         {std::pair{"SSL_CERT_DIR", dir.path().string()}, {"SSL_CERT_FILE", dir.file(hashed)}}) {
        ::setenv(var, value.c_str(), 1);
        const auto r = test::run_process(args);
        ::unsetenv(var);
        EXPECT_EQ(r.exit_code, 0) << var << ": " << r.err;
    }
    const auto untrusted = test::run_process(args);  // neither: our test CA is unknown
    EXPECT_EQ(untrusted.exit_code, 3);
}

TEST(Tls, WithoutCacertOurCaIsNotTrusted) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.cacert.clear();
    const auto f = fetch({srv.url("/posts/1")}, s);
    EXPECT_NE(f.urls[0].error.find("certificate verify failed"), std::string::npos)
        << f.urls[0].error;
}

TEST(Fetch, SalesRecordsMergeExactly) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/sales")});
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].records, 6U);
    EXPECT_EQ(f.urls[0].sales.valid(), 3U);
    EXPECT_EQ(f.urls[0].sales.total(), 2500 + 4530 + 1001);
}

// End to end through the binary: CSV plus API gives exactly the sum of both, exit 3 on failure.
TEST(Cli, CsvPlusApiIsTheExactSumAndFailuresExitThree) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    auto r = test::run_process(
        {SALESPROC_BIN, "--csv", std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv", "--out", out,
         "-q", "--cacert", shared_pki().ca_file, "--api-url", srv.url("/sales"), "--api-url",
         srv.url("/posts/1"), "--api-url", srv.url("/posts")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::json::parse(test::read_file(out));
    EXPECT_EQ(doc["api_records"], 107);
    EXPECT_EQ(doc["valid_sales"], 6);
    EXPECT_NE(test::read_file(out).find("\"total_sales\": 2580.14,"), std::string::npos);
    EXPECT_EQ(doc["api"]["succeeded"], 3);

    test::write_file(dir.file("urls.txt"),
                     "# sources\n\n" + srv.url("/posts/1") + "\n" + srv.url("/missing") + "\n");
    r = test::run_process({SALESPROC_BIN, "--csv",
                           std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv", "--out", out, "-q",
                           "--cacert", shared_pki().ca_file, "--urls-file", dir.file("urls.txt"),
                           "--backoff-base", "1ms"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    doc = nlohmann::json::parse(test::read_file(out));
    EXPECT_EQ(doc["valid_sales"], 3);  // CSV totals intact
    EXPECT_EQ(doc["api"]["failed"], 1);
    EXPECT_EQ(doc["api"]["failures"][0]["error"], "HTTP 404 Not Found");
    EXPECT_EQ(doc["api"]["failures"][0]["code"], "http_status");
}

// API rejects follow the CSV's in the rejects file and the samples, in URL order, each with its
// URL (redacted) and its 1-based index in that URL's records.
TEST(Cli, ApiRejectsFollowTheCsvRejectsInUrlOrder) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("r.jsonl");
    const std::string csv = std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv";
    const auto sales_url =
        "https://user:pw-secret@localhost:" + std::to_string(srv.port()) + "/sales";
    const auto r = test::run_process({SALESPROC_BIN, "--csv", csv, "--out", out, "-q", "--cacert",
                                      shared_pki().ca_file, "--api-url", sales_url, "--api-url",
                                      srv.url("/posts/1"), "--api-url", srv.url("/sales?second=1"),
                                      "--rejects", rejects});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> lines;
    std::istringstream in(test::read_file(rejects));
    for (std::string line; std::getline(in, line);)
        lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 3U + 2U + 2U);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(lines[static_cast<std::size_t>(i)]["source"], csv);
    const std::string redacted = "https://***@localhost:" + std::to_string(srv.port()) + "/sales";
    EXPECT_EQ(lines[3]["source"], redacted);
    EXPECT_EQ(lines[3]["line"], 4);
    EXPECT_EQ(lines[3]["reason"], "bad_prefix");
    EXPECT_EQ(lines[3]["row"], R"({"product":"Pork Rind","price":20.00,"quantity":1})");
    EXPECT_EQ(lines[4]["line"], 5);
    EXPECT_EQ(lines[4]["reason"], "bad_price");
    EXPECT_EQ(lines[4]["detail"], "price '1e3' is not a plain decimal number");
    EXPECT_EQ(lines[5]["source"], srv.url("/sales?second=1"));
    EXPECT_EQ(lines[6]["line"], 5);
    const auto doc = nlohmann::json::parse(test::read_file(out));
    const auto& prefix = doc["rejected_samples"]["bad_prefix"];
    ASSERT_EQ(prefix.size(), 3U);  // two from the CSV, then the first URL's
    EXPECT_EQ(prefix[2]["source"], redacted);
    EXPECT_EQ(prefix[2]["line"], 4);
    EXPECT_EQ(doc["rejected_samples"]["bad_price"][0]["row"],
              R"({"product":"Halal Honey","price":1e3,"quantity":1})");
    EXPECT_EQ(test::read_file(rejects).find("pw-secret"), std::string::npos);
}

TEST(Cli, SecretsNeverReachLogsOrReport) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    ::setenv("SALESPROC_TEST_TOKEN", "tok-planted-secret", 1);
    const auto url = "https://user:pw-planted-secret@localhost:" + std::to_string(srv.port()) +
                     "/posts/1?status=500";
    const auto r = test::run_process(
        {SALESPROC_BIN, "--csv", std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv", "--out", out,
         "-v", "--cacert", shared_pki().ca_file, "--api-url", url, "--header",
         "X-Api-Key: hdr-planted-secret", "--header-env", "Authorization=SALESPROC_TEST_TOKEN",
         "--retries", "1", "--backoff-base", "1ms"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const std::string all = r.err + r.out + test::read_file(out);
    EXPECT_EQ(all.find("planted-secret"), std::string::npos) << all;
    EXPECT_NE(all.find("https://***@localhost"), std::string::npos);
    EXPECT_EQ(srv.last_header("/posts/1", "X-Api-Key"), "hdr-planted-secret");
    EXPECT_EQ(srv.last_header("/posts/1", "Authorization"), "tok-planted-secret");
}

TEST(Cli, BadUrlsAreUsageErrorsNamingTheUrl) {
    for (const char* bad : {"ftp://example.com/x", "https://", "localhost:8080/x"}) {
        const auto r = test::run_process({SALESPROC_BIN, "--csv",
                                          std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv",
                                          "--out", "-", "--api-url", bad});
        EXPECT_EQ(r.exit_code, 2) << bad;
        EXPECT_NE(r.err.find(std::string("salesproc: error: ") + bad), std::string::npos) << r.err;
    }
}

// Interop with a server that is not ours: python3's http.server wrapped in TLS.
TEST(Interop, PythonHttpsServer) {
    temp_dir dir;
    const auto leaf = shared_pki().pki.issue({"DNS:localhost", "IP:127.0.0.1"});
    test::write_file(dir.file("cert.pem"), leaf.cert_pem);
    test::write_file(dir.file("key.pem"), leaf.key_pem);
    std::filesystem::create_directories(dir.path() / "www" / "posts");
    for (int i = 1; i <= 3; ++i)
        test::write_file((dir.path() / "www" / "posts" / std::to_string(i)).string(),
                         "{\"id\": " + std::to_string(i) + "}");
    test::write_file(dir.file("www/sales.json"),
                     R"([{"product": "Halal Figs", "price": 10.25, "quantity": 4}])");
    const std::string script =
        "import http.server, ssl, sys, functools\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2], sys.argv[3])\n"
        "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n";
    test::write_file(dir.file("serve.py"), script);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execlp("python3", "python3", dir.file("serve.py").c_str(), dir.file("www").c_str(),
                 dir.file("cert.pem").c_str(), dir.file("key.pem").c_str(), nullptr);
        _exit(127);
    }
    ::close(fds[1]);
    std::string port;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n')
        port += c;  // the whole line, however it arrives
    ::close(fds[0]);
    ASSERT_FALSE(port.empty()) << "python3 https server did not start";
    const std::string base = "https://localhost:" + port;
    const auto f = fetch({base + "/posts/1", base + "/posts/2", base + "/posts/3",
                          base + "/sales.json", base + "/missing"});
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(f.urls[static_cast<std::size_t>(i)].ok)
            << f.urls[static_cast<std::size_t>(i)].error;
    EXPECT_EQ(f.urls[3].sales.total(), 4100);
    EXPECT_EQ(f.urls[4].error, "HTTP 404 File not found");
}

}  // namespace
}  // namespace salesproc

namespace salesproc {
namespace {

TEST(Proxy, HttpsGoesThroughAConnectTunnelWithProxyCredentials) {
    mock_server srv(tls_options());
    test::connect_proxy proxy("Basic cHJveHl1c2VyOnByb3h5cGFzcw==");  // proxyuser:proxypass
    auto s = fast_settings();
    s.proxy.https =
        "http://proxyuser:proxypass@127.0.0.1:" + proxy.url().substr(proxy.url().rfind(':') + 1);
    const auto f = fetch({srv.url("/posts/1"), srv.url("/echo")}, s);
    for (const auto& u : f.urls)
        EXPECT_TRUE(u.ok) << u.error;
    EXPECT_GE(proxy.tunnels(), 1U);
    EXPECT_EQ(proxy.request_lines().at(0),
              "CONNECT localhost:" + std::to_string(srv.port()) + " HTTP/1.1");
    EXPECT_EQ(srv.last_header("/echo", "Proxy-Authorization"), "");  // never past the proxy
}

TEST(Proxy, HttpUsesAbsoluteFormAndNoProxyBypasses) {
    mock_server::options o;
    o.tls = false;
    mock_server plain(o);
    test::connect_proxy proxy;
    auto s = fast_settings();
    s.proxy.http = proxy.url();
    const auto f = fetch({plain.url("/posts/1")}, s);
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    ASSERT_EQ(proxy.forwarded(), 1U);
    EXPECT_EQ(proxy.request_lines().at(0),
              "GET http://localhost:" + std::to_string(plain.port()) + "/posts/1 HTTP/1.1");
    s.proxy.no_proxy = "example.com, localhost";
    const auto bypass = fetch({plain.url("/posts/2")}, s);
    EXPECT_TRUE(bypass.urls[0].ok) << bypass.urls[0].error;
    EXPECT_EQ(proxy.forwarded(), 1U);
}

TEST(Proxy, RefusedTunnelIsReportedWithTheProxyStatus) {
    mock_server srv(tls_options());
    test::connect_proxy proxy("Basic secret");
    auto s = fast_settings();
    s.proxy.https = proxy.url();
    const auto f = fetch({srv.url("/posts/1")}, s);
    EXPECT_EQ(f.urls[0].attempts, 1U);
    EXPECT_NE(f.urls[0].error.find("refused CONNECT"), std::string::npos) << f.urls[0].error;
    EXPECT_NE(f.urls[0].error.find("407"), std::string::npos) << f.urls[0].error;
}

TEST(Proxy, MalformedOrHttpsProxyIsASetupError) {
    boost::asio::io_context io;
    auto s = fast_settings();
    s.proxy.https = "https://proxy.example:3128";
    const auto f = api_fetcher::create(io.get_executor(), s, rules{});
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message().find("HTTPS_PROXY"), std::string::npos);
}

}  // namespace
}  // namespace salesproc

namespace salesproc {
namespace {

// SIGINT while requests are in flight, a retry is sleeping in backoff and the CSV is half-read
// (a FIFO that stalls) or fully read: exit 130 within a second, no report, the previous report
// untouched, no temp file.
TEST(Cli, SigintCancelsEverythingWithinASecond) {
    std::signal(SIGPIPE, SIG_IGN);
    for (const bool stalled_csv : {true, false}) {
        mock_server srv(tls_options());
        temp_dir dir;
        const auto out = dir.file("r.json");
        test::write_file(out, "previous");
        std::string csv = std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv";
        if (stalled_csv) {
            csv = dir.file("in.fifo");
            ASSERT_EQ(::mkfifo(csv.c_str(), 0600), 0);
        }
        const std::vector<std::string> args = {SALESPROC_BIN,
                                               "--csv",
                                               csv,
                                               "--out",
                                               out,
                                               "-q",
                                               "--cacert",
                                               shared_pki().ca_file,
                                               "--api-url",
                                               srv.url("/posts/1?delay_ms=20000"),
                                               "--api-url",
                                               srv.url("/posts/2?delay_ms=20000"),
                                               "--api-url",
                                               srv.url("/posts/3?status=503"),
                                               "--backoff-base",
                                               "10s",
                                               "--backoff-max",
                                               "60s",
                                               "--timeout",
                                               "60s"};
        const pid_t pid = ::fork();
        if (pid == 0) {
            std::vector<char*> argv;
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            _exit(127);
        }
        int writer = -1;
        if (stalled_csv) {
            writer = ::open(csv.c_str(), O_WRONLY);
            const std::string head = "product,price,quantity\nHalal A,10,1\n";
            ASSERT_EQ(::write(writer, head.data(), head.size()), static_cast<ssize_t>(head.size()));
        }
        // Both slow requests are at the server and /posts/3 has been answered (its retry sleeps).
        for (int i = 0; i < 500 && srv.requests() < 3; ++i)
            std::this_thread::sleep_for(10ms);
        ASSERT_GE(srv.requests(), 3U);
        std::this_thread::sleep_for(100ms);
        const auto sent = std::chrono::steady_clock::now();
        ::kill(pid, SIGINT);
        int status = 0;
        ::waitpid(pid, &status, 0);
        const auto took = std::chrono::steady_clock::now() - sent;
        if (writer >= 0) ::close(writer);
        ASSERT_TRUE(WIFEXITED(status)) << "signal " << WTERMSIG(status);
        EXPECT_EQ(WEXITSTATUS(status), 130);
        EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
        EXPECT_EQ(test::read_file(out), "previous");
        EXPECT_EQ(dir.entries(), stalled_csv ? 2U : 1U);
        std::printf("SIGINT (%s CSV) to exit: %lld ms\n", stalled_csv ? "stalled" : "complete",
                    static_cast<long long>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    }
}

}  // namespace
}  // namespace salesproc
