#include "salesproc/api/detail/http_request.hpp"

#include <gtest/gtest.h>

namespace salesproc::detail {
namespace {

http_url url(const char* text) {
    auto u = parse_http_url(text);
    EXPECT_TRUE(u) << text;
    return *u;
}

std::string field(const request_head& h, const std::string& name) {
    std::string value = "<absent>";
    for (const auto& [n, v] : h.fields)
        if (n == name) value = v;
    return value;
}

const std::vector<std::pair<std::string, std::string>> headers{{"X-Api-Key", "k"}};

get_options options() {
    get_options o;
    o.user_agent = "salesproc";
    o.accept_encoding = "gzip";
    o.headers = &headers;
    return o;
}

TEST(HttpRequest, GetCarriesCredentialsOnlyToItsOwnOrigin) {
    const auto u = url("https://user:pw@api.example.com:8443/v1?x=1");
    const auto mine = make_get(u, route{}, true, options());
    EXPECT_EQ(mine.method, "GET");
    EXPECT_EQ(mine.target, "/v1?x=1");
    EXPECT_EQ(field(mine, "Host"), "api.example.com:8443");
    EXPECT_EQ(field(mine, "Authorization"), "Basic dXNlcjpwdw==");
    EXPECT_EQ(field(mine, "X-Api-Key"), "k");
    EXPECT_EQ(field(mine, "Accept-Encoding"), "gzip");
    const auto elsewhere = make_get(u, route{}, false, options());
    EXPECT_EQ(field(elsewhere, "Authorization"), "<absent>");
    EXPECT_EQ(field(elsewhere, "X-Api-Key"), "<absent>");
}

TEST(HttpRequest, HostHeaderBracketsIpv6AndDropsTheDefaultPort) {
    EXPECT_EQ(field(make_get(url("http://[::1]/a"), route{}, true, options()), "Host"), "[::1]");
    EXPECT_EQ(field(make_get(url("https://[::1]:8443/a"), route{}, true, options()), "Host"),
              "[::1]:8443");
    EXPECT_EQ(field(make_get(url("https://h:443/"), route{}, true, options()), "Host"), "h");
}

TEST(HttpRequest, AbsoluteFormThroughAnHttpProxyAndConnectForATunnel) {
    const auto proxy = url("http://pu:pp@proxy:8080");
    route r;
    r.proxy = &proxy;
    r.absolute_form = true;
    const auto get = make_get(url("http://user:pw@[::1]:81/p"), r, true, options());
    EXPECT_EQ(get.target, "http://[::1]:81/p");  // no userinfo in the request line
    EXPECT_EQ(field(get, "Proxy-Authorization"), "Basic cHU6cHA=");
    EXPECT_EQ(field(get, "Authorization"), "Basic dXNlcjpwdw==");

    const auto connect = make_connect(url("https://api.example.com/v1"), proxy);
    EXPECT_EQ(connect.method, "CONNECT");
    EXPECT_EQ(connect.target, "api.example.com:443");
    EXPECT_EQ(field(connect, "Host"), "api.example.com:443");
    EXPECT_EQ(field(connect, "Proxy-Authorization"), "Basic cHU6cHA=");
    EXPECT_EQ(field(make_connect(url("https://a/"), url("http://p:1")), "Proxy-Authorization"),
              "<absent>");
    EXPECT_EQ(basic_auth(""), "Basic ");
}

}  // namespace
}  // namespace salesproc::detail
