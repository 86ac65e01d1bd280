// salesproc merge through the binary: merged parts against one run over the same inputs, byte
// for byte (timing fields aside), on the seed files, generated files, shards among whole files,
// another order, an API part; the rejects file; and the errors: other rules, a malformed,
// truncated or foreign part, an output clashing with a part, a gate.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace salesproc {
namespace {

using namespace test;

// One run over `inputs` and one run per input merged: the same report and rejects file.
void expect_merge_equals_single(const std::vector<std::string>& inputs,
                                const std::vector<std::string>& extra = {}) {
    temp_dir dir;
    std::vector<std::string> single{"--out", dir.file("single.json"), "--rejects",
                                    dir.file("single.rej.csv"), "-q"};
    for (const auto& in : inputs) {
        single.push_back("--csv");
        single.push_back(in);
    }
    single.insert(single.end(), extra.begin(), extra.end());
    auto r = salesproc(single);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> merge{
        "merge", "--out", dir.file("merged.json"), "--rejects", dir.file("merged.rej.csv"), "-q"};
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const std::string part = dir.file("part-" + std::to_string(i) + ".json");
        const std::string rejects = dir.file("part-" + std::to_string(i) + ".rej.csv");
        std::vector<std::string> args{"--csv",     inputs[i], "--out", part,
                                      "--rejects", rejects,   "-q"};
        args.insert(args.end(), extra.begin(), extra.end());
        r = salesproc(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        merge.push_back("--part-rejects");
        merge.push_back(rejects);
        merge.push_back(part);
    }
    r = salesproc(merge);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(comparable_report(read_file(dir.file("merged.json"))),
              comparable_report(read_file(dir.file("single.json"))));
    EXPECT_EQ(read_file(dir.file("merged.rej.csv")), read_file(dir.file("single.rej.csv")));
}

const std::vector<std::string> seed_files{
    data_dir + "/sales.csv",    data_dir + "/sample.csv",    data_dir + "/transactions.csv",
    data_dir + "/negative.csv", data_dir + "/malformed.csv", data_dir + "/empty.csv"};

TEST(Merge, SeedFilesMergeIntoTheSingleRun) {
    expect_merge_equals_single(seed_files);
    // One part alone is the run itself.
    expect_merge_equals_single({data_dir + "/sales.csv"});
}

TEST(Merge, OrderDependentKeysFollowTheOrderGiven) {
    std::vector<std::string> reversed(seed_files.rbegin(), seed_files.rend());
    expect_merge_equals_single(reversed);
}

TEST(Merge, GeneratedFilesWithOtherRulesMergeExactly) {
    temp_dir dir;
    std::vector<std::string> files;
    for (unsigned seed = 1; seed <= 4; ++seed) {
        files.push_back(dir.file("g" + std::to_string(seed) + ".csv"));
        write_file(files.back(), generate_sales_csv(3000, seed));
    }
    // The generator's header has an id column and a note: map nothing, require id.
    expect_merge_equals_single(files, {"--min-price", "5", "--max-decimals", "3"});
}

TEST(Merge, ShardsAmongWholeFilesMergeIntoTheSingleRun) {
    temp_dir dir;
    const std::string a = dir.file("a.csv");
    const std::string b = dir.file("b.csv");
    write_file(a, generate_sales_csv(5000, 11));
    write_file(b, generate_sales_csv(800, 12));
    const auto single = salesproc({"--csv", a, "--csv", b, "--out", dir.file("single.json"), "-q"});
    ASSERT_EQ(single.exit_code, 0) << single.err;
    std::vector<std::string> merge{"merge", "--out", dir.file("merged.json"), "-q"};
    // The generator puts line breaks inside quotes: try each start, as the recipes do.
    for (int k = 0; k < 4; ++k) {
        const std::string part = dir.file("a-" + std::to_string(k) + ".json");
        const auto r =
            salesproc({"--csv", a, "--out", part, "-q", "--shard", std::to_string(k) + "/4"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        merge.push_back(part);
    }
    ASSERT_EQ(salesproc({"--csv", b, "--out", dir.file("b.json"), "-q"}).exit_code, 0);
    merge.push_back(dir.file("b.json"));
    auto r = salesproc(merge);
    if (r.exit_code == 1) {
        // A shard started inside quotes: the message says which and how to re-run it.
        const auto at = r.err.find("re-run it with --shard ");
        ASSERT_NE(at, std::string::npos) << r.err;
        for (int k = 1; k < 4; ++k) {
            const std::string spec = std::to_string(k) + "/4 --shard-start quoted";
            if (r.err.find("--shard " + spec) == std::string::npos) continue;
            ASSERT_EQ(
                salesproc({"--csv", a, "--out", dir.file("a-" + std::to_string(k) + ".json"), "-q",
                           "--shard", std::to_string(k) + "/4", "--shard-start", "quoted"})
                    .exit_code,
                0);
        }
        r = salesproc(merge);
    }
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(comparable_report(read_file(dir.file("merged.json"))),
              comparable_report(read_file(dir.file("single.json"))));
}

TEST(Merge, AnApiPartLastMergesIntoTheSingleRun) {
    mock_server srv(tls_options());
    temp_dir dir;
    const std::string sales = data_dir + "/sales.csv";
    const std::string sample = data_dir + "/sample.csv";
    const std::vector<std::string> api{"--cacert",  shared_pki().ca_file,
                                       "--api-url", srv.url("/sales"),
                                       "--api-url", srv.url("/posts/1")};
    std::vector<std::string> single{
        "--csv", sales, "--csv", sample, "--out", dir.file("single.json"), "-q"};
    single.insert(single.end(), api.begin(), api.end());
    ASSERT_EQ(salesproc(single).exit_code, 0);
    ASSERT_EQ(salesproc({"--csv", sales, "--out", dir.file("p0.json"), "-q"}).exit_code, 0);
    std::vector<std::string> last{"--csv", sample, "--out", dir.file("p1.json"), "-q"};
    last.insert(last.end(), api.begin(), api.end());
    ASSERT_EQ(salesproc(last).exit_code, 0);
    const auto r = salesproc({"merge", "--out", dir.file("merged.json"), "-q", dir.file("p0.json"),
                              dir.file("p1.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(comparable_report(read_file(dir.file("merged.json"))),
              comparable_report(read_file(dir.file("single.json"))));
    const auto doc = nlohmann::json::parse(read_file(dir.file("merged.json")));
    EXPECT_EQ(doc["api"]["requested"], 2);
    EXPECT_GT(doc["api_records"].get<int>(), 1);
}

TEST(Merge, PartsUnderOtherRulesAreAnErrorNamingBothAndTheRule) {
    temp_dir dir;
    const std::string sales = data_dir + "/sales.csv";
    ASSERT_EQ(salesproc({"--csv", sales, "--out", dir.file("a.json"), "-q"}).exit_code, 0);
    ASSERT_EQ(salesproc({"--csv", sales, "--out", dir.file("b.json"), "-q", "--min-price", "5"})
                  .exit_code,
              0);
    write_file(dir.file("out.json"), "previous");
    const auto r =
        salesproc({"merge", "--out", dir.file("out.json"), dir.file("a.json"), dir.file("b.json")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(dir.file("a.json") + " and " + dir.file("b.json")), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("min_price 10.0 and 5.0"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(dir.file("out.json")), "previous");
}

TEST(Merge, MalformedTruncatedOrForeignPartsNameTheFileAndWriteNothing) {
    temp_dir dir;
    ASSERT_EQ(salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("good.json"), "-q"})
                  .exit_code,
              0);
    const std::string good = read_file(dir.file("good.json"));
    write_file(dir.file("truncated.json"), good.substr(0, good.size() / 2));
    write_file(dir.file("garbage.json"), "this is not json");
    write_file(dir.file("foreign.json"), R"({"hello": "world"})");
    write_file(dir.file("array.json"), "[1, 2, 3]");
    for (const char* name : {"truncated.json", "garbage.json", "foreign.json", "array.json"}) {
        const auto r = salesproc(
            {"merge", "--out", dir.file("out.json"), dir.file("good.json"), dir.file(name)});
        EXPECT_EQ(r.exit_code, 1) << name;
        EXPECT_EQ(r.err.rfind("salesproc: error: " + dir.file(name) + ": ", 0), 0U) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(std::filesystem::exists(dir.file("out.json"))) << name;
    }
    const auto missing = salesproc({"merge", "--out", dir.file("out.json"), dir.file("nope.json")});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("nope.json"), std::string::npos);
}

TEST(Merge, OutputsMayNotNameAPartOrAnother) {
    temp_dir dir;
    ASSERT_EQ(salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("a.json"), "--rejects",
                         dir.file("a.rej.csv"), "-q"})
                  .exit_code,
              0);
    const std::string before = read_file(dir.file("a.json"));
    auto r = salesproc({"merge", "--out", dir.file("./a.json"), dir.file("a.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
    r = salesproc({"merge", "--out", dir.file("m.json"), "--rejects", dir.file("a.rej.csv"),
                   "--part-rejects", dir.file("a.rej.csv"), dir.file("a.json")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = salesproc({"merge", "--out", dir.file("m.json"), "--rejects", dir.file("m.json"),
                   "--part-rejects", dir.file("a.rej.csv"), dir.file("a.json")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    // Without --part-rejects the part's own rejects file is read: it may not be an output.
    r = salesproc({"merge", "--out", dir.file("m.json"), "--rejects", dir.file("a.rej.csv"),
                   dir.file("a.json")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("the rejects file of " + dir.file("a.json")), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
    EXPECT_EQ(read_file(dir.file("a.json")), before);
}

// Each part records where its rejects went (an absolute path), so merge --rejects needs no
// --part-rejects, even run from another directory than the parts'.
TEST(Merge, RejectsAreFoundWhereEachPartsReportSaysTheyWent) {
    temp_dir dir;
    std::filesystem::create_directories(dir.file("parts"));
    std::filesystem::create_directories(dir.file("elsewhere"));
    const std::string input = dir.file("in.csv");
    write_file(input, generate_sales_csv(4000, 7));
    const std::string salesproc_path = salesproc_bin;
    auto r = salesproc({"--csv", input, "--out", dir.file("single.json"), "--rejects",
                        dir.file("single.rej.csv"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> merge{
        salesproc_path, "merge", "--out", "../merged.json", "--rejects", "../merged.rej.csv", "-q"};
    for (int k = 0; k < 3; ++k) {
        const std::string part = "part-" + std::to_string(k);
        r = run_process({salesproc_path, "--csv", input, "--shard", std::to_string(k) + "/3",
                         "--out", part + ".json", "--rejects", part + ".rej.csv", "-q"},
                        {}, dir.file("parts"));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto report = nlohmann::json::parse(read_file(dir.file("parts/" + part + ".json")));
        EXPECT_EQ(report["rejects"]["path"], dir.file("parts/" + part + ".rej.csv"));
        merge.push_back("../parts/" + part + ".json");
    }
    r = run_process(merge, {}, dir.file("elsewhere"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.file("merged.rej.csv")), read_file(dir.file("single.rej.csv")));
    EXPECT_EQ(comparable_report(read_file(dir.file("merged.json"))),
              comparable_report(read_file(dir.file("single.json"))));
    EXPECT_EQ(nlohmann::json::parse(read_file(dir.file("merged.json")))["rejects"]["path"],
              dir.file("merged.rej.csv"));

    // A part whose run kept no rejects file is named, and nothing is written.
    r = salesproc({"--csv", input, "--shard", "1/3", "--out", dir.file("bare-1.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = salesproc({"merge", "--out", dir.file("m2.json"), "--rejects", dir.file("m2.rej.csv"),
                   dir.file("parts/part-0.json"), dir.file("bare-1.json"),
                   dir.file("parts/part-2.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "salesproc: error: " + dir.file("bare-1.json") +
                         ": records no rejects file (its run had no --rejects, or wrote them to "
                         "stdout): give every part's file with --part-rejects\n");
    EXPECT_FALSE(std::filesystem::exists(dir.file("m2.json")));
    EXPECT_FALSE(std::filesystem::exists(dir.file("m2.rej.csv")));
}

TEST(Merge, GatesAndMetricsWorkAsForARun) {
    temp_dir dir;
    ASSERT_EQ(
        salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("a.json"), "-q"}).exit_code,
        0);
    const auto r = salesproc({"merge", "--out", dir.file("m.json"), "-q", "--max-invalid", "2",
                              "--metrics", dir.file("m.prom"), dir.file("a.json")});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    const auto doc = nlohmann::json::parse(read_file(dir.file("m.json")));
    EXPECT_EQ(doc["quality"]["max_invalid"]["passed"], false);
    EXPECT_NE(read_file(dir.file("m.prom")).find("salesproc_exit_code 4"), std::string::npos);
}

TEST(Merge, ShardNeedsOneSeekableUncompressedFile) {
    temp_dir dir;
    const std::string sales = data_dir + "/sales.csv";
    auto r = salesproc({"--csv", "-", "--out", dir.file("o.json"), "--shard", "0/2"});
    EXPECT_EQ(r.exit_code, 2);
    r = salesproc({"--csv", sales, "--csv", sales, "--out", dir.file("o.json"), "--shard", "0/2"});
    EXPECT_EQ(r.exit_code, 2);
    const auto gz = run_process({"/bin/sh", "-c", "gzip -c " + sales + " > " + dir.file("s.gz")});
    ASSERT_EQ(gz.exit_code, 0);
    r = salesproc({"--csv", dir.file("s.gz"), "--out", dir.file("o.json"), "--shard", "0/2"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("compressed"), std::string::npos) << r.err;
    r = salesproc({"--csv", sales, "--out", dir.file("o.json"), "--shard", "2/2"});
    EXPECT_EQ(r.exit_code, 2);
    r = salesproc({"--csv", sales, "--out", dir.file("o.json"), "--shard-start", "quoted"});
    EXPECT_EQ(r.exit_code, 2);
    ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0600), 0);
    r = salesproc({"--csv", dir.file("fifo"), "--out", dir.file("o.json"), "--shard", "0/2"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_FALSE(std::filesystem::exists(dir.file("o.json")));
}

}  // namespace
}  // namespace salesproc
