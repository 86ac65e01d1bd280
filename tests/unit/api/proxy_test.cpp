#include "salesproc/api/proxy.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

http_url url(const char* text) {
    auto u = parse_http_url(text);
    EXPECT_TRUE(u) << text;
    return *u;
}

TEST(ProxyRoute, NoProxyMatchesHostsAndTheirSubdomains) {
    EXPECT_TRUE(bypasses_proxy("example.com", "example.com"));
    EXPECT_TRUE(bypasses_proxy("api.example.com", "example.com"));
    EXPECT_TRUE(bypasses_proxy("api.example.com", ".example.com"));
    EXPECT_TRUE(bypasses_proxy("api.example.com", "other.org, example.com "));
    EXPECT_TRUE(bypasses_proxy("anything", "*"));
    EXPECT_FALSE(bypasses_proxy("badexample.com", "example.com"));
    EXPECT_FALSE(bypasses_proxy("example.com", "api.example.com"));
    EXPECT_FALSE(bypasses_proxy("example.com", ""));
    EXPECT_FALSE(bypasses_proxy("example.com", " , ,"));
}

TEST(ProxyRoute, RoutesHttpsThroughATunnelAndHttpInAbsoluteForm) {
    const auto c = proxy_config::parse({"http://u:p@proxy:3128", "proxy:8080", "internal.lan"});
    ASSERT_TRUE(c) << c.error().message();
    const auto secure = url("https://api.example.com/v1");
    const auto s = c->route_for(secure);
    ASSERT_NE(s.proxy, nullptr);
    EXPECT_TRUE(s.tunnel);
    EXPECT_FALSE(s.absolute_form);
    EXPECT_EQ(s.dial(secure).authority(), "proxy:3128");
    EXPECT_EQ(s.pool_key, "https://api.example.com:443 via http://proxy:3128");

    const auto plain = url("http://api.example.com/v1");
    const auto p = c->route_for(plain);
    ASSERT_NE(p.proxy, nullptr);
    EXPECT_FALSE(p.tunnel);
    EXPECT_TRUE(p.absolute_form);
    EXPECT_EQ(p.dial(plain).authority(), "proxy:8080");  // a proxy without a scheme is http://
    // One connection to an http proxy serves every origin.
    EXPECT_EQ(p.pool_key, c->route_for(url("http://other.org/")).pool_key);

    const auto direct = c->route_for(url("https://db.internal.lan/x"));
    EXPECT_EQ(direct.proxy, nullptr);
    EXPECT_FALSE(direct.tunnel || direct.absolute_form);
    EXPECT_EQ(direct.pool_key, "https://db.internal.lan:443");
}

TEST(ProxyRoute, BadProxyUrlsAreConfigErrorsNamingTheVariableNotTheSecret) {
    auto c = proxy_config::parse({"https://u:secret@proxy:3128", "", ""});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, make_error_code(errc::bad_config));
    EXPECT_EQ(c.error().message(),
              "HTTPS_PROXY https://***@proxy:3128: only http:// proxies are supported");
    c = proxy_config::parse({"", "http://[::1", ""});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().context.rfind("HTTP_PROXY ", 0), 0U);
    EXPECT_TRUE(proxy_config::parse({}));  // no proxies: every route is direct
    EXPECT_EQ(proxy_config::parse({})->route_for(url("https://a/")).proxy, nullptr);
}

}  // namespace
}  // namespace salesproc
