// Totals for a slice of the input (one chunk, or the API records) and the in-order reducer.
// A sales_aggregate is owned by one thread at a time; merge() is how slices meet.
#pragma once

#include "salesproc/rules/money.hpp"
#include "salesproc/rules/rules.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

// Per-process random seed for product hashing: names come from untrusted files, so collisions
// must not be precomputable. Iteration order never reaches the report (first-seen order does).
std::uint64_t hash_seed() noexcept;

// Product names are short: a word-at-a-time multiply-xorshift is several times cheaper than the
// byte-wise std::hash; the hash tables apply their own final mixing. Seeded with hash_seed().
inline std::uint64_t name_hash(std::string_view s, std::uint64_t seed) noexcept {
    auto load = [](const char* p, std::size_t n) {
        std::uint64_t w = 0;
        __builtin_memcpy(&w, p, n);
        return w;
    };
    auto mix = [](std::uint64_t h, std::uint64_t w) {
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        return h ^ (h >> 31);
    };
    std::uint64_t h = seed ^ (s.size() * 0x9E3779B97F4A7C15ULL);
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
    return h;
}

struct product_total {
    std::string_view product;  // into the owning aggregate's name arena
    uint128 quantity = 0;
    int128 amount = 0;  // units of 10^-scale
};

// Product names, copied once into large blocks: a product costs its name's bytes, not a heap
// allocation (two, with the index's key) per product and slice. Views stay valid until clear().
class name_arena {
  public:
    name_arena() = default;
    name_arena(name_arena&&) noexcept = default;
    name_arena& operator=(name_arena&&) noexcept = default;
    name_arena(const name_arena&) = delete;
    name_arena& operator=(const name_arena&) = delete;

    std::string_view intern(std::string_view name);
    // Forgets every name, keeping the first block for the next slice.
    void clear() noexcept;

  private:
    static constexpr std::size_t block_bytes = std::size_t{64} << 10;
    struct block {
        std::unique_ptr<char[]> data;
        std::size_t size = 0;
    };
    std::vector<block> blocks_;
    std::size_t used_ = 0;  // of the last block
};

class sales_aggregate {
  public:
    sales_aggregate() = default;
    sales_aggregate(sales_aggregate&&) noexcept = default;
    sales_aggregate& operator=(sales_aggregate&&) noexcept = default;
    // A copy interns the names anew: views must point into the copy's own arena.
    sales_aggregate(const sales_aggregate& other);
    sales_aggregate& operator=(const sales_aggregate& other);

    // Records a valid sale. Returns false when a 128-bit total would overflow (the run then
    // fails); the sums are left unchanged.
    bool add_sale(std::string_view product, int128 amount, std::uint64_t quantity) {
        // Inline: the lookup of a product this slice has already seen is the per-row hot path;
        // only a first sighting goes out of line to allocate the name.
        const auto it = index_.find(product);
        if (it == index_.end()) [[unlikely]]
            return add_first_sale(product, amount, quantity);
        return accumulate(products_[it->second], product, amount, quantity);
    }
    // add_sale for a name with 16 bytes readable from its start (the CSV hot path's fields have
    // detail::quick_reach). A name of at most 16 bytes is looked up first in a small cache keyed
    // by its bytes, which skips hashing and the table for the few products most files have; the
    // cache turns itself off for the slice when most lookups miss it (a catalog of SKUs).
    [[gnu::always_inline]] bool add_sale_short(std::string_view product, int128 amount,
                                               std::uint64_t quantity) {
        const std::size_t n = product.size();
        if (n - 1 >= 16 || front_off_) return add_sale(product, amount, quantity);
        std::uint64_t w0 = 0;
        std::uint64_t w1 = 0;
        __builtin_memcpy(&w0, product.data(), 8);
        __builtin_memcpy(&w1, product.data() + 8, 8);
        // The bytes past the name are masked off (little-endian: they are the high bytes).
        const unsigned bits = static_cast<unsigned>(8 * n);
        w0 &= bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        w1 &= bits <= 64    ? 0
              : bits >= 128 ? ~std::uint64_t{0}
                            : (std::uint64_t{1} << (bits - 64)) - 1;
        front_entry* const set =
            &front_[2 * (((w0 + n) * 0x9E3779B97F4A7C15ULL ^ w1 * 0xbf58476d1ce4e5b9ULL) >>
                         (64 - front_bits))];
        for (std::size_t way = 0; way < 2; ++way)
            if (set[way].w0 == w0 && set[way].w1 == w1 && set[way].size == n) [[likely]]
                return accumulate(products_[set[way].slot], product, amount, quantity);
        return add_sale_missed(set, w0, w1, product, amount, quantity);
    }
    void add_reject(reject_reason why) noexcept {
        ++rejected_[static_cast<std::size_t>(why)];
        ++rows_;
    }
    // Rows over --max-row-size: malformed, and counted apart for the warning that names the
    // limit. Whether the chunker skipped them or a chunk held them, the count is the same.
    void add_oversized_rows(std::uint64_t n) noexcept {
        rejected_[static_cast<std::size_t>(reject_reason::malformed_row)] += n;
        rows_ += n;
        oversized_ += n;
    }

