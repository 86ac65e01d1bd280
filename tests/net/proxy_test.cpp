// Proxies from the environment, against a CONNECT proxy of our own on loopback.
#include "net/net_support.hpp"

#include "support/connect_proxy.hpp"

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
