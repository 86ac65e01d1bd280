// Faults and hostile input, black-box: the real binary, its exit code, stderr, report and peak
// memory. docs/reliability.md maps each fault class to the test here that proves it.
#include "cli/cli_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
using test::expect_one_error_line;
using test::process_result;
using test::read_file;
using test::run_process;
using test::temp_dir;
using test::write_file;
namespace fs = std::filesystem;

const std::string& bin = test::salesproc_bin;
const std::string& data = test::data_dir;
using test::salesproc;

// Root ignores file permissions, so permission tests run the binary as nobody when the suite
// runs as root (CI does).
process_result salesproc_unprivileged(std::vector<std::string> args) {
    args.insert(args.begin(), bin);
    if (::geteuid() == 0)
        args.insert(args.begin(),
                    {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
    return run_process(args);
}

// Writes `total` bytes of `fill` after `prefix` into `path` (a FIFO) in 1 MiB blocks. Stops early,
// quietly, when the reader goes away.
void stream_into(const std::string& path, const std::string& prefix, std::uint64_t total,
                 char fill) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return;
    bool ok = ::write(fd, prefix.data(), prefix.size()) == static_cast<ssize_t>(prefix.size());
    const std::string block(1 << 20, fill);
    for (std::uint64_t sent = 0; ok && sent < total;) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), total - sent));
        const ssize_t w = ::write(fd, block.data(), n);
        ok = w > 0;
        if (ok) sent += static_cast<std::uint64_t>(w);
    }
    ::close(fd);
}

// Peak RSS a bounded-memory run may reach. Sanitizer runtimes add shadow memory and a quarantine
// of freed blocks (ASan: 256 MiB), so their builds get a looser bound, still far below what
// buffering a 2 GiB line would take.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t rss_bound_kib = std::uint64_t{1} << 20;
#else
constexpr std::uint64_t rss_bound_kib = 200 << 10;
#endif

class Faults : public ::testing::Test {
  protected:
    // Writers to a FIFO whose reader has exited get EPIPE, not a fatal SIGPIPE.
    void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
};

// ---- input faults --------------------------------------------------------------------------

