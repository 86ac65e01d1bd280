// Shards and merge in process: at every byte offset of a small file with quoted line breaks,
// CR LF and a BOM, for N from 1 to the file's size, shards with the right start states merge into
// exactly the single run (report and rejects); with a wrong start the merge fails naming the
// shard and the flags to re-run it with.
#include "salesproc/merge/merge.hpp"
#include "salesproc/cli/cli.hpp"
#include "salesproc/input/shard.hpp"
#include "salesproc/run/run.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace salesproc {
namespace {

using test::comparable_report;
using test::read_file;
using test::temp_dir;
using test::write_file;

int run_line(const std::string& line) {
    cli_args args;
    auto app = make_app(args);
    app->parse(line, false);
    auto o = to_run_options(args);
    if (!o) return exit_code_for(o.error());
    return run(*o);
}

int merge_line(const std::string& line) {
    merge_args args;
    auto app = make_merge_app(args);
    app->parse(line, false);
    auto o = to_merge_options(args);
    if (!o) return exit_code_for(o.error());
    return run_merge(*o);
}

// The quote state at `offset`: the parity of the quotes before it, counted independently.
bool quoted_at(const std::string& text, std::size_t offset) {
    std::size_t quotes = 0;
    for (std::size_t i = 0; i < offset; ++i)
        quotes += text[i] == '"';
    return quotes % 2 == 1;
}

// A small file with everything that makes a seam hard: a BOM, CR LF, blank lines, quoted
// delimiters, doubled quotes and line breaks inside quotes, rejects of several reasons.
const std::string seams_csv =
    "\xEF\xBB\xBFproduct,price,quantity\r\n"
    "Halal A,12.00,1\r\n"
    "\n"
    "\"Halal\nB, \"\"x\"\"\",13.50,2\n"
    "Monitor,5,1\n"
    "\"Halal C\",9.00,3\r\n"
    "\"Halal\n\nD\",20,4\n"
    "Halal A,1.5,1\n";

// Every N from 1 to the file's size: about size^2/2 runs, 10 s in Release. Under AddressSanitizer
// each run costs some 30 times more, so it takes N from 1 to 16 and N = size, which still puts a
// seam at every byte offset (N = size is one shard a byte).
std::vector<std::size_t> shard_counts(std::size_t size) {
    std::vector<std::size_t> out;
#if defined(__SANITIZE_ADDRESS__)
    for (std::size_t n = 1; n <= 16; ++n)
        out.push_back(n);
    out.push_back(size);
#else
    for (std::size_t n = 1; n <= size; ++n)
        out.push_back(n);
#endif
    return out;
}

TEST(Shard, EverySeamMergesIntoTheSingleRun) {
    ::setenv("TMPDIR", "/dev/shm", 0);  // thousands of small atomic writes: keep them in memory
    temp_dir dir;
    const std::string csv = dir.file("s.csv");
    write_file(csv, seams_csv);
    ASSERT_EQ(run_line("--csv " + csv + " --out " + dir.file("single.json") + " --rejects " +
                       dir.file("single.rej.csv") + " -q --threads 1"),
              0);
    const std::string single = comparable_report(read_file(dir.file("single.json")));
    const std::string single_rejects = read_file(dir.file("single.rej.csv"));
    const std::size_t size = seams_csv.size();
    std::size_t broken_checked = 0;
    for (const std::size_t n : shard_counts(size)) {
        std::string parts;
        std::string part_rejects;
        std::optional<std::size_t> quoted_shard;  // one whose true start is inside quotes
        for (std::size_t k = 0; k < n; ++k) {
            const auto range = shard_range(
                shard_spec{static_cast<unsigned>(k), static_cast<unsigned>(n), false}, size);
            const bool quoted = quoted_at(seams_csv, range.begin);
            if (quoted && !quoted_shard) quoted_shard = k;
            const std::string part = dir.file("p" + std::to_string(k) + ".json");
            const std::string rejects = dir.file("p" + std::to_string(k) + ".rej.csv");
            ASSERT_EQ(run_line("--csv " + csv + " --out " + part + " --rejects " + rejects +
                               " -q --threads 1 --chunk-size " + std::to_string(1 + k % 7) +
                               " --shard " + std::to_string(k) + "/" + std::to_string(n) +
                               " --shard-start " + (quoted ? "quoted" : "outside")),
                      0)
                << k << "/" << n;
            parts += " " + part;
            part_rejects += " --part-rejects " + rejects;
        }
        ASSERT_EQ(merge_line("--out " + dir.file("merged.json") + " --rejects " +
                             dir.file("merged.rej.csv") + part_rejects + " -q" + parts),
                  0)
            << "N=" << n;
        ASSERT_EQ(comparable_report(read_file(dir.file("merged.json"))), single) << "N=" << n;
        ASSERT_EQ(read_file(dir.file("merged.rej.csv")), single_rejects) << "N=" << n;

        // The same shard again with the wrong start: the merge names it and the flag.
        if (quoted_shard && broken_checked < 12) {
            ++broken_checked;
            const std::size_t k = *quoted_shard;
            const std::string spec = std::to_string(k) + "/" + std::to_string(n);
            ASSERT_EQ(
                run_line("--csv " + csv + " --out " + dir.file("p" + std::to_string(k) + ".json") +
                         " -q --shard " + spec + " --shard-start outside"),
                0);
            testing::internal::CaptureStderr();
            const int code = merge_line("--out " + dir.file("broken.json") + " -q" + parts);
            const std::string err = testing::internal::GetCapturedStderr();
            EXPECT_EQ(code, 1) << "N=" << n;
            EXPECT_NE(err.find("shard " + spec), std::string::npos) << err;
            EXPECT_NE(err.find("--shard " + spec + " --shard-start quoted"), std::string::npos)
                << err;
            EXPECT_FALSE(std::filesystem::exists(dir.file("broken.json")));
        }
    }
    EXPECT_GT(broken_checked, 5U);
}

TEST(Shard, JsonLinesRejectsAreRenumberedToo) {
    ::setenv("TMPDIR", "/dev/shm", 0);
    temp_dir dir;
    const std::string csv = dir.file("s.csv");
    write_file(csv, seams_csv);
    ASSERT_EQ(run_line("--csv " + csv + " --out " + dir.file("single.json") + " --rejects " +
                       dir.file("single.jsonl") + " -q"),
              0);
    for (std::size_t n : {2U, 5U, 9U}) {
        std::string parts;
        for (std::size_t k = 0; k < n; ++k) {
            const auto range =
                shard_range(shard_spec{static_cast<unsigned>(k), static_cast<unsigned>(n), false},
                            seams_csv.size());
            const std::string base = dir.file("p" + std::to_string(k));
            ASSERT_EQ(run_line("--csv " + csv + " --out " + base + ".json --rejects " + base +
                               ".jsonl -q --shard " + std::to_string(k) + "/" + std::to_string(n) +
                               " --shard-start " +
                               (quoted_at(seams_csv, range.begin) ? "quoted" : "outside")),
                      0);
            parts += " --part-rejects " + base + ".jsonl " + base + ".json";
        }
        ASSERT_EQ(merge_line("--out " + dir.file("m.json") + " --rejects " + dir.file("m.jsonl") +
                             " -q" + parts),
                  0);
        EXPECT_EQ(read_file(dir.file("m.jsonl")), read_file(dir.file("single.jsonl"))) << n;
    }
}

TEST(Shard, KAndNAreCheckedAndTheRangesTileTheFile) {
    EXPECT_FALSE(parse_shard("3/3"));
    EXPECT_FALSE(parse_shard("0/0"));
    EXPECT_FALSE(parse_shard("-1/3"));
    EXPECT_FALSE(parse_shard("1"));
    EXPECT_FALSE(parse_shard("1/3x"));
    ASSERT_TRUE(parse_shard("2/3"));
    EXPECT_EQ(parse_shard("2/3")->index, 2U);
    for (const std::uint64_t size : {0ULL, 1ULL, 7ULL, 1000003ULL, 1ULL << 62}) {
        std::uint64_t at = 0;
        for (unsigned k = 0; k < 7; ++k) {
            const auto r = shard_range(shard_spec{k, 7, false}, size);
            EXPECT_EQ(r.begin, at);
            at = r.end;
        }
        EXPECT_EQ(at, size);
    }
}

}  // namespace
}  // namespace salesproc
