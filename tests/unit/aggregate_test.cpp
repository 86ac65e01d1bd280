#include "salesproc/aggregate.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace salesproc {
namespace {

TEST(Aggregate, FirstSeenOrderAndSums) {
    sales_aggregate a;
    ASSERT_TRUE(a.add_sale("B", 100, 1));
    ASSERT_TRUE(a.add_sale("A", 50, 2));
    ASSERT_TRUE(a.add_sale("B", 25, 3));
    a.add_reject(reject_reason::bad_prefix);
    ASSERT_EQ(a.products().size(), 2U);
    EXPECT_EQ(a.products()[0].product, "B");
    EXPECT_EQ(a.products()[0].amount, 125);
    EXPECT_EQ(a.products()[0].quantity, 4U);
    EXPECT_EQ(a.total(), 175);
    EXPECT_EQ(a.rows(), 4U);
    EXPECT_EQ(a.valid(), 3U);
    EXPECT_EQ(a.invalid(), 1U);
}

TEST(Aggregate, MergeAppendsUnseenProductsInOrder) {
    sales_aggregate first, second;
    first.add_sale("A", 1, 1);
    second.add_sale("C", 1, 1);
    second.add_sale("A", 1, 1);
    second.add_sale("B", 1, 1);
    second.add_reject(reject_reason::malformed_row);
    ASSERT_TRUE(first.merge(second));
    ASSERT_EQ(first.products().size(), 3U);
    EXPECT_EQ(first.products()[0].product, "A");
    EXPECT_EQ(first.products()[1].product, "C");
    EXPECT_EQ(first.products()[2].product, "B");
    EXPECT_EQ(first.products()[0].amount, 2);
    EXPECT_EQ(first.rejected(reject_reason::malformed_row), 1U);
}

TEST(Aggregate, OverflowIsReportedAndLeavesTotalsUnchanged) {
    const int128 max = static_cast<int128>(~uint128{0} >> 1);
    sales_aggregate a;
    ASSERT_TRUE(a.add_sale("Halal X", max, 1));
    EXPECT_FALSE(a.add_sale("Halal X", 1, 1));
    EXPECT_EQ(a.overflowed_product(), "Halal X");
    EXPECT_EQ(a.total(), max);
    EXPECT_EQ(a.valid(), 1U);
}

// The reducer's contract: slices built concurrently and merged in slice order give the same
// result as one sequential pass, whatever the thread interleaving.
TEST(Aggregate, InOrderMergeOfConcurrentSlicesEqualsSequential) {
    constexpr int slices = 64;
    auto fill = [](sales_aggregate& a, int slice) {
        for (int i = 0; i < 500; ++i) {
            const int product = (slice * 7 + i * 13) % 97;
            a.add_sale("Halal " + std::to_string(product), product + i, 1);
            if (i % 11 == 0) a.add_reject(reject_reason::bad_price);
        }
    };
    sales_aggregate sequential;
    for (int s = 0; s < slices; ++s)
        fill(sequential, s);

    std::vector<sales_aggregate> parts(slices);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int s = t; s < slices; s += 8)
                fill(parts[static_cast<std::size_t>(s)], s);
        });
    for (auto& th : threads)
        th.join();
    sales_aggregate merged;
    for (const auto& p : parts)
        ASSERT_TRUE(merged.merge(p));

    ASSERT_EQ(merged.products().size(), sequential.products().size());
    for (std::size_t i = 0; i < merged.products().size(); ++i) {
        EXPECT_EQ(merged.products()[i].product, sequential.products()[i].product);
        EXPECT_EQ(merged.products()[i].amount, sequential.products()[i].amount);
    }
    EXPECT_EQ(merged.total(), sequential.total());
    EXPECT_EQ(merged.rejected(reject_reason::bad_price),
              sequential.rejected(reject_reason::bad_price));
}

// Names live in the aggregate's arena: they must survive moves, copies (which intern anew),
// clear() and reuse, and names longer than an arena block.
TEST(Aggregate, NamesSurviveMovesCopiesAndReuse) {
    const std::string long_name = "Halal " + std::string(100000, 'L');
    std::vector<std::string> names;
    for (int i = 0; i < 20000; ++i)
        names.push_back("Halal SKU-" + std::to_string(i));
    sales_aggregate a;
    for (const auto& n : names)
        ASSERT_TRUE(a.add_sale(n, 100, 1));
    ASSERT_TRUE(a.add_sale(long_name, 100, 1));
    sales_aggregate copy;
    {
        sales_aggregate source = a;  // a copy of a copy, then the source goes
        copy = source;
    }
    sales_aggregate moved = std::move(a);
    for (const sales_aggregate* agg : {&copy, &moved}) {
        ASSERT_EQ(agg->products().size(), names.size() + 1);
        EXPECT_EQ(agg->products()[123].product, names[123]);
        EXPECT_EQ(agg->products().back().product, long_name);
    }
    // Reused after clear(), as a chunk's aggregate is: lookups find only the new names.
    moved.clear();
    ASSERT_TRUE(moved.add_sale("Halal New", 5, 1));
    ASSERT_TRUE(moved.add_sale("Halal SKU-1", 5, 1));
    ASSERT_TRUE(moved.add_sale("Halal New", 5, 1));
    ASSERT_EQ(moved.products().size(), 2U);
    EXPECT_EQ(moved.products()[0].product, "Halal New");
    EXPECT_EQ(moved.products()[0].quantity, 2U);
    EXPECT_EQ(copy.products()[1].product, names[1]);
}

}  // namespace
}  // namespace salesproc
