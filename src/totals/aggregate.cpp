#include "salesproc/totals/aggregate.hpp"

#include <algorithm>
#include <cstring>
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
    return append(product);
}

product_total& sales_aggregate::append(std::string_view product) {
    const std::string_view name = names_.intern(product);
    index_.emplace(name, static_cast<std::uint32_t>(products_.size()));
    products_.push_back(product_total{name, 0, 0});
    return products_.back();
}

std::string_view name_arena::intern(std::string_view name) {
    if (name.empty()) return {};
    if (blocks_.empty() || blocks_.back().size - used_ < name.size()) {
        // A name longer than a block gets a block of its own size.
        const std::size_t size = std::max(block_bytes, name.size());
        blocks_.push_back(block{std::make_unique<char[]>(size), size});
        used_ = 0;
    }
    char* at = blocks_.back().data.get() + used_;
    std::memcpy(at, name.data(), name.size());
    used_ += name.size();
    return {at, name.size()};
}

void name_arena::clear() noexcept {
    if (blocks_.size() > 1) blocks_.erase(blocks_.begin() + 1, blocks_.end());
    used_ = 0;
}

sales_aggregate::sales_aggregate(const sales_aggregate& other) {
    *this = other;
}

sales_aggregate& sales_aggregate::operator=(const sales_aggregate& other) {
    if (this == &other) return *this;
    clear();
    products_.reserve(other.products_.size());
    for (const auto& p : other.products_) {
        product_total& mine = append(p.product);
        mine.quantity = p.quantity;
        mine.amount = p.amount;
    }
    rejected_ = other.rejected_;
    rows_ = other.rows_;
    valid_ = other.valid_;
    oversized_ = other.oversized_;
    total_ = other.total_;
    overflowed_ = other.overflowed_;
    return *this;
}
void sales_aggregate::clear() noexcept {
    front_.fill({});
    front_misses_ = 0;
    front_off_ = false;
    products_.clear();
    index_.clear();
    names_.clear();
    rejected_ = {};
    rows_ = valid_ = oversized_ = invalid_utf8_ = first_invalid_utf8_line_ = 0;
    total_ = 0;
    overflowed_.clear();
}

bool sales_aggregate::overflow(std::string_view product) {
    overflowed_ = std::string(product);
    return false;
}

bool sales_aggregate::add_first_sale(std::string_view product, int128 amount,
                                     std::uint64_t quantity) {
    return accumulate(append(product), product, amount, quantity);  // add_sale already looked
}

bool sales_aggregate::add_sale_missed(front_entry* set, std::uint64_t w0, std::uint64_t w1,
                                      std::string_view product, int128 amount,
                                      std::uint64_t quantity) {
    // Off once misses pass half the rows after a warm-up: then the cache only costs.
    if (++front_misses_ > 1024 && front_misses_ > rows_ / 2) front_off_ = true;
    product_total& p = slot(product);
    // The newest name in way 0, the one it displaces in way 1.
    set[1] = set[0];
    set[0] = front_entry{w0, w1, static_cast<std::uint32_t>(product.size()),
                         static_cast<std::uint32_t>(&p - products_.data())};
    return accumulate(p, product, amount, quantity);
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
    oversized_ += later.oversized_;
    valid_ += later.valid_;
    return true;
}

bool sales_aggregate::merge_counts(const sales_aggregate& later) {
    int128 total = 0;
    if (!checked_add(total_, later.total_, total)) return false;
    total_ = total;
    for (std::size_t i = 0; i < rejected_.size(); ++i)
        rejected_[i] += later.rejected_[i];
    rows_ += later.rows_;
    oversized_ += later.oversized_;
    valid_ += later.valid_;
    return true;
}

bool sales_aggregate::add_counts(std::uint64_t valid,
                                 const std::array<std::uint64_t, reject_reason_count>& rejected,
                                 int128 total) {
    int128 sum = 0;
    if (!checked_add(total_, total, sum)) return false;
    auto counts = rejected_;
    std::uint64_t rows = rows_;
    std::uint64_t valid_sum = 0;
    bool wrapped = __builtin_add_overflow(valid_, valid, &valid_sum) ||
                   __builtin_add_overflow(rows, valid, &rows);
    for (std::size_t i = 0; i < counts.size(); ++i)
        wrapped = wrapped || __builtin_add_overflow(counts[i], rejected[i], &counts[i]) ||
                  __builtin_add_overflow(rows, rejected[i], &rows);
    if (wrapped) return false;
    total_ = sum;
    rejected_ = counts;
    rows_ = rows;
    valid_ = valid_sum;
    return true;
}

}  // namespace salesproc
