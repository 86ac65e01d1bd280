// --shard K/N of a remote object through the binary, against the mock server's /objects: the
// shards' parts merge into the run over the whole object, a cut inside a shard resumes within
// its range, and a server without byte ranges or ETags, an object replaced between requests, or
// parts of different objects are errors that say so.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace salesproc {
namespace {

using namespace test;

struct remote_shards : ::testing::Test {
    mock_server srv{tls_options()};
    temp_dir dir;

    process_result run(const std::string& url, std::vector<std::string> more) {
        std::vector<std::string> args{
            "--csv", url, "-q", "--cacert", shared_pki().ca_file, "--backoff-base", "1ms"};
        args.insert(args.end(), more.begin(), more.end());
        return salesproc(args);
    }

    // Runs the N shards of `url` and merges them.
    process_result shards_and_merge(const std::string& url, unsigned n) {
        std::vector<std::string> merge{
            "merge", "--out", dir.file("merged.json"), "--rejects", dir.file("merged.rej.csv"),
            "-q"};
        for (unsigned k = 0; k < n; ++k) {
            const std::string part = dir.file("part-" + std::to_string(k) + ".json");
            const std::string rejects = dir.file("part-" + std::to_string(k) + ".rej.csv");
            const std::string spec = std::to_string(k) + "/" + std::to_string(n);
            auto r = run(url, {"--shard", spec, "--out", part, "--rejects", rejects});
            if (r.exit_code != 0) return r;
            merge.insert(merge.end(), {"--part-rejects", rejects, part});
        }
        return salesproc(merge);
    }
};

TEST_F(remote_shards, PartsOfAnObjectMergeIntoTheRunOverTheWholeOfIt) {
    // Every response is cut after 40 KB: each shard resumes inside its own range.
    const std::string url = srv.url("/objects/sales.csv?rows=30000&cut_every=40000");
    auto r = run(url, {"--out", dir.file("single.json"), "--rejects", dir.file("single.rej.csv")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const unsigned n : {1U, 3U, 7U}) {
        r = shards_and_merge(url, n);
        ASSERT_EQ(r.exit_code, 0) << "N=" << n << ": " << r.err;
        // EXPECT_TRUE: a difference in a 600 KB report is found with the files, not in the log.
        EXPECT_TRUE(comparable_report(read_file(dir.file("merged.json")), {"\"resumes\""}) ==
                    comparable_report(read_file(dir.file("single.json")), {"\"resumes\""}))
            << "N=" << n;
        EXPECT_TRUE(read_file(dir.file("merged.rej.csv")) == read_file(dir.file("single.rej.csv")))
            << "N=" << n;
        const auto part = nlohmann::json::parse(read_file(dir.file("part-0.json")));
        EXPECT_GE(part["csv"]["resumes"], 1) << "N=" << n;
    }
    // Every request of a shard after the first asks for a range of the first one's ETag.
    EXPECT_EQ(srv.last_header("/objects/sales.csv", "If-Match"), "\"v1\"");
    const auto part = nlohmann::json::parse(read_file(dir.file("part-3.json")));
    EXPECT_EQ(part["csv"]["shard"]["index"], 3);
    EXPECT_EQ(part["csv"]["etag"], "\"v1\"");
    EXPECT_EQ(part["csv"]["identity"]["fingerprint"], "etag:\"v1\"");
    EXPECT_EQ(part["csv"]["identity"]["size"], mock_object_csv(30'000, 1).size());
}

TEST_F(remote_shards, AServerWithoutRangesOrEtagsIsAClearError) {
    const auto out = dir.file("p.json");
    std::string url = srv.url("/objects/sales.csv?no_range=1");
    auto r = run(url, {"--shard", "1/2", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, url +
                                 ": the server answered 'Range: bytes=0-' with the whole object "
                                 "(HTTP 200): it does not serve byte ranges, which --shard needs");
    EXPECT_FALSE(std::filesystem::exists(out));

    url = srv.url("/objects/sales.csv?no_etag=1");
    r = run(url, {"--shard", "1/2", "--out", out});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, url + ": --shard needs the object's ETag and size");

    // Listed objects are many: a shard is a range of one.
    r = run("s3://bucket/prefix/", {"--shard", "0/2", "--out", out});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--shard: s3://bucket/prefix/ is a listing"), std::string::npos) << r.err;
}

TEST_F(remote_shards, AnObjectReplacedOrPartsOfAnotherOneAreRefused) {
    // Replaced after the first request: the ranged reads' If-Match fails.
    const std::string url = srv.url("/objects/sales.csv?changed=1");
    auto r = run(url, {"--shard", "1/2", "--out", dir.file("p.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, url +
                                 ": the object changed while it was read (ETag \"v1\" at the "
                                 "start, now \"v2\")");

    // Shard 1 of the object as it is now, shard 0 of it as it was: merge names the difference.
    const std::string plain = srv.url("/objects/sales.csv");
    r = shards_and_merge(plain, 2);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string part = read_file(dir.file("part-0.json"));
    const std::string was = R"("fingerprint": "etag:\"v1\"")";
    ASSERT_NE(part.find(was), std::string::npos) << part;
    part.replace(part.find(was), was.size(), R"("fingerprint": "etag:\"v0\"")");
    write_file(dir.file("part-0.json"), part);
    r = salesproc({"merge", "--out", dir.file("m.json"), "-q", dir.file("part-0.json"),
                   dir.file("part-1.json")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("etag:\"v0\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("etag:\"v1\""), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
}

}  // namespace
}  // namespace salesproc
