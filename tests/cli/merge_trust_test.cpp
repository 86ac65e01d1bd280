// merge trusts nothing it reads (parts 10 and 16): shards of a file that changed between runs,
// the same part or input twice, parts that contradict themselves or would wrap a sum, malformed
// parts and rejects files are each refused with an error naming the part, and --metrics is
// written as for any failed run. Every --max-decimals merges.
#include "cli/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace salesproc {
namespace {

using namespace test;
using ordered_json = nlohmann::ordered_json;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

std::string run_part(const temp_dir& dir, const std::string& name, std::vector<std::string> args) {
    const std::string out = dir.file(name);
    args.insert(args.end(), {"--out", out, "-q"});
    const auto r = salesproc(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
}

// The repro: shard 0 of a 100k-row file, the file cut to its first 1 MB, shard 1.
TEST(MergeTrust, ShardsOfAFileThatChangedBetweenShardRunsAreRefused) {
    temp_dir dir;
    const auto csv = dir.file("p.csv");
    write_file(csv, generate_sales_csv(100000, 11));
    const auto p0 = run_part(dir, "s0.json", {"--csv", csv, "--shard", "0/2"});
    std::filesystem::resize_file(csv, 1000000);
    const auto p1 = run_part(dir, "s1.json", {"--csv", csv, "--shard", "1/2"});
    const auto r =
        salesproc({"merge", "--out", dir.file("m.json"), "--metrics", dir.file("m.prom"), p0, p1});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(
        r, p0 + " and " + p1 + ": shards 0/2 and 1/2 of " + csv + " read different files (size ");
    EXPECT_NE(r.err.find("re-run all 2 shards"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
    EXPECT_NE(read_file(dir.file("m.prom")).find("salesproc_exit_code 1"), std::string::npos);
}

TEST(MergeTrust, ThePartGivenTwiceIsAUsageErrorNamingIt) {
    temp_dir dir;
    const auto day = run_part(dir, "day.json", {"--csv", data_dir + "/sales.csv"});
    for (const std::string& again : {day, dir.path().string() + "/./day.json"}) {
        const auto r = salesproc({"merge", "--out", dir.file("m.json"), day, again});
        EXPECT_EQ(r.exit_code, 2);
        expect_one_error_line(r, "PART " + again + ": given twice");
    }
}

// Two reports of the same input, or one shard twice: merging them would count it twice.
TEST(MergeTrust, PartsThatReadTheSameInputAreRefusedNamingBoth) {
    temp_dir dir;
    const auto csv = dir.file("in.csv");
    write_file(csv, generate_sales_csv(3000, 5));
    const auto a = run_part(dir, "a.json", {"--csv", csv});
    const auto b = run_part(dir, "b.json", {"--csv", csv});
    auto r = salesproc({"merge", "--out", dir.file("m.json"), a, b});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, a + " and " + b + ": both read " + csv);
    const auto s0 = run_part(dir, "s0.json", {"--csv", csv, "--shard", "0/2"});
    const auto s0again = run_part(dir, "s0b.json", {"--csv", csv, "--shard", "0/2"});
    const auto s1 = run_part(dir, "s1.json", {"--csv", csv, "--shard", "1/2"});
    r = salesproc({"merge", "--out", dir.file("m.json"), s0, s0again, s1});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, s0 + " and " + s0again + ": both hold shard 0/2 of " + csv);
    r = salesproc({"merge", "--out", dir.file("m.json"), s0, s1, a});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, s0 + " and " + a + ": both read " + csv);
    // The same path over another day's content is another input: it merges.
    const auto other = dir.file("other.json");
    write_file(csv, generate_sales_csv(3000, 6));
    run_part(dir, "other.json", {"--csv", csv});
    r = salesproc({"merge", "--out", dir.file("m.json"), a, other});
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A report made with --max-decimals D merges at every D, into the single run's report.
TEST(MergeTrust, EveryMaxDecimalsFromZeroToEighteenMerges) {
    temp_dir dir;
    write_file(dir.file("a.csv"),
               "product,price,quantity\nHalal A,24,1\nHalal B,10.5,2\nHalal A,12.125,3\n");
    write_file(dir.file("b.csv"),
               "product,price,quantity\nHalal B,11,1\nHalal C,10.000000000000000001,1\n");
    for (unsigned d = 0; d <= 18; ++d) {
        const std::string decimals = std::to_string(d);
        const auto single = run_part(
            dir, "single.json",
            {"--csv", dir.file("a.csv"), "--csv", dir.file("b.csv"), "--max-decimals", decimals});
        const auto a =
            run_part(dir, "pa.json", {"--csv", dir.file("a.csv"), "--max-decimals", decimals});
        const auto b =
            run_part(dir, "pb.json", {"--csv", dir.file("b.csv"), "--max-decimals", decimals});
        const auto r = salesproc({"merge", "--out", dir.file("m.json"), a, b});
        ASSERT_EQ(r.exit_code, 0) << "--max-decimals " << d << ": " << r.err;
        auto m = ordered_json::parse(read_file(dir.file("m.json")));
        auto s = ordered_json::parse(read_file(single));
        for (auto* doc : {&m, &s}) {
            doc->erase("generated_at");
            doc->erase("duration_ms");
            doc->erase("parts");
            (*doc)["csv"].erase("chunks");
        }
        EXPECT_EQ(m.dump(), s.dump()) << "--max-decimals " << d;
    }
}

// Sums that would wrap are refused, naming the parts: a quantity of 2^127 twice, valid_sales of
// 2^64 - 1 twice. Never "quantity": 0 or a negative total.
TEST(MergeTrust, SumsThatWouldWrapAreRefusedNamingTheParts) {
    temp_dir dir;
    write_file(dir.file("one.csv"), "product,price,quantity\nHalal A,12.00,1\n");
    const std::string base = read_file(run_part(dir, "base.json", {"--csv", dir.file("one.csv")}));
    const std::string big_quantity = replaced(
        base, "\"quantity\": 1,", "\"quantity\": 170141183460469231731687303715884105728,");
    write_file(dir.file("q1.json"), big_quantity);
    write_file(dir.file("q2.json"), big_quantity);
    auto r = salesproc({"merge", "--out", dir.file("m.json"), "--metrics", dir.file("m.prom"),
                        dir.file("q1.json"), dir.file("q2.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, dir.file("q2.json") +
                                 ": the quantity or total of product 'Halal A' "
                                 "leaves the exact range when merged with " +
                                 dir.file("q1.json"));
    EXPECT_NE(read_file(dir.file("m.prom")).find("salesproc_exit_code 1"), std::string::npos);

    std::string big_valid =
        replaced(base, "\"valid_sales\": 1,", "\"valid_sales\": 18446744073709551615,");
    big_valid = replaced(big_valid, "\"rows\": 1,", "\"rows\": 18446744073709551615,");
    write_file(dir.file("v1.json"), big_valid);
    write_file(dir.file("v2.json"), replaced(big_valid, "one.csv", "two.csv"));
    r = salesproc({"merge", "--out", dir.file("m.json"), dir.file("v1.json"), dir.file("v2.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, dir.file("v2.json") +
                                 ": total_sales, valid_sales or invalid_sales "
                                 "leaves the exact range");
    EXPECT_FALSE(std::filesystem::exists(dir.file("m.json")));
}

// A part that disagrees with itself is refused, naming the part and the field.
TEST(MergeTrust, APartThatContradictsItselfIsRefused) {
    temp_dir dir;
    const std::string base =
        read_file(run_part(dir, "base.json", {"--csv", data_dir + "/sales.csv"}));
    const std::vector<std::pair<std::string, std::string>> lies{
        {replaced(base, "\"total_sales\": 2499.83", "\"total_sales\": 2499.84"),
         "sales_by_product: the products' totals sum to 2499.83, but total_sales is 2499.84"},
        {replaced(base, "\"bad_prefix\": 2", "\"bad_prefix\": 3"),
         "rejected: the reasons sum to 4, but invalid_sales is 3"},
        {replaced(base, "\"rows\": 6", "\"rows\": 7"),
         "valid_sales + invalid_sales is 6, but the CSV rows and API sales are 7"}};
    for (const auto& [text, why] : lies) {
        write_file(dir.file("lie.json"), text);
        const auto r = salesproc({"merge", "--out", dir.file("m.json"), dir.file("lie.json")});
        EXPECT_EQ(r.exit_code, 1);
        expect_one_error_line(r, dir.file("lie.json") + ": " + why);
    }
}

// Malformed parts are named errors with the part and the field, never a library's exception,
// and --metrics is written as for any failed run.
TEST(MergeTrust, MalformedPartsAreNamedErrorsAndMetricsAreWritten) {
    temp_dir dir;
    const auto csv = dir.file("in.csv");
    write_file(csv, generate_sales_csv(200, 2));
    const std::string shard = read_file(run_part(dir, "s.json", {"--csv", csv, "--shard", "0/1"}));
    auto doc = ordered_json::parse(shard);
    const std::vector<std::pair<std::function<void(ordered_json&)>, std::string>> cases{
        {[](ordered_json& d) { d["csv"]["shard"] = 5; }, "csv.shard: expected an object"},
        {[](ordered_json& d) { d["api"] = ordered_json::array({1}); }, "api: expected an object"},
        {[](ordered_json& d) { d["rejected_samples"] = ordered_json::array(); },
         "rejected_samples: expected an object"},
        {[](ordered_json& d) { d["rejected_samples"]["bad_price"][0]["source"] = 7; },
         "rejected_samples.bad_price[0].source: expected a string"},
        {[](ordered_json& d) { d["csv"]["identity"]["size"] = "big"; },
         "csv.identity.size: expected a count"}};
    for (const auto& [edit, why] : cases) {
        auto bad = doc;
        edit(bad);
        write_file(dir.file("bad.json"), bad.dump(2));
        const auto r = salesproc({"merge", "--out", dir.file("m.json"), "--metrics",
                                  dir.file("m.prom"), dir.file("bad.json")});
        EXPECT_EQ(r.exit_code, 1) << why;
        expect_one_error_line(r, dir.file("bad.json") + ": " + why);
        EXPECT_EQ(r.err.find("json.exception"), std::string::npos) << r.err;
        EXPECT_NE(read_file(dir.file("m.prom")).find("salesproc_exit_code 1"), std::string::npos);
    }
}

// A rejects file that is not its part's whole rejects file: empty, cut short, or holding a
// one-field line; the merged file would hold fewer lines than invalid_sales.
TEST(MergeTrust, APartRejectsFileThatIsNotThePartsWholeFileIsRefused) {
    temp_dir dir;
    const auto csv = dir.file("in.csv");
    std::string text = "product,price,quantity\n";
    for (int i = 0; i < 500; ++i)
        text += i % 3 == 0 ? "Monitor,12.00,1\n" : "Halal A,12.00," + std::to_string(i % 7) + "\n";
    write_file(csv, text);
    std::vector<std::string> parts, rejects;
    for (int k = 0; k < 2; ++k) {
        rejects.push_back(dir.file("s" + std::to_string(k) + ".rej.csv"));
        parts.push_back(run_part(
            dir, "s" + std::to_string(k) + ".json",
            {"--csv", csv, "--shard", std::to_string(k) + "/2", "--rejects", rejects.back()}));
    }
    const std::string whole = read_file(rejects[1]);
    const std::vector<std::pair<std::string, std::string>> broken{
        {"", "not a salesproc rejects file: it is empty"},
        {whole.substr(0, whole.find('\n', whole.size() / 2) + 1), "holds "},
        {whole + "lonely\n", "not a salesproc rejects file: a record without the five fields"}};
    for (const auto& [content, why] : broken) {
        write_file(dir.file("broken.rej.csv"), content);
        const auto r =
            salesproc({"merge", "--out", dir.file("m.json"), "--rejects", dir.file("m.rej.csv"),
                       "--part-rejects", rejects[0], "--part-rejects", dir.file("broken.rej.csv"),
                       parts[0], parts[1]});
        EXPECT_EQ(r.exit_code, 1) << why;
        expect_one_error_line(r, dir.file("broken.rej.csv") + ": " + why);
        EXPECT_FALSE(std::filesystem::exists(dir.file("m.rej.csv")));
    }
}

TEST(CliErrors, AnUnknownOptionIsNamedWithTheClosestKnownOne) {
    temp_dir dir;
    auto r = salesproc({"--csv", data_dir + "/sales.csv", "--outt", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "salesproc: error: unknown option '--outt' (did you mean '--out'?)\n");
    r = salesproc({"merge", "--outt", dir.file("m.json"), dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "salesproc: error: unknown option '--outt' (did you mean '--out'?)\n");
    r = salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("r.json"), "--zzzzzz"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "salesproc: error: unknown option '--zzzzzz'\n");
    // A negative number is a value, not an option: its own check speaks.
    r = salesproc(
        {"--csv", data_dir + "/sales.csv", "--out", dir.file("r.json"), "--min-price", "-5"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--min-price"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("r.json")));
}

TEST(CliErrors, AFieldMappingClashNamesTheFlag) {
    temp_dir dir;
    const auto r = salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("r.json"),
                              "--field", "price=product"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "salesproc: error: --field: product and price are both mapped to column 'product'\n");
    write_file(dir.file("c.yaml"), "fields:\n  price: product\n");
    const auto c = salesproc({"--csv", data_dir + "/sales.csv", "--out", dir.file("r.json"),
                              "--config", dir.file("c.yaml")});
    EXPECT_EQ(c.exit_code, 1);
    expect_one_error_line(c, dir.file("c.yaml") + ": fields: product and price are both mapped");
}

}  // namespace
}  // namespace salesproc
