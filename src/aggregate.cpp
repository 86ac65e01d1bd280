#include "salesproc/aggregate.hpp"

#include <random>

namespace salesproc {

std::uint64_t hash_seed() noexcept {
    static const std::uint64_t seed = [] {
        std::random_device rd;
        return (std::uint64_t{rd()} << 32) ^ rd();
    }();
    return seed;
}
product_total& sales_aggregate::slot(std::string_view product) {
    if (auto it = index_.find(product); it != index_.end()) return products_[it->second];
    index_.emplace(std::string(product), static_cast<std::uint32_t>(products_.size()));
    products_.push_back(product_total{std::string(product), 0, 0});
    return products_.back();
}

void sales_aggregate::clear() noexcept {
    products_.clear();
    index_.clear();
    rejected_ = {};
    rows_ = valid_ = 0;
    total_ = 0;
    overflowed_.clear();
}

bool sales_aggregate::add_sale_slow(std::string_view product, int128 amount,
                                    std::uint64_t quantity) {
    int128 new_total = 0;
    if (!checked_add(total_, amount, new_total)) {
        overflowed_ = std::string(product);
        return false;
    }
    product_total& p = slot(product);
    int128 new_amount = 0;
    if (!checked_add(p.amount, amount, new_amount)) {
        overflowed_ = std::string(product);
        return false;
    }
    // Quantities are at most 2^64 each, so 2^64 additions fit in 128 bits: no check needed.
    p.quantity += quantity;
    p.amount = new_amount;
    total_ = new_total;
    ++valid_;
    ++rows_;
    return true;
}

bool sales_aggregate::merge(const sales_aggregate& later) {
    // Products first, so that an overflow names the product when one product causes it.
    for (const auto& p : later.products_) {
        product_total& mine = slot(p.product);
        if (!checked_add(mine.amount, p.amount, mine.amount)) {
            overflowed_ = p.product;
            return false;
        }
        mine.quantity += p.quantity;
    }
    if (!checked_add(total_, later.total_, total_)) {
        overflowed_.clear();  // the grand total overflowed, not one product
        return false;
    }
    for (std::size_t i = 0; i < rejected_.size(); ++i)
        rejected_[i] += later.rejected_[i];
    rows_ += later.rows_;
    valid_ += later.valid_;
    return true;
}

}  // namespace salesproc
