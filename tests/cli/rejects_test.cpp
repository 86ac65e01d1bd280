// Black-box tests of part 4: the --rejects file, rejected_samples, the data-quality gates and the
// rule that no output may overwrite an input. The real binary, its files, stderr and exit code.
#include "cli/cli_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <sstream>

namespace salesproc {
namespace {

using nlohmann::json;
using test::expect_one_error_line;
using test::read_file;
using test::temp_dir;
using test::write_file;
namespace fs = std::filesystem;

const std::string& bin = test::salesproc_bin;
const std::string& data = test::data_dir;
using test::salesproc;

const char* const sales_rejects =
    "source,line,reason,detail,row\n"
    "SRC,5,missing_product,product is empty,\",29.99,3\"\n"
    "SRC,6,bad_prefix,product 'Monitor' does not start with 'Halal',\"Monitor,invalid,2\"\n"
    "SRC,7,bad_prefix,product 'Headphones' does not start with 'Halal',\"Headphones,5.00,150\"\n";

std::string with_source(std::string text, const std::string& source) {
    for (std::size_t at; (at = text.find("SRC")) != std::string::npos;)
        text.replace(at, 3, source);
    return text;
}

TEST(Rejects, CsvFileListsEveryRejectedRowWithItsLine) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("r.rejects.csv");
    const auto r = salesproc({"--csv", data + "/sales.csv", "--out", out, "--rejects", rejects});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(rejects), with_source(sales_rejects, data + "/sales.csv"));
    EXPECT_NE(r.err.find("rejects written"), std::string::npos);
    EXPECT_EQ(dir.entries(), 2U);  // no temp file left
}

