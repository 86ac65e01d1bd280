#include "salesproc/base/log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>
#include <string>

namespace salesproc {
namespace {

// A logger writing into a memory stream; text() returns what it wrote.
struct captured {
    char* data = nullptr;
    std::size_t size = 0;
    std::FILE* sink = open_memstream(&data, &size);
    ~captured() {
        std::fclose(sink);
        std::free(data);
    }
    std::string text() {
        std::fflush(sink);
        return std::string(data, size);
    }
};

TEST(Log, TextLinesNameTheEventAndQuoteOnlyWhatNeedsIt) {
    captured c;
    logger log(verbosity::normal, log_format::text, c.sink);
    log.info("csv done", {{"rows", 6}, {"path", "data/sales.csv"}, {"note", "two words"}});
    log.warn("quality gate exceeded", {{"gate", "--max-invalid"}});
    log.debug("hidden");
    EXPECT_EQ(c.text(),
              "salesproc: csv done rows=6 path=data/sales.csv note=\"two words\"\n"
              "salesproc: warn: quality gate exceeded gate=--max-invalid\n");
}

TEST(Log, QuietKeepsWarningsVerboseAddsDebug) {
    captured quiet, verbose;
    logger q(verbosity::quiet, log_format::text, quiet.sink);
    q.info("step");
    q.warn("careful");
    EXPECT_EQ(quiet.text(), "salesproc: warn: careful\n");
    logger v(verbosity::verbose, log_format::text, verbose.sink);
    v.debug("detail", {{"n", 1}});
    EXPECT_EQ(verbose.text(), "salesproc: debug: detail n=1\n");
}

TEST(Log, JsonLinesParseWithTimestampLevelAndFields) {
    captured c;
    logger log(verbosity::normal, log_format::json, c.sink);
    log.info("report written", {{"path", "r.json"}});
    log.warn("bad \xFF byte");
    std::istringstream lines(c.text());
    std::string line;
    std::getline(lines, line);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["event"], "report written");
    EXPECT_EQ(j["path"], "r.json");
    EXPECT_EQ(std::string(j["ts"]).size(), 24U);  // 2026-11-24T18:00:00.000Z
    std::getline(lines, line);
    j = nlohmann::json::parse(line);  // invalid UTF-8 replaced, still valid JSON
    EXPECT_EQ(j["level"], "warn");
}

TEST(Log, NoProgressLineOutsideATerminal) {
    captured c;
    logger log(verbosity::normal, log_format::text, c.sink);
    EXPECT_FALSE(log.progress_enabled());
    log.progress(1 << 20, 2 << 20, 1000);
    log.finish_progress();
    EXPECT_EQ(c.text(), "");
}

}  // namespace
}  // namespace salesproc
