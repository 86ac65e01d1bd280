#include "salesproc/aggregate.hpp"

#include <cstring>
#include <random>

namespace salesproc {
namespace {

// Per-process seed: product names come from untrusted files, so collisions must not be
// precomputable. Iteration order never reaches the report (it uses first-seen order).
const std::uint64_t hash_seed = [] {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}();

constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t w) noexcept {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}

}  // namespace

// Product names are short: a word-at-a-time multiply-xorshift is several times cheaper than the
// byte-wise std::hash, and the flat map applies its own final mixing.
std::size_t sales_aggregate::string_hash::operator()(std::string_view s) const noexcept {
    auto load = [](const char* p, std::size_t n) {
        std::uint64_t w = 0;
        std::memcpy(&w, p, n);
        return w;
    };
    std::uint64_t h = hash_seed ^ (s.size() * 0x9E3779B97F4A7C15ULL);
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 <= n; i += 8)
            h = mix(h, load(p + i, 8));
        // The tail as one overlapping word: a byte-wise copy would stall store forwarding.
        if (n % 8 != 0) h = mix(h, load(p + n - 8, 8));
    } else if (n >= 4) {
        h = mix(h, (load(p, 4) << 32) | load(p + n - 4, 4));
    } else if (n != 0) {
        h = mix(h, (load(p, 1) << 16) | (load(p + n / 2, 1) << 8) | load(p + n - 1, 1));
    }
    return static_cast<std::size_t>(h);
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

bool sales_aggregate::add_sale(std::string_view product, int128 amount, std::uint64_t quantity) {
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