    // Bytes that are not UTF-8, and the line of the first (counted like reject lines, from the
    // slice's line 0), for the warning that suggests --encoding. Summed by merge_counts only as
    // bytes: the reducer makes lines global.
    void note_invalid_utf8(std::uint64_t bytes, std::uint64_t line) noexcept {
        if (invalid_utf8_ == 0) first_invalid_utf8_line_ = line;
        invalid_utf8_ += bytes;
    }
    [[nodiscard]] std::uint64_t invalid_utf8() const noexcept { return invalid_utf8_; }
    [[nodiscard]] std::uint64_t first_invalid_utf8_line() const noexcept {
        return first_invalid_utf8_line_;
    }

    // Appends `later` (a slice that comes after this one): sums add up and unseen products are
    // appended in `later`'s first-seen order. Returns false on overflow; overflowed_product() then
    // names the product whose total overflowed, or is empty when only the grand total did.
    bool merge(const sales_aggregate& later);
    // merge() of everything but the products, which go to a product_catalog: the counts and
    // the grand total. False when the grand total would overflow (nothing is changed then).
    bool merge_counts(const sales_aggregate& later);
    // The counts of a report read back (merge): valid sales, rejects by reason, grand total.
    // False, changing nothing, when the grand total or a count would overflow.
    bool add_counts(std::uint64_t valid,
                    const std::array<std::uint64_t, reject_reason_count>& rejected, int128 total);

    [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::uint64_t valid() const noexcept { return valid_; }
    [[nodiscard]] std::uint64_t invalid() const noexcept { return rows_ - valid_; }
    [[nodiscard]] std::uint64_t oversized_rows() const noexcept { return oversized_; }
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
        std::uint64_t seed = hash_seed();  // a member: read per call, without a guard check
        std::size_t operator()(std::string_view s) const noexcept {
            return static_cast<std::size_t>(name_hash(s, seed));
        }
    };
    struct string_eq {
        using is_transparent = void;
        bool operator()(std::string_view a, std::string_view b) const noexcept {
            return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size());
        }
    };

    product_total& slot(std::string_view product);    // find or append
    product_total& append(std::string_view product);  // a product not yet indexed
    bool add_first_sale(std::string_view product, int128 amount, std::uint64_t quantity);
    [[gnu::cold]] bool overflow(std::string_view product);  // records the product, returns false
    bool accumulate(product_total& p, std::string_view product, int128 amount,
                    std::uint64_t quantity) {
        int128 new_total = 0;
        int128 new_amount = 0;
        if (!checked_add(total_, amount, new_total) || !checked_add(p.amount, amount, new_amount))
            return overflow(product);
        // Quantities are at most 2^64 each, so 2^64 additions fit in 128 bits: no check needed.
        p.quantity += quantity;
        p.amount = new_amount;
        total_ = new_total;
        ++valid_;
        ++rows_;
        return true;
    }

    struct front_entry {
        std::uint64_t w0 = 0;
        std::uint64_t w1 = 0;
        std::uint32_t size = 0;  // 0: empty (a cached name has 1 to 16 bytes)
        std::uint32_t slot = 0;  // into products_
    };
    // 2^front_bits sets of two ways: two names that meet in one set do not evict each other.
    static constexpr unsigned front_bits = 7;
    [[gnu::noinline]] bool add_sale_missed(front_entry* set, std::uint64_t w0, std::uint64_t w1,
                                           std::string_view product, int128 amount,
                                           std::uint64_t quantity);

    std::array<front_entry, std::size_t{2} << front_bits> front_{};
    std::uint64_t front_misses_ = 0;
    bool front_off_ = false;
    name_arena names_;
    std::vector<product_total> products_;  // first-seen order
    boost::unordered_flat_map<std::string_view, std::uint32_t, string_hash, string_eq> index_;
    std::array<std::uint64_t, reject_reason_count> rejected_{};
    std::uint64_t rows_ = 0;
    std::uint64_t valid_ = 0;
    std::uint64_t oversized_ = 0;
    std::uint64_t invalid_utf8_ = 0;
    std::uint64_t first_invalid_utf8_line_ = 0;
    int128 total_ = 0;
    std::string overflowed_;
};

}  // namespace salesproc
