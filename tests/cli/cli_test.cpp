// Black-box tests: the real binary in a temp directory; assert the JSON, stderr and exit code.
#include "cli/cli_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <csignal>
#include <filesystem>
#include <regex>
#include <sstream>

namespace salesproc {
namespace {

using nlohmann::json;
using test::expect_one_error_line;
using test::process_result;
using test::read_file;
using test::run_process;
using test::temp_dir;
using test::write_file;

const std::string& bin = test::salesproc_bin;
const std::string& data = test::data_dir;
using test::salesproc;

struct fixture_case {
    const char* file;
    const char* total;
    int valid;
    std::vector<std::string> products;
};

class DataFiles : public ::testing::TestWithParam<fixture_case> {};

TEST_P(DataFiles, ReportMatchesExpectedTotals) {
    const auto& c = GetParam();
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto r = salesproc({"--csv", data + "/" + c.file, "--out", out, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Quiet, but for the warning a header-only file gets (part 17).
    EXPECT_EQ(r.err,
              c.valid == 0 && std::string(c.file) == "empty.csv"
                  ? "salesproc: warn: " + data + "/empty.csv: no data rows after the header\n"
                  : "");
    const std::string text = read_file(out);
    const auto doc = json::parse(text);
    EXPECT_NE(text.find(std::string("\"total_sales\": ") + c.total + ","), std::string::npos)
        << text;
    EXPECT_EQ(doc["valid_sales"], c.valid);
    EXPECT_EQ(doc["unique_products"], c.products);
    EXPECT_EQ(doc["api_records"], 0);
}

std::string case_name(const ::testing::TestParamInfo<fixture_case>& info) {
    std::string name = info.param.file;
    return name.substr(0, name.find('.'));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, DataFiles,
    ::testing::Values(
        fixture_case{"sales.csv", "2499.83", 3, {"Halal Laptop", "Halal Mouse", "Halal Keyboard"}},
        fixture_case{"sample.csv", "2249.88", 2, {"Halal Laptop", "Halal Mouse"}},
        fixture_case{"empty.csv", "0.0", 0, {}},
        fixture_case{"malformed.csv", "249.9", 1, {"Halal Mouse"}},
        fixture_case{"negative.csv", "249.9", 1, {"Halal Mouse"}},
        fixture_case{
            "transactions.csv", "2499.83", 3, {"Halal Laptop", "Halal Mouse", "Halal Keyboard"}}),
    case_name);

TEST(Cli, SalesCsvFullContract) {
    temp_dir dir;
    const auto out = dir.file("sales_results.json");
    const auto r =
        salesproc({"--csv", data + "/sales.csv", "--out", out, "--config", data + "/config.yaml"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(out));
    EXPECT_EQ(doc["invalid_sales"], 3);
    EXPECT_EQ(doc["rejected"], json::parse(R"({"malformed_row":0,"missing_product":1,"bad_prefix":2,
        "bad_price":0,"price_below_min":0,"too_many_decimals":0,"bad_quantity":0,"quantity_out_of_range":0})"));
    EXPECT_EQ(doc["sales_by_product"], json::parse(R"([
        {"product":"Halal Laptop","quantity":2,"total":1999.98},
        {"product":"Halal Mouse","quantity":10,"total":249.9},
        {"product":"Halal Keyboard","quantity":5,"total":249.95}])"));
    EXPECT_EQ(doc["csv"]["rows"], 6);
    EXPECT_EQ(doc["csv"]["path"], data + "/sales.csv");
    EXPECT_EQ(doc["csv"]["bytes"], std::filesystem::file_size(data + "/sales.csv"));
    EXPECT_TRUE(std::regex_match(doc["generated_at"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    EXPECT_TRUE(doc["duration_ms"].is_number_integer());
    // Steps are logged to stderr.
    EXPECT_NE(r.err.find("input opened"), std::string::npos);
    EXPECT_NE(r.err.find("report written"), std::string::npos);
}

TEST(Cli, MissingColumnExitsOneAndNamesIt) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    write_file(out, "previous report");
    const auto r = salesproc({"--csv", data + "/invalid.csv", "--out", out, "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "invalid.csv: column 'product'");
    EXPECT_EQ(read_file(out), "previous report");
    EXPECT_EQ(dir.entries(), 1U);
}

TEST(Cli, FatalErrorsLeavePreviousReportUntouched) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    write_file(out, "previous report");
    write_file(dir.file("bad.yaml"), "min_price: cheap\n");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--csv", dir.file("missing.csv")}, "missing.csv: No such file or directory"},
        {{"--csv", dir.path().string()}, "is a directory"},
        {{"--csv", data + "/sales.csv", "--config", dir.file("bad.yaml")}, "bad.yaml: min_price"},
    };
    for (auto [args, needle] : cases) {
        args.insert(args.end(), {"--out", out});
        const auto r = salesproc(args);
        EXPECT_EQ(r.exit_code, 1) << needle;
        expect_one_error_line(r, needle);
        EXPECT_EQ(read_file(out), "previous report");
    }
}

TEST(Cli, UnwritableOutFailsFastWithPath) {
    temp_dir dir;
    const auto r1 = salesproc({"--csv", data + "/sales.csv", "--out", dir.path().string()});
    EXPECT_EQ(r1.exit_code, 1);
    expect_one_error_line(r1, "is a directory");
    const auto r2 = salesproc({"--csv", data + "/sales.csv", "--out", dir.file("nodir/r.json")});
    EXPECT_EQ(r2.exit_code, 1);
    expect_one_error_line(r2, "nodir/r.json");
    const auto r3 = salesproc({"--csv", data + "/sales.csv", "--out", "/dev/full"});
    EXPECT_EQ(r3.exit_code, 1);
    expect_one_error_line(r3, "/dev/full: No space left on device");
}

TEST(Cli, UsageErrorsExitTwo) {
    const std::vector<std::vector<std::string>> cases = {
        {"--csv", data + "/sales.csv"},                          // missing --out
        {"--csv", data + "/sales.csv", "--out", "-", "--nope"},  // unknown flag
        {"--csv", data + "/sales.csv", "--out", "-", "--threads", "0"},
        {"--csv", data + "/sales.csv", "--out", "-", "--chunk-size", "4XB"},
        {"--csv", data + "/sales.csv", "--out", "-", "--min-price", "1e3"},
        {"--csv", data + "/sales.csv", "--out", "-", "--log-format", "xml"},
    };
    for (const auto& args : cases) {
        const auto r = salesproc(args);
        EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
        EXPECT_TRUE(r.err.starts_with("salesproc: error: ")) << r.err;
        EXPECT_EQ(r.out, "");
    }
    const auto chunk = salesproc({"--csv", "x", "--out", "-", "--chunk-size", "4XB"});
    EXPECT_NE(chunk.err.find("--chunk-size"), std::string::npos) << chunk.err;
}

TEST(Cli, HelpAndVersionExitZero) {
    const auto help = salesproc({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("Exit codes:"), std::string::npos);
    EXPECT_NE(help.out.find("--chunk-size"), std::string::npos);
    const auto version = salesproc({"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_TRUE(version.out.starts_with("salesproc " SALESPROC_VERSION "\n")) << version.out;
    // The second line names what it was built with, for bug reports.
    const std::string second = version.out.substr(version.out.find('\n') + 1);
    for (const char* part : {"built with Boost 1.", "OpenSSL 3.", "zlib 1.", "zstd 1.", "GCC "})
        EXPECT_NE(second.find(part), std::string::npos) << part << " in " << second;
}

TEST(Cli, StdinToStdout) {
    const auto r = salesproc({"--csv", "-", "--out", "-", "-q"}, read_file(data + "/sales.csv"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["valid_sales"], 3);
    EXPECT_EQ(doc["csv"]["path"], "-");
}

TEST(Cli, FlagsOverrideConfig) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto r = salesproc({"--csv", data + "/sales.csv", "--out", out, "-q", "--config",
                              data + "/config.yaml", "--min-price", "25", "--max-quantity", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(out));
    EXPECT_EQ(doc["unique_products"], json::parse(R"(["Halal Laptop","Halal Keyboard"])"));
    EXPECT_EQ(doc["rejected"]["price_below_min"], 1);
    const auto r2 = salesproc(
        {"--csv", data + "/sales.csv", "--out", out, "-q", "--product-prefix", "Monitor"});
    ASSERT_EQ(r2.exit_code, 0);
    EXPECT_EQ(json::parse(read_file(out))["rejected"]["bad_price"], 1);
}

TEST(Cli, HandMadeEdgeCases) {
    temp_dir dir;
    const auto in = dir.file("edge.csv");
    write_file(in,
               "\xEF\xBB\xBF"
               "quantity , \"product\",extra,price\r\n"
               "2,\"Halal Rug, Large\",x,10.50\r\n"
               "\r\n"
               "1,\"Halal \"\"Premium\"\" Dates\",y,\"20\"\r\n"
               "3,  Halal Padded  ,z,10\r\n"
               "1,\"Halal Multi\nLine\",w,11\n"
               "1,Halal Short,row\n"
               "1,\"Halal Open,q,10\n");
    const auto out = dir.file("r.json");
    const auto r = salesproc({"--csv", in, "--out", out, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(out));
    EXPECT_EQ(
        doc["unique_products"],
        json::parse(
            R"(["Halal Rug, Large","Halal \"Premium\" Dates","Halal Padded","Halal Multi\nLine"])"));
    EXPECT_EQ(doc["rejected"]["malformed_row"], 2);  // short row, and unterminated quote at EOF
    EXPECT_EQ(doc["csv"]["rows"], 6);
    EXPECT_NE(read_file(out).find("\"total_sales\": 82.0,"), std::string::npos);
}

TEST(Cli, GarbageNeverCrashes) {
    temp_dir dir;
    std::string nasty = "product,price,quantity\n";
    nasty += std::string("Halal \0X,10,1\n", 14);
    nasty += "\xff\xfe\xfd,\x80,\xc3\n";
    nasty += "Halal Big," + std::string(8 << 20, '9') + ",1\n";  // an 8 MiB field
    nasty += "\"\"\"\"\"\"\n";
    nasty += "Halal End,10,1\n\"unterminated";
    write_file(dir.file("nasty.csv"), nasty);
    const auto out = dir.file("r.json");
    const auto r =
        salesproc({"--csv", dir.file("nasty.csv"), "--out", out, "-q", "--chunk-size", "64KiB"});
    // The 8 MiB price is valid notation and overflows exact arithmetic: a clear fatal error.
    EXPECT_EQ(r.exit_code, 1) << r.err;
    expect_one_error_line(r, "128-bit");
    nasty.replace(nasty.find("Halal Big,"), 10, "Halal Big,x");
    write_file(dir.file("nasty.csv"), nasty);
    const auto r2 =
        salesproc({"--csv", dir.file("nasty.csv"), "--out", out, "-q", "--chunk-size", "64KiB"});
    ASSERT_EQ(r2.exit_code, 0) << r2.err;
    const auto doc = json::parse(read_file(out));
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["rejected"]["bad_price"], 1);
    EXPECT_EQ(doc["rejected"]["bad_prefix"], 1);
    EXPECT_EQ(doc["rejected"]["malformed_row"], 2);
}

// The report is identical (timing fields and chunk count aside) for any --threads and
// --chunk-size, on a generated file of 100k+ rows.
TEST(Cli, DeterministicAcrossThreadsAndChunkSizes) {
    temp_dir dir;
    const auto in = dir.file("big.csv");
    write_file(in, test::generate_sales_csv(120000, 42));
    auto normalized = [&](const std::string& threads, const std::string& chunk) {
        const auto out = dir.file("r-" + threads + "-" + chunk + ".json");
        const auto r = salesproc({"--csv", in, "--out", out, "-q", "--threads", threads,
                                  "--chunk-size", chunk, "--config", data + "/config.yaml"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        auto doc = json::parse(read_file(out));
        doc.erase("generated_at");
        doc.erase("duration_ms");
        doc["csv"].erase("chunks");
        return doc.dump();
    };
    const auto reference = normalized("1", "64MiB");
    EXPECT_NE(reference.find("\"valid_sales\""), std::string::npos);
    for (const char* threads : {"1", "2", "3", "4"})
        for (const char* chunk : {"1KiB", "4097", "64KiB", "4MiB"})
            EXPECT_EQ(normalized(threads, chunk), reference) << threads << " " << chunk;
}

// The same at catalog scale: 100k distinct products (quoted ones, ones that only appear late,
// rejects among them), whose first-seen order and sums come from the partitioned catalog.
TEST(Cli, CatalogScaleReportIsDeterministicAcrossThreadsAndChunkSizes) {
    temp_dir dir;
    const auto in = dir.file("catalog.csv");
    std::string csv = "product,price,quantity\n";
    std::uint64_t state = 7;
    auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 33;
    };
    for (int i = 0; i < 240000; ++i) {
        const auto sku =
            i < 100000 ? static_cast<std::uint64_t>(i) * 7919 % 100000 : next() % 100000;
        const std::string name = "Halal SKU-" + std::to_string(sku);
        csv += sku % 10 == 3 ? "\"" + name + ", boxed\"" : sku % 97 == 1 ? "Pork-" + name : name;
        csv += "," + std::to_string(10 + next() % 900) + "." + std::to_string(10 + next() % 90) +
               "," + std::to_string(next() % 120) + "\n";
    }
    write_file(in, csv);
    auto normalized = [&](const std::string& threads, const std::string& chunk) {
        const auto out = dir.file("r-" + threads + "-" + chunk + ".json");
        const auto r = salesproc(
            {"--csv", in, "--out", out, "-q", "--threads", threads, "--chunk-size", chunk});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        std::istringstream lines(read_file(out));
        std::string text;
        for (std::string line; std::getline(lines, line);)
            if (line.find("\"generated_at\"") == std::string::npos &&
                line.find("\"duration_ms\"") == std::string::npos &&
                line.find("\"chunks\"") == std::string::npos)
                text += line + "\n";
        return text;
    };
    const auto reference = normalized("1", "64MiB");
    const auto doc = json::parse(read_file(dir.file("r-1-64MiB.json")));
    ASSERT_GT(doc["unique_products"].size(), 90000U);
    for (const char* threads : {"1", "2", "3", "4"})
        for (const char* chunk : {"1KiB", "4097", "64KiB", "4MiB"})
            EXPECT_EQ(normalized(threads, chunk), reference) << threads << " " << chunk;
}

TEST(Cli, JsonLogFormatIsOneObjectPerLine) {
    temp_dir dir;
    const auto r = salesproc(
        {"--csv", data + "/sales.csv", "--out", dir.file("r.json"), "--log-format", "json"});
    ASSERT_EQ(r.exit_code, 0);
    std::istringstream lines(r.err);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        const auto j = json::parse(line);
        EXPECT_TRUE(j.contains("event"));
        EXPECT_TRUE(j.contains("ts"));
        ++n;
    }
    EXPECT_GE(n, 3);
}

TEST(Cli, SigtermExits143AndWritesNothing) {
    temp_dir dir;
    const auto fifo = dir.file("in.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto out = dir.file("r.json");
    write_file(out, "previous");
    // The FIFO never delivers EOF: the run is mid-input when the signal lands.
    const pid_t pid = test::spawn_process({bin, "--csv", fifo, "--out", out, "-q"});
    const int writer = ::open(fifo.c_str(), O_WRONLY);
    const std::string head = "product,price,quantity\nHalal A,10,1\n";
    ASSERT_EQ(::write(writer, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    ::usleep(200 * 1000);
    ::kill(pid, SIGTERM);
    const auto status = test::wait_process(pid);
    ::close(writer);
    EXPECT_EQ(status.code, 143);
    EXPECT_EQ(read_file(out), "previous");
    EXPECT_EQ(dir.entries(), 2U);
}

}  // namespace
}  // namespace salesproc

namespace salesproc {
namespace {

// The progress line shows on a terminal for inputs over a few MB, and never in a pipe or file.
TEST(Cli, ProgressLineOnlyOnATerminal) {
    if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) not installed";
    temp_dir dir;
    const auto in = dir.file("big.csv");
    write_file(in, test::generate_sales_csv(400000, 3));  // ~12 MB, above the 8 MiB threshold
    const std::string cmd =
        bin + " --csv " + in + " --out " + dir.file("r.json") + " --chunk-size 256KiB";
    // script(1) runs the command on a pseudo-terminal, so stderr is a TTY.
    const auto tty = run_process({"/usr/bin/script", "-qec", cmd, "/dev/null"});
    EXPECT_EQ(tty.exit_code, 0) << tty.out;
    EXPECT_NE(tty.out.find("rows/s"), std::string::npos) << tty.out;
    const auto piped =
        salesproc({"--csv", in, "--out", dir.file("r2.json"), "--chunk-size", "256KiB"});
    EXPECT_EQ(piped.exit_code, 0);
    EXPECT_EQ(piped.err.find("rows/s"), std::string::npos);
}

}  // namespace
}  // namespace salesproc
