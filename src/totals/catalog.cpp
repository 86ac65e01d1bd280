#include "salesproc/totals/catalog.hpp"

#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <utility>

namespace salesproc {
namespace {

// 64 partitions keep two workers (or sixty) from queueing on one lock, and each partition's
// table small enough to stay in cache while a chunk's products for it are merged.
constexpr unsigned partition_bits = 6;
constexpr std::size_t partition_count = std::size_t{1} << partition_bits;
// A product's reference in the order: its partition above its slot.
constexpr unsigned slot_bits = 32 - partition_bits;

std::size_t partition_of(std::uint64_t hash) noexcept {
    return static_cast<std::size_t>(hash >> (64 - partition_bits));
}

// 32 bytes. The sums keep their low 64 bits here; a product that ever passes 2^64 keeps the
// carries in its partition's `high` map, so the common product pays for no 128-bit fields.
struct slot {
    std::uint64_t quantity;
    std::uint64_t amount;
    std::uint64_t first;  // the smallest key it was added with
    std::uint32_t name_ref;
    std::uint32_t name_size;
};

// Names, copied once into 64 KiB blocks; a long one gets a block of its own. A reference is
// (block << 16 | offset) below 2^31, or 2^31 | index of a long name.
class name_store {
  public:
    std::uint32_t put(std::string_view name) {
        if (name.size() > long_name) {
            auto copy = std::make_unique_for_overwrite<char[]>(name.size());
            std::memcpy(copy.get(), name.data(), name.size());
            long_.push_back(std::move(copy));
            return long_flag | static_cast<std::uint32_t>(long_.size() - 1);
        }
        if (blocks_.empty() || block_bytes - used_ < name.size()) {
            if (blocks_.size() >= (std::size_t{1} << 15))
                throw std::length_error("product catalog: over 2 GiB of names in one partition");
            blocks_.push_back(std::make_unique_for_overwrite<char[]>(block_bytes));
            used_ = 0;
        }
        std::memcpy(blocks_.back().get() + used_, name.data(), name.size());
        const auto ref = static_cast<std::uint32_t>(((blocks_.size() - 1) << 16) | used_);
        used_ += name.size();
        return ref;
    }
    [[nodiscard]] const char* get(std::uint32_t ref) const noexcept {
        if ((ref & long_flag) != 0) return long_[ref & ~long_flag].get();
        return blocks_[ref >> 16].get() + (ref & 0xFFFF);
    }

  private:
    static constexpr std::size_t block_bytes = std::size_t{64} << 10;
    static constexpr std::size_t long_name = 4096;
    static constexpr std::uint32_t long_flag = std::uint32_t{1} << 31;
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t used_ = 0;
    std::vector<std::unique_ptr<char[]>> long_;
};

// Slots in fixed blocks: growing never copies them and leaves no half-empty doubled array.
class slot_store {
  public:
    std::uint32_t push(const slot& s) {
        if (size_ % block_slots == 0)
            blocks_.push_back(std::make_unique_for_overwrite<slot[]>(block_slots));
        blocks_.back()[size_ % block_slots] = s;
        return size_++;
    }
    slot& operator[](std::uint32_t id) noexcept {
        return blocks_[id / block_slots][id % block_slots];
    }
    const slot& operator[](std::uint32_t id) const noexcept {
        return blocks_[id / block_slots][id % block_slots];
    }
    [[nodiscard]] std::uint32_t size() const noexcept { return size_; }