TEST(Rejects, JsonLinesForJsonlAndNdjsonParseLineByLine) {
    temp_dir dir;
    for (const char* name : {"r.jsonl", "r.ndjson"}) {
        const auto path = dir.file(name);
        const auto r = salesproc(
            {"--csv", data + "/sales.csv", "--out", dir.file("r.json"), "--rejects", path, "-q"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        std::istringstream lines(read_file(path));
        std::string line;
        std::vector<json> docs;
        while (std::getline(lines, line))
            docs.push_back(json::parse(line));
        ASSERT_EQ(docs.size(), 3U) << name;
        for (const auto& d : docs) {
            EXPECT_EQ(d.size(), 5U);
            EXPECT_TRUE(d["line"].is_number_unsigned());
            EXPECT_EQ(d["source"], data + "/sales.csv");
        }
        EXPECT_EQ(docs[0]["line"], 5);
        EXPECT_EQ(docs[0]["reason"], "missing_product");
        EXPECT_EQ(docs[2]["detail"], "product 'Headphones' does not start with 'Halal'");
        EXPECT_EQ(docs[2]["row"], "Headphones,5.00,150");
    }
}

TEST(Rejects, StdoutTakesTheRejectsAndClashesWithNothing) {
    temp_dir dir;
    const auto r = salesproc(
        {"--csv", data + "/sales.csv", "--out", dir.file("r.json"), "--rejects", "-", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, with_source(sales_rejects, data + "/sales.csv"));
}

TEST(Rejects, IdenticalForAnyThreadsAndChunkSize) {
    temp_dir dir;
    const auto in = dir.file("gen.csv");
    write_file(in, test::generate_sales_csv(20000, 5));
    std::string reference_rejects;
    json reference;
    for (const char* threads : {"1", "2", "3", "4"})
        for (const char* chunk : {"1", "100", "4KiB", "64MiB"}) {
            const auto out = dir.file("r.json");
            const auto rejects = dir.file("r.rejects.csv");
            const auto r = salesproc({"--csv", in, "--out", out, "--rejects", rejects, "--threads",
                                      threads, "--chunk-size", chunk, "-q"});
            ASSERT_EQ(r.exit_code, 0) << r.err;
            auto doc = json::parse(read_file(out));
            for (const char* volatile_key : {"generated_at", "duration_ms"})
                doc.erase(volatile_key);
            doc["csv"].erase("chunks");
            if (reference.is_null()) {
                reference = doc;
                reference_rejects = read_file(rejects);
                EXPECT_GT(reference_rejects.size(), 100000U);
                continue;
            }
            EXPECT_EQ(read_file(rejects), reference_rejects) << threads << " " << chunk;
            EXPECT_EQ(doc, reference) << threads << " " << chunk;
        }
}

TEST(Rejects, SamplesFollowRejectedAndAreTheFirstThreePerReason) {
    temp_dir dir;
    const auto in = dir.file("gen.csv");
    write_file(in, test::generate_sales_csv(2000, 9));
    const auto out = dir.file("r.json");
    ASSERT_EQ(salesproc({"--csv", in, "--out", out, "-q"}).exit_code, 0);
    const std::string text = read_file(out);
    const auto doc = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& [k, v] : doc.items())
        keys.push_back(k);
    const auto rejected = std::find(keys.begin(), keys.end(), "rejected");
    ASSERT_NE(rejected, keys.end());
    EXPECT_EQ(*(rejected + 1), "rejected_samples");
    EXPECT_EQ(
        std::vector<std::string>(keys.begin(), keys.begin() + 4),
        (std::vector<std::string>{"api_records", "total_sales", "unique_products", "valid_sales"}));
    const auto& samples = doc["rejected_samples"];
    ASSERT_EQ(samples.size(), 8U);
    for (const auto& [reason, list] : samples.items()) {
        EXPECT_EQ(list.size(), std::min<std::uint64_t>(3, doc["rejected"][reason]));
        std::uint64_t previous = 0;
        for (const auto& s : list) {
            EXPECT_EQ(s.size(), 4U);  // source, line, detail, row
            EXPECT_GT(s["line"].get<std::uint64_t>(), previous);
            previous = s["line"];
            EXPECT_LE(s["row"].get<std::string>().size(), 200U);
        }
    }
    // The first samples are the first rejects of the rejects file, reason by reason.
    const auto rejects = dir.file("all.jsonl");
    ASSERT_EQ(salesproc({"--csv", in, "--out", out, "--rejects", rejects, "-q"}).exit_code, 0);
    std::istringstream lines(read_file(rejects));
    std::map<std::string, std::vector<std::uint64_t>> first;
    for (std::string line; std::getline(lines, line);) {
        const auto j = json::parse(line);
        auto& v = first[j["reason"]];
        if (v.size() < 3) v.push_back(j["line"]);
    }
    for (const auto& [reason, list] : samples.items()) {
        std::vector<std::uint64_t> lines_of;
        for (const auto& s : list)
            lines_of.push_back(s["line"]);
        EXPECT_EQ(lines_of, first[reason]) << reason;
    }

    ASSERT_EQ(salesproc({"--csv", in, "--out", out, "--samples", "1", "-q"}).exit_code, 0);
    const auto one = json::parse(read_file(out));  // kept alive: items() refers into it
    for (const auto& [reason, list] : one["rejected_samples"].items())
        EXPECT_LE(list.size(), 1U);
    ASSERT_EQ(salesproc({"--csv", in, "--out", out, "--samples", "0", "-q"}).exit_code, 0);
    EXPECT_FALSE(json::parse(read_file(out)).contains("rejected_samples"));
}

// data/sales.csv: 6 rows, 3 rejected, so 0.5 of them.
struct gate_case {
    std::vector<std::string> flags;
    int exit_code;
};

TEST(Rejects, GatesAtJustUnderAndJustOverTheLimit) {
    const std::vector<gate_case> cases = {
        {{"--max-invalid", "3"}, 0},
        {{"--max-invalid", "4"}, 0},
        {{"--max-invalid", "2"}, 4},
        {{"--max-invalid", "0"}, 4},
        {{"--max-invalid-ratio", "0.5"}, 0},
        {{"--max-invalid-ratio", "0.51"}, 0},
        {{"--max-invalid-ratio", "0.49"}, 4},
        {{"--max-invalid-ratio", "0.4999999"}, 4},
        {{"--max-invalid", "3", "--max-invalid-ratio", "0.49"}, 4},
    };
    for (const auto& c : cases) {
        temp_dir dir;
        const auto out = dir.file("r.json");
        const auto rejects = dir.file("rejects.csv");
        std::vector<std::string> args{"--csv", data + "/sales.csv", "--out",
                                      out,     "--rejects",         rejects};
        args.insert(args.end(), c.flags.begin(), c.flags.end());
        const auto r = salesproc(args);
        const std::string what = c.flags[0] + " " + c.flags[1];
        ASSERT_EQ(r.exit_code, c.exit_code) << what << "\n" << r.err;
        // The report and the rejects are written either way, with the quality section.
        const auto doc = json::parse(read_file(out));
        EXPECT_EQ(read_file(rejects), with_source(sales_rejects, data + "/sales.csv"));
        ASSERT_TRUE(doc.contains("quality")) << what;
        const auto& q = doc["quality"];
        if (c.flags[0] == "--max-invalid") {
            EXPECT_EQ(q["max_invalid"]["limit"], std::stoull(c.flags[1]));
            EXPECT_EQ(q["max_invalid"]["actual"], 3);
            EXPECT_EQ(q["max_invalid"]["passed"], c.exit_code == 0 || c.flags.size() > 2);
        } else {
            EXPECT_EQ(q["max_invalid_ratio"]["actual"], 0.5);
            EXPECT_EQ(q["max_invalid_ratio"]["passed"], c.exit_code == 0);
        }
        if (c.exit_code == 4) {
            const std::string gate = c.flags.size() > 2 ? "--max-invalid-ratio" : c.flags[0];
            EXPECT_NE(r.err.find("quality gate exceeded gate=" + gate), std::string::npos) << r.err;
            EXPECT_NE(r.err.find("actual="), std::string::npos);
        } else {
            EXPECT_EQ(r.err.find("quality gate"), std::string::npos) << r.err;
        }
    }
    // No gate, no section.
    temp_dir dir;
    ASSERT_EQ(
        salesproc({"--csv", data + "/sales.csv", "--out", dir.file("r.json"), "-q"}).exit_code, 0);
    EXPECT_FALSE(json::parse(read_file(dir.file("r.json"))).contains("quality"));
}

TEST(Rejects, GateExitFourTakesPrecedenceOverApiFailureThree) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    // Port 1 on loopback refuses at once: an API source that fails, without retries.
    const std::vector<std::string> base{"--csv",     data + "/sales.csv",        "--out",     out,
                                        "--api-url", "http://127.0.0.1:1/sales", "--retries", "0",
                                        "-q"};
    auto r = salesproc(base);
    ASSERT_EQ(r.exit_code, 3) << r.err;
    auto args = base;
    args.insert(args.end(), {"--max-invalid", "1"});
    r = salesproc(args);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    const auto doc = json::parse(read_file(out));
    EXPECT_EQ(doc["api"]["failed"], 1);
    EXPECT_EQ(doc["api"]["failures"][0]["code"], "refused");
    EXPECT_EQ(doc["quality"]["max_invalid"]["passed"], false);
}

TEST(Rejects, BadGateValuesAreUsageErrors) {
    temp_dir dir;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"--max-invalid", "-1"},         {"--max-invalid", "abc"},
        {"--max-invalid", "1.5"},        {"--max-invalid", "99999999999999999999999"},
        {"--max-invalid-ratio", "1.5"},  {"--max-invalid-ratio", "-0.1"},
        {"--max-invalid-ratio", "half"}, {"--max-invalid-ratio", "5%"},
    };
    for (const auto& [flag, value] : bad) {
        const auto r =
            salesproc({"--csv", data + "/sales.csv", "--out", dir.file("r.json"), flag, value});
        EXPECT_EQ(r.exit_code, 2) << flag << " " << value;
        expect_one_error_line(r, flag);
        EXPECT_NE(r.err.find("'" + value + "'"), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(dir.file("r.json")));
    }
}

