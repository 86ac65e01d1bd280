// Totals for a slice of the input (one chunk, or the API records) and the in-order reducer.
// A sales_aggregate is owned by one thread at a time; merge() is how slices meet.
#pragma once

#include "salesproc/money.hpp"
#include "salesproc/rules.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

struct product_total {
    std::string product;
    uint128 quantity = 0;
    int128 amount = 0;  // units of 10^-scale
};

class sales_aggregate {
  public:
    // Records a valid sale. Returns false when a 128-bit total would overflow; the aggregate is
    // then unchanged.
    bool add_sale(std::string_view product, int128 amount, std::uint64_t quantity);
    void add_reject(reject_reason why) noexcept {
        ++rejected_[static_cast<std::size_t>(why)];
        ++rows_;
    }

    // Appends `later` (a slice that comes after this one): sums add up and unseen products are
    // appended in `later`'s first-seen order. Returns false on overflow; overflowed_product() then
    // names the product whose total overflowed, or is empty when only the grand total did.
    bool merge(const sales_aggregate& later);

    [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::uint64_t valid() const noexcept { return valid_; }
    [[nodiscard]] std::uint64_t invalid() const noexcept { return rows_ - valid_; }
    [[nodiscard]] std::uint64_t rejected(reject_reason r) const noexcept {
        return rejected_[static_cast<std::size_t>(r)];
    }
    [[nodiscard]] int128 total() const noexcept { return total_; }
    [[nodiscard]] const std::vector<product_total>& products() const noexcept { return products_; }
    [[nodiscard]] const std::string& overflowed_product() const noexcept { return overflowed_; }
    void note_overflow(std::string_view product) { overflowed_ = std::string(product); }
    // Empties the aggregate but keeps its allocations for the next chunk.
    void clear() noexcept;

  private:
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept;
    };
    struct string_eq {
        using is_transparent = void;
        bool operator()(std::string_view a, std::string_view b) const noexcept {
            return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
        }
    };

    product_total& slot(std::string_view product);

    std::vector<product_total> products_;  // first-seen order
    boost::unordered_flat_map<std::string, std::uint32_t, string_hash, string_eq> index_;
    std::array<std::uint64_t, reject_reason_count> rejected_{};
    std::uint64_t rows_ = 0;
    std::uint64_t valid_ = 0;
    int128 total_ = 0;
    std::string overflowed_;
};

}  // namespace salesproc
