#include "salesproc/totals/aggregate.hpp"

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

// add_sale_short (the CSV hot path's cache of short names) must count exactly what add_sale
// counts: names that differ only past a word boundary, in length, or in an embedded NUL; many
// more names than the cache holds, so sets collide and the cache turns itself off; and reuse
// after clear(). Each name sits in a buffer with 16 bytes to spare, as the hot path guarantees.
TEST(Aggregate, ShortNameCacheCountsWhatTheTableCounts) {
    std::vector<std::string> names = {"A",
                                      "AB",
                                      "A\0",
                                      std::string("A\0B", 3),
                                      "Halal Ch",
                                      "Halal Chair",
                                      "Halal Chairs",
                                      "Halal Rug, Large",
                                      "Halal Rug, Large!",
                                      "Halal Rug, Largf",
                                      "12345678",
                                      "123456789"};
    // Names that differ only in the second word, or only in how many NULs follow one byte: with
    // so many, some meet in one set, where only the whole comparison tells them apart.
    for (int i = 0; i < 3000; ++i)
        names.push_back("Halal It#" + std::to_string(1000000 + i * 7919 % 1000000));
    for (char c = 'a'; c <= 'z'; ++c)
        for (std::size_t nuls = 0; nuls < 16; ++nuls)
            names.push_back(std::string(1, c) + std::string(nuls, '\0'));
    // Each name in two buffers with different bytes after it, which a careless mask would read
    // as part of the name.
    std::vector<std::string> rooms[2];
    for (const auto& n : names) {
        rooms[0].push_back(n + std::string(16, 'x'));
        rooms[1].push_back(n + std::string(16, 'y'));
    }
    for (const int rounds : {2, 4}) {
        sales_aggregate fast, plain;
        for (int pass = 0; pass < 2; ++pass) {
            fast.clear();
            plain.clear();
            for (int r = 0; r < rounds; ++r)
                for (std::size_t i = 0; i < names.size(); ++i) {
                    const std::size_t at = (i * 37 + static_cast<std::size_t>(r)) % names.size();
                    const std::string_view name(
                        rooms[(i + static_cast<std::size_t>(r)) % 2][at].data(), names[at].size());
                    ASSERT_TRUE(fast.add_sale_short(name, static_cast<int128>(at + 1), at + 2));
                    ASSERT_TRUE(plain.add_sale(name, static_cast<int128>(at + 1), at + 2));
                }
            ASSERT_EQ(fast.products().size(), plain.products().size());
            for (std::size_t i = 0; i < plain.products().size(); ++i) {
                EXPECT_EQ(fast.products()[i].product, plain.products()[i].product) << i;
                EXPECT_EQ(fast.products()[i].quantity, plain.products()[i].quantity) << i;
                EXPECT_EQ(fast.products()[i].amount, plain.products()[i].amount) << i;
            }
            EXPECT_EQ(fast.total(), plain.total());
            EXPECT_EQ(fast.valid(), plain.valid());
        }
    }
}

}  // namespace
}  // namespace salesproc
