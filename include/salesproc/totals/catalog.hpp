// The run's products at catalog scale: every product's exact quantity and total, and the order
// in which the input first named them. Slices (the products of one CSV chunk, one API source,
// one partial report) are added from any thread, each under the lock of the partitions its
// products hash to, so workers merge their chunks side by side instead of through one reducer.
// A product costs its name plus about 45 bytes; names are copied once, into blocks.
// add() and total_of() are thread-safe; finish() and the readers run once every add is done.
#pragma once

#include "salesproc/rules/money.hpp"
#include "salesproc/totals/aggregate.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace salesproc {

class product_catalog {
  public:
    product_catalog();
    ~product_catalog();
    product_catalog(const product_catalog&) = delete;
    product_catalog& operator=(const product_catalog&) = delete;

    // Adds `slice`'s products. The i-th in the slice's first-seen order was first seen at
    // `first_key + i`: keys order the whole run's input, so a caller gives each slice keys
    // above every earlier slice's (a CSV chunk's byte offset in the run does, as a chunk has
    // fewer products than bytes). Totals must stay within 2^128: callers check the grand total,
    // which every product's total is part of, before adding.
    void add(const sales_aggregate& slice, std::uint64_t first_key);
    // One product, first seen at `key` (for merging reports, whose numbers come from files and
    // are trusted for nothing): false, adding nothing, when its quantity would pass 2^128 - 1 or
    // its total 2^127 - 1.
    [[nodiscard]] bool add(std::string_view name, uint128 quantity, uint128 amount,
                           std::uint64_t key);

    // The total of `name` added so far; 0 for a product not seen.
    [[nodiscard]] uint128 total_of(std::string_view name) const;

    // Puts the products in first-seen order; call once, after the last add().
    void finish();

    [[nodiscard]] std::size_t size() const noexcept;

    struct entry {
        std::string_view name;
        uint128 quantity;
        uint128 amount;
    };
    // Visits every product in first-seen order (after finish()).
    template <class Visit>
    void for_each(Visit&& visit) const {
        // First-seen order jumps across partitions: fetch slots ahead, or every product waits
        // for memory.
        constexpr std::size_t ahead = 16;
        for (std::size_t i = 0; i < order_.size(); ++i) {
            if (i + ahead < order_.size()) prefetch(order_[i + ahead]);
            visit(at(order_[i]));
        }
    }
    // The same, as a list: for tests and small catalogs.
    [[nodiscard]] std::vector<entry> entries() const;

  private:
    struct partition;
    [[nodiscard]] entry at(std::uint32_t ref) const;
    void prefetch(std::uint32_t ref) const noexcept;

    std::unique_ptr<partition[]> partitions_;
    std::vector<std::uint32_t> order_;  // partition and slot of each product, first-seen order
};

}  // namespace salesproc