  private:
    static constexpr std::uint32_t block_slots = 4096;
    std::vector<std::unique_ptr<slot[]>> blocks_;
    std::uint32_t size_ = 0;
};

// Slot ids by hash, open addressing with linear probing. An entry is the hash's low 32 bits
// above id + 1 (0 is empty), so a probe compares a name only on a 32-bit match, and growing
// never reads a name: the bucket comes from the stored bits. 8 bytes an entry.
class id_table {
  public:
    void prefetch(std::uint64_t hash) const noexcept {
        if (mask_ != 0) __builtin_prefetch(&buckets_[hash & mask_]);
    }
    // The first id stored under the hash's bits, whether or not its name matches: what a
    // pipeline prefetches the slot of.
    [[nodiscard]] std::optional<std::uint32_t> candidate(std::uint64_t hash) const noexcept {
        if (mask_ == 0) return std::nullopt;
        const auto tag = static_cast<std::uint32_t>(hash);
        for (std::size_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
            const std::uint64_t e = buckets_[pos];
            if (e == 0) return std::nullopt;
            if (static_cast<std::uint32_t>(e >> 32) == tag)
                return static_cast<std::uint32_t>(e) - 1;
        }
    }
    template <class Same>
    [[nodiscard]] std::optional<std::uint32_t> find(std::uint64_t hash, Same&& same) const {
        if (mask_ == 0) return std::nullopt;
        const auto tag = static_cast<std::uint32_t>(hash);
        for (std::size_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
            const std::uint64_t e = buckets_[pos];
            if (e == 0) return std::nullopt;
            const auto id = static_cast<std::uint32_t>(e) - 1;
            if (static_cast<std::uint32_t>(e >> 32) == tag && same(id)) return id;
        }
    }
    void insert(std::uint64_t hash, std::uint32_t id) {
        // At most 70% full; twice the room at each growth.
        if (10 * (size_ + 1) > 7 * (mask_ + 1)) grow();
        place(buckets_.get(), mask_, (hash & 0xFFFFFFFFULL) << 32 | (std::uint64_t{id} + 1));
        ++size_;
    }
    void release() noexcept {
        buckets_.reset();
        mask_ = 0;
        size_ = 0;
    }

  private:
    static void place(std::uint64_t* buckets, std::size_t mask, std::uint64_t entry) noexcept {
        std::size_t pos = (entry >> 32) & mask;
        while (buckets[pos] != 0)
            pos = (pos + 1) & mask;
        buckets[pos] = entry;
    }
    void grow() {
        const std::size_t capacity = mask_ == 0 ? 64 : 2 * (mask_ + 1);
        if (capacity > (std::size_t{1} << 32))
            throw std::length_error("product catalog: index over 2^32 entries");
        auto grown = std::make_unique<std::uint64_t[]>(capacity);
        for (std::size_t i = 0; mask_ != 0 && i <= mask_; ++i)
            if (buckets_[i] != 0) place(grown.get(), capacity - 1, buckets_[i]);
        buckets_ = std::move(grown);
        mask_ = capacity - 1;
    }

    std::unique_ptr<std::uint64_t[]> buckets_;
    std::size_t mask_ = 0;  // capacity - 1, or 0 before the first insert
    std::size_t size_ = 0;
};

}  // namespace

struct product_catalog::partition {
    alignas(64) mutable std::mutex mutex;
    name_store names;
    slot_store slots;
    id_table index;
    boost::unordered_flat_map<std::uint32_t, std::array<std::uint64_t, 2>> high;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;  // (first key, slot), in finish()

    [[nodiscard]] std::string_view name(std::uint32_t id) const noexcept {
        const slot& s = slots[id];
        return {names.get(s.name_ref), s.name_size};
    }

    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view product,
                                                    std::uint64_t hash) const {
        return index.find(hash, [&](std::uint32_t id) {
            const std::string_view n = name(id);
            return n.size() == product.size() && same_bytes(n.data(), product.data(), n.size());
        });
    }

    // Fetches ahead what add() of `hash` will read: its bucket, the slot the bucket names (once
    // the bucket is in cache) and that slot's name (once the slot is). One call per stage.
    void prefetch_bucket(std::uint64_t hash) const noexcept { index.prefetch(hash); }
    void prefetch_slot(std::uint64_t hash) const noexcept {
        if (const auto id = index.candidate(hash)) __builtin_prefetch(&slots[*id]);
    }
    void prefetch_name(std::uint64_t hash) const noexcept {
        if (const auto id = index.candidate(hash))
            __builtin_prefetch(names.get(slots[*id].name_ref));
    }

