#include "salesproc/merge/detail/merge_rejects.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace salesproc::detail {
namespace {

std::vector<std::string> records_of(const std::string& text, rejects_format format,
                                    std::string* error = nullptr) {
    std::istringstream in(text);
    std::vector<std::string> out;
    const auto r = for_each_reject(in, format, "p.rej", [&](std::string_view rec) {
        out.emplace_back(rec);
        return result<void>();
    });
    if (!r && error != nullptr) *error = r.error().message();
    return out;
}

// A CSV record goes on past a line break inside quotes; the header is checked, not visited.
TEST(MergeRejects, RecordsSpanQuotedLineBreaksAndTheHeaderIsChecked) {
    const auto recs = records_of(
        "source,line,reason,detail,row\na.csv,3,bad_price,x,\"Halal\nB,1,2\"\na.csv,5,bad_prefix,y,"
        "z\n",
        rejects_format::csv);
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0], "a.csv,3,bad_price,x,\"Halal\nB,1,2\"");
    std::string error;
    EXPECT_TRUE(records_of("", rejects_format::csv, &error).empty());
    EXPECT_EQ(error,
              "p.rej: not a salesproc rejects file: it is empty, without even the header line");
    EXPECT_TRUE(records_of("", rejects_format::jsonl, &error).empty());  // no rejects: fine
    records_of("source,line,reason,detail,row\na.csv,3,x,y,\"open\n", rejects_format::csv, &error);
    EXPECT_EQ(error, "p.rej: not a salesproc rejects file: it ends inside a quoted field");
}

// A shard's line numbers move by its offset; another source's stay; a record without the five
// fields, or without a number, is an error naming the file, never a crash.
TEST(MergeRejects, ShardLinesMoveOtherSourcesStayMalformedRecordsAreErrors) {
    const std::string shard = "a.csv";
    auto moved = renumber_reject("a.csv,3,bad_price,x,y", rejects_format::csv, &shard, 100, "f");
    ASSERT_TRUE(moved);
    EXPECT_EQ(*moved, "a.csv,103,bad_price,x,y");
    moved = renumber_reject("b.csv,3,bad_price,x,y", rejects_format::csv, &shard, 100, "f");
    EXPECT_EQ(*moved, "b.csv,3,bad_price,x,y");
    moved = renumber_reject(R"({"source":"a.csv","line":7,"reason":"r","detail":"d","row":"x"})",
                            rejects_format::jsonl, &shard, 10, "f");
    ASSERT_TRUE(moved);
    EXPECT_EQ(*moved, R"({"source":"a.csv","line":17,"reason":"r","detail":"d","row":"x"})");
    for (const char* bad : {"lonely", "a.csv,x,bad_price,x,y", "a.csv,3"}) {
        const auto r = renumber_reject(bad, rejects_format::csv, &shard, 1, "f");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message().rfind("f: not a salesproc rejects file", 0), 0U);
    }
    EXPECT_FALSE(renumber_reject(R"({"line":1})", rejects_format::jsonl, &shard, 1, "f"));
}

}  // namespace
}  // namespace salesproc::detail
