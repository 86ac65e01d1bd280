// CSV inputs over https:// through the binary, against the mock server's /objects: the same
// report as the local file, resumes after cuts, an object replaced mid-read, errors that name
// the URL, and secrets that appear nowhere.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace salesproc {
namespace {

using namespace test;

struct remote_fixture : ::testing::Test {
    mock_server srv{tls_options()};
    temp_dir dir;
    std::string local_report;

    void SetUp() override {
        write_file(dir.file("object.csv"), mock_object_csv(20'000, 1));
        local_report = dir.file("local.json");
        auto r = salesproc({"--csv", dir.file("object.csv"), "--out", local_report, "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    process_result run(const std::string& url, const std::string& out,
                       std::vector<std::string> more = {}) {
        std::vector<std::string> args{
            "--csv",          url,  "--out", out, "-q", "--cacert", shared_pki().ca_file,
            "--backoff-base", "1ms"};
        args.insert(args.end(), more.begin(), more.end());
        return salesproc(args);
    }
};

using Remote = remote_fixture;

TEST_F(Remote, AnHttpsObjectGivesTheReportOfTheSameLocalFile) {
    const auto out = dir.file("r.json");
    const std::string url = srv.url("/objects/sales.csv");
    auto r = run(url, out, {"--threads", "2", "--chunk-size", "64KiB"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(read_file(out));
    EXPECT_EQ(without_sources(doc),
              without_sources(nlohmann::json::parse(read_file(local_report))));
    EXPECT_EQ(doc["csv"]["path"], url);
    EXPECT_EQ(doc["csv"]["etag"], "\"v1\"");
    EXPECT_EQ(doc["csv"]["resumes"], 0);
    EXPECT_EQ(doc["csv"]["bytes"], mock_object_csv(20'000, 1).size());
    EXPECT_EQ(doc["rejected_samples"].begin().value()[0]["source"], url);
}

TEST_F(Remote, ACutObjectResumesFromTheNextByteAndLosesNothing) {
    const auto out = dir.file("r.json");
    // 422 KB cut every 100 KB: at least four resumes, each a Range with If-Match (more when
    // the reset discards bytes the reader had not yet taken from the socket).
    auto r = run(srv.url("/objects/sales.csv?cut_every=100000"), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::json::parse(read_file(out));
    EXPECT_EQ(without_sources(doc),
              without_sources(nlohmann::json::parse(read_file(local_report))));
    EXPECT_GE(doc["csv"]["resumes"], 4);
    EXPECT_EQ(srv.last_header("/objects/sales.csv", "If-Match"), "\"v1\"");
    EXPECT_EQ(srv.last_header("/objects/sales.csv", "Range").rfind("bytes=", 0), 0U);

    // A server that ignores Range answers 200 from the start: the bytes already read are
    // skipped, and the totals are the same.
    r = run(srv.url("/objects/sales.csv?cut_once=200000&no_range=1"), out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    doc = nlohmann::json::parse(read_file(out));
    EXPECT_EQ(without_sources(doc),
              without_sources(nlohmann::json::parse(read_file(local_report))));
}

TEST_F(Remote, AnObjectReplacedMidReadFailsNamingTheUrlAndBothEtags) {
    const auto out = dir.file("r.json");
    write_file(out, "previous report\n");
    const std::string url = srv.url("/objects/sales.csv?cut_every=100000&changed=1");
    auto r = run(url, out);
    EXPECT_EQ(r.exit_code, 1);
    // How far the first response got before the reset depends on the kernel's buffers.
    expect_one_error_line(r, url +
                                 ": the object changed while it was read (ETag \"v1\" at the "
                                 "start, now \"v2\") after ");
    EXPECT_EQ(read_file(out), "previous report\n");

    // A store that ignores If-Match (s3rver) answers the new object: its ETag gives it away.
    const std::string lax = url + "&ignore_if_match=1";
    r = run(lax, out);
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, lax +
                                 ": the object changed while it was read (ETag \"v1\" at the "
                                 "start, \"v2\" now) after ");
}

TEST_F(Remote, FailuresNameTheUrlAndRetriesAreBounded) {
    const auto out = dir.file("r.json");
    std::string url = srv.url("/objects/sales.csv?status=404");
    auto r = run(url, out);
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, url + ": HTTP 404 Not Found");
    EXPECT_FALSE(std::filesystem::exists(out));

    url = srv.url("/objects/sales.csv?status=503,503,200");
    r = run(url, out);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    url = srv.url("/objects/sales.csv?status=503");
    r = run(url, out, {"--retries", "2"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, url + ": HTTP 503 Service Unavailable; gave up after 3 attempts");
}

TEST_F(Remote, SecretsInTheUrlAppearNowhere) {
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("rejects.csv");
    std::string url = srv.url(
        "/objects/sales.csv?X-Amz-Credential=AKIDSECRET&"
        "X-Amz-Signature=abcdef0123456789");
    url.insert(url.find("://") + 3, "user:hunter2@");
    auto r = salesproc(
        {"--csv", url, "--out", out, "--cacert", shared_pki().ca_file, "--rejects", rejects, "-v"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const std::string& text : {read_file(out), read_file(rejects), r.err, r.out}) {
        EXPECT_EQ(text.find("hunter2"), std::string::npos);
        EXPECT_EQ(text.find("AKIDSECRET"), std::string::npos);
        EXPECT_EQ(text.find("abcdef0123456789"), std::string::npos);
    }
    const auto doc = nlohmann::json::parse(read_file(out));
    EXPECT_NE(doc["csv"]["path"].get<std::string>().find("X-Amz-Signature=REDACTED"),
              std::string::npos);
    EXPECT_NE(doc["csv"]["path"].get<std::string>().find("://***@"), std::string::npos);
}

}  // namespace
}  // namespace salesproc
