#include "salesproc/report.hpp"

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

}  // namespace
}  // namespace salesproc
