// s3:// inputs through the binary against a store that is not ours: s3rver (npm), its objects
// written by the AWS SDK for JavaScript (tests/s3/s3_server.mjs). Listings past 1000 keys,
// globs, awkward keys, compressed objects, S3's errors, credentials from the environment and a
// profile, and no secret anywhere. Then our signatures against the SDK's own signer.
#include "salesproc/api/s3.hpp"
#include "cli/cli_support.hpp"
#include "cli/s3_support.hpp"
#include "net/net_support.hpp"
#include "support/mock_server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace salesproc {
namespace {

using namespace test;
using namespace std::chrono_literals;

TEST_F(S3, GlobsAndAwkwardKeysGiveTheReportOfTheSameLocalFiles) {
    const std::string eu = mock_object_csv(2000, 1);
    const std::string us = mock_object_csv(3000, 2);
    write_file(dir.file("eu.csv"), eu);
    write_file(dir.file("us.csv.gz"), gzip_compress(us));
    write_file(dir.file("odd.csv"), mock_object_csv(500, 1));
    const std::string odd_key = "odd keys/a b+c=d:é~(1).csv";
    s3_store store(dir, {{"buckets", {"sales"}},
                         {"objects",
                          {object("2026-11-01/sales-eu.csv", eu),
                           {{"bucket", "sales"},
                            {"key", "2026-11-02/sales-us.csv.gz"},
                            {"file", dir.file("us.csv.gz")}},
                           object("2026-11-02/notes.txt", "not a sales file"),
                           object("2026-12-01/sales-eu.csv", "product,price,quantity\n"),
                           object(odd_key, mock_object_csv(500, 1))}}});
    use_keys(store.endpoint());
    auto local = salesproc({"--csv", dir.file("eu.csv"), "--csv", dir.file("us.csv.gz"), "--csv",
                            dir.file("odd.csv"), "--out", dir.file("local.json"), "-q"});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    auto r = salesproc({"--csv", "s3://sales/2026-11-*/sales-*.csv*", "--csv",
                        "s3://sales/odd keys/", "--out", dir.file("s3.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(read_file(dir.file("s3.json")));
    EXPECT_EQ(without_sources(doc),
              without_sources(nlohmann::json::parse(read_file(dir.file("local.json")))));
    const auto& inputs = doc["csv"]["inputs"];
    ASSERT_EQ(inputs.size(), 3U);
    EXPECT_EQ(inputs[0]["path"], "s3://sales/2026-11-01/sales-eu.csv");
    EXPECT_EQ(inputs[1]["path"], "s3://sales/2026-11-02/sales-us.csv.gz");
    EXPECT_EQ(inputs[1]["compression"], "gzip");
    EXPECT_EQ(inputs[2]["path"], "s3://sales/" + odd_key);
    EXPECT_EQ(inputs[0]["etag"].get<std::string>().size(), 34U);  // a quoted MD5

    // The key itself, with every awkward character, round-trips as one object.
    r = salesproc({"--csv", "s3://sales/" + odd_key, "--out", dir.file("one.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(S3, AListingPastAThousandKeysIsReadInKeyOrder) {
    nlohmann::json objects = nlohmann::json::array();
    for (int i = 1099; i >= 0; --i) {
        char key[32];
        std::snprintf(key, sizeof key, "many/part-%04d.csv", i);
        objects.push_back(object(key, "product,price,quantity\nHalal P" + std::to_string(i) +
                                          ",10." + std::to_string(10 + i % 90) + ",1\n"));
    }
    objects.push_back(object("many/sub/ignored.csv", "product,price,quantity\nPork,1,1\n"));
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", objects}});
    use_keys(store.endpoint());
    auto r = salesproc({"--csv", "s3://sales/many/", "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(read_file(dir.file("r.json")));
    ASSERT_EQ(doc["csv"]["inputs"].size(), 1100U);
    EXPECT_EQ(doc["csv"]["inputs"][0]["path"], "s3://sales/many/part-0000.csv");
    EXPECT_EQ(doc["csv"]["inputs"][1099]["path"], "s3://sales/many/part-1099.csv");
    EXPECT_EQ(doc["valid_sales"], 1100);
    EXPECT_EQ(doc["unique_products"][0], "Halal P0");
}

// Shards of one object by byte range, merged: the run over the whole object, rejects
// included, and the totals of the same local file.
TEST_F(S3, ShardsOfAnObjectMergeIntoOneRunOverIt) {
    const std::string content = mock_object_csv(20'000, 1);
    write_file(dir.file("local.csv"), content);
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", {object("day/sales.csv", content)}}});
    use_keys(store.endpoint());
    const std::string url = "s3://sales/day/sales.csv";
    auto r = salesproc({"--csv", url, "--out", dir.file("single.json"), "--rejects",
                        dir.file("single.rej.csv"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> merge{
        "merge", "--out", dir.file("merged.json"), "--rejects", dir.file("merged.rej.csv"), "-q"};
    for (int k = 0; k < 4; ++k) {
        const std::string part = dir.file("part-" + std::to_string(k) + ".json");
        const std::string rejects = dir.file("part-" + std::to_string(k) + ".rej.csv");
        r = salesproc({"--csv", url, "--shard", std::to_string(k) + "/4", "--out", part,
                       "--rejects", rejects, "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        merge.insert(merge.end(), {"--part-rejects", rejects, part});
    }
    r = salesproc(merge);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto merged = nlohmann::json::parse(read_file(dir.file("merged.json")));
    auto single = nlohmann::json::parse(read_file(dir.file("single.json")));
    EXPECT_EQ(merged["csv"]["etag"], single["csv"]["etag"]);
    EXPECT_EQ(merged["csv"]["identity"], single["csv"]["identity"]);
    EXPECT_EQ(merged["csv"]["rows"], single["csv"]["rows"]);
    EXPECT_TRUE(without_sources(merged) == without_sources(single));
    EXPECT_TRUE(read_file(dir.file("merged.rej.csv")) == read_file(dir.file("single.rej.csv")));
    r = salesproc({"--csv", dir.file("local.csv"), "--out", dir.file("local.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(without_sources(merged) ==
                without_sources(nlohmann::json::parse(read_file(dir.file("local.json")))));
}

TEST_F(S3, ErrorsNameTheUrlAndSayWhatToDo) {
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", {object("a.csv", "x\n")}}});
    const auto out = dir.file("r.json");
    auto r = salesproc({"--csv", "s3://sales/a.csv", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r,
                          "s3://sales/a.csv: no AWS credentials: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or use --no-sign-request");
    use_keys(store.endpoint());
    r = salesproc({"--csv", "s3://sales/missing.csv", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "s3://sales/missing.csv: HTTP 404 Not Found: NoSuchKey: ");
    r = salesproc({"--csv", "s3://nobucket/a.csv", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "s3://nobucket/a.csv: HTTP 404 Not Found: NoSuchBucket: ");
    r = salesproc({"--csv", "s3://sales/2030-*/x.csv", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r,
                          "s3://sales/2030-*/x.csv: no object matches (0 keys listed under the "
                          "prefix '2030-')");
    EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(S3, CredentialsFromAProfileAndNoSecretAnywhere) {
    s3_store store(dir, {{"buckets", {"sales"}},
                         {"objects", {object("d/sales.csv", mock_object_csv(300, 1))}}});
    write_file(dir.file("creds"),
               "[ci]\naws_access_key_id = S3RVER\n"
               "aws_secret_access_key = PROFILE/SECRET+VALUE\n"
               "aws_session_token = PROFILETOKEN456\n");
    write_file(dir.file("config"),
               "[profile ci]\nregion = eu-west-1\nendpoint_url = " + store.endpoint() + "\n");
    ::setenv("AWS_PROFILE", "ci", 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", dir.file("creds").c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", dir.file("config").c_str(), 1);
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("rejects.csv");
    const auto metrics = dir.file("m.prom");
    auto r = salesproc({"--csv", "s3://sales/d/sales.csv", "--out", out, "--rejects", rejects,
                        "--metrics", metrics, "-v"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& text :
         {read_file(out), read_file(rejects), read_file(metrics), r.err, r.out})
        for (const char* secret : {"PROFILE/SECRET+VALUE", "PROFILETOKEN456", "Signature="})
            EXPECT_EQ(text.find(secret), std::string::npos) << secret;
    write_file(dir.file("local.csv"), mock_object_csv(300, 1));
    ASSERT_EQ(
        salesproc({"--csv", dir.file("local.csv"), "--out", dir.file("l.json"), "-q"}).exit_code,
        0);
    EXPECT_EQ(without_sources(nlohmann::json::parse(read_file(out))),
              without_sources(nlohmann::json::parse(read_file(dir.file("l.json")))));
}

// The two sources that need a request, each against a local endpoint (the mock server).
TEST_F(S3, WebIdentityAndContainerCredentialsComeFromTheirEndpoints) {
    s3_store store(dir, {{"buckets", {"sales"}},
                         {"objects", {object("w/sales.csv", mock_object_csv(100, 1))}}});
    mock_server endpoints(tls_options());
    const auto out = dir.file("r.json");
    ::setenv("AWS_ENDPOINT_URL", store.endpoint().c_str(), 1);
    write_file(dir.file("token"), "web-token\n");
    ::setenv("AWS_WEB_IDENTITY_TOKEN_FILE", dir.file("token").c_str(), 1);
    ::setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/test", 1);
    ::setenv("AWS_ENDPOINT_URL_STS", endpoints.url("/sts").c_str(), 1);
    const std::vector<std::string> args{"--csv",    "s3://sales/w/sales.csv", "--out", out,
                                        "--cacert", shared_pki().ca_file,     "-v"};
    auto r = salesproc(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& text : {read_file(out), r.err})
        for (const char* secret : {"STS/SECRET+KEY", "STSSESSIONTOKEN", "web-token"})
            EXPECT_EQ(text.find(secret), std::string::npos) << secret;

    ::setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/other", 1);
    r = salesproc(args);
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r,
                          "s3://sales/w/sales.csv: getting credentials from web identity (role "
                          "arn:aws:iam::1:role/other) failed: " +
                              endpoints.url("/sts") +
                              "?Action=AssumeRoleWithWebIdentity: HTTP 403 Forbidden");
    EXPECT_EQ(r.err.find("web-token"), std::string::npos);

    ::unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    ::setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoints.url("/container-credentials").c_str(),
             1);
    ::setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token", 1);
    r = salesproc(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("CONTAINERTOKEN"), std::string::npos);
    ::setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
    r = salesproc(args);
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(
        r, "failed: " + endpoints.url("/container-credentials") + ": HTTP 401 Unauthorized");
}

// Our SigV4 against the AWS SDK for JavaScript's signer: awkward keys, listing queries with a
// continuation token, a session token.
TEST(S3Signing, EqualsTheAwsSdkSignerForAwkwardKeysAndListings) {
    s3_config c;
    c.region = "eu-west-1";
    c.credentials = aws_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    "SESSION+TOKEN/==", "test"};
    const std::int64_t when = 1'765'000'000;
    std::vector<s3_request> requests;
    for (const char* key : {"plain.csv", "a b+c=d:e.csv", "ü/日本/€.csv.gz", "x~y*z(1)!'$&,;@.csv",
                            "dir//double/./dot/../x.csv"})
        requests.push_back(object_request(c, {"sales", key}, "GET", when));
    requests.push_back(list_request(c, "sales", "2026 11/ü+", "", when));
    requests.push_back(list_request(c, "sales", "p/", "1/abc+def==&x", when));
    temp_dir dir;
    for (const auto& req : requests) {
        SCOPED_TRACE(req.url.target);
        const auto q = req.url.target.find('?');
        nlohmann::json query = nlohmann::json::object();
        if (q != std::string::npos) {
            // The SDK takes the query decoded; ours encoded it, so decode it back.
            std::string_view rest = std::string_view(req.url.target).substr(q + 1);
            auto decode = [](std::string_view s) {
                std::string out;
                for (std::size_t i = 0; i < s.size(); ++i) {
                    if (s[i] == '%') {
                        out += static_cast<char>(
                            std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
                        i += 2;
                    } else {
                        out += s[i];
                    }
                }
                return out;
            };
            while (!rest.empty()) {
                const auto amp = std::min(rest.find('&'), rest.size());
                const auto pair = rest.substr(0, amp);
                const auto eq = pair.find('=');
                query[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
                rest.remove_prefix(std::min(amp + 1, rest.size()));
            }
        }
        const nlohmann::json in{{"method", "GET"},
                                {"host", req.url.host_header()},
                                {"path", req.url.target.substr(0, q)},
                                {"query", query},
                                {"region", c.region},
                                {"time", when},
                                {"access_key_id", c.credentials->access_key_id},
                                {"secret_access_key", c.credentials->secret_access_key},
                                {"session_token", c.credentials->session_token}};
        auto sdk = run_process({node, tests_dir + "/s3/sign.mjs"}, in.dump());
        ASSERT_EQ(sdk.exit_code, 0) << sdk.err;
        const auto headers = nlohmann::json::parse(sdk.out);
        ASSERT_EQ(req.fields.back().first, "Authorization");
        EXPECT_EQ(req.fields.back().second, headers["authorization"]);
    }
}

}  // namespace
}  // namespace salesproc
