// Pagination and envelopes against the real client and the loopback HTTPS mock server.
#include "net/net_support.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

using namespace test;

// Quantities of the valid "Halal Page K" sales: K each, so pages 1..N total N(N+1)/2 units.
std::uint64_t quantity_of(const url_outcome& u) {
    std::uint64_t q = 0;
    for (const auto& p : u.sales.products())
        q += static_cast<std::uint64_t>(p.quantity);
    return q;
}

TEST(Pagination, LinkHeaderIsFollowedInPageOrder) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/pages/link?pages=4")});
    const auto& u = f.urls[0];
    ASSERT_TRUE(u.ok) << u.error;
    EXPECT_EQ(u.pages, 4U);
    EXPECT_EQ(u.records, 8U);
    EXPECT_EQ(u.sales.valid(), 4U);
    ASSERT_EQ(u.sales.products().size(), 4U);
    EXPECT_EQ(u.sales.products()[0].product, "Halal Page 1");
    EXPECT_EQ(u.sales.products()[3].product, "Halal Page 4");
    EXPECT_EQ(quantity_of(u), 10U);
    EXPECT_EQ(u.rejects.size(), 4U);  // one batch per page, in order
    EXPECT_EQ(u.attempts, 4U);
}

TEST(Pagination, BodyNextPointerAndRecordsPointer) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.layout = {"/data", "/next"};
    const auto f = fetch({srv.url("/pages/body?pages=3"), srv.url("/envelope")}, s);
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].pages, 3U);
    EXPECT_EQ(f.urls[0].records, 6U);
    EXPECT_EQ(quantity_of(f.urls[0]), 6U);
    ASSERT_TRUE(f.urls[1].ok) << f.urls[1].error;
    EXPECT_EQ(f.urls[1].pages, 1U);
    EXPECT_EQ(f.urls[1].records, 2U);  // the envelope's array, not the envelope

    // Without the pointer, an envelope is one record and not a sale.
    const auto plain = fetch({srv.url("/envelope")});
    EXPECT_EQ(plain.urls[0].records, 1U);
    EXPECT_EQ(plain.urls[0].sales.valid(), 0U);

    // A records pointer that names nothing fails the URL.
    s.layout = {"/items", ""};
    const auto missing = fetch({srv.url("/envelope")}, s);
    EXPECT_FALSE(missing.urls[0].ok);
    EXPECT_NE(missing.urls[0].error.find("--records-pointer /items"), std::string::npos)
        << missing.urls[0].error;
}

TEST(Pagination, PageCapLoopAndCrossOriginFail) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.pages.max_pages = 2;
    const auto capped = fetch({srv.url("/pages/link?pages=5")}, s);
    EXPECT_FALSE(capped.urls[0].ok);
    EXPECT_EQ(capped.urls[0].code, make_error_code(errc::bad_pagination));
    EXPECT_NE(capped.urls[0].error.find("more than 2 pages (--max-pages)"), std::string::npos)
        << capped.urls[0].error;
    EXPECT_EQ(capped.urls[0].pages, 2U);  // kept

    const auto loop = fetch({srv.url("/pages/loop?page=1&pages=3")});
    EXPECT_FALSE(loop.urls[0].ok);
    EXPECT_NE(loop.urls[0].error.find("pagination loop"), std::string::npos) << loop.urls[0].error;
    EXPECT_EQ(loop.urls[0].pages, 2U);

    // localhost and 127.0.0.1 are different origins.
    const std::string other =
        "https://127.0.0.1:" + std::to_string(srv.port()) + "/pages/link?pages=1";
    const auto cross = fetch({srv.url("/pages/cross?next=" + other)});
    EXPECT_FALSE(cross.urls[0].ok);
    EXPECT_NE(cross.urls[0].error.find("--follow-cross-origin"), std::string::npos)
        << cross.urls[0].error;
    s = fast_settings();
    s.pages.follow_cross_origin = true;
    const auto followed = fetch({srv.url("/pages/cross?next=" + other)}, s);
    ASSERT_TRUE(followed.urls[0].ok) << followed.urls[0].error;
    EXPECT_EQ(followed.urls[0].pages, 2U);
}

// An API that needs Basic auth on every page: the URL's own credentials reach page 2 and 3 of
// the same origin (the server answers 401 without them).
TEST(Pagination, PagesOfTheSameOriginKeepTheUrlsCredentials) {
    mock_server srv(tls_options());
    // base64("alice:s3cret")
    const std::string url = "https://alice:s3cret@localhost:" + std::to_string(srv.port()) +
                            "/pages/link?pages=3&auth=YWxpY2U6czNjcmV0";
    const auto f = fetch({url});
    const auto& u = f.urls[0];
    ASSERT_TRUE(u.ok) << u.error;
    EXPECT_EQ(u.pages, 3U);
    EXPECT_EQ(quantity_of(u), 6U);
}

TEST(Pagination, AFailedPageKeepsTheEarlierPages) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/pages/link?pages=5&fail_page=3")});
    const auto& u = f.urls[0];
    EXPECT_FALSE(u.ok);
    EXPECT_EQ(u.pages, 2U);
    EXPECT_EQ(u.records, 4U);
    EXPECT_EQ(quantity_of(u), 3U);
    EXPECT_NE(u.error.find("page 3: HTTP 500"), std::string::npos) << u.error;
    // Page 3 was retried as any request is: 2 pages + 1 + 3 retries.
    EXPECT_EQ(u.attempts, 6U);
    EXPECT_EQ(f.retries, 3U);
}

}  // namespace
}  // namespace salesproc
