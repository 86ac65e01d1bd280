// The binary with API sources, against the mock server: exact sums with the CSV, exit 3, API
// rejects, secrets, bad URLs, and SIGINT with requests in flight.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <filesystem>
#include <sstream>
#include <thread>

namespace salesproc {
namespace {

// The shared PKI, mock-server options, fast settings and fetch() of net_support.hpp.
using namespace test;
using namespace std::chrono_literals;

const std::string sales_csv = test::data_dir + "/sales.csv";

// End to end through the binary: CSV plus API gives exactly the sum of both, exit 3 on failure.
TEST(Cli, CsvPlusApiIsTheExactSumAndFailuresExitThree) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    auto r = test::salesproc({"--csv", sales_csv, "--out", out, "-q", "--cacert",
                              shared_pki().ca_file, "--api-url", srv.url("/sales"), "--api-url",
                              srv.url("/posts/1"), "--api-url", srv.url("/posts")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::json::parse(test::read_file(out));
    EXPECT_EQ(doc["api_records"], 107);
    EXPECT_EQ(doc["valid_sales"], 6);
    EXPECT_NE(test::read_file(out).find("\"total_sales\": 2580.14,"), std::string::npos);
    EXPECT_EQ(doc["api"]["succeeded"], 3);

    test::write_file(dir.file("urls.txt"),
                     "# sources\n\n" + srv.url("/posts/1") + "\n" + srv.url("/missing") + "\n");
    r = test::salesproc({"--csv", sales_csv, "--out", out, "-q", "--cacert", shared_pki().ca_file,
                         "--urls-file", dir.file("urls.txt"), "--backoff-base", "1ms"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    doc = nlohmann::json::parse(test::read_file(out));
    EXPECT_EQ(doc["valid_sales"], 3);  // CSV totals intact
    EXPECT_EQ(doc["api"]["failed"], 1);
    EXPECT_EQ(doc["api"]["failures"][0]["error"], "HTTP 404 Not Found");
    EXPECT_EQ(doc["api"]["failures"][0]["code"], "http_status");
}

// Paginated sources through the binary: pages in order, rejects numbered across pages, a failed
// page keeping the pages before it (exit 3), and the options from config.yaml.
TEST(Cli, PaginatedSourcesCountEveryPageAndKeepPagesBeforeAFailure) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("r.jsonl");
    write_file(dir.file("c.yaml"), "records_pointer: /data\nnext_pointer: /next\n");
    auto r = test::salesproc({"--csv", sales_csv, "--out", out, "--rejects", rejects, "-q",
                              "--cacert", shared_pki().ca_file, "--config", dir.file("c.yaml"),
                              "--api-url", srv.url("/pages/body?pages=3")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::ordered_json::parse(test::read_file(out));
    EXPECT_EQ(doc["api_records"], 6);
    EXPECT_EQ(doc["api"]["pages"], 3);
    EXPECT_EQ(doc["valid_sales"], 6);  // 3 from the CSV, one per page
    std::istringstream lines(test::read_file(rejects));
    std::vector<std::uint64_t> api_lines;
    for (std::string line; std::getline(lines, line);) {
        const auto j = nlohmann::json::parse(line);
        if (j["source"] != sales_csv) api_lines.push_back(j["line"]);
    }
    EXPECT_EQ(api_lines, (std::vector<std::uint64_t>{2, 4, 6}));  // "Pork K" of each page

    // Link pagination with a failing third page: pages 1 and 2 count, the URL fails.
    r = test::salesproc({"--csv", sales_csv, "--out", out, "-q", "--cacert", shared_pki().ca_file,
                         "--backoff-base", "1ms", "--retries", "1", "--api-url",
                         srv.url("/pages/link?pages=5&fail_page=3")});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    doc = nlohmann::ordered_json::parse(test::read_file(out));
    EXPECT_EQ(doc["api_records"], 4);
    EXPECT_EQ(doc["valid_sales"], 5);
    EXPECT_EQ(doc["api"]["failures"][0]["pages"], 2);
    EXPECT_EQ(doc["api"]["failures"][0]["code"], "http_status");
    EXPECT_EQ(doc["api"]["failures"][0]["error"],
              "page 3: HTTP 500 Internal Server Error (gave up after 2 attempts)");

    // A loop fails the URL with its own code.
    r = test::salesproc({"--csv", sales_csv, "--out", out, "-q", "--cacert", shared_pki().ca_file,
                         "--api-url", srv.url("/pages/loop?page=1&pages=2"), "--max-pages", "10"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    doc = nlohmann::ordered_json::parse(test::read_file(out));
    EXPECT_EQ(doc["api"]["failures"][0]["code"], "pagination");

    // Malformed pointers are usage errors.
    r = test::salesproc({"--csv", sales_csv, "--out", out, "--records-pointer", "data"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--records-pointer"), std::string::npos) << r.err;
}

// API rejects follow the CSV's in the rejects file and the samples, in URL order, each with its
// URL (redacted) and its 1-based index in that URL's records.
TEST(Cli, ApiRejectsFollowTheCsvRejectsInUrlOrder) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    const auto rejects = dir.file("r.jsonl");
    const std::string csv = sales_csv;
    const auto sales_url =
        "https://user:pw-secret@localhost:" + std::to_string(srv.port()) + "/sales";
    const auto r =
        test::salesproc({"--csv", csv, "--out", out, "-q", "--cacert", shared_pki().ca_file,
                         "--api-url", sales_url, "--api-url", srv.url("/posts/1"), "--api-url",
                         srv.url("/sales?second=1"), "--rejects", rejects});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> lines;
    std::istringstream in(test::read_file(rejects));
    for (std::string line; std::getline(in, line);)
        lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 3U + 2U + 2U);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(lines[static_cast<std::size_t>(i)]["source"], csv);
    const std::string redacted = "https://***@localhost:" + std::to_string(srv.port()) + "/sales";
    EXPECT_EQ(lines[3]["source"], redacted);
    EXPECT_EQ(lines[3]["line"], 4);
    EXPECT_EQ(lines[3]["reason"], "bad_prefix");
    EXPECT_EQ(lines[3]["row"], R"({"product":"Pork Rind","price":20.00,"quantity":1})");
    EXPECT_EQ(lines[4]["line"], 5);
    EXPECT_EQ(lines[4]["reason"], "bad_price");
    EXPECT_EQ(lines[4]["detail"],
              "price '1e3' is not a plain decimal number: an exponent: write the number in plain "
              "notation");
    EXPECT_EQ(lines[5]["source"], srv.url("/sales?second=1"));
    EXPECT_EQ(lines[6]["line"], 5);
    const auto doc = nlohmann::json::parse(test::read_file(out));
    const auto& prefix = doc["rejected_samples"]["bad_prefix"];
    ASSERT_EQ(prefix.size(), 3U);  // two from the CSV, then the first URL's
    EXPECT_EQ(prefix[2]["source"], redacted);
    EXPECT_EQ(prefix[2]["line"], 4);
    EXPECT_EQ(doc["rejected_samples"]["bad_price"][0]["row"],
              R"({"product":"Halal Honey","price":1e3,"quantity":1})");
    EXPECT_EQ(test::read_file(rejects).find("pw-secret"), std::string::npos);
}

TEST(Cli, SecretsNeverReachLogsOrReport) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto out = dir.file("r.json");
    ::setenv("SALESPROC_TEST_TOKEN", "tok-planted-secret", 1);
    const auto url = "https://user:pw-planted-secret@localhost:" + std::to_string(srv.port()) +
                     "/posts/1?status=500";
    const auto r = test::salesproc(
        {"--csv", sales_csv, "--out", out, "-v", "--cacert", shared_pki().ca_file, "--api-url", url,
         "--header", "X-Api-Key: hdr-planted-secret", "--header-env",
         "Authorization=SALESPROC_TEST_TOKEN", "--retries", "1", "--backoff-base", "1ms"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const std::string all = r.err + r.out + test::read_file(out);
    EXPECT_EQ(all.find("planted-secret"), std::string::npos) << all;
    EXPECT_NE(all.find("https://***@localhost"), std::string::npos);
    EXPECT_EQ(srv.last_header("/posts/1", "X-Api-Key"), "hdr-planted-secret");
    EXPECT_EQ(srv.last_header("/posts/1", "Authorization"), "tok-planted-secret");
}

TEST(Cli, BadUrlsAreUsageErrorsNamingTheUrl) {
    for (const char* bad : {"ftp://example.com/x", "https://", "localhost:8080/x"}) {
        const auto r = test::salesproc({"--csv", sales_csv, "--out", "-", "--api-url", bad});
        EXPECT_EQ(r.exit_code, 2) << bad;
        EXPECT_NE(r.err.find(std::string("salesproc: error: ") + bad), std::string::npos) << r.err;
    }
}

// SIGINT while requests are in flight, a retry is sleeping in backoff and the CSV is half-read
// (a FIFO that stalls) or fully read: exit 130 within a second, no report, the previous report
// untouched, no temp file.
TEST(Cli, SigintCancelsEverythingWithinASecond) {
    std::signal(SIGPIPE, SIG_IGN);
    for (const bool stalled_csv : {true, false}) {
        mock_server srv(tls_options());
        temp_dir dir;
        const auto out = dir.file("r.json");
        test::write_file(out, "previous");
        std::string csv = sales_csv;
        if (stalled_csv) {
            csv = dir.file("in.fifo");
            ASSERT_EQ(::mkfifo(csv.c_str(), 0600), 0);
        }
        const std::vector<std::string> args = {test::salesproc_bin,
                                               "--csv",
                                               csv,
                                               "--out",
                                               out,
                                               "-q",
                                               "--cacert",
                                               shared_pki().ca_file,
                                               "--api-url",
                                               srv.url("/posts/1?delay_ms=20000"),
                                               "--api-url",
                                               srv.url("/posts/2?delay_ms=20000"),
                                               "--api-url",
                                               srv.url("/posts/3?status=503"),
                                               "--backoff-base",
                                               "10s",
                                               "--backoff-max",
                                               "60s",
                                               "--timeout",
                                               "60s"};
        const pid_t pid = test::spawn_process(args);
        int writer = -1;
        if (stalled_csv) {
            writer = ::open(csv.c_str(), O_WRONLY);
            const std::string head = "product,price,quantity\nHalal A,10,1\n";
            ASSERT_EQ(::write(writer, head.data(), head.size()), static_cast<ssize_t>(head.size()));
        }
        // Both slow requests are at the server and /posts/3 has been answered (its retry sleeps).
        for (int i = 0; i < 500 && srv.requests() < 3; ++i)
            std::this_thread::sleep_for(10ms);
        ASSERT_GE(srv.requests(), 3U);
        std::this_thread::sleep_for(100ms);
        const auto sent = std::chrono::steady_clock::now();
        ::kill(pid, SIGINT);
        const auto status = test::wait_process(pid);
        const auto took = std::chrono::steady_clock::now() - sent;
        if (writer >= 0) ::close(writer);
        EXPECT_EQ(status.code, 130);
        EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
        EXPECT_EQ(test::read_file(out), "previous");
        EXPECT_EQ(dir.entries(), stalled_csv ? 2U : 1U);
        std::printf("SIGINT (%s CSV) to exit: %lld ms\n", stalled_csv ? "stalled" : "complete",
                    static_cast<long long>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    }
}

}  // namespace
}  // namespace salesproc
