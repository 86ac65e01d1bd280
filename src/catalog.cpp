#include "salesproc/catalog.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
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

// A lookup by name whose hash is already known (it also chose the partition).
struct probe {
    std::string_view name;
    std::uint64_t hash;
};

}  // namespace

struct product_catalog::partition {
    // The index holds slot ids; hashing or comparing one reads its name from this partition.
    struct id_hash {
        using is_transparent = void;
        const partition* owner;
        std::size_t operator()(std::uint32_t id) const noexcept {
            return static_cast<std::size_t>(name_hash(owner->name(id), hash_seed()));
        }
        std::size_t operator()(const probe& p) const noexcept {
            return static_cast<std::size_t>(p.hash);
        }
    };
    struct id_eq {
        using is_transparent = void;
        const partition* owner;
        bool operator()(std::uint32_t a, std::uint32_t b) const noexcept { return a == b; }
        bool operator()(const probe& p, std::uint32_t id) const noexcept {
            const std::string_view n = owner->name(id);
            return n.size() == p.name.size() && same_bytes(n.data(), p.name.data(), n.size());
        }
        bool operator()(std::uint32_t id, const probe& p) const noexcept { return (*this)(p, id); }
    };

    alignas(64) mutable std::mutex mutex;
    name_store names;
    slot_store slots;
    boost::unordered_flat_set<std::uint32_t, id_hash, id_eq> index{0, id_hash{this}, id_eq{this}};
    boost::unordered_flat_map<std::uint32_t, std::array<std::uint64_t, 2>> high;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;  // (first key, slot), in finish()

    [[nodiscard]] std::string_view name(std::uint32_t id) const noexcept {
        const slot& s = slots[id];
        return {names.get(s.name_ref), s.name_size};
    }

    // Caller holds the mutex.
    void add(std::string_view product, std::uint64_t hash, uint128 quantity, uint128 amount,
             std::uint64_t key) {
        std::uint32_t id = 0;
        if (const auto it = index.find(probe{product, hash}); it != index.end()) {
            id = *it;
            slot& s = slots[id];
            s.first = std::min(s.first, key);
        } else {
            if (slots.size() >= (std::uint32_t{1} << slot_bits))
                throw std::length_error("product catalog: over 2^26 products in one partition");
            id = slots.push(
                slot{0, 0, key, names.put(product), static_cast<std::uint32_t>(product.size())});
            index.insert(id);
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
        for (std::uint32_t g = starts[p]; g < starts[p + 1]; ++g) {
            const product_total& t = products[grouped[g].index];
            part.add(t.product, grouped[g].hash, t.quantity, static_cast<uint128>(t.amount),
                     first_key + grouped[g].index);
        }
    }
}

void product_catalog::add(std::string_view name, uint128 quantity, uint128 amount,
                          std::uint64_t key) {
    const std::uint64_t h = name_hash(name, hash_seed());
    partition& part = partitions_[partition_of(h)];
    const std::lock_guard lock(part.mutex);
    part.add(name, h, quantity, amount, key);
}

uint128 product_catalog::total_of(std::string_view name) const {
    const std::uint64_t h = name_hash(name, hash_seed());
    const partition& part = partitions_[partition_of(h)];
    const std::lock_guard lock(part.mutex);
    const auto it = part.index.find(probe{name, h});
    return it == part.index.end() ? 0 : part.at(*it).amount;
}

void product_catalog::finish() {
    // Each partition's slots by first key; then one merge of the sorted partitions. The index
    // goes first: it is not needed any more, and its memory is what the orders take.
    std::size_t total = 0;
    for (std::size_t p = 0; p < partition_count; ++p) {
        partition& part = partitions_[p];
        decltype(part.index)(0, partition::id_hash{&part}, partition::id_eq{&part})
            .swap(part.index);
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
