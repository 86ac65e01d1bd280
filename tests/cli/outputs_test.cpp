// Outputs under hostile conditions, black-box: kill -9 at any moment leaves the previous files
// or the complete new ones and nothing else; descriptor names (/dev/stdout and friends) are
// written in place; nothing is ever created in /dev or /proc. docs/reliability.md points here.
#include "cli/cli_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <thread>

namespace salesproc {
namespace {

using nlohmann::json;
using test::read_file;
using test::temp_dir;
using test::write_file;
namespace fs = std::filesystem;

const std::string& bin = test::salesproc_bin;
const std::string& data = test::data_dir;
using test::salesproc;

// Every file in `dir` that is not one of `kept`.
std::vector<std::string> leftovers(const temp_dir& dir, const std::vector<std::string>& kept) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir.path()))
        if (std::find(kept.begin(), kept.end(), e.path().string()) == kept.end())
            out.push_back(e.path().filename().string());
    return out;
}

// kill -9 at random moments, spread over the whole run and weighted to its end (the final
// fsyncs, the link and the renames): --out and --rejects hold the previous files or the complete
// new ones, and no temp file outlives the killed run. The metrics file is written last, so it is
// checked the same way.
TEST(Outputs, Kill9AtAnyMomentLeavesOldOrCompleteFilesAndNothingElse) {
    temp_dir dir;
    const auto csv = dir.file("in.csv");
    write_file(csv, test::generate_sales_csv(400000, 7));
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("rej.csv");
    const auto metrics = dir.file("m.prom");
    const std::vector<std::string> args{bin,         "--csv", csv,         "--out", out,
                                        "--rejects", rejects, "--metrics", metrics, "-q"};
    const auto started = std::chrono::steady_clock::now();
    const auto full = test::run_process(args);
    const auto run_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    ASSERT_EQ(full.exit_code, 0) << full.err;
    const auto expected_rows = json::parse(read_file(out))["csv"]["rows"];
    const std::string expected_rejects = read_file(rejects);
    const std::string previous = "{\"previous\": true}\n";

    std::mt19937 rng(12345);
    int old_seen = 0, new_seen = 0, left = 0;
    for (int i = 0; i < 40; ++i) {
        write_file(out, previous);
        write_file(rejects, "previous rejects\n");
        test::spawn_options o;
        o.stderr_path = "/dev/null";
        const pid_t pid = test::spawn_process(args, o);
        // Half the kills anywhere in the run, half in its last fifth.
        const auto span = static_cast<unsigned long>(run_us) + 1;
        const auto at = i % 2 == 0 ? rng() % span : span * 4 / 5 + rng() % (span / 5 + 1);
        std::this_thread::sleep_for(std::chrono::microseconds(at));
        ::kill(pid, SIGKILL);
        (void)test::wait_process(pid);
        const std::string now = read_file(out);
        if (now == previous) {
            ++old_seen;
        } else {
            ++new_seen;
            const auto doc = json::parse(now, nullptr, false);
            ASSERT_FALSE(doc.is_discarded()) << "partial report after kill -9 #" << i;
            EXPECT_EQ(doc["csv"]["rows"], expected_rows);
            // The rejects file is published before the report: a new report means new rejects.
            EXPECT_EQ(read_file(rejects), expected_rejects);
        }
        const auto rest = leftovers(dir, {csv, out, rejects, metrics});
        // A kill between the link and the rename (a few microseconds) leaves a named temp
        // file whose lock died with the process; the next run removes it. Count such cases.
        if (!rest.empty()) ++left;
    }
    // One more run sweeps whatever the window above left.
    ASSERT_EQ(test::run_process(args).exit_code, 0);
    EXPECT_TRUE(leftovers(dir, {csv, out, rejects, metrics}).empty());
    std::printf(
        "kill -9 loop: %d runs left the previous report, %d the new one; %d left a temp "
        "file until the next run\n",
        old_seen, new_seen, left);
    EXPECT_LE(left, 2);
}

