#include "salesproc/api/s3.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(S3Url, BucketAndKeyAsGiven) {
    auto u = parse_s3_url("s3://sales-eu/2026-11/a b+c=d:é.csv");
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->bucket, "sales-eu");
    EXPECT_EQ(u->key, "2026-11/a b+c=d:é.csv");
    EXPECT_FALSE(is_listing(*u));
    EXPECT_EQ(u->text(), "s3://sales-eu/2026-11/a b+c=d:é.csv");
}

TEST(S3Url, NoBucketOrABadNameIsAnErrorNamingTheUrl) {
    auto none = parse_s3_url("s3:///key");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message(), "s3:///key: the URL has no bucket");
    auto bad = parse_s3_url("s3://a:b@bucket/key");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().reason.find("not a bucket name"), std::string::npos);
}

TEST(S3Url, ATrailingSlashOrAGlobIsAListing) {
    EXPECT_TRUE(is_listing(*parse_s3_url("s3://b/exports/")));
    EXPECT_TRUE(is_listing(*parse_s3_url("s3://b")));
    EXPECT_TRUE(is_listing(*parse_s3_url("s3://b/2026-11-*/sales-*.csv.gz")));
    EXPECT_FALSE(is_listing(*parse_s3_url("s3://b/literal\\*star.csv")));
    EXPECT_EQ(list_prefix(*parse_s3_url("s3://b/2026-11-*/sales-*.csv.gz")), "2026-11-");
    EXPECT_EQ(list_prefix(*parse_s3_url("s3://b/exports/")), "exports/");
}

TEST(S3Glob, StarsStayInTheirSegmentAndDoubleStarsCross) {
    EXPECT_TRUE(glob_match("2026-11-*/sales-*.csv.gz", "2026-11-03/sales-eu.csv.gz"));
    EXPECT_FALSE(glob_match("2026-11-*/sales-*.csv.gz", "2026-11-03/x/sales-eu.csv.gz"));
    EXPECT_TRUE(glob_match("**/sales.csv", "a/b/c/sales.csv"));
    EXPECT_TRUE(glob_match("day-?.csv", "day-7.csv"));
    EXPECT_FALSE(glob_match("day-?.csv", "day-17.csv"));
    EXPECT_TRUE(glob_match("day-[0-3][!5].csv", "day-24.csv"));
    EXPECT_FALSE(glob_match("day-[0-3][!5].csv", "day-25.csv"));
    EXPECT_TRUE(glob_match("a\\*b", "a*b"));
    EXPECT_FALSE(glob_match("a\\*b", "axb"));
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("[x", "[x"));
}

TEST(S3Glob, ManyStarsDoNotBacktrack) {
    const std::string key(4000, 'a');
    EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", key));
}

TEST(S3Listing, APrefixListsOnlyTheObjectsDirectlyUnderIt) {
    const auto u = *parse_s3_url("s3://b/exports/");
    EXPECT_TRUE(listing_matches(u, "exports/day1.csv"));
    EXPECT_FALSE(listing_matches(u, "exports/archive/day0.csv"));
    EXPECT_FALSE(listing_matches(u, "exports/"));  // a folder marker
}

s3_config aws(std::string region = "eu-west-1") {
    s3_config c;
    c.region = std::move(region);
    c.credentials = aws_credentials{"AKID", "SECRET", "", "test"};
    return c;
}

