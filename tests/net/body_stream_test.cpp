// API bodies read as they arrive, against the loopback HTTPS mock server: NDJSON by Content-Type
// or by path, gzip one byte at a time and across chunk seams, a body cut mid-way then retried
// (counted once), a record over --max-record-size, a body over the old 64 MiB cap, and large
// bodies read in pieces on a pool: the same records, a cut attempt counted once.
#include "net/net_support.hpp"

namespace salesproc {
namespace {

using namespace test;

// The /sales records: three valid sales of 25.00 + 45.30 + 10.01.
void expect_sales(const url_outcome& u) {
    ASSERT_TRUE(u.ok) << u.error;
    EXPECT_EQ(u.records, 6U);
    EXPECT_EQ(u.sales.valid(), 3U);
    EXPECT_EQ(u.sales.total(), 2500 + 4530 + 1001);
}

TEST(BodyStream, NdjsonIsReadByContentTypeOrByThePathsExtension) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/sales/lines"), srv.url("/sales.ndjson?x=1")});
    expect_sales(f.urls[0]);
    expect_sales(f.urls[1]);
    // --api-format json reads the same body as one JSON value: the second line is extra data.
    auto s = fast_settings();
    s.format = api_format::json;
    const auto json = fetch({srv.url("/sales/lines")}, s);
    EXPECT_FALSE(json.urls[0].ok);
    EXPECT_EQ(json.urls[0].attempts, 1U);
    EXPECT_NE(json.urls[0].error.find("invalid JSON at byte 61: unexpected data after the value"),
              std::string::npos)
        << json.urls[0].error;
    // And --api-format ndjson reads a JSON array's lines as records.
    s.format = api_format::ndjson;
    const auto lines = fetch({srv.url("/posts/1")}, s);
    ASSERT_TRUE(lines.urls[0].ok) << lines.urls[0].error;
    EXPECT_EQ(lines.urls[0].records, 1U);
}

TEST(BodyStream, GzipOneByteAtATimeAndAcrossChunkSeams) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/sales?gzip=1&trickle_ms=1"), srv.url("/sales?gzip=1&chunked=1"),
                          srv.url("/sales/lines?gzip=1&chunked=1")});
    for (const auto& u : f.urls)
        expect_sales(u);
}

TEST(BodyStream, ABodyCutMidwayIsRetriedAndItsRecordsCountOnce) {
    mock_server srv(tls_options());
    const auto f = fetch({srv.url("/sales?reset_once=1"), srv.url("/sales/lines?reset_once=1")});
    for (const auto& u : f.urls) {
        expect_sales(u);
        EXPECT_EQ(u.attempts, 2U);
    }
    EXPECT_EQ(f.retries, 2U);
}

TEST(BodyStream, ARecordOverTheLimitFailsItsUrlWithoutRetry) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.max_record_size = 40;
    const auto f = fetch({srv.url("/sales"), srv.url("/sales/lines")}, s);
    for (const auto& u : f.urls) {
        EXPECT_FALSE(u.ok);
        EXPECT_EQ(u.attempts, 1U);
        EXPECT_EQ(u.code, make_error_code(errc::record_too_large));
        EXPECT_NE(u.error.find("record 0 is larger than --max-record-size 40 bytes"),
                  std::string::npos)
            << u.error;
    }
}

TEST(BodyStream, ABodyOverTheOld64MiBCapIsRead) {
    mock_server srv(tls_options());
    auto s = fast_settings();
    s.timeout = std::chrono::seconds(60);  // sanitizer builds read slowly
    const auto f = fetch({srv.url("/posts?huge_strings=70000000")}, s);
    ASSERT_TRUE(f.urls[0].ok) << f.urls[0].error;
    EXPECT_EQ(f.urls[0].records, 70000000U / 1003);
}

}  // namespace
}  // namespace salesproc

namespace salesproc {
namespace {

TEST(BodyStream, ALargeBodyIsReadOnThePoolAsOnTheIoThreadAndACutAttemptCountsOnce) {
    auto s = test::fast_settings();
    s.timeout = std::chrono::seconds(60);  // sanitizer builds read slowly
    s.rejects.all = true;
    s.concurrency = 1;  // the server's first request is the one cut
    // Each reading has a server of its own, whose first request is cut mid-body.
    const auto read = [&](std::size_t pool_threads) {
        mock_server srv(tls_options());
        return test::fetch(
            {srv.url("/posts?huge=3000000&reset_once=1"), srv.url("/posts?huge_strings=6000000"),
             srv.url("/sales/lines"), srv.url("/posts?huge_strings=3000000&gzip=1")},
            s, {}, nullptr, pool_threads);
    };
    const auto inline_read = read(0);
    const auto pooled = read(2);
    ASSERT_EQ(pooled.urls.size(), 4U);
    for (std::size_t i = 0; i < pooled.urls.size(); ++i) {
        const auto& u = pooled.urls[i];
        ASSERT_TRUE(u.ok) << u.error;
        EXPECT_EQ(u.records, inline_read.urls[i].records);
        EXPECT_EQ(u.sales.valid(), inline_read.urls[i].sales.valid());
        EXPECT_EQ(u.sales.invalid(), inline_read.urls[i].sales.invalid());
        EXPECT_EQ(u.sales.total(), inline_read.urls[i].sales.total());
        ASSERT_EQ(u.rejects.size(), 1U);
        EXPECT_EQ(u.rejects[0].listed(), inline_read.urls[i].rejects[0].listed());
        EXPECT_EQ(u.rejects[0].lines(), u.records);
    }
    EXPECT_EQ(pooled.urls[0].records, 1500000U);  // "0," a record, counted once
    EXPECT_EQ(pooled.urls[0].attempts, 2U);
    EXPECT_EQ(pooled.retries, 1U);
    EXPECT_EQ(pooled.urls[1].records, 6000000U / 1003);
}

}  // namespace
}  // namespace salesproc
