#include "salesproc/api/detail/page_walk.hpp"

#include <gtest/gtest.h>

namespace salesproc::detail {
namespace {

http_url url(const std::string& text) {
    return parse_http_url(text).value();
}

TEST(LinkNext, FindsRelNextAmongOtherLinks) {
    EXPECT_EQ(link_next(R"(<https://a/p2>; rel="next")"), "https://a/p2");
    EXPECT_EQ(link_next(R"(<https://a/p9>; rel="last", </p2?x=1,2>; rel="next")"), "/p2?x=1,2");
    EXPECT_EQ(link_next(R"(<https://a/p2>; rel=next)"), "https://a/p2");
    EXPECT_EQ(link_next(R"(<https://a/p2>; REL="prev NEXT")"), "https://a/p2");
    // A quoted parameter holding separators does not end the link.
    EXPECT_EQ(link_next(R"(<https://a/x>; title="a, b; rel=next", <https://a/p2>; rel="next")"),
              "https://a/p2");
    EXPECT_EQ(link_next(R"(<https://a/p1>; rel="prev", <https://a/p9>; rel="last")"), std::nullopt);
    EXPECT_EQ(link_next(R"(<https://a/p2>; rel="nextpage")"), std::nullopt);
    EXPECT_EQ(link_next(""), std::nullopt);
    EXPECT_EQ(link_next("garbage, <https://a/p2>;rel=\"next\""), "https://a/p2");
}

TEST(PageWalk, ResolvesRelativeNextAgainstThePageAndStopsAtTheEnd) {
    const auto first = url("https://api.example/v1/sales?page=1");
    page_walk walk(first, {});
    auto d = walk.on_page(first, "?page=2");
    ASSERT_EQ(d.what, page_decision::kind::fetch);
    EXPECT_EQ(d.url.target, "/v1/sales?page=2");
    d = walk.on_page(d.url, "/v1/sales?page=3");
    ASSERT_EQ(d.what, page_decision::kind::fetch);
    d = walk.on_page(d.url, std::nullopt);
    EXPECT_EQ(d.what, page_decision::kind::done);
    EXPECT_EQ(walk.pages(), 3U);
    page_walk empty_next(first, {});
    EXPECT_EQ(empty_next.on_page(first, "").what, page_decision::kind::done);
}

TEST(PageWalk, RefusesLoopsCapAndOtherOrigins) {
    const auto first = url("https://api.example/s?page=1");
    page_walk loop(first, {});
    auto d = loop.on_page(first, "/s?page=2");
    d = loop.on_page(d.url, "https://api.example:443/s?page=1");
    EXPECT_EQ(d.what, page_decision::kind::fail);
    EXPECT_EQ(d.code, make_error_code(errc::bad_pagination));
    EXPECT_NE(d.error.find("pagination loop: page 2"), std::string::npos) << d.error;

    page_walk capped(first, page_options{2, false});
    d = capped.on_page(first, "/s?page=2");
    ASSERT_EQ(d.what, page_decision::kind::fetch);
    d = capped.on_page(d.url, "/s?page=3");
    EXPECT_EQ(d.what, page_decision::kind::fail);
    EXPECT_NE(d.error.find("more than 2 pages"), std::string::npos) << d.error;
    page_walk at_cap(first, page_options{1, false});
    EXPECT_EQ(at_cap.on_page(first, std::nullopt).what, page_decision::kind::done);

    page_walk cross(first, {});
    d = cross.on_page(first, "https://cdn.example/s?page=2");
    EXPECT_EQ(d.what, page_decision::kind::fail);
    EXPECT_NE(d.error.find("--follow-cross-origin"), std::string::npos);
    page_walk allowed(first, page_options{1000, true});
    EXPECT_EQ(allowed.on_page(first, "https://cdn.example/s?page=2").what,
              page_decision::kind::fetch);
    // A downgrade to http is another origin too.
    page_walk downgrade(first, {});
    EXPECT_EQ(downgrade.on_page(first, "http://api.example/s?page=2").what,
              page_decision::kind::fail);
}

// --follow-cross-origin lets a next page leave the origin, never the TLS: https to http is
// refused as a redirect is, with code pagination and both URLs in the message.
TEST(PageWalk, NeverDowngradesHttpsToHttpEvenAcrossOrigins) {
    const auto first = url("https://api.example/s?page=1");
    page_walk walk(first, page_options{1000, true});
    const auto d = walk.on_page(first, "http://cdn.example/s?page=2");
    EXPECT_EQ(d.what, page_decision::kind::fail);
    EXPECT_EQ(d.code, make_error_code(errc::bad_pagination));
    EXPECT_EQ(failure_code(d.code), "pagination");
    EXPECT_NE(d.error.find("https://api.example/s?page=1"), std::string::npos) << d.error;
    EXPECT_NE(d.error.find("http://cdn.example/s?page=2"), std::string::npos) << d.error;
    // http to https is no downgrade.
    const auto plain = url("http://api.example/s?page=1");
    page_walk up(plain, page_options{1000, true});
    EXPECT_EQ(up.on_page(plain, "https://api.example/s?page=2").what, page_decision::kind::fetch);
}

// The URL's own Basic credentials go to every page of its origin (scheme, host and port), and
// to no other, even when the next link names credentials of its own.
TEST(PageWalk, SameOriginPagesKeepTheCredentialsOtherOriginsNeverGetThem) {
    const auto first = url("https://alice:s3cret@api.example/p1");
    ASSERT_EQ(first.userinfo, "alice:s3cret");
    page_walk walk(first, page_options{1000, true});
    auto d = walk.on_page(first, "/p2");
    ASSERT_EQ(d.what, page_decision::kind::fetch);
    EXPECT_EQ(d.url.userinfo, "alice:s3cret");
    EXPECT_EQ(d.url.redacted.find("s3cret"), std::string::npos);
    d = walk.on_page(d.url, "https://api.example:443/p3");
    ASSERT_EQ(d.what, page_decision::kind::fetch);
    EXPECT_EQ(d.url.userinfo, "alice:s3cret");
    for (const char* elsewhere : {"https://cdn.example/p4", "https://api.example:8443/p4",
                                  "https://mallory:x@cdn.example/p4"}) {
        page_walk w(first, page_options{1000, true});
        d = w.on_page(first, elsewhere);
        ASSERT_EQ(d.what, page_decision::kind::fetch) << elsewhere;
        EXPECT_TRUE(d.url.userinfo.empty()) << elsewhere;
    }
}

}  // namespace
}  // namespace salesproc::detail