TEST(S3Request, VirtualHostedOnAwsPathStyleElsewhere) {
    const auto obj = *parse_s3_url("s3://sales/2026/a b.csv");
    auto r = object_request(aws(), obj, "GET", 1'440'938'160);
    EXPECT_EQ(r.url.host, "sales.s3.eu-west-1.amazonaws.com");
    EXPECT_EQ(r.url.target, "/2026/a%20b.csv");
    EXPECT_TRUE(r.url.tls);

    s3_config minio = aws();
    minio.endpoint = *parse_http_url("http://127.0.0.1:9000");
    r = object_request(minio, obj, "GET", 1'440'938'160);
    EXPECT_EQ(r.url.host, "127.0.0.1");
    EXPECT_EQ(r.url.target, "/sales/2026/a%20b.csv");
    ASSERT_EQ(r.fields.size(), 3U);
    EXPECT_EQ(r.fields[1].second, "UNSIGNED-PAYLOAD");
    EXPECT_TRUE(r.fields[2].second.starts_with(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="));
    // Dots in a bucket name break the wildcard certificate: path-style on AWS too.
    r = object_request(aws(), *parse_s3_url("s3://sales.eu/k"), "GET", 0);
    EXPECT_EQ(r.url.target, "/sales.eu/k");
}

TEST(S3Request, UnsignedForPublicBuckets) {
    s3_config c = aws();
    c.credentials.reset();
    const auto r = object_request(c, *parse_s3_url("s3://open/k+1.csv"), "GET", 0);
    EXPECT_TRUE(r.fields.empty());
    EXPECT_EQ(r.url.target, "/k%2B1.csv");
}

TEST(S3Request, ListingQueryCarriesPrefixAndToken) {
    const auto r = list_request(aws(), "sales", "2026 11/", "tok/en==", 0);
    EXPECT_EQ(r.url.target, "/?continuation-token=tok%2Fen%3D%3D&list-type=2&prefix=2026%2011%2F");
}

TEST(S3ListPage, KeysSizesEtagsAndTheToken) {
    const auto page = parse_list_page(
        R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
<Contents><Key>a &amp; b.csv</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag></Contents>
<Contents><Key>ü.csv</Key><Size>0</Size><ETag>def</ETag></Contents>
<IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>
</ListBucketResult>)");
    ASSERT_TRUE(page) << page.error().message();
    ASSERT_EQ(page->objects.size(), 2U);
    EXPECT_EQ(page->objects[0].key, "a & b.csv");
    EXPECT_EQ(page->objects[0].size, 12U);
    EXPECT_EQ(page->objects[0].etag, "\"abc\"");
    EXPECT_EQ(page->objects[1].etag, "\"def\"");
    EXPECT_TRUE(page->truncated);
    EXPECT_EQ(page->next_token, "t2");
}

TEST(S3ListPage, NotAListingIsAnError) {
    EXPECT_FALSE(parse_list_page("<html/>"));
    EXPECT_FALSE(parse_list_page("not xml"));
    EXPECT_FALSE(
        parse_list_page("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
    EXPECT_FALSE(parse_list_page(
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"));
}

std::string error_body(std::string_view code, std::string_view extra = "") {
    return "<Error><Code>" + std::string(code) + "</Code><Message>m</Message>" +
           std::string(extra) + "</Error>";
}

TEST(S3Errors, HintsWhereTheCauseIsTheSetup) {
    const auto c = aws("us-east-1");
    auto f = describe_s3_error(403, "Forbidden", error_body("SignatureDoesNotMatch"), "", c);
    EXPECT_EQ(f.message,
              "HTTP 403 Forbidden: SignatureDoesNotMatch: m (credentials from test; check the "
              "key, the secret, the clock and the region)");
    EXPECT_FALSE(f.transient);
    f = describe_s3_error(301, "Moved Permanently", error_body("PermanentRedirect"), "eu-west-1",
                          c);
    EXPECT_NE(f.message.find("set AWS_REGION=eu-west-1"), std::string::npos);
    f = describe_s3_error(400, "Bad Request",
                          error_body("AuthorizationHeaderMalformed", "<Region>ap-south-1</Region>"),
                          "", c);
    EXPECT_NE(f.message.find("set AWS_REGION=ap-south-1"), std::string::npos);
    f = describe_s3_error(403, "Forbidden", error_body("RequestTimeTooSkewed"), "", c);
    EXPECT_NE(f.message.find("clock"), std::string::npos);
    f = describe_s3_error(404, "Not Found", error_body("NoSuchKey"), "", c);
    EXPECT_EQ(f.message, "HTTP 404 Not Found: NoSuchKey: m");
    f = describe_s3_error(503, "Slow Down", error_body("SlowDown"), "", c);
    EXPECT_TRUE(f.transient);
    f = describe_s3_error(403, "Forbidden", "", "", c);  // a HEAD has no body
    EXPECT_EQ(f.message, "HTTP 403 Forbidden (credentials from test)");
}

}  // namespace
}  // namespace salesproc
