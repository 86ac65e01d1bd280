// Black-box tests of --metrics: the file every run writes for node_exporter's textfile
// collector, checked with promtool as Prometheus would read it.
#include "cli/cli_support.hpp"
#include "net/net_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <string>

namespace salesproc {
namespace {

using namespace test;

const std::string sales_csv = test::data_dir + "/sales.csv";

std::string last_success_line(const std::string& text) {
    const auto at = text.find("\nsalesproc_last_success_timestamp_seconds");
    if (at == std::string::npos) return {};
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

void expect_promtool_accepts(const std::string& path) {
    if (::access("/usr/bin/promtool", X_OK) != 0) {
        ADD_FAILURE() << "promtool is missing: scripts/setup installs it (Debian prometheus)";
        return;
    }
    const auto r = run_process({"/usr/bin/promtool", "check", "metrics"}, read_file(path));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(Metrics, EveryRunWritesThemFailedOnesToo) {
    temp_dir dir;
    const auto metrics = dir.file("salesproc.prom");
    auto r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "-q", "--metrics", metrics,
                        "--metrics-label", "job=nightly-eu"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string text = read_file(metrics);
    expect_promtool_accepts(metrics);
    EXPECT_NE(text.find("salesproc_exit_code{job=\"nightly-eu\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("salesproc_rows{job=\"nightly-eu\",result=\"valid\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("salesproc_rejected_rows{job=\"nightly-eu\",reason=\"bad_prefix\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("salesproc_total_sales{job=\"nightly-eu\"} 2499.83\n"), std::string::npos);
    EXPECT_NE(text.find("salesproc_input_bytes{job=\"nightly-eu\"} 136\n"), std::string::npos);
    const auto success = last_success_line(text);

    // A fatal run: exit 1 in the metrics, the last success carried over, no row counts.
    r = salesproc({"--csv", dir.file("missing.csv"), "--out", dir.file("r.json"), "-q", "--metrics",
                   metrics, "--metrics-label", "job=nightly-eu"});
    EXPECT_EQ(r.exit_code, 1);
    text = read_file(metrics);
    expect_promtool_accepts(metrics);
    EXPECT_NE(text.find("salesproc_exit_code{job=\"nightly-eu\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(last_success_line(text), success);
    EXPECT_EQ(text.find("salesproc_rows"), std::string::npos);
    EXPECT_EQ(dir.entries(), 2U);  // the report and the metrics: no temp file left
}

TEST(Metrics, ApiFailuresAndQualityGatesShowInTheExitCode) {
    mock_server srv(tls_options());
    temp_dir dir;
    const auto metrics = dir.file("m.prom");
    auto r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "-q", "--metrics", metrics,
                        "--cacert", shared_pki().ca_file, "--backoff-base", "1ms", "--api-url",
                        srv.url("/sales"), "--api-url", srv.url("/missing")});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const std::string text = read_file(metrics);
    expect_promtool_accepts(metrics);
    EXPECT_NE(text.find("salesproc_exit_code 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("salesproc_api_requests{result=\"failed\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("salesproc_api_requests{result=\"succeeded\"} 1\n"), std::string::npos);
    EXPECT_EQ(text.find("salesproc_last_success"), std::string::npos);  // never succeeded

    r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "-q", "--metrics", metrics,
                   "--max-invalid", "0"});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(read_file(metrics).find("salesproc_exit_code 4\n"), std::string::npos);
}

TEST(Metrics, BadPathsAndLabelsFailBeforeAnyWork) {
    temp_dir dir;
    auto r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "--metrics",
                        dir.file("no/such/dir/m.prom")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("salesproc: error: " + dir.file("no/such/dir/m.prom")), std::string::npos)
        << r.err;
    EXPECT_EQ(dir.entries(), 0U);  // not even the report
    r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "--metrics", sales_csv});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--metrics"), std::string::npos) << r.err;
    r = salesproc({"--csv", sales_csv, "--out", dir.file("r.json"), "--metrics", dir.file("m.prom"),
                   "--metrics-label", "dc-eu=1"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--metrics-label"), std::string::npos) << r.err;
}

// Labels that would make a file Prometheus rejects are usage errors naming the flag: one that
// collides with salesproc's own, one given twice, a value that is not UTF-8. In merge too.
TEST(Metrics, LabelsThatWouldBreakTheFileAreUsageErrors) {
    temp_dir dir;
    const std::vector<std::vector<std::string>> bad{
        {"--metrics-label", "result=x"},
        {"--metrics-label", "reason=x"},
        {"--metrics-label", "job=x", "--metrics-label", "job=y"},
        {"--metrics-label", "job=caf\xe9"}};
    for (const auto& labels : bad) {
        std::vector<std::string> args{"--csv",     sales_csv,         "--out", dir.file("r.json"),
                                      "--metrics", dir.file("m.prom")};
        args.insert(args.end(), labels.begin(), labels.end());
        auto r = salesproc(args);
        EXPECT_EQ(r.exit_code, 2) << labels.back();
        test::expect_one_error_line(r, "--metrics-label ");
        std::vector<std::string> merge{"merge", "--out", dir.file("m.json"), "--metrics",
                                       dir.file("m.prom")};
        merge.insert(merge.end(), labels.begin(), labels.end());
        merge.push_back(sales_csv);
        r = salesproc(merge);
        EXPECT_EQ(r.exit_code, 2) << labels.back();
        test::expect_one_error_line(r, "--metrics-label ");
        EXPECT_EQ(dir.entries(), 0U);
    }
}

// A previous file's last-success time that is no Unix time (1e300, inf) is dropped with a
// warning: never bytes that were not formatted.
TEST(Metrics, ACarriedOverValueThatCannotBeFormattedIsDropped) {
    temp_dir dir;
    const auto metrics = dir.file("m.prom");
    for (const char* value : {"1e300", "+Inf", "NaN", "-5"}) {
        write_file(metrics,
                   std::string("salesproc_last_success_timestamp_seconds ") + value + "\n");
        const auto r = salesproc(
            {"--csv", dir.file("missing.csv"), "--out", dir.file("r.json"), "--metrics", metrics});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("the last success time carried over is not a Unix time"),
                  std::string::npos)
            << r.err;
        const std::string text = read_file(metrics);
        EXPECT_EQ(text.find("salesproc_last_success_timestamp_seconds"), std::string::npos) << text;
        for (const char c : text)
            ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7F)) << "unformatted byte in " << text;
        expect_promtool_accepts(metrics);
    }
}

}  // namespace
}  // namespace salesproc