    // Caller holds the mutex.
    void add(std::string_view product, std::uint64_t hash, uint128 quantity, uint128 amount,
             std::uint64_t key) {
        std::uint32_t id = 0;
        if (const auto found = find(product, hash)) {
            id = *found;
            slot& s = slots[id];
            s.first = std::min(s.first, key);
        } else {
            if (slots.size() >= (std::uint32_t{1} << slot_bits))
                throw std::length_error("product catalog: over 2^26 products in one partition");
            id = slots.push(
                slot{0, 0, key, names.put(product), static_cast<std::uint32_t>(product.size())});
            index.insert(hash, id);
        }
        slot& s = slots[id];
        auto carry = [](std::uint64_t& low, uint128 v) {
            std::uint64_t out = 0;
            const bool wrapped = __builtin_add_overflow(low, static_cast<std::uint64_t>(v), &out);
            low = out;
            return static_cast<std::uint64_t>(v >> 64) + (wrapped ? 1 : 0);
        };
        const std::uint64_t quantity_high = carry(s.quantity, quantity);
        const std::uint64_t amount_high = carry(s.amount, amount);
        if ((quantity_high | amount_high) != 0) [[unlikely]] {
            auto& h = high[id];
            h[0] += quantity_high;
            h[1] += amount_high;
        }
    }

    [[nodiscard]] entry at(std::uint32_t id) const {
        const slot& s = slots[id];
        entry e{name(id), s.quantity, s.amount};
        if (high.empty()) return e;
        if (const auto it = high.find(id); it != high.end()) {
            e.quantity += static_cast<uint128>(it->second[0]) << 64;
            e.amount += static_cast<uint128>(it->second[1]) << 64;
        }
        return e;
    }
};

product_catalog::product_catalog() : partitions_(std::make_unique<partition[]>(partition_count)) {}

product_catalog::~product_catalog() = default;

void product_catalog::add(const sales_aggregate& slice, std::uint64_t first_key) {
    const auto& products = slice.products();
    if (products.empty()) return;
    // The slice's products grouped by partition (a counting sort), so that each partition's
    // lock is taken once per slice, not once per product.
    struct hashed {
        std::uint64_t hash;
        std::uint32_t index;
    };
    thread_local std::vector<std::uint64_t> hashes;
    thread_local std::vector<hashed> grouped;
    std::array<std::uint32_t, partition_count + 1> starts{};
    const std::uint64_t seed = hash_seed();
    hashes.resize(products.size());
    for (std::size_t i = 0; i < products.size(); ++i) {
        hashes[i] = name_hash(products[i].product, seed);
        ++starts[partition_of(hashes[i]) + 1];
    }
    for (std::size_t i = 1; i <= partition_count; ++i)
        starts[i] += starts[i - 1];
    grouped.resize(products.size());
    std::array<std::uint32_t, partition_count> next{};
    std::copy(starts.begin(), starts.end() - 1, next.begin());
    for (std::uint32_t i = 0; i < products.size(); ++i)
        grouped[next[partition_of(hashes[i])]++] = hashed{hashes[i], i};
    // Workers start at different partitions, so that two merging at once rarely queue.
    const std::size_t start = partition_of(first_key * 0x9E3779B97F4A7C15ULL);
    for (std::size_t step = 0; step < partition_count; ++step) {
        const std::size_t p = (start + step) % partition_count;
        if (starts[p] == starts[p + 1]) continue;
        partition& part = partitions_[p];
        const std::lock_guard lock(part.mutex);
        const std::uint32_t end = starts[p + 1];
        for (std::uint32_t g = starts[p]; g < end; ++g) {
            // Probes into a catalog of millions miss the cache: a pipeline fetches three
            // products ahead what each will touch, so the misses overlap.
            if (g + 24 < end) part.prefetch_bucket(grouped[g + 24].hash);
            if (g + 16 < end) part.prefetch_slot(grouped[g + 16].hash);
            if (g + 8 < end) part.prefetch_name(grouped[g + 8].hash);
            const product_total& t = products[grouped[g].index];
            part.add(t.product, grouped[g].hash, t.quantity, static_cast<uint128>(t.amount),
                     first_key + grouped[g].index);
        }
    }
}

