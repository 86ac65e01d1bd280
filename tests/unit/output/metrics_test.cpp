#include "salesproc/output/metrics.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(Metrics, EveryFamilyHasHelpAndTypeAndLabelsAreEscaped) {
    run_metrics m;
    m.exit_code = 0;
    m.finished = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
    m.duration_seconds = 1.5;
    m.input_bytes = 136;
    m.rows = run_metrics::counts{3, 2, {0, 1, 1, 0, 0, 0, 0, 0}, "2499.83"};
    m.api = run_metrics::api_counts{2, 1, 4};
    m.labels = {{"job", "nightly \"eu\"\\x\n"}};
    const std::string text = format_metrics(m);
    for (const char* family :
         {"salesproc_last_run_timestamp_seconds", "salesproc_last_success_timestamp_seconds",
          "salesproc_exit_code", "salesproc_duration_seconds", "salesproc_input_bytes",
          "salesproc_rows", "salesproc_rejected_rows", "salesproc_total_sales",
          "salesproc_api_requests", "salesproc_api_retries"}) {
        EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
        EXPECT_NE(text.find(std::string("# TYPE ") + family + " gauge\n"), std::string::npos);
    }
    const std::string labels = R"({job="nightly \"eu\"\\x\n")";
    EXPECT_NE(text.find("salesproc_last_run_timestamp_seconds" + labels + "} 1795000000.000\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("salesproc_rows" + labels + R"(,result="invalid"} 2)"), std::string::npos);
    EXPECT_NE(text.find("salesproc_rejected_rows" + labels + R"(,reason="bad_prefix"} 1)"),
              std::string::npos);
    EXPECT_NE(text.find("salesproc_total_sales" + labels + "} 2499.83\n"), std::string::npos);
    EXPECT_NE(text.find("salesproc_api_requests" + labels + R"(,result="failed"} 1)"),
              std::string::npos);
}

TEST(Metrics, AFailedRunKeepsTheLastSuccessAndOmitsWhatItNeverCounted) {
    run_metrics ok;
    ok.finished = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
    ok.labels = {{"job", "a"}};
    const auto previous = last_success_in(format_metrics(ok));
    ASSERT_TRUE(previous);
    EXPECT_EQ(*previous, 1000.0);

    run_metrics failed;
    failed.exit_code = 1;
    failed.finished = std::chrono::system_clock::time_point(std::chrono::seconds(2000));
    failed.last_success = previous;
    const std::string text = format_metrics(failed);
    EXPECT_NE(text.find("salesproc_last_success_timestamp_seconds 1000.000\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("salesproc_exit_code 1\n"), std::string::npos);
    EXPECT_EQ(text.find("salesproc_rows"), std::string::npos);
    // Never succeeded: no success time at all rather than a made-up one.
    failed.last_success.reset();
    EXPECT_EQ(format_metrics(failed).find("last_success"), std::string::npos);
    EXPECT_EQ(last_success_in("salesproc_last_success_timestamp_seconds_x 5\n"), std::nullopt);
}

TEST(Metrics, LabelNamesFollowPrometheus) {
    EXPECT_TRUE(is_label_name("job"));
    EXPECT_TRUE(is_label_name("_dc2"));
    EXPECT_FALSE(is_label_name(""));
    EXPECT_FALSE(is_label_name("2dc"));
    EXPECT_FALSE(is_label_name("__name"));
    EXPECT_FALSE(is_label_name("dc-eu"));
}

}  // namespace
}  // namespace salesproc