// Runs a clashing command in `cwd`; asserts exit 2, one error line naming both flags and the
// path, and that the input and the directory are exactly as before.
void expect_clash(const temp_dir& dir, const std::vector<std::string>& args,
                  const std::string& flags, const std::string& path, const std::string& cwd = {}) {
    std::vector<std::string> argv{bin};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string before = read_file(dir.file("sales.csv"));
    const auto entries = dir.entries();
    const auto r = test::run_process(argv, {}, cwd);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    expect_one_error_line(r, flags);
    EXPECT_NE(r.err.find("'" + path + "'"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(dir.file("sales.csv")), before);
    EXPECT_EQ(dir.entries(), entries);
}

TEST(Rejects, AnOutputNamingAnInputIsRefusedBeforeAnythingIsWritten) {
    temp_dir dir;
    fs::create_directory(dir.path() / "sub");
    fs::copy_file(data + "/sales.csv", dir.file("sales.csv"));
    fs::create_symlink(dir.file("sales.csv"), dir.file("link.csv"));
    fs::create_hard_link(dir.file("sales.csv"), dir.file("hard.csv"));
    const auto csv = dir.file("sales.csv");
    expect_clash(dir, {"--csv", csv, "--out", csv}, "--out and --csv", csv);
    // Other spellings of the same path, from another working directory.
    const auto sub = (dir.path() / "sub").string();
    expect_clash(dir, {"--csv", "../sales.csv", "--out", "./../sales.csv"}, "--out and --csv",
                 "./../sales.csv", sub);
    expect_clash(dir, {"--csv", csv, "--out", "../sub/../sales.csv"}, "--out and --csv",
                 "../sub/../sales.csv", sub);
    // A symlink each way, and a hard link.
    expect_clash(dir, {"--csv", dir.file("link.csv"), "--out", csv}, "--out and --csv", csv);
    expect_clash(dir, {"--csv", csv, "--out", dir.file("link.csv")}, "--out and --csv",
                 dir.file("link.csv"));
    expect_clash(dir, {"--csv", csv, "--out", dir.file("hard.csv")}, "--out and --csv",
                 dir.file("hard.csv"));
    // --rejects against the input, the config and --out.
    expect_clash(dir, {"--csv", csv, "--out", dir.file("r.json"), "--rejects", csv},
                 "--rejects and --csv", csv);
    expect_clash(dir,
                 {"--csv", csv, "--out", dir.file("r.json"), "--config", data + "/config.yaml",
                  "--rejects", data + "/config.yaml"},
                 "--rejects and --config", data + "/config.yaml");
    expect_clash(dir, {"--csv", csv, "--out", dir.file("r.json"), "--rejects", dir.file("r.json")},
                 "--rejects and --out", dir.file("r.json"));
    EXPECT_EQ(read_file(dir.file("hard.csv")), read_file(data + "/sales.csv"));
}

TEST(Rejects, FatalErrorLeavesNoRejectsFileAndThePreviousOneUntouched) {
    temp_dir dir;
    const auto rejects = dir.file("rejects.csv");
    const auto out = dir.file("r.json");
    write_file(rejects, "previous rejects");
    write_file(out, "previous report");
    write_file(dir.file("bad.csv"), "name,price,quantity\nMonitor,1,1\n");
    auto r = salesproc({"--csv", dir.file("bad.csv"), "--out", out, "--rejects", rejects});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "column 'product'");
    EXPECT_EQ(read_file(rejects), "previous rejects");
    EXPECT_EQ(read_file(out), "previous report");
    EXPECT_EQ(dir.entries(), 3U);

    // A rejects file that cannot be written fails the run, naming it; no report either.
    r = salesproc({"--csv", data + "/sales.csv", "--out", out, "--rejects", "/dev/full"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "/dev/full: No space left on device");
    EXPECT_EQ(read_file(out), "previous report");
    EXPECT_EQ(dir.entries(), 3U);
}

TEST(Rejects, SigtermLeavesNoRejectsFileAndThePreviousOneUntouched) {
    temp_dir dir;
    const auto fifo = dir.file("in.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("rejects.csv");
    write_file(rejects, "previous rejects");
    const pid_t pid = test::spawn_process(
        {bin, "--csv", fifo, "--out", out, "--rejects", rejects, "--chunk-size", "64", "-q"});
    // Rejected rows flow into the rejects temp file while the FIFO stays open.
    const int writer = ::open(fifo.c_str(), O_WRONLY);
    std::string head = "product,price,quantity\n";
    for (int i = 0; i < 2000; ++i)
        head += "Monitor,10,1\n";
    ASSERT_EQ(::write(writer, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    ::usleep(300 * 1000);
    ::kill(pid, SIGTERM);
    const auto status = test::wait_process(pid);
    ::close(writer);
    EXPECT_EQ(status.code, 143);
    EXPECT_EQ(read_file(rejects), "previous rejects");
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(dir.entries(), 2U);  // the FIFO and the old rejects file: no temp files
}

TEST(Rejects, RowsOverTheLimitAreListedCut) {
    temp_dir dir;
    const auto in = dir.file("long.csv");
    write_file(in, "product,price,quantity\nHalal A,10,1\nHalal " + std::string(3000, 'x') +
                       ",10,1\nHalal B,10,1\n");
    const auto rejects = dir.file("r.jsonl");
    const auto r = salesproc({"--csv", in, "--out", dir.file("r.json"), "--rejects", rejects,
                              "--max-row-size", "1KiB", "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = json::parse(read_file(rejects));
    EXPECT_EQ(j["line"], 3);
    EXPECT_EQ(j["reason"], "malformed_row");
    EXPECT_EQ(j["row"], "Halal " + std::string(1018, 'x'));
    EXPECT_EQ(j["detail"],
              "row of 3011 bytes is over --max-row-size (1024 bytes); the row shown is cut to its "
              "first 1024 bytes");
    EXPECT_NE(r.err.find("rows over --max-row-size"), std::string::npos);
}

TEST(Rejects, HelpDocumentsTheOptionsAndExitFour) {
    const auto r = salesproc({"--help"});
    ASSERT_EQ(r.exit_code, 0);
    for (const char* s :
         {"--rejects", "--samples", "--max-invalid", "--max-invalid-ratio", "  4    report"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

}  // namespace
}  // namespace salesproc