bool product_catalog::add(std::string_view name, uint128 quantity, uint128 amount,
                          std::uint64_t key) {
    constexpr uint128 amount_max = (uint128{1} << 127) - 1;
    const std::uint64_t h = name_hash(name, hash_seed());
    partition& part = partitions_[partition_of(h)];
    const std::lock_guard lock(part.mutex);
    uint128 quantity_before = 0;
    uint128 amount_before = 0;
    if (const auto id = part.find(name, h)) {
        quantity_before = part.at(*id).quantity;
        amount_before = part.at(*id).amount;
    }
    if (quantity > ~uint128{0} - quantity_before || amount > amount_max ||
        amount > amount_max - amount_before)
        return false;
    part.add(name, h, quantity, amount, key);
    return true;
}

uint128 product_catalog::total_of(std::string_view name) const {
    const std::uint64_t h = name_hash(name, hash_seed());
    const partition& part = partitions_[partition_of(h)];
    const std::lock_guard lock(part.mutex);
    const auto id = part.find(name, h);
    return id ? part.at(*id).amount : 0;
}

void product_catalog::finish() {
    // Each partition's slots by first key; then one merge of the sorted partitions. The index
    // goes first: it is not needed any more, and its memory is what the orders take.
    std::size_t total = 0;
    for (std::size_t p = 0; p < partition_count; ++p) {
        partition& part = partitions_[p];
        part.index.release();
        part.order.resize(part.slots.size());
        for (std::uint32_t id = 0; id < part.slots.size(); ++id)
            part.order[id] = {part.slots[id].first, id};
        std::sort(part.order.begin(), part.order.end());
        total += part.order.size();
    }
    order_.clear();
    order_.reserve(total);
    using head = std::pair<std::uint64_t, std::size_t>;  // next key of a partition, partition
    std::priority_queue<head, std::vector<head>, std::greater<>> heads;
    std::array<std::size_t, partition_count> taken{};
    for (std::size_t p = 0; p < partition_count; ++p)
        if (!partitions_[p].order.empty()) heads.emplace(partitions_[p].order[0].first, p);
    while (!heads.empty()) {
        const std::size_t p = heads.top().second;
        heads.pop();
        const auto& order = partitions_[p].order;
        order_.push_back(static_cast<std::uint32_t>(p << slot_bits) | order[taken[p]].second);
        if (++taken[p] < order.size()) heads.emplace(order[taken[p]].first, p);
    }
    for (std::size_t p = 0; p < partition_count; ++p)
        partitions_[p].order = {};
}

void product_catalog::prefetch(std::uint32_t ref) const noexcept {
    const partition& part = partitions_[ref >> slot_bits];
    __builtin_prefetch(&part.slots[ref & ((std::uint32_t{1} << slot_bits) - 1)]);
}

std::size_t product_catalog::size() const noexcept {
    std::size_t n = 0;
    for (std::size_t p = 0; p < partition_count; ++p)
        n += partitions_[p].slots.size();
    return n;
}

product_catalog::entry product_catalog::at(std::uint32_t ref) const {
    return partitions_[ref >> slot_bits].at(ref & ((std::uint32_t{1} << slot_bits) - 1));
}

std::vector<product_catalog::entry> product_catalog::entries() const {
    std::vector<entry> out;
    out.reserve(order_.size());
    for_each([&](const entry& e) { out.push_back(e); });
    return out;
}

}  // namespace salesproc
