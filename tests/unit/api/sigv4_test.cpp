// SigV4 against every header-signing case of the AWS test suite (../shared/sigv4-test-suite),
// then S3's own rules, which the suite does not cover.
#include "salesproc/api/sigv4.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace salesproc {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// A case's request.txt: "METHOD path?query HTTP/1.1", fields (a line starting with a blank
// continues the last one), a blank line, the body.
struct raw_request {
    sigv4_request req;
    std::string body;
};

raw_request parse_request(const std::string& text) {
    raw_request r;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    r.req.method = line.substr(0, first);
    std::string target = line.substr(first + 1, last - first - 1);
    const auto q = target.find('?');
    r.req.path = target.substr(0, q);
    if (q != std::string::npos) {
        std::string_view query(target);
        query.remove_prefix(q + 1);
        while (!query.empty()) {
            const auto amp = std::min(query.find('&'), query.size());
            const std::string_view pair = query.substr(0, amp);
            const auto eq = std::min(pair.find('='), pair.size());
            r.req.query.emplace_back(percent_decoded(pair.substr(0, eq)),
                                     percent_decoded(pair.substr(std::min(eq + 1, pair.size()))));
            query.remove_prefix(std::min(amp + 1, query.size()));
        }
    }
    while (std::getline(in, line) && !line.empty()) {
        if ((line[0] == ' ' || line[0] == '\t') && !r.req.headers.empty()) {
            r.req.headers.back().second += "\n" + line;
            continue;
        }
        const auto colon = line.find(':');
        r.req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    std::stringstream rest;
    rest << in.rdbuf();
    r.body = rest.str();
    return r;
}

std::int64_t unix_time(const std::string& iso) {
    std::tm tm{};
    std::istringstream(iso) >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
    return static_cast<std::int64_t>(timegm(&tm));
}

fs::path suite() {
    return fs::path(SALESPROC_SIGV4_SUITE) / "v4";
}

TEST(SigV4, EveryHeaderCaseOfTheAwsSuite) {
    ASSERT_TRUE(fs::is_directory(suite())) << suite();
    int cases = 0;
    for (const auto& dir : fs::directory_iterator(suite())) {
        if (!fs::exists(dir.path() / "header-signature.txt")) continue;
        SCOPED_TRACE(dir.path().filename().string());
        const auto ctx = nlohmann::json::parse(slurp(dir.path() / "context.json"));
        raw_request raw = parse_request(slurp(dir.path() / "request.txt"));
        raw.req.payload_sha256 = sha256_hex(raw.body);
        aws_credentials creds;
        creds.access_key_id = ctx["credentials"]["access_key_id"];
        creds.secret_access_key = ctx["credentials"]["secret_access_key"];
        creds.session_token = ctx["credentials"].value("token", "");
        sigv4_options o;
        o.normalize_path = ctx["normalize"];
        o.content_sha256_header = ctx["sign_body"];
        o.sign_security_token = !ctx.value("omit_session_token", false);
        const sigv4_scope scope{ctx["region"], ctx["service"], unix_time(ctx["timestamp"])};

        const sigv4_signed s = sign_v4(raw.req, creds, scope, o);
        EXPECT_EQ(s.canonical_request, slurp(dir.path() / "header-canonical-request.txt"));
        EXPECT_EQ(s.string_to_sign, slurp(dir.path() / "header-string-to-sign.txt"));
        EXPECT_EQ(s.signature, slurp(dir.path() / "header-signature.txt"));
        const std::string signed_request = slurp(dir.path() / "header-signed-request.txt");
        ASSERT_FALSE(s.fields.empty());
        EXPECT_EQ(s.fields.back().first, "Authorization");
        EXPECT_NE(signed_request.find("\nAuthorization:" + s.fields.back().second),
                  std::string::npos)
            << signed_request;
        ++cases;
    }
    EXPECT_GE(cases, 30);  // the suite holds 38; a missing folder must not pass quietly
}

// S3: a GET carries UNSIGNED-PAYLOAD in x-amz-content-sha256 and signs it; the key is encoded
// once and never normalised; a session token is a signed x-amz-security-token.
TEST(SigV4, S3KeysAreEncodedOnceAndNeverNormalised) {
    sigv4_request r;
    r.method = "GET";
    r.path = "/bucket/2026/./a b+c=d:e/../ü.csv";
    r.headers = {{"Host", "s3.eu-west-1.amazonaws.com"}};
    r.payload_sha256 = std::string(unsigned_payload);
    const aws_credentials creds{"AKID", "SECRET", "TOKEN", "test"};
    const sigv4_options s3{false, true, true};
    const auto s = sign_v4(r, creds, {"eu-west-1", "s3", 1'440'938'160}, s3);
    EXPECT_EQ(s.target, "/bucket/2026/./a%20b%2Bc%3Dd%3Ae/../%C3%BC.csv");
    EXPECT_EQ(s.canonical_request,
              "GET\n/bucket/2026/./a%20b%2Bc%3Dd%3Ae/../%C3%BC.csv\n\n"
              "host:s3.eu-west-1.amazonaws.com\n"
              "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
              "x-amz-date:20150830T123600Z\n"
              "x-amz-security-token:TOKEN\n\n"
              "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
              "UNSIGNED-PAYLOAD");
    ASSERT_EQ(s.fields.size(), 4U);
    EXPECT_EQ(s.fields[1].first, "X-Amz-Content-Sha256");
    EXPECT_EQ(s.fields[2].first, "X-Amz-Security-Token");
}

// ListObjectsV2's query: names and values encoded strictly ('/' too) and sorted by name.
TEST(SigV4, ListingQueriesAreEncodedStrictlyAndSorted) {
    sigv4_request r;
    r.method = "GET";
    r.path = "/bucket";
    r.query = {{"prefix", "2026-11/a b+=:"}, {"list-type", "2"}, {"continuation-token", "x/y=="}};
    r.headers = {{"Host", "localhost:4569"}};
    const auto s = sign_v4(r, {"AKID", "SECRET", "", ""}, {"us-east-1", "s3", 0}, {false, true});
    EXPECT_EQ(s.target,
              "/bucket?continuation-token=x%2Fy%3D%3D&list-type=2&prefix=2026-11%2Fa%20b%2B%3D%3A");
    EXPECT_NE(s.canonical_request.find("\ncontinuation-token=x%2Fy%3D%3D&list-type=2&"),
              std::string::npos);
}

TEST(SigV4, AmzDateIsUtc) {
    EXPECT_EQ(amz_date(0), "19700101T000000Z");
    EXPECT_EQ(amz_date(1'440'938'160), "20150830T123600Z");
}

}  // namespace
}  // namespace salesproc
