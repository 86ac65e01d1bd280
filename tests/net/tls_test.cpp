// TLS: verification failures with their reasons, the system trust store, and TLS sessions
// resumed per origin.
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

}  // namespace
}  // namespace salesproc