TEST_F(Faults, InputPermissionDenied) {
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms::all);  // nobody may write the report here
    const auto csv = dir.file("locked.csv");
    write_file(csv, read_file(data + "/sales.csv"));
    fs::permissions(csv, fs::perms::none);
    const auto r = salesproc_unprivileged({"--csv", csv, "--out", dir.file("r.json"), "-q"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    expect_one_error_line(r, "locked.csv: Permission denied");
    EXPECT_FALSE(fs::exists(dir.file("r.json")));
}

TEST_F(Faults, UnreadableUrlsFileExitsOneNamingIt) {
    temp_dir dir;
    const auto urls = dir.file("urls.txt");
    write_file(urls, "https://example.com/x\n");
    ::chmod(urls.c_str(), 0);
    ::chmod(dir.path().c_str(), 0755);
    const auto r =
        salesproc_unprivileged({"--csv", data + "/sales.csv", "--out", "-", "--urls-file", urls});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    expect_one_error_line(r, "--urls-file " + urls + ": Permission denied");
}

TEST_F(Faults, CsvFromFifoAndStdinMatchesTheFile) {
    temp_dir dir;
    const std::string body = read_file(data + "/sales.csv");
    const auto from_file = salesproc({"--csv", data + "/sales.csv", "--out", "-", "-q"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    const auto from_stdin = salesproc({"--csv", "-", "--out", "-", "-q"}, body);
    ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;

    const auto fifo = dir.file("in.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { stream_into(fifo, body, 0, ' '); });
    const auto from_fifo = salesproc({"--csv", fifo, "--out", "-", "-q"});
    writer.join();
    ASSERT_EQ(from_fifo.exit_code, 0) << from_fifo.err;
    for (const auto* r : {&from_stdin, &from_fifo}) {
        auto a = json::parse(from_file.out), b = json::parse(r->out);
        for (auto* doc : {&a, &b}) {
            (*doc)["csv"].erase("path");
            (*doc)["csv"].erase("identity");  // a regular file's; a stream has none
            doc->erase("generated_at");
            doc->erase("duration_ms");
            // Samples name the input as given; everything else about them must agree.
            for (auto& [reason, samples] : (*doc)["rejected_samples"].items())
                for (auto& sample : samples)
                    sample.erase("source");
        }
        EXPECT_EQ(a, b);
    }
}

TEST_F(Faults, BrokenStdoutPipeExitsQuietly) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    ::close(pipe_fds[0]);  // nobody will ever read the report
    temp_dir dir;
    const auto err_path = dir.file("stderr");
    test::spawn_options o;
    o.stdout_fd = pipe_fds[1];
    o.stderr_path = err_path;
    const pid_t pid =
        test::spawn_process({bin, "--csv", data + "/sales.csv", "--out", "-", "-q"}, o);
    ::close(pipe_fds[1]);
    const auto status = test::wait_process(pid);
    EXPECT_EQ(status.code, 1);           // the report did not arrive: not a success
    EXPECT_EQ(read_file(err_path), "");  // and nothing to say about it
}

// ---- hostile CSVs ----------------------------------------------------------------------------

TEST_F(Faults, NulBytesAndInvalidUtf8) {
    temp_dir dir;
    std::string body = "product,price,quantity\n";
    body += std::string("Halal \0Nul,10,1\n", 16);
    body += "Halal \xff\xfe Bytes,10,2\n";
    body += "Halal \xc3\xa9t\xc3\xa9,10,3\n";
    body += std::string("\0\0\0\n", 4);
    write_file(dir.file("in.csv"), body);
    const auto r = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(dir.file("r.json")));  // valid UTF-8 JSON
    EXPECT_EQ(doc["valid_sales"], 3);
    EXPECT_EQ(doc["rejected"]["malformed_row"], 1);
    EXPECT_EQ(doc["sales_by_product"].size(), 3U);
}

TEST_F(Faults, HundredMiBFieldIsMalformedUnlessTheLimitAllowsIt) {
    temp_dir dir;
    std::string body = "product,price,quantity,notes\nHalal A,10,1,x\nHalal B,10,1,";
    body.append(std::size_t{100} << 20, 'n');
    body += "\nHalal C,10,1,y\n";
    write_file(dir.file("in.csv"), body);
    body.clear();
    body.shrink_to_fit();
    const auto r = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["rejected"]["malformed_row"], 1);
    EXPECT_NE(r.err.find("--max-row-size"), std::string::npos) << r.err;
    EXPECT_LT(r.max_rss_kib, rss_bound_kib) << "peak RSS KiB";
    std::printf("100 MiB field skipped: peak RSS %llu KiB\n",
                static_cast<unsigned long long>(r.max_rss_kib));

    const auto big = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "-q",
                                "--max-row-size", "128MiB"});
    ASSERT_EQ(big.exit_code, 0) << big.err;
    doc = json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 3);
}

