// Black-box tests of part 6: compressed CSV, other delimiters and column names, several CSV files
// in one run. The real binary, its files, stderr and exit code.
#include "cli/cli_support.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace salesproc {
namespace {

using nlohmann::ordered_json;
using test::expect_one_error_line;
using test::read_file;
using test::salesproc;
using test::temp_dir;
using test::write_file;

const std::string& data = test::data_dir;

// The report without what differs between equivalent runs: timing, chunking, the csv section,
// where the rejects went.
ordered_json comparable(const std::string& path) {
    auto doc = ordered_json::parse(read_file(path));
    for (const char* k : {"generated_at", "duration_ms", "csv", "rejects", "parts"})
        doc.erase(k);
    for (auto& [reason, list] : doc["rejected_samples"].items())
        for (auto& sample : list)
            sample.erase("source");
    return doc;
}

TEST(Inputs, GzipAndZstdGiveThePlainFilesReport) {
    temp_dir dir;
    const std::string text = test::generate_sales_csv(20000, 9);
    write_file(dir.file("s.csv"), text);
    // Named without a suffix on purpose: the magic bytes decide, not the name.
    write_file(dir.file("s.gz.data"),
               test::gzip_compress(text.substr(0, 1000)) + test::gzip_compress(text.substr(1000)));
    write_file(dir.file("s.zst.data"), test::zstd_compress(text.substr(0, 5000)) +
                                           test::zstd_compress(text.substr(5000), 9));
    ASSERT_EQ(
        salesproc({"--csv", dir.file("s.csv"), "--out", dir.file("plain.json"), "-q"}).exit_code,
        0);
    const auto plain = comparable(dir.file("plain.json"));
    for (const char* name : {"s.gz.data", "s.zst.data"})
        for (const char* threads : {"1", "2", "3", "4"})
            for (const char* chunk : {"4096", "65536", "4MiB"}) {
                const auto out = dir.file("c.json");
                const auto r = salesproc({"--csv", dir.file(name), "--out", out, "-q", "--threads",
                                          threads, "--chunk-size", chunk});
                ASSERT_EQ(r.exit_code, 0) << r.err;
                EXPECT_EQ(comparable(out), plain) << name << " threads " << threads;
                const auto csv = ordered_json::parse(read_file(out))["csv"];
                struct stat st {};
                ASSERT_EQ(::stat(dir.file(name).c_str(), &st), 0);
                EXPECT_EQ(csv["bytes"], static_cast<std::uint64_t>(st.st_size));
                EXPECT_EQ(csv["decompressed_bytes"], text.size());
                EXPECT_EQ(csv["compression"],
                          std::string(name).find("gz") != std::string::npos ? "gzip" : "zstd");
            }
    // From stdin too.
    const auto r =
        salesproc({"--csv", "-", "--out", dir.file("stdin.json"), "-q"}, test::zstd_compress(text));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(comparable(dir.file("stdin.json")), plain);
}

TEST(Inputs, CorruptOrTruncatedCompressedInputWritesNothing) {
    temp_dir dir;
    const std::string text = test::generate_sales_csv(20000, 2);
    const std::string gz = test::gzip_compress(text);
    write_file(dir.file("cut.csv.gz"), gz.substr(0, gz.size() / 2));
    write_file(dir.file("r.json"), "previous");
    auto r = salesproc({"--csv", dir.file("cut.csv.gz"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, dir.file("cut.csv.gz") + ": gzip stream truncated after " +
                                 std::to_string(gz.size() / 2) + " bytes");
    EXPECT_EQ(read_file(dir.file("r.json")), "previous");

    std::string bad = test::zstd_compress(text);
    bad[bad.size() / 3] = static_cast<char>(~bad[bad.size() / 3]);
    write_file(dir.file("bad.csv.zst"), bad);
    r = salesproc({"--csv", dir.file("bad.csv.zst"), "--out", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("salesproc: error: " + dir.file("bad.csv.zst") + ": zstd data is corrupt"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(read_file(dir.file("r.json")), "previous");
}

// Sanitizer builds keep freed memory in quarantine: a looser bound, still far below the bomb.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t bomb_rss_bound_kib = 400 << 10;
#else
constexpr std::uint64_t bomb_rss_bound_kib = 64 << 10;
#endif

// A stream cut short fails with the stream's own error at every --chunk-size, from 1 byte to
// 4 MiB: never a header or row error on the bytes it did decode (part 18). The zstd case is the
// fuzzer's (a frame without a checksum, whose header is NULs); the gzip one has a header that
// lacks the columns.
TEST(Inputs, ATruncatedStreamGivesTheStreamsErrorAtAnyChunkSize) {
    temp_dir dir;
    const std::string fuzzed = read_file(std::string(SALESPROC_SOURCE_DIR) +
                                         "/tests/fuzz/regressions/csv/zstd-truncated-2757d28347e0");
    write_file(dir.file("cut.csv.zst"), fuzzed.substr(2));  // without the fuzzer's parameters
    std::string text = "name,amount\n";
    for (int i = 0; i < 20000; ++i)
        text += "Halal " + std::to_string(i) + ",1\n";
    const std::string gz = test::gzip_compress(text);
    write_file(dir.file("cut.csv.gz"), gz.substr(0, gz.size() / 2));
    for (const auto& [file, expected] : std::vector<std::pair<std::string, std::string>>{
             {"cut.csv.zst", "zstd stream truncated after"},
             {"cut.csv.gz", "gzip stream truncated after"}}) {
        std::string first;
        for (const char* chunk : {"1", "2", "64", "4096", "64KiB", "1MiB", "4MiB"}) {
            const auto r = salesproc({"--csv", dir.file(file), "--out", dir.file("r.json"),
                                      "--chunk-size", chunk, "-q"});
            EXPECT_EQ(r.exit_code, 1) << file << " --chunk-size " << chunk;
            expect_one_error_line(r, dir.file(file) + ": " + expected);
            if (first.empty()) first = r.err;
            EXPECT_EQ(r.err, first) << file << " --chunk-size " << chunk;
        }
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("r.json")));
}

TEST(Inputs, ADecompressionBombIsBoundedByMaxRowSize) {
    temp_dir dir;
    // 512 MiB of one row without a line end, under 1 MiB compressed, between two good rows.
    write_file(dir.file("bomb.csv.gz"),
               test::gzip_bomb("product,price,quantity\nHalal A,10.00,1\n", 'x',
                               std::uint64_t{512} << 20, "\nHalal B,20.00,1\n"));
    const auto r = salesproc({"--csv", dir.file("bomb.csv.gz"), "--out", dir.file("r.json"), "-q",
                              "--max-row-size", "1MiB"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = ordered_json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["rejected"]["malformed_row"], 1);
    EXPECT_LT(r.max_rss_kib, bomb_rss_bound_kib) << "the bomb was held in memory";
    std::printf("512 MiB gzip bomb row: peak RSS %llu KiB\n",
                static_cast<unsigned long long>(r.max_rss_kib));
}

TEST(Inputs, DelimiterAndFieldMappingFromFlagsAndConfig) {
    temp_dir dir;
    write_file(dir.file("semi.csv"),
               "Product;unit_price;qty\nHalal A;12.50;2\n\"Halal; B\";20.00;1\nMonitor;30.00;1\n");
    write_file(dir.file("tab.tsv"), "Product\tunit_price\tqty\nHalal A\t12.50\t2\n");
    const std::vector<std::string> mapping{"--field",          "product=Product", "--field",
                                           "price=unit_price", "--field",         "quantity=qty"};
    auto args = std::vector<std::string>{"--csv", dir.file("semi.csv"), "--out", dir.file("r.json"),
                                         "-q",    "--delimiter",        ";"};
    args.insert(args.end(), mapping.begin(), mapping.end());
    auto r = salesproc(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = ordered_json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["unique_products"][1], "Halal; B");
    EXPECT_EQ(doc["total_sales"].dump(), "45.0");

    args = {"--csv", dir.file("tab.tsv"), "--out", dir.file("r.json"), "-q", "--delimiter", "tab"};
    args.insert(args.end(), mapping.begin(), mapping.end());
    r = salesproc(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ordered_json::parse(read_file(dir.file("r.json")))["valid_sales"], 1);

    // The same from config.yaml; a flag overrides the file.
    write_file(dir.file("c.yaml"),
               "delimiter: ';'\nfields:\n  product: Product\n  price: unit_price\n  quantity: q\n");
    r = salesproc({"--csv", dir.file("semi.csv"), "--out", dir.file("r.json"), "-q", "--config",
                   dir.file("c.yaml"), "--field", "quantity=qty"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ordered_json::parse(read_file(dir.file("r.json")))["valid_sales"], 2);

    // A mapped column that is absent: fatal, naming the field and the column.
    r = salesproc({"--csv", dir.file("semi.csv"), "--out", dir.file("r.json"), "--config",
                   dir.file("c.yaml")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, dir.file("semi.csv") +
                                 ": field 'quantity' (column 'q'): required column is missing "
                                 "from the header (found: Product, unit_price, qty)");

    // Bad values are usage errors.
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--delimiter", ":"}, {"--field", "cost=c"}, {"--field", "price"}}) {
        auto a =
            std::vector<std::string>{"--csv", dir.file("semi.csv"), "--out", dir.file("x.json")};
        a.insert(a.end(), bad.begin(), bad.end());
        r = salesproc(a);
        EXPECT_EQ(r.exit_code, 2) << bad[1];
        EXPECT_NE(r.err.find(bad[0]), std::string::npos) << r.err;
    }
}

TEST(Inputs, SeveralFilesTotalLikeOneFileInTheirOrder) {
    temp_dir dir;
    const std::string a = test::generate_sales_csv(3000, 21);
    const std::string b = test::generate_sales_csv(2000, 22);
    const std::string c = test::generate_sales_csv(10, 23);
    auto body = [](const std::string& t) { return t.substr(t.find('\n') + 1); };
    write_file(dir.file("a.csv"), a);
    write_file(dir.file("b.csv.gz"), test::gzip_compress(b));
    write_file(dir.file("c.csv"), c);
    write_file(dir.file("all.csv"), a + body(b) + body(c));
    write_file(dir.file("list.txt"), dir.file("b.csv.gz") + "\n\n" + dir.file("c.csv") + "\n");
    ASSERT_EQ(
        salesproc({"--csv", dir.file("all.csv"), "--out", dir.file("one.json"), "-q"}).exit_code,
        0);
    std::string first_rejects;
    for (const char* threads : {"1", "2", "3", "4"})
        for (const char* chunk : {"4096", "8KiB", "1MiB"}) {
            const auto r =
                salesproc({"--csv", dir.file("a.csv"), "--csv-list", dir.file("list.txt"), "--out",
                           dir.file("many.json"), "--rejects", dir.file("rejects.jsonl"), "-q",
                           "--threads", threads, "--chunk-size", chunk});
            ASSERT_EQ(r.exit_code, 0) << r.err;
            auto many = comparable(dir.file("many.json"));
            EXPECT_EQ(many, comparable(dir.file("one.json"))) << "threads " << threads;
            const std::string rejects = read_file(dir.file("rejects.jsonl"));
            if (first_rejects.empty()) first_rejects = rejects;
            EXPECT_EQ(rejects, first_rejects) << "threads " << threads << " chunk " << chunk;
        }
    const auto csv = ordered_json::parse(read_file(dir.file("many.json")))["csv"];
    ASSERT_EQ(csv["inputs"].size(), 3U);
    EXPECT_EQ(csv["inputs"][0]["path"], dir.file("a.csv"));
    EXPECT_EQ(csv["inputs"][1]["path"], dir.file("b.csv.gz"));
    EXPECT_EQ(csv["inputs"][1]["compression"], "gzip");
    EXPECT_EQ(csv["inputs"][2]["rows"], csv["inputs"][2]["valid"].get<std::uint64_t>() +
                                            csv["inputs"][2]["invalid"].get<std::uint64_t>());
    EXPECT_EQ(csv["rows"], csv["inputs"][0]["rows"].get<std::uint64_t>() +
                               csv["inputs"][1]["rows"].get<std::uint64_t>() +
                               csv["inputs"][2]["rows"].get<std::uint64_t>());
    // Each reject names its own file, in the order of the files.
    std::istringstream rejects(read_file(dir.file("rejects.jsonl")));
    const std::vector<std::string> order{dir.file("a.csv"), dir.file("b.csv.gz"),
                                         dir.file("c.csv")};
    std::size_t at = 0;
    std::vector<std::uint64_t> seen(3);
    for (std::string line; std::getline(rejects, line);) {
        const std::string source = ordered_json::parse(line)["source"];
        while (at < 3 && source != order[at])
            ++at;
        ASSERT_LT(at, 3U) << "out of order: " << line;
        ++seen[at];
    }
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(seen[i], csv["inputs"][i]["invalid"].get<std::uint64_t>()) << order[i];
}

TEST(Inputs, AFileThatFailsInTheMiddleWritesNothing) {
    temp_dir dir;
    write_file(dir.file("a.csv"), "product,price,quantity\nHalal A,10.00,1\n");
    write_file(dir.file("b.csv"), "name,price,quantity\nHalal B,10.00,1\n");
    write_file(dir.file("c.csv"), "product,price,quantity\nHalal C,10.00,1\n");
    write_file(dir.file("r.json"), "previous");
    write_file(dir.file("r.rej"), "previous rejects");
    const auto r =
        salesproc({"--csv", dir.file("a.csv"), "--csv", dir.file("b.csv"), "--csv",
                   dir.file("c.csv"), "--out", dir.file("r.json"), "--rejects", dir.file("r.rej")});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, dir.file("b.csv") +
                                 ": column 'product': required column is missing from the "
                                 "header (found: name, price, quantity)");
    EXPECT_EQ(read_file(dir.file("r.json")), "previous");
    EXPECT_EQ(read_file(dir.file("r.rej")), "previous rejects");
}

TEST(Inputs, EveryInputIsCheckedAgainstTheOutputs) {
    temp_dir dir;
    write_file(dir.file("a.csv"), "product,price,quantity\n");
    write_file(dir.file("b.csv"), "product,price,quantity\n");
    const auto r = salesproc(
        {"--csv", dir.file("a.csv"), "--csv", dir.file("b.csv"), "--out", dir.file("b.csv")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(dir.file("b.csv")), "product,price,quantity\n");
    const auto twice = salesproc({"--csv", "-", "--csv", "-", "--out", dir.file("x.json")});
    EXPECT_EQ(twice.exit_code, 2);
}

}  // namespace
}  // namespace salesproc
