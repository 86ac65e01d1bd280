// quick_check, the hot path's shortcut, may only ever decide what check_sale decides: the same
// valid sales with the same amounts, the same reasons; every shape it does not handle "unknown".
#include "salesproc/rules/detail/quick_sale.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace salesproc::detail {
namespace {

// The three fields in one buffer with junk digits after them, as in a chunk.
struct padded_row {
    std::string buffer;
    std::string_view product, price, quantity;
    padded_row(std::string_view p, std::string_view pr, std::string_view q) {
        buffer.append(p).append(",").append(pr).append(",").append(q).append(40, '9');
        const std::string_view all(buffer);
        product = all.substr(0, p.size());
        price = all.substr(p.size() + 1, pr.size());
        quantity = all.substr(p.size() + pr.size() + 2, q.size());
    }
};

// What quick_check says of the row, checked against check_sale; returns the verdict.
quick_outcome expect_agrees(const rules& r, std::string_view product, std::string_view price,
                            std::string_view quantity) {
    const quick_rules quick(r);
    const padded_row row(product, price, quantity);
    int128 amount = 0;
    std::uint64_t qty = 0;
    reject_reason why = reject_reason::malformed_row;
    const auto verdict = quick_check(quick, row.product, row.price, row.quantity, amount, qty, why);
    const sale_check want = check_sale(product, price, quantity, r);
    const std::string row_text =
        std::string(product) + "|" + std::string(price) + "|" + std::string(quantity);
    if (verdict == quick_outcome::valid) {
        EXPECT_EQ(want.outcome, sale_check::kind::valid) << row_text;
        EXPECT_EQ(amount, want.amount) << row_text;
        EXPECT_EQ(qty, want.quantity) << row_text;
    } else if (verdict == quick_outcome::rejected) {
        EXPECT_EQ(want.outcome, sale_check::kind::rejected) << row_text;
        EXPECT_EQ(why, want.reason) << row_text;
    }
    return verdict;
}

TEST(QuickSale, DecidesTheCommonRowsWithExactAmounts) {
    const rules r;
    const quick_rules quick(r);
    const padded_row row("Halal Dates", "1953.93", "36");
    int128 amount = 0;
    std::uint64_t qty = 0;
    reject_reason why = reject_reason::malformed_row;
    ASSERT_EQ(quick_check(quick, row.product, row.price, row.quantity, amount, qty, why),
              quick_outcome::valid);
    EXPECT_EQ(amount, static_cast<int128>(195393) * 36);
    EXPECT_EQ(qty, 36U);
    for (const auto& [price, units] : std::vector<std::pair<std::string, int>>{
             {"10", 1000}, {"10.5", 1050}, {"10.05", 1005}, {"99999999.99", 0}}) {
        const padded_row p("Halal X", price, "1");
        ASSERT_EQ(quick_check(quick, p.product, p.price, p.quantity, amount, qty, why),
                  quick_outcome::valid)
            << price;
        if (units != 0) {
            EXPECT_EQ(amount, units) << price;
        }
    }
    // The common rejects are decided too.
    EXPECT_EQ(expect_agrees(r, "", "12.00", "1"), quick_outcome::rejected);
    EXPECT_EQ(expect_agrees(r, "Monitor", "12.00", "1"), quick_outcome::rejected);
    EXPECT_EQ(expect_agrees(r, "Halal x", "9.99", "1"), quick_outcome::rejected);
    EXPECT_EQ(expect_agrees(r, "Halal x", "12.00", "101"), quick_outcome::rejected);
}

TEST(QuickSale, LeavesUnusualShapesToCheckSale) {
    const rules r;
    for (const auto& [product, price, quantity] :
         std::vector<std::array<std::string, 3>>{{"", "12.00", "1"},
                                                 {"Halal", "12.00", "1"},
                                                 {"halal x", "12.00", "1"},
                                                 {"Hala", "12.00", "1"},
                                                 {"Halal x", "9.99", "1"},
                                                 {"Halal x", "0", "1"},
                                                 {"Halal x", "12.001", "1"},
                                                 {"Halal x", "12.", "1"},
                                                 {"Halal x", ".50", "1"},
                                                 {"Halal x", "1.2.3", "1"},
                                                 {"Halal x", "-12", "1"},
                                                 {"Halal x", "+12", "1"},
                                                 {"Halal x", "1e3", "1"},
                                                 {"Halal x", "123456789.00", "1"},
                                                 {"Halal x", "12.00", "0"},
                                                 {"Halal x", "12.00", "101"},
                                                 {"Halal x", "12.00", "+5"},
                                                 {"Halal x", "12.00", "2.5"},
                                                 {"Halal x", "12.00", ""},
                                                 {"Halal x", "", "1"},
                                                 {"Halal x", "12.00", "000000001"},
                                                 {"Halal x", "9.999", "1"}})
        expect_agrees(r, product, price, quantity);
    // Shapes check_sale alone reads.
    for (const auto& [price, quantity] :
         std::vector<std::array<std::string, 2>>{{"-12", "1"},
                                                 {"12.001", "1"},
                                                 {"9.999", "1"},
                                                 {".5", "1"},
                                                 {"1e3", "1"},
                                                 {"123456789.00", "1"},
                                                 {"12.00", "+5"},
                                                 {"12.00", "2.5"},
                                                 {"12.00", "000000001"}})
        EXPECT_EQ(expect_agrees(r, "Halal x", price, quantity), quick_outcome::unknown)
            << price << " " << quantity;
}

TEST(QuickSale, AgreesWithCheckSaleOnGeneratedFieldsUnderSeveralRules) {
    std::mt19937 rng(11);
    auto pick = [&](std::string_view alphabet, std::size_t max) {
        std::string s(rng() % (max + 1), 'x');
        for (char& c : s)
            c = alphabet[rng() % alphabet.size()];
        return s;
    };
    for (int variant = 0; variant < 4; ++variant) {
        rules r;
        r.max_decimals = static_cast<unsigned>(variant * 3 % 7);
        r.min_price = fixed_point{variant * 37, static_cast<unsigned>(variant % 3)};
        if (r.min_price.scale > r.max_decimals) r.min_price.scale = r.max_decimals;
        r.max_quantity = variant == 3 ? UINT64_MAX : 100;
        if (variant == 2) r.product_prefix = "";
        for (int i = 0; i < 20000; ++i) {
            const std::string product =
                (rng() % 4 != 0 ? std::string("Halal ") : "") + pick("abHal ", 4);
            const std::string price = pick("0123456789.", 18);
            const std::string quantity = pick("0123456789", 9);
            expect_agrees(r, product, price, quantity);
        }
    }
}

}  // namespace
}  // namespace salesproc::detail