TEST_F(Faults, HundredThousandColumnHeader) {
    temp_dir dir;
    std::string header = "product,price,quantity";
    std::string row = "Halal A,10,1";
    for (int i = 3; i < 100000; ++i) {
        header += ",c" + std::to_string(i);
        row += ",v";
    }
    write_file(dir.file("wide.csv"), header + "\n" + row + "\n" + row + "\n");
    const auto r = salesproc({"--csv", dir.file("wide.csv"), "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(read_file(dir.file("r.json")))["valid_sales"], 2);

    // Without the needed columns the error lists a few names, not 100k of them.
    header.replace(0, 7, "item");
    write_file(dir.file("wide.csv"), header + "\n" + row + "\n");
    const auto bad = salesproc({"--csv", dir.file("wide.csv"), "--out", dir.file("r.json"), "-q"});
    EXPECT_EQ(bad.exit_code, 1);
    expect_one_error_line(bad, "column 'product'");
    EXPECT_LT(bad.err.size(), 1000U);
}

TEST_F(Faults, FileOfOnlyQuotes) {
    temp_dir dir;
    write_file(dir.file("q.csv"), std::string(1 << 20, '"'));
    const auto r = salesproc({"--csv", dir.file("q.csv"), "--out", dir.file("r.json"), "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "column 'product'");
    EXPECT_LT(r.err.size(), 1000U);  // the quotes are not echoed back by the megabyte
    EXPECT_FALSE(fs::exists(dir.file("r.json")));

    // After a real header, an odd run of quotes is one unterminated (malformed) row.
    write_file(dir.file("q.csv"), "product,price,quantity\n" + std::string((1 << 20) + 1, '"'));
    const auto body = salesproc({"--csv", dir.file("q.csv"), "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(body.exit_code, 0) << body.err;
    const auto doc = json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["rejected"]["malformed_row"], 1);
    EXPECT_EQ(doc["valid_sales"], 0);
}

TEST_F(Faults, MillionEmptyLines) {
    temp_dir dir;
    const std::string empty(1000000, '\n');
    write_file(dir.file("e.csv"), empty + "product,price,quantity\n" + empty + "Halal A,10,1\n" +
                                      empty + "Halal B,10,1");
    const auto r = salesproc({"--csv", dir.file("e.csv"), "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 2);
    EXPECT_EQ(doc["invalid_sales"], 0);
}

TEST_F(Faults, CrOnlyLineEndingsAreNamed) {
    temp_dir dir;
    write_file(dir.file("mac.csv"), "product,price,quantity\rHalal A,10,1\rHalal B,11,2\r");
    const auto r = salesproc({"--csv", dir.file("mac.csv"), "--out", dir.file("r.json"), "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "mac.csv: line endings are CR only");

    // Too long to be a header at all: still named as the likely cause.
    std::string many = "product,price,quantity\r";
    for (int i = 0; i < 2000; ++i)
        many += "Halal A,10,1\r";
    write_file(dir.file("mac.csv"), many);
    const auto big = salesproc({"--csv", dir.file("mac.csv"), "--out", dir.file("r.json"), "-q",
                                "--max-row-size", "4KiB"});
    EXPECT_EQ(big.exit_code, 1);
    expect_one_error_line(big, "CR-only line endings");
}

// 2 GiB without a newline, streamed through a FIFO so nothing lands on disk: as a data row it is
// skipped in bounded memory; as the header it fails as soon as the limit is passed.
TEST_F(Faults, TwoGiBLineWithoutNewline) {
    temp_dir dir;
    const auto fifo = dir.file("in.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::uint64_t two_gib = std::uint64_t{2} << 30;

    const std::string prefix = "product,price,quantity\nHalal A,10,1\nHalal B,1";
    std::thread writer([&] { stream_into(fifo, prefix, two_gib, '0'); });
    const auto r = salesproc({"--csv", fifo, "--out", dir.file("r.json")});
    writer.join();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = json::parse(read_file(dir.file("r.json")));
    EXPECT_EQ(doc["valid_sales"], 1);
    EXPECT_EQ(doc["rejected"]["malformed_row"], 1);
    EXPECT_EQ(doc["csv"]["bytes"], two_gib + prefix.size());
    EXPECT_LT(r.max_rss_kib, rss_bound_kib) << "peak RSS KiB";
    std::printf("2 GiB line skipped: peak RSS %llu KiB\n",
                static_cast<unsigned long long>(r.max_rss_kib));

    std::thread header_writer([&] { stream_into(fifo, "", two_gib, 'h'); });
    const auto h = salesproc({"--csv", fifo, "--out", dir.file("h.json")});
    header_writer.join();
    EXPECT_EQ(h.exit_code, 1);
    expect_one_error_line(h, "header row exceeds --max-row-size (67108864 bytes)");
    EXPECT_LT(h.max_rss_kib, rss_bound_kib) << "peak RSS KiB";
    EXPECT_FALSE(fs::exists(dir.file("h.json")));
}

// ---- output faults ---------------------------------------------------------------------------

TEST_F(Faults, OutInReadOnlyDirectory) {
    temp_dir dir;
    const auto out = dir.file("r.json");
    write_file(out, "previous");
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec |
                                    fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const auto r = salesproc_unprivileged({"--csv", data + "/sales.csv", "--out", out, "-q"});
    EXPECT_EQ(r.exit_code, 1);
    expect_one_error_line(r, "r.json: cannot create the report in");
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(out), "previous");
    EXPECT_EQ(dir.entries(), 1U);
}

}  // namespace
}  // namespace salesproc
