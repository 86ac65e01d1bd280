// The views (--html, --summary, --junit) through the binary: written with the report, on exit 3
// and 4 too, never on a failure; equal to what `salesproc render` makes of the saved report, for
// any --threads and --chunk-size; the page read back by headless Chromium (screenshot and DOM),
// the JUnit checked against tests/schema/junit.xsd with xmllint; small at catalog scale.
#include "cli/cli_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

namespace salesproc {
namespace {

using namespace test;

const std::string hostile = "<img src=x onerror=alert(1)>";

// Valid and rejected rows, a product named like an HTML element, a Markdown pipe.
std::string mixed_csv() {
    return "product,price,quantity\nHalal Laptop,999.99,2\nHalal Mouse,24.99,10\n\"Halal " +
           hostile + "\",12.50,1\nHalal Pipe | Table,15.00,3\nPork,12.00,1\nHalal Cheap,1.00,1\n";
}

// A view without what changes from run to run: the duration and the time it was generated.
std::string timeless(const std::string& view) {
    static const std::regex when(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?|\d+(\.\d{3})? (ms|s)\b|)"
                                 R"(time="[0-9.]+")");
    return std::regex_replace(view, when, "#");
}

struct views {
    std::string html, summary, junit;
};

views read_views(const temp_dir& dir, const std::string& stem) {
    return {read_file(dir.file(stem + ".html")), read_file(dir.file(stem + ".md")),
            read_file(dir.file(stem + ".xml"))};
}

std::vector<std::string> view_flags(const temp_dir& dir, const std::string& stem) {
    return {"--html",  dir.file(stem + ".html"), "--summary", dir.file(stem + ".md"),
            "--junit", dir.file(stem + ".xml")};
}

process_result run_with_views(const temp_dir& dir, const std::string& stem,
                              std::vector<std::string> args) {
    const auto flags = view_flags(dir, stem);
    args.insert(args.end(), flags.begin(), flags.end());
    return salesproc(args);
}

TEST(Views, RenderOfTheSavedReportEqualsWhatTheRunWrote) {
    temp_dir dir;
    write_file(dir.file("in.csv"), mixed_csv());
    auto r = run_with_views(dir, "run",
                            {"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = salesproc({"render", dir.file("r.json"), "-q", "--html", dir.file("again.html"),
                   "--summary", dir.file("again.md"), "--junit", dir.file("again.xml")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const views run = read_views(dir, "run"), again = read_views(dir, "again");
    EXPECT_EQ(run.html, again.html);
    EXPECT_EQ(run.summary, again.summary);
    EXPECT_EQ(run.junit, again.junit);
    // The figures as people read them: grouped, every cent, the share.
    EXPECT_NE(run.summary.find("| Total sales | 2,307.38 |"), std::string::npos) << run.summary;
    EXPECT_NE(run.summary.find("| 2 | Halal Mouse | 10 | 249.90 |"), std::string::npos);
    EXPECT_NE(run.summary.find("| Rejected rows and records | 2 (33.33%) |"), std::string::npos);
    EXPECT_NE(run.html.find("<td class=\"n\">2,307.38</td>"), std::string::npos);
    // The data's strings are text, never markup.
    EXPECT_EQ(run.html.find(hostile), std::string::npos);
    EXPECT_EQ(run.summary.find(hostile), std::string::npos);
    EXPECT_NE(run.html.find("Halal &lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    EXPECT_NE(run.summary.find("Halal Pipe \\| Table"), std::string::npos);
    EXPECT_EQ(run.html.find("<script"), std::string::npos);
    EXPECT_EQ(run.html.find("http"), std::string::npos) << "the page must need no network";
}

TEST(Views, AreIdenticalForAnyThreadsAndChunkSize) {
    temp_dir dir;
    write_file(dir.file("in.csv"), generate_sales_csv(20000, 5));
    std::string first;
    for (const char* threads : {"1", "2", "4"})
        for (const char* chunk : {"4KiB", "64KiB", "1MiB"}) {
            const std::string stem = std::string("t") + threads + "-" + chunk;
            auto r = run_with_views(dir, stem,
                                    {"--csv", dir.file("in.csv"), "--out", dir.file(stem + ".json"),
                                     "-q", "--threads", threads, "--chunk-size", chunk});
            ASSERT_EQ(r.exit_code, 0) << r.err;
            const views v = read_views(dir, stem);
            const std::string all = timeless(v.html) + timeless(v.summary) + timeless(v.junit);
            if (first.empty()) first = all;
            EXPECT_EQ(all, first) << stem;
        }
}

TEST(Views, AreWrittenOnExitThreeAndFourAndOnAFailureOnlyTheJunitSaysWhy) {
    temp_dir dir;
    write_file(dir.file("in.csv"), mixed_csv());
    // Exit 4 (a gate) and 3 (an API source failed): the views hold the failures.
    auto r = run_with_views(dir, "gate",
                            {"--csv", dir.file("in.csv"), "--out", dir.file("g.json"), "-q",
                             "--max-invalid", "1", "--max-invalid-ratio", "0.5"});
    ASSERT_EQ(r.exit_code, 4) << r.err;
    views v = read_views(dir, "gate");
    EXPECT_NE(v.summary.find("| `--max-invalid` | 1 | 2 | \xE2\x9D\x8C failed |"),
              std::string::npos)
        << v.summary;
    EXPECT_NE(v.summary.find("| `--max-invalid-ratio` | 0.5 | 0.333333333 | \xE2\x9C\x85 passed |"),
              std::string::npos);
    EXPECT_NE(v.junit.find("<failure message=\"--max-invalid exceeded: limit 1, actual 2\" "
                           "type=\"quality_gate\">"),
              std::string::npos)
        << v.junit;
    EXPECT_NE(v.html.find("FAILED: 1 quality gate failed"), std::string::npos);

    r = run_with_views(dir, "api",
                       {"--csv", dir.file("in.csv"), "--out", dir.file("a.json"), "-q", "--api-url",
                        "http://127.0.0.1:1/down", "--retries", "0"});
    ASSERT_EQ(r.exit_code, 3) << r.err;
    v = read_views(dir, "api");
    EXPECT_NE(v.junit.find("<testcase classname=\"salesproc.api_sources\" "
                           "name=\"http://127.0.0.1:1/down\" time=\"0.000\">\n      <failure "
                           "message=\"refused: "),
              std::string::npos)
        << v.junit;
    EXPECT_NE(v.summary.find("### API failures"), std::string::npos);

    // A failed run (exit 1) leaves the report and the page and summary as they were; the JUnit
    // names the input it could not read, so that CI shows why.
    const views before = read_views(dir, "gate");
    const std::string report = read_file(dir.file("g.json"));
    r = run_with_views(dir, "gate",
                       {"--csv", dir.file("in.csv"), "--csv", dir.file("missing.csv"), "--csv",
                        dir.file("in.csv"), "--out", dir.file("g.json"), "-q"});
    EXPECT_EQ(r.exit_code, 1);
    const views after = read_views(dir, "gate");
    EXPECT_EQ(read_file(dir.file("g.json")), report);
    EXPECT_EQ(after.html, before.html);
    EXPECT_EQ(after.summary, before.summary);
    EXPECT_NE(after.junit.find("tests=\"3\" failures=\"0\" errors=\"1\" skipped=\"1\""),
              std::string::npos)
        << after.junit;
    EXPECT_NE(after.junit.find("<error message=\"" + dir.file("missing.csv") +
                               ": No such file or directory\" type=\"unreadable\">"),
              std::string::npos)
        << after.junit;
    const auto checked =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     std::string(SALESPROC_TESTS_DIR) + "/schema/junit.xsd", dir.file("gate.xml")});
    EXPECT_EQ(checked.exit_code, 0) << checked.err;
}

TEST(Views, AViewMayNotNameAnInputOrAnotherOutput) {
    temp_dir dir;
    write_file(dir.file("in.csv"), mixed_csv());
    const std::string before = read_file(dir.file("in.csv"));
    auto r = salesproc(
        {"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "--html", dir.file("in.csv")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--html"), std::string::npos) << r.err;
    r = salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "--summary",
                   dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--summary"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(dir.file("in.csv")), before);
    ASSERT_EQ(salesproc({"--csv", dir.file("in.csv"), "--out", dir.file("r.json"), "-q"}).exit_code,
              0);
    r = salesproc({"render", dir.file("r.json"), "--junit", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    r = salesproc({"render", dir.file("r.json")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "salesproc: error: render: give at least one of --html, --summary, --junit\n");
    r = salesproc({"render", dir.file("in.csv"), "--html", dir.file("x.html")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(dir.file("in.csv") + ": "), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.html")));
}

TEST(Views, TheJunitAgreesWithItsCasesAndTheSchema) {
    temp_dir dir;
    write_file(dir.file("a.csv"), mixed_csv());
    write_file(dir.file("b.csv"), generate_sales_csv(500, 2));
    auto r = run_with_views(
        dir, "j",
        {"--csv", dir.file("a.csv"), "--csv", dir.file("b.csv"), "--out", dir.file("j.json"), "-q",
         "--max-invalid", "0", "--max-invalid-ratio", "1", "--api-url", "http://127.0.0.1:1/a",
         "--api-url", "http://127.0.0.1:1/a", "--retries", "0"});
    ASSERT_EQ(r.exit_code, 4) << r.err;
    const std::string junit = read_file(dir.file("j.xml"));
    // 2 gates, 2 URLs (the same one twice, named apart), 2 inputs.
    const auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = junit.find(what); at != std::string::npos; at = junit.find(what, at + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(count("<testcase "), 6U);
    EXPECT_EQ(count("<failure "), 3U);  // one gate, two URLs
    EXPECT_NE(junit.find("<testsuite name=\"salesproc\" tests=\"6\" failures=\"3\" errors=\"0\" "
                         "skipped=\"0\""),
              std::string::npos)
        << junit;
    EXPECT_NE(junit.find("name=\"http://127.0.0.1:1/a #2\""), std::string::npos);
    const auto checked =
        run_process({"/usr/bin/xmllint", "--noout", "--schema",
                     std::string(SALESPROC_TESTS_DIR) + "/schema/junit.xsd", dir.file("j.xml")});
    EXPECT_EQ(checked.exit_code, 0) << checked.err;
}

TEST(Views, StaySmallAtCatalogScale) {
    temp_dir dir;
    // 300k products, each once, names up to 1 KB: the page lists the top 20 only.
    std::string csv = "product,price,quantity\n";
    csv.reserve(std::size_t{40} << 20);
    for (int i = 0; i < 300000; ++i)
        csv += "Halal P" + std::to_string(i) + (i % 1000 == 0 ? std::string(1000, 'x') : "") + "," +
               std::to_string(10 + i % 500) + ".25,1\n";
    write_file(dir.file("in.csv"), csv);
    auto r =
        run_with_views(dir, "c", {"--csv", dir.file("in.csv"), "--out", dir.file("c.json"), "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const views v = read_views(dir, "c");
    EXPECT_LT(v.html.size(), std::size_t{2} << 20);
    EXPECT_LT(v.summary.size(), std::size_t{1} << 20);
    EXPECT_NE(v.html.find("The top 20 of 300,000 products by total; 299,980 more are left out."),
              std::string::npos);
    // The largest total first: price 509.25 at i % 500 == 499, the first such is P499.
    EXPECT_NE(v.summary.find("| 1 | Halal P499 | 1 | 509.25 |"), std::string::npos)
        << v.summary.substr(0, 2000);
}

TEST(Views, AMergeShowsItsPartsAndRendersAlike) {
    temp_dir dir;
    std::string csv = "product,price,quantity\n";
    for (int i = 0; i < 3000; ++i)
        csv += (i % 7 == 0 ? "Pork " : "Halal ") + std::to_string(i % 40) + ",1" +
               std::to_string(i % 10) + ".50,2\n";
    write_file(dir.file("in.csv"), csv);
    std::vector<std::string> merge{"merge", "--out", dir.file("m.json"), "-q"};
    for (int k = 0; k < 3; ++k) {
        const std::string part = dir.file("p" + std::to_string(k) + ".json");
        ASSERT_EQ(salesproc({"--csv", dir.file("in.csv"), "--shard", std::to_string(k) + "/3",
                             "--out", part, "-q"})
                      .exit_code,
                  0);
        merge.push_back(part);
    }
    const auto flags = view_flags(dir, "m");
    merge.insert(merge.end(), flags.begin(), flags.end());
    auto r = salesproc(merge);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const views m = read_views(dir, "m");
    EXPECT_NE(m.html.find("This report merges 3 parts."), std::string::npos);
    EXPECT_NE(m.html.find("<td>1/3</td>"), std::string::npos);
    // One JUnit case per shard the merge read.
    EXPECT_NE(m.junit.find("<testcase classname=\"salesproc.parts\" name=\"" + dir.file("p1.json") +
                           " (shard 1/3)\" time=\"0.000\"/>"),
              std::string::npos)
        << m.junit;
    r = salesproc({"render", dir.file("m.json"), "-q", "--html", dir.file("again.html")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.file("again.html")), m.html);
}

// The page in a real browser: headless Chromium takes a screenshot and dumps the DOM it built.
TEST(Views, ThePageRendersInChromium) {
    temp_dir dir;
    write_file(dir.file("in.csv"), mixed_csv());
    auto r = run_with_views(
        dir, "p",
        {"--csv", dir.file("in.csv"), "--out", dir.file("p.json"), "-q", "--max-invalid", "1"});
    ASSERT_EQ(r.exit_code, 4) << r.err;
    const std::vector<std::string> chromium{
        "/usr/bin/chromium", "--headless=new", "--no-sandbox",
        "--disable-gpu",     "--no-first-run", "--user-data-dir=" + dir.file("profile")};
    auto args = chromium;
    args.insert(args.end(), {"--window-size=1000,1400", "--screenshot=" + dir.file("p.png"),
                             "file://" + dir.file("p.html")});
    auto shot = run_process(args);
    ASSERT_EQ(shot.exit_code, 0) << shot.err;
    const std::string png = read_file(dir.file("p.png"));
    ASSERT_GT(png.size(), 10000U);
    EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
    args = chromium;
    args.insert(args.end(), {"--dump-dom", "file://" + dir.file("p.html")});
    const auto dom = run_process(args);
    ASSERT_EQ(dom.exit_code, 0) << dom.err;
    // The browser built the sections, and the hostile name stayed text: no <img> element.
    for (const char* id :
         {"id=\"headline\"", "id=\"gates\"", "id=\"products\"", "id=\"rejects\"", "id=\"inputs\""})
        EXPECT_NE(dom.out.find(id), std::string::npos) << id;
    EXPECT_EQ(dom.out.find("<img"), std::string::npos);
    EXPECT_NE(dom.out.find("Halal &lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    EXPECT_NE(dom.out.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace salesproc
