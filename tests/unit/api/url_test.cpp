#include "salesproc/api/url.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(Url, ParsesHttpAndHttps) {
    const auto u = parse_http_url("https://jsonplaceholder.typicode.com/posts/1?x=1#frag");
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->host, "jsonplaceholder.typicode.com");
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/posts/1?x=1");
    const auto v = parse_http_url("http://127.0.0.1:8080");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->port, "8080");
    EXPECT_EQ(v->target, "/");
    const auto w = parse_http_url("https://[::1]:9443/a");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->host, "::1");
}

TEST(Url, RejectsOtherSchemesAndMalformedUrlsNamingThem) {
    for (const char* bad : {"ftp://example.com/x", "file:///etc/passwd", "example.com/posts",
                            "https://", "http://host:99999999/", "not a url",
                            // Boost.URL 1.81 takes these as port "8" and path "x/p" (fuzzing)
                            "http://host:8x/p", "https://host:8alid:80/x"}) {
        const auto u = parse_http_url(bad);
        EXPECT_FALSE(u) << bad;
        if (!u) {
            EXPECT_EQ(u.error().context, redact_url(bad));
        }
    }
}

TEST(Url, AuthorityAndHostHeader) {
    EXPECT_EQ(parse_http_url("https://[::1]:8443/x")->authority(), "[::1]:8443");
    EXPECT_EQ(parse_http_url("https://[::1]/x")->host_header(), "[::1]");
    EXPECT_EQ(parse_http_url("https://[::1]:8443/x")->host_header(), "[::1]:8443");
    EXPECT_EQ(parse_http_url("http://h/x")->authority(), "h:80");
    EXPECT_EQ(parse_http_url("http://h:80/x")->host_header(), "h");
    EXPECT_EQ(parse_http_url("http://h:443/x")->host_header(), "h:443");
}

TEST(Url, RedactsUserinfoEverywhere) {
    const auto u = parse_http_url("https://alice:s3cret@api.example.com/v1?q=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->userinfo, "alice:s3cret");
    EXPECT_EQ(u->redacted, "https://***@api.example.com/v1?q=1");
    EXPECT_EQ(redact_url("https://bob:pw@[bad"), "https://***@[bad");
    const auto bad = parse_http_url("gopher://u:hunter2@x/");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message().find("hunter2"), std::string::npos);
}

TEST(Url, ResolvesRelativeAndAbsoluteLocations) {
    const auto base = *parse_http_url("https://a.example:8443/dir/page?x=1");
    EXPECT_EQ(resolve_location(base, "/other")->redacted, "https://a.example:8443/other");
    EXPECT_EQ(resolve_location(base, "next")->target, "/dir/next");
    const auto abs = resolve_location(base, "http://b.example/x");
    ASSERT_TRUE(abs);
    EXPECT_FALSE(abs->tls);
    EXPECT_EQ(abs->origin(), "http://b.example:80");
    // A Location whose port is not a number is a bad redirect, not a garbage request line
    // (tests/fuzz/regressions/http_response holds the fuzzer's original find).
    EXPECT_FALSE(resolve_location(base, "http://evil.invalid:8alid:80/x"));
}

}  // namespace
}  // namespace salesproc
