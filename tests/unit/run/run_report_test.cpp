// The report of real runs (the CSV pipeline over the seed files): streamed, it is byte for byte
// the document's text. The writer's own cases are tests/unit/output/report_test.cpp.
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/run/pipeline.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

std::string streamed(const report_input& in) {
    std::string text;
    const auto r = write_report(in, [&](std::string_view b) -> result<void> {
        text.append(b);
        return {};
    });
    EXPECT_TRUE(r);
    return text;
}

TEST(Report, StreamedReportOfEverySeedFileEqualsTheDocumentsText) {
    for (const char* name : {"sales.csv", "invalid.csv", "malformed.csv", "negative.csv",
                             "sample.csv", "transactions.csv", "empty.csv"}) {
        csv_job job;
        job.path = std::string(SALESPROC_TEST_DATA_DIR) + "/" + name;
        job.rejects.samples = 3;
        reject_log log(job.rejects, [](std::string_view) -> result<void> { return {}; });
        auto r = process_csv_blocking(job, 2, &log);
        if (!r) continue;  // a seed file that is an error case (no header)
        report_input in;
        in.totals = &r->totals;
        in.products = r->products.get();
        in.csv_inputs = r->inputs;
        in.samples = &log.samples();
        EXPECT_EQ(streamed(in), serialize_report(build_report(in))) << name;
    }
}

}  // namespace
}  // namespace salesproc
