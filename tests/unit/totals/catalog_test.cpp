// The product catalog: exact sums (past 2^64 too), first-seen order from the keys whatever order
// slices arrive in and from however many threads, and the overflow naming built on total_of.
#include "salesproc/totals/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace salesproc {
namespace {

TEST(Catalog, SumsExactlyAndOrdersByFirstKey) {
    product_catalog c;
    sales_aggregate late;
    ASSERT_TRUE(late.add_sale("Halal B", 500, 5));
    ASSERT_TRUE(late.add_sale("Halal A", 100, 1));
    sales_aggregate early;
    ASSERT_TRUE(early.add_sale("Halal A", 200, 2));
    ASSERT_TRUE(early.add_sale("Halal C", 300, 3));
    // The later slice arrives first: order comes from the keys, not from arrival.
    c.add(late, 1000);
    c.add(early, 10);
    EXPECT_TRUE(c.total_of("Halal A") == 300);
    EXPECT_TRUE(c.total_of("Halal Z") == 0);
    c.finish();
    const auto e = c.entries();
    ASSERT_EQ(e.size(), 3U);
    EXPECT_EQ(e[0].name, "Halal A");  // key 10
    EXPECT_EQ(e[1].name, "Halal C");  // key 11
    EXPECT_EQ(e[2].name, "Halal B");  // key 1000
    EXPECT_TRUE(e[0].quantity == 3 && e[0].amount == 300);
    EXPECT_TRUE(e[2].quantity == 5 && e[2].amount == 500);
}

TEST(Catalog, SumsPastTwoToTheSixtyFourKeepEveryCarry) {
    product_catalog c;
    const uint128 big = (uint128{1} << 64) - 1;
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(c.add("Halal Gold", big, big + 7, static_cast<std::uint64_t>(5 - i)));
    ASSERT_TRUE(c.add("Halal Gold", uint128{1} << 100, uint128{3} << 70, 99));
    EXPECT_TRUE(c.total_of("Halal Gold") == (big + 7) * 5 + (uint128{3} << 70));
    c.finish();
    const auto e = c.entries();
    ASSERT_EQ(e.size(), 1U);
    EXPECT_TRUE(e[0].quantity == big * 5 + (uint128{1} << 100));
    EXPECT_TRUE(e[0].amount == (big + 7) * 5 + (uint128{3} << 70));
}

// Numbers read from a merge's parts are trusted for nothing: a sum that would wrap is refused
// and leaves the product as it was.
TEST(Catalog, AddingByNameRefusesSumsThatWouldWrap) {
    product_catalog c;
    const uint128 half = uint128{1} << 127;
    ASSERT_TRUE(c.add("Halal Q", half, 1, 0));
    EXPECT_FALSE(c.add("Halal Q", half, 1, 1));     // quantity 2^128 wraps
    EXPECT_FALSE(c.add("Halal T", 1, half, 2));     // a total past 2^127 - 1
    ASSERT_TRUE(c.add("Halal T", 1, half - 1, 3));  // exactly the largest total
    EXPECT_FALSE(c.add("Halal T", 0, 1, 4));
    c.finish();
    const auto e = c.entries();
    ASSERT_EQ(e.size(), 2U);
    EXPECT_TRUE(e[0].quantity == half && e[0].amount == 1);
    EXPECT_TRUE(e[1].amount == half - 1);
}

TEST(Catalog, ManyThreadsManyProductsOneOrder) {
    // 100k products over 200 slices with keys 1000 apart, added from 4 threads in a shuffled
    // order: the same totals and first-seen order as one thread adding in key order.
    constexpr std::size_t slices = 200;
    std::vector<sales_aggregate> parts(slices);
    std::mt19937 rng(5);
    for (std::size_t s = 0; s < slices; ++s)
        for (int r = 0; r < 900; ++r)
            ASSERT_TRUE(parts[s].add_sale("Halal SKU-" + std::to_string(rng() % 100000),
                                          1 + rng() % 1000, 1 + rng() % 100));
    product_catalog serial;
    for (std::size_t s = 0; s < slices; ++s)
        serial.add(parts[s], s * 1000);
    serial.finish();

    std::vector<std::size_t> shuffled(slices);
    for (std::size_t s = 0; s < slices; ++s)
        shuffled[s] = s;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    product_catalog parallel;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t = static_cast<std::size_t>(t)] {
            for (std::size_t i = t; i < slices; i += 4)
                parallel.add(parts[shuffled[i]], shuffled[i] * 1000);
        });
    for (auto& t : threads)
        t.join();
    parallel.finish();

    const auto a = serial.entries();
    const auto b = parallel.entries();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_GT(a.size(), 80000U);
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].name, b[i].name) << i;
        ASSERT_TRUE(a[i].quantity == b[i].quantity && a[i].amount == b[i].amount) << i;
    }
    // And that order is the slices' own first-seen order, slice by slice.
    sales_aggregate merged;
    for (const auto& p : parts)
        ASSERT_TRUE(merged.merge(p));
    ASSERT_EQ(merged.products().size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        ASSERT_EQ(merged.products()[i].product, a[i].name) << i;
}

TEST(Catalog, LongNamesHaveBlocksOfTheirOwn) {
    product_catalog c;
    const std::string long_name = "Halal " + std::string(100000, 'x');
    ASSERT_TRUE(c.add(long_name, 1, 2, 1));
    ASSERT_TRUE(c.add("Halal short", 1, 2, 0));
    ASSERT_TRUE(c.add(long_name, 1, 2, 3));
    c.finish();
    const auto e = c.entries();
    ASSERT_EQ(e.size(), 2U);
    EXPECT_EQ(e[0].name, "Halal short");
    EXPECT_EQ(e[1].name, long_name);
    EXPECT_TRUE(e[1].amount == 4);
}

}  // namespace
}  // namespace salesproc
