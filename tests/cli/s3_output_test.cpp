// s3:// outputs through the binary against s3rver: the report and the rejects written to a
// bucket and read back with the AWS CLI byte for byte (the large rejects as a multipart
// upload), nothing visible after a failed or killed run and the previous objects untouched, and
// the errors.
#include "cli/s3_support.hpp"
#include "support/mock_server.hpp"

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>

namespace salesproc {
namespace {

using namespace test;

// Rows that are all rejected: a rejects file of about 95 bytes a row.
std::string rejected_rows(std::size_t rows) {
    std::string out = "product,price,quantity\n";
    for (std::size_t i = 0; i < rows; ++i)
        out += "Pork " + std::to_string(i % 1000) + "," + std::to_string(10 + i % 90) + ".50," +
               std::to_string(1 + i % 9) + "\n";
    return out;
}

struct S3Outputs : S3 {
    void SetUp() override {
        S3::SetUp();
        ::setenv("AWS_DEFAULT_REGION", "us-east-1", 1);  // for the AWS CLI
    }
    // The object at `key` as the AWS CLI reads it; nullopt when there is none.
    std::optional<std::string> aws_get(const s3_store& store, const std::string& key) {
        const std::string dest = dir.file("got-" + std::to_string(++reads_));
        auto r = run_process({"/usr/bin/aws", "--endpoint-url", store.endpoint(), "s3", "cp",
                              "s3://sales/" + key, dest});
        if (r.exit_code != 0) {
            last_error_ = r.err;
            return std::nullopt;
        }
        return read_file(dest);
    }
    int reads_ = 0;
    std::string last_error_;
};

// A report without its timing and without where its rejects went (a URL or a local path).
nlohmann::json without_timing(nlohmann::json doc) {
    doc.erase("generated_at");
    doc.erase("duration_ms");
    doc.erase("rejects");
    doc.erase("parts");
    return doc;
}

TEST_F(S3Outputs, ReportAndRejectsAreReadBackByteForByte) {
    // 12 MB of rejects: a multipart upload of two parts; the report is one PUT.
    write_file(dir.file("in.csv"), rejected_rows(130'000));
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", nlohmann::json::array()}});
    use_keys(store.endpoint());
    auto r = salesproc({"--csv", dir.file("in.csv"), "--out", "s3://sales/day/report.json",
                        "--rejects", "s3://sales/day/rejects.csv", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("local.json"), "--rejects",
                   dir.file("local.rej.csv"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto rejects = aws_get(store, "day/rejects.csv");
    ASSERT_TRUE(rejects.has_value()) << last_error_;
    EXPECT_GT(rejects->size(), std::size_t{9} << 20);
    EXPECT_TRUE(*rejects == read_file(dir.file("local.rej.csv")));
    const auto report = aws_get(store, "day/report.json");
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(nlohmann::json::parse(*report)["rejects"]["path"], "s3://sales/day/rejects.csv");
    EXPECT_EQ(without_timing(nlohmann::json::parse(*report)),
              without_timing(nlohmann::json::parse(read_file(dir.file("local.json")))));
}

// The views go to the bucket like the report: render of the report read back makes the same.
TEST_F(S3Outputs, TheViewsAreObjectsToo) {
    write_file(dir.file("in.csv"), rejected_rows(50) + "Halal A,12.50,2\n");
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", nlohmann::json::array()}});
    use_keys(store.endpoint());
    auto r = salesproc({"--csv", dir.file("in.csv"), "--out", "s3://sales/v/report.json", "--html",
                        "s3://sales/v/report.html", "--summary", "s3://sales/v/summary.md",
                        "--junit", "s3://sales/v/junit.xml", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto report = aws_get(store, "v/report.json");
    ASSERT_TRUE(report.has_value()) << last_error_;
    write_file(dir.file("report.json"), *report);
    r = salesproc({"render", dir.file("report.json"), "--html", dir.file("r.html"), "--summary",
                   dir.file("r.md"), "--junit", dir.file("r.xml"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(aws_get(store, "v/report.html"), read_file(dir.file("r.html")));
    EXPECT_EQ(aws_get(store, "v/summary.md"), read_file(dir.file("r.md")));
    EXPECT_EQ(aws_get(store, "v/junit.xml"), read_file(dir.file("r.xml")));
    // render reads a report from the bucket too.
    r = salesproc({"render", "s3://sales/v/report.json", "--html", dir.file("b.html"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.file("b.html")), read_file(dir.file("r.html")));
    r = salesproc({"render", "s3://sales/v/missing.json", "--html", dir.file("m.html"), "-q"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("s3://sales/v/missing.json"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("m.html")));
}

TEST_F(S3Outputs, AFailedRunLeavesThePreviousObjectsAndErrorsNameTheUrl) {
    write_file(dir.file("in.csv"), rejected_rows(10));
    s3_store store(dir, {{"buckets", {"sales"}},
                         {"objects", {object("day/report.json", "previous report\n")}}});
    use_keys(store.endpoint());
    auto r =
        salesproc({"--csv", dir.file("missing.csv"), "--out", "s3://sales/day/report.json", "-q"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(aws_get(store, "day/report.json"), "previous report\n");

    r = salesproc({"--csv", dir.file("in.csv"), "--out", "s3://nobucket/report.json", "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "s3://nobucket/report.json: HTTP 404 Not Found: NoSuchBucket: ");

    r = salesproc({"--csv", dir.file("in.csv"), "--out", "s3://sales/day/", "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "s3://sales/day/: an output is one object");

    r = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "--metrics",
                   "s3://sales/m.prom", "-q"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--metrics: s3://sales/m.prom: metrics stay a local file"),
              std::string::npos)
        << r.err;
}

TEST_F(S3Outputs, AMergeWritesToTheBucketToo) {
    write_file(dir.file("a.csv"), rejected_rows(300) + "Halal A,12.50,2\n");
    write_file(dir.file("b.csv"), rejected_rows(200) + "Halal B,10.00,1\n");
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", nlohmann::json::array()}});
    use_keys(store.endpoint());
    std::vector<std::string> parts;
    for (const std::string name : {"a", "b"}) {
        auto r = salesproc({"--csv", dir.file(name + ".csv"), "--out", dir.file(name + ".json"),
                            "--rejects", dir.file(name + ".rej.csv"), "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        parts.insert(parts.end(),
                     {"--part-rejects", dir.file(name + ".rej.csv"), dir.file(name + ".json")});
    }
    std::vector<std::string> to_bucket{
        "merge", "--out", "s3://sales/m/report.json", "--rejects", "s3://sales/m/rejects.csv",
        "-q"};
    std::vector<std::string> local{
        "merge", "--out", dir.file("m.json"), "--rejects", dir.file("m.rej.csv"), "-q"};
    to_bucket.insert(to_bucket.end(), parts.begin(), parts.end());
    local.insert(local.end(), parts.begin(), parts.end());
    auto r = salesproc(to_bucket);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = salesproc(local);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(aws_get(store, "m/rejects.csv"), read_file(dir.file("m.rej.csv")));
    const auto report = aws_get(store, "m/report.json");
    ASSERT_TRUE(report.has_value()) << last_error_;
    EXPECT_EQ(without_timing(nlohmann::json::parse(*report)),
              without_timing(nlohmann::json::parse(read_file(dir.file("m.json")))));
}

// The bucket-only flow: shards of an object write their parts to a prefix, and merge reads
// the prefix, putting the parts in shard order whatever their keys.
TEST_F(S3Outputs, MergeReadsItsPartsFromAPrefixInTheOrderOfWhatTheyHold) {
    const std::string content = rejected_rows(500) + mock_object_csv(6000, 1).substr(23);
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", {object("in/day.csv", content)}}});
    use_keys(store.endpoint());
    auto r = salesproc({"--csv", "s3://sales/in/day.csv", "--out", dir.file("single.json"),
                        "--rejects", dir.file("single.rej.csv"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Each part's rejects lie beside it under the prefix; merge skips them as parts and finds
    // them through the reports.
    const std::vector<std::string> keys{"z-first", "a-second", "m-third"};
    for (std::size_t k = 0; k < 3; ++k) {
        r = salesproc({"--csv", "s3://sales/in/day.csv", "--shard", std::to_string(k) + "/3",
                       "--out", "s3://sales/parts/" + keys[k] + ".json", "--rejects",
                       "s3://sales/parts/" + keys[k] + ".rej.csv", "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        if (k == 1) continue;
        r = salesproc({"--csv", "s3://sales/in/day.csv", "--shard", std::to_string(k) + "/3",
                       "--out", "s3://sales/gap/" + keys[k] + ".json", "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    r = salesproc({"merge", "--out", dir.file("merged.json"), "--rejects",
                   dir.file("merged.rej.csv"), "-q", "s3://sales/parts/"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.file("merged.rej.csv")), read_file(dir.file("single.rej.csv")));
    auto merged = nlohmann::json::parse(read_file(dir.file("merged.json")));
    auto single = nlohmann::json::parse(read_file(dir.file("single.json")));
    merged["csv"].erase("chunks");
    single["csv"].erase("chunks");
    EXPECT_EQ(without_timing(merged), without_timing(single));

    // A shard missing from the prefix is named.
    r = salesproc({"merge", "--out", dir.file("gap.json"), "-q", "s3://sales/gap/"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("shard 1/3 is missing"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("gap.json")));
}

// deploy/kubernetes/bucket/ runs deploy/common/{shard,merge}.sh with s3:// arguments: here
// they run for real against s3rver, and equal one run over the object, rejects included.
TEST_F(S3Outputs, TheBucketOnlyRecipeEqualsOneRun) {
    const std::string content = rejected_rows(3000) + mock_object_csv(9000, 1).substr(23);
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", {object("in/day.csv", content)}}});
    use_keys(store.endpoint());
    const std::string input = "s3://sales/in/day.csv";
    auto r = salesproc({"--csv", input, "--out", dir.file("single.json"), "--rejects",
                        dir.file("single.rej.csv"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string deploy = std::string(SALESPROC_SOURCE_DIR) + "/deploy/common/";
    ::setenv("SALESPROC", salesproc_bin.c_str(), 1);
    for (int k = 0; k < 4; ++k) {
        r = run_process(
            {"/bin/sh", deploy + "shard.sh", std::to_string(k), "4", input, "s3://sales/parts"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    r = run_process({"/bin/sh", deploy + "merge.sh", "4", input, "s3://sales/parts",
                     "s3://sales/out/report.json", "s3://sales/out/rejects.csv"});
    ::unsetenv("SALESPROC");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(aws_get(store, "out/rejects.csv"), read_file(dir.file("single.rej.csv")));
    const auto report = aws_get(store, "out/report.json");
    ASSERT_TRUE(report.has_value()) << last_error_;
    auto merged = nlohmann::json::parse(*report);
    auto single = nlohmann::json::parse(read_file(dir.file("single.json")));
    merged["csv"].erase("chunks");
    single["csv"].erase("chunks");
    EXPECT_EQ(without_timing(merged), without_timing(single));
}

// Whether s3rver holds a part of an upload in progress.
bool upload_in_progress(const s3_store& store) {
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(store.directory(), ec))
        if (e.path().parent_path().parent_path().filename().string().ends_with("uploads") &&
            e.path().filename() == "1")
            return true;
    return false;
}

TEST_F(S3Outputs, AKillDuringTheMultipartUploadLeavesNoObject) {
    write_file(dir.file("in.csv"), rejected_rows(600'000));  // 57 MB of rejects, 7 parts
    s3_store store(dir, {{"buckets", {"sales"}}, {"objects", nlohmann::json::array()}});
    use_keys(store.endpoint());
    const pid_t pid = spawn_process({salesproc_bin, "--csv", dir.file("in.csv"), "--out",
                                     "s3://sales/k/report.json", "--rejects",
                                     "s3://sales/k/rejects.csv", "-q", "--threads", "1"});
    bool seen = false;
    for (int i = 0; i < 6000 && !seen; ++i) {
        seen = upload_in_progress(store);
        if (!seen) std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGKILL);
    wait_process(pid);
    ASSERT_TRUE(seen) << "no part was uploaded within 60 s";
    EXPECT_FALSE(aws_get(store, "k/rejects.csv").has_value());
    EXPECT_FALSE(aws_get(store, "k/report.json").has_value());
}

// SIGTERM in the middle of a multipart upload: the upload is aborted (its parts are gone from
// the store, which an incomplete upload would keep), no object appears, the previous one stays,
// and the exit is 143.
TEST_F(S3Outputs, SigtermDuringTheMultipartUploadAbortsIt) {
    write_file(dir.file("in.csv"), rejected_rows(600'000));  // 57 MB of rejects, 7 parts
    s3_store store(dir, {{"buckets", {"sales"}},
                         {"objects", {object("t/rejects.csv", "previous rejects\n")}}});
    use_keys(store.endpoint());
    const std::string errors = dir.file("stderr.txt");
    spawn_options o;
    o.stderr_path = errors;
    const pid_t pid = spawn_process(
        {salesproc_bin, "--csv", dir.file("in.csv"), "--out", "s3://sales/t/report.json",
         "--rejects", "s3://sales/t/rejects.csv", "-q", "--threads", "1"},
        o);
    bool seen = false;
    for (int i = 0; i < 6000 && !seen; ++i) {
        seen = upload_in_progress(store);
        if (!seen) std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGTERM);
    const exit_status status = wait_process(pid);
    ASSERT_TRUE(seen) << "no part was uploaded within 60 s";
    EXPECT_EQ(status.code, 143) << read_file(errors);
    EXPECT_FALSE(upload_in_progress(store)) << "the upload's parts are still in the store";
    const std::string aborted = store.directory() + "/aborted";
    ASSERT_TRUE(std::filesystem::exists(aborted)) << "no AbortMultipartUpload reached the store";
    const std::string ids = read_file(aborted);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), '\n'), 1) << ids;
    EXPECT_EQ(aws_get(store, "t/rejects.csv"), "previous rejects\n");
    EXPECT_FALSE(aws_get(store, "t/report.json").has_value());
}

}  // namespace
}  // namespace salesproc