// A temp file of the same output left by a writer that is gone (on a file system without
// unnamed files, or killed between link and rename) is removed by the next run; a locked one,
// a live writer's, in this or another container, is left alone.
TEST(Outputs, StaleTempFilesOfEveryOutputAreRemovedLiveOnesKept) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("rej.csv");
    const auto metrics = dir.file("m.prom");
    const auto stale_out = dir.file(".r.json.tmp-Ab12Cd");
    const auto stale_rejects = dir.file(".rej.csv.tmp-Ab12Cd");
    const auto stale_metrics = dir.file(".m.prom.tmp-Ab12Cd");
    const auto live = dir.file(".r.json.tmp-LiVe00");
    for (const auto& f : {stale_out, stale_rejects, stale_metrics, live})
        write_file(f, "leftover");
    const int held = ::open(live.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    const auto r = salesproc({"--csv", data + "/sales.csv", "--out", out, "--rejects", rejects,
                              "--metrics", metrics, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(stale_out));
    EXPECT_FALSE(fs::exists(stale_rejects));
    EXPECT_FALSE(fs::exists(stale_metrics));
    EXPECT_TRUE(fs::exists(live));
    ::close(held);
    const auto m = salesproc({"merge", "--out", out, dir.file("r.json")});
    EXPECT_EQ(m.exit_code, 2);  // --out names the part: refused before anything is touched
    const auto merged = salesproc({"merge", "--out", dir.file("m.json"), out});
    ASSERT_EQ(merged.exit_code, 0) << merged.err;
    const auto again = salesproc({"--csv", data + "/sales.csv", "--out", out, "-q"});
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_FALSE(fs::exists(live));
}

// `--out /dev/stdout > report.json`, the usual way to capture a report in cron: the report goes
// to the redirected file, and /dev/stdout stays what it was. The same for --rejects, --metrics
// and merge's outputs, and for /dev/fd/N and /proc/self/fd/N.
TEST(Outputs, DevStdoutIsWrittenInPlaceNeverReplaced) {
    temp_dir dir;
    struct stat before {};
    ASSERT_EQ(::lstat("/dev/stdout", &before), 0);
    const auto captured = dir.file("report.json");
    test::spawn_options o;
    o.stdout_path = captured;
    o.stderr_path = dir.file("stderr.txt");
    auto pid = test::spawn_process({bin, "--csv", data + "/sales.csv", "--out", "/dev/stdout",
                                    "--rejects", "/dev/stderr", "-q"},
                                   o);
    ASSERT_EQ(test::wait_process(pid).code, 0) << read_file(o.stderr_path);
    const auto report = json::parse(read_file(captured));
    EXPECT_EQ(report["valid_sales"], 3);
    EXPECT_EQ(read_file(o.stderr_path).rfind("source,line,reason,detail,row\n", 0), 0U);
    struct stat after {};
    ASSERT_EQ(::lstat("/dev/stdout", &after), 0);
    EXPECT_EQ(before.st_mode, after.st_mode);
    EXPECT_EQ(before.st_ino, after.st_ino);

    for (const std::string name : {"/dev/fd/1", "/proc/self/fd/1"}) {
        const auto part = dir.file("part.json");
        ASSERT_EQ(salesproc({"--csv", data + "/sales.csv", "--out", part, "-q"}).exit_code, 0);
        pid =
            test::spawn_process({bin, "merge", "--out", name, "--metrics", "/dev/stderr", part}, o);
        ASSERT_EQ(test::wait_process(pid).code, 0) << name;
        EXPECT_EQ(json::parse(read_file(captured))["valid_sales"], 3) << name;
        EXPECT_NE(read_file(o.stderr_path).find("salesproc_last_run_timestamp_seconds"),
                  std::string::npos)
            << name;
    }
}

TEST(Outputs, NoFileIsCreatedInDevOrProc) {
    const auto r = salesproc({"--csv", data + "/sales.csv", "--out", "/dev/sales_results.json"});
    EXPECT_EQ(r.exit_code, 1);
    test::expect_one_error_line(r,
                                "/dev/sales_results.json: will not create a file in the system "
                                "directory '/dev'");
    EXPECT_FALSE(fs::exists("/dev/sales_results.json"));
}

}  // namespace
}  // namespace salesproc
