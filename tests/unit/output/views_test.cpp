// The views' model and renderers without a run: the top products kept from a stream, numbers
// as people read them, escaping of hostile and broken strings, and the size bounds.
#include "salesproc/output/views.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(TopProducts, KeepsTheLargestTotalsFirstSeenFirstOnTies) {
    top_products top(3);
    top.offer("a", 1, 500);
    top.offer("b", 1, 900);
    top.offer("c", 1, 500);
    top.offer("d", 1, 100);
    top.offer("e", 1, 900);  // ties with b, seen later: after it
    top.offer("f", 1, 500);  // ties with a and c, which were first: stays out
    EXPECT_EQ(top.seen(), 6U);
    const auto kept = top.take();
    ASSERT_EQ(kept.size(), 3U);
    EXPECT_EQ(kept[0].name, "b");
    EXPECT_EQ(kept[1].name, "e");
    EXPECT_EQ(kept[2].name, "a");
}

TEST(TopProducts, IsTheSortedPrefixOfAnyStream) {
    top_products top(20);
    std::vector<std::pair<int128, int>> all;
    for (int i = 0; i < 5000; ++i) {
        const int128 total = (i * 7919) % 1000;  // many ties
        all.emplace_back(total, i);
        top.offer(std::to_string(i), 1, total);
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const auto kept = top.take();
    ASSERT_EQ(kept.size(), 20U);
    for (std::size_t i = 0; i < kept.size(); ++i)
        EXPECT_EQ(kept[i].name, std::to_string(all[i].second)) << i;
}

report_view sample_view() {
    report_view v;
    v.scale = 2;
    v.total_sales = -123456789;  // -1,234,567.89
    v.valid = 2;
    v.invalid = 1;
    v.products = 2;
    v.top = {{"Halal \xff\x01<b>", 3, 1000}, {"Halal [x](http://e) *y*", 1, 5}};
    v.rejected[0] = 1;
    v.samples.emplace();
    (*v.samples)[0].push_back({"in.csv", 7, "expected 3 fields", "a|b\n<c>"});
    v.inputs.push_back({"in.csv", 3, 40, ""});
    v.generated_at = "2026-12-07T10:00:00Z";
    v.duration_ms = 61234;
    return v;
}

TEST(Views, NumbersAreGroupedWithEveryFractionDigit) {
    const std::string summary = render_summary(sample_view());
    EXPECT_NE(summary.find("| Total sales | -1,234,567.89 |"), std::string::npos) << summary;
    EXPECT_NE(summary.find("| 1 | "), std::string::npos);
    EXPECT_NE(summary.find(" | 3 | 10.00 |"), std::string::npos);
    EXPECT_NE(summary.find("| 2 | Halal \\[x\\](http://e) \\*y\\* | 1 | 0.05 |"),
              std::string::npos);
    EXPECT_NE(summary.find("| Rejected rows and records | 1 (33.33%) |"), std::string::npos);
    EXPECT_NE(summary.find("| Duration | 1 min 1.234 s |"), std::string::npos);
    report_view whole = sample_view();
    whole.scale = 0;
    whole.total_sales = 1234567;
    EXPECT_NE(render_summary(whole).find("| Total sales | 1,234,567 |"), std::string::npos);
}

TEST(Views, BrokenAndHostileStringsAreShownAsText) {
    const report_view v = sample_view();
    const std::string html = render_html(v);
    // A byte that is not UTF-8 and a control character become U+FFFD; markup is escaped.
    EXPECT_NE(html.find("Halal \xEF\xBF\xBD\xEF\xBF\xBD&lt;b&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_NE(html.find("a|b\n&lt;c&gt;"), std::string::npos);
    const std::string summary = render_summary(v);
    EXPECT_NE(summary.find("a\\|b &lt;c&gt;"), std::string::npos) << summary;
    const std::string junit = render_junit(v);
    EXPECT_EQ(junit.find('\x01'), std::string::npos);
}

TEST(Views, TheSummaryStaysUnderOneMebibyteAtAnySize) {
    report_view v = sample_view();
    const std::string huge(1 << 20, 'x');
    v.top.clear();
    for (int i = 0; i < 20; ++i)
        v.top.push_back({"Halal " + huge, 1, 100 - i});
    v.products = 10'000'000;
    v.api.emplace();
    for (int i = 0; i < 100000; ++i) {
        v.api->failures.push_back({"https://h/" + std::to_string(i) + huge.substr(0, 2000), 1,
                                   huge.substr(0, 5000), "http_status", 0});
        v.api->urls.push_back(v.api->failures.back().url);
    }
    v.api->requested = 100000;
    for (auto& samples : *v.samples)
        samples.assign(10000, {"in.csv", 1, huge.substr(0, 300), huge.substr(0, 4096)});
    for (auto& n : v.rejected)
        n = 10000;
    v.invalid = 80000;
    EXPECT_LT(render_summary(v).size(), std::size_t{1} << 20);
    EXPECT_LT(render_html(v).size(), std::size_t{2} << 20);
}

TEST(Views, JunitCountsAgreeWithItsCases) {
    report_view v = sample_view();
    v.gates = {{"--max-invalid", "0", "1", false}, {"--max-invalid-ratio", "0.5", "0.333", true}};
    v.api.emplace();
    v.api->requested = 2;
    v.api->succeeded = 1;
    v.api->urls = {"https://a/x", "https://a/x"};
    v.api->failures.push_back({"https://a/x", 4, "HTTP 503", "http_status", 0});
    const std::string junit = render_junit(v);
    EXPECT_NE(junit.find("<testsuites name=\"salesproc\" tests=\"5\" failures=\"2\" errors=\"0\" "
                         "time=\"61.234\">"),
              std::string::npos)
        << junit;
    EXPECT_NE(junit.find("name=\"https://a/x #2\" time=\"0.000\"/>"), std::string::npos) << junit;
    EXPECT_NE(junit.find("timestamp=\"2026-12-07T10:00:00\""), std::string::npos);
    // A report from before api.urls: its failed URLs are still cases.
    v.api->urls.clear();
    EXPECT_NE(render_junit(v).find("tests=\"4\" failures=\"2\""), std::string::npos)
        << render_junit(v);

    const auto when = std::chrono::system_clock::from_time_t(1796637600);  // 2026-12-07T10:00:00
    const std::string failed =
        render_failed_junit({"a.csv", "b.csv", "c.csv"}, 1, "b.csv: No such file", when, 5);
    EXPECT_NE(failed.find("tests=\"3\" failures=\"0\" errors=\"1\" skipped=\"1\" "
                          "time=\"0.005\" timestamp=\"2026-12-07T10:00:00\""),
              std::string::npos)
        << failed;
    EXPECT_NE(failed.find("<error message=\"b.csv: No such file\" type=\"unreadable\">"),
              std::string::npos);
    // A failure that names no input: the inputs are skipped, a case "run" holds the error.
    const std::string unnamed = render_failed_junit({"a.csv"}, 1, "boom", when, 5);
    EXPECT_NE(unnamed.find("tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"1\""),
              std::string::npos)
        << unnamed;
}

}  // namespace
}  // namespace salesproc
