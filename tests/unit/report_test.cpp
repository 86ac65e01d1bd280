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
    in.csv_path = "data/x.csv";
    in.csv_rows = 2;
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

}  // namespace
}  // namespace salesproc
