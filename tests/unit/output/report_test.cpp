#include "salesproc/output/report.hpp"

#include "salesproc/output/rejects.hpp"

#include <gtest/gtest.h>

namespace salesproc {
namespace {

TEST(Report, KeyOrderExactNumbersAndEveryReason) {
    sales_aggregate t;
    t.add_sale("Halal \"Q\" Dates", 199998, 2);
    t.add_reject(reject_reason::bad_prefix);
    report_input in;
    in.totals = &t;
    in.csv_inputs.push_back(csv_input_summary{"data/x.csv", 2, 1, 1, 40, 1});
    const auto text = serialize_report(build_report(in));
    const auto doc = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& [k, v] : doc.items())
        keys.push_back(k);
    EXPECT_EQ(keys,
              (std::vector<std::string>{"api_records", "total_sales", "unique_products",
                                        "valid_sales", "invalid_sales", "rejected",
                                        "sales_by_product", "csv", "generated_at", "duration_ms"}));
    EXPECT_NE(text.find("\"total_sales\": 1999.98,"), std::string::npos) << text;
    EXPECT_EQ(doc["unique_products"][0], "Halal \"Q\" Dates");
    EXPECT_EQ(doc["rejected"].size(), reject_reason_count);
    EXPECT_EQ(doc["rejected"]["bad_prefix"], 1);
    EXPECT_EQ(doc["sales_by_product"][0]["quantity"], 2);
    EXPECT_EQ(text.back(), '\n');
}

TEST(Report, TotalsBeyondDoublePrecisionStayExact) {
    sales_aggregate t;
    const int128 big = (int128{1} << 100) + 1;
    t.add_sale("Halal X", big, 1);
    report_input in;
    in.totals = &t;
    const auto text = serialize_report(build_report(in));
    EXPECT_NE(text.find("\"total_sales\": 12676506002282294014967032053.77"), std::string::npos)
        << text;
}

TEST(Report, InvalidUtf8InProductNamesStillGivesValidJson) {
    sales_aggregate t;
    t.add_sale(std::string("Halal \xff\xfe"), 1000, 1);
    report_input in;
    in.totals = &t;
    EXPECT_TRUE(nlohmann::json::accept(serialize_report(build_report(in))));
}

TEST(Report, CsvSectionKeepsItsSingleFileShapeAndListsSeveralInputs) {
    sales_aggregate t;
    report_input in;
    in.totals = &t;
    in.csv_inputs.push_back(csv_input_summary{"a.csv", 3, 2, 1, 100, 1});
    auto keys = [](const nlohmann::ordered_json& j) {
        std::vector<std::string> out;
        for (const auto& [k, v] : j.items())
            out.push_back(k);
        return out;
    };
    auto doc = nlohmann::ordered_json::parse(serialize_report(build_report(in)));
    EXPECT_EQ(keys(doc["csv"]), (std::vector<std::string>{"path", "rows", "bytes", "chunks"}));

    // A compressed input: the stored size stays in bytes, the decompressed one beside it.
    in.csv_inputs.front().compression = detail::compression::gzip;
    in.csv_inputs.front().decompressed_bytes = 400;
    doc = nlohmann::ordered_json::parse(serialize_report(build_report(in)));
    EXPECT_EQ(keys(doc["csv"]), (std::vector<std::string>{"path", "rows", "bytes", "compression",
                                                          "decompressed_bytes", "chunks"}));
    EXPECT_EQ(doc["csv"]["bytes"], 100);
    EXPECT_EQ(doc["csv"]["compression"], "gzip");
    EXPECT_EQ(doc["csv"]["decompressed_bytes"], 400);

    in.csv_inputs.push_back(csv_input_summary{"b.csv", 5, 5, 0, 50, 2});
    doc = nlohmann::ordered_json::parse(serialize_report(build_report(in)));
    EXPECT_EQ(keys(doc["csv"]), (std::vector<std::string>{"inputs", "rows", "bytes", "chunks"}));
    ASSERT_EQ(doc["csv"]["inputs"].size(), 2U);
    EXPECT_EQ(keys(doc["csv"]["inputs"][1]),
              (std::vector<std::string>{"path", "rows", "valid", "invalid", "bytes"}));
    EXPECT_EQ(doc["csv"]["inputs"][0]["compression"], "gzip");
    EXPECT_EQ(doc["csv"]["rows"], 8);
    EXPECT_EQ(doc["csv"]["bytes"], 150);
    EXPECT_EQ(doc["csv"]["chunks"], 3);
}

std::string streamed(const report_input& in) {
    std::string text;
    std::size_t pieces = 0;
    const auto r = write_report(in, [&](std::string_view b) -> result<void> {
        text.append(b);
        ++pieces;
        return {};
    });
    EXPECT_TRUE(r);
    EXPECT_GE(pieces, 1U);
    return text;
}

// The streamed report is byte for byte the document's text: on a catalog with names that need
// escaping, invalid UTF-8, every optional section and several inputs. (On every seed file, as a
// run makes it: tests/unit/run/run_report_test.cpp.)
TEST(Report, StreamedReportEqualsTheDocumentsText) {
    sales_aggregate t;
    for (int i = 0; i < 100000; ++i) {
        std::string name = "Halal SKU-" + std::to_string(i * 7919 % 100003);
        if (i % 997 == 0) name += " \"quoted\" \\ back\tslash";
        if (i % 1009 == 0) name += " caf\xC3\xA9 \xFF\xFE bad";
        if (i % 1013 == 0) name += std::string(1, '\x01') + "\x7F";
        ASSERT_TRUE(t.add_sale(name, 1999 + i, static_cast<std::uint64_t>(1 + i % 100)));
    }
    t.add_reject(reject_reason::bad_price);
    reject_samples samples;
    samples[3].push_back(reject_sample{"a.csv", 7, "price 'x' is not", "Halal, \"x\"\n"});
    api_summary api;
    api.requested = 2;
    api.succeeded = 1;
    api.records = 12;
    api.pages = 4;
    api.paginated = true;
    api.failures.push_back({"https://h/x", 3, "page 2: HTTP 500", "http_status", 1});
    std::vector<gate_outcome> gates;
    gates.push_back(gate_outcome{"max_invalid", "--max-invalid", "0", "1", false});
    report_input in;
    in.totals = &t;
    in.scale = 2;
    in.csv_inputs.push_back(csv_input_summary{"a.csv", 10, 9, 1, 100, 1});
    in.csv_inputs.push_back(
        csv_input_summary{"b.csv.gz", 5, 5, 0, 50, 1, detail::compression::gzip, 90});
    in.api = &api;
    in.samples = &samples;
    in.quality = &gates;
    in.generated_at = std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
    in.duration = std::chrono::milliseconds(1234);
    const std::string text = streamed(in);
    EXPECT_EQ(text, serialize_report(build_report(in)));
    EXPECT_GT(text.size(), std::size_t{8} << 20);  // several pieces

    sales_aggregate none;
    report_input empty;
    empty.totals = &none;
    empty.csv_inputs.push_back(csv_input_summary{"e.csv", 0, 0, 0, 0, 0});
    EXPECT_EQ(streamed(empty), serialize_report(build_report(empty)));
}

TEST(Report, ASinkErrorStopsTheReport) {
    sales_aggregate t;
    report_input in;
    in.totals = &t;
    in.csv_inputs.push_back(csv_input_summary{"a.csv", 0, 0, 0, 0, 0});
    const auto r = write_report(in, [](std::string_view) -> result<void> {
        return make_error(errc::io_error, "out.json", "No space left on device");
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "out.json: No space left on device");
}

}  // namespace
}  // namespace salesproc
