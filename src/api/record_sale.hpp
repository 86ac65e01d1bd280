// One API record, complete: what a record is to the sales (a count, a sale, a reject) once its
// parser has found the three rule fields. Shared by the JSON and the NDJSON reading of a body.
// Internal to salesproc_model; one body at a time.
#pragma once

#include "salesproc/api/api_records.hpp"
#include "salesproc/rules/detail/quick_sale.hpp"
#include "salesproc/rules/rules.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc::detail {

// Whether a record whose text (whole in the bytes read) is `text_size` bytes long cannot be larger
// than --max-record-size `max`, so that its size need not be measured: its compact JSON is never
// longer than its text, and the slack covers what the parser counts ahead of the bytes read when
// the text ends in an error.
constexpr bool cannot_be_too_large(std::size_t text_size, std::size_t max) noexcept {
    return text_size + 8 <= max;
}

// What Boost.JSON's basic_parser asks of a handler's limits: none of its own (--max-record-size
// bounds what a handler keeps).
struct unlimited_json_handler {
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
};

// A rule field's value in a record as the parser saw it.
struct field_value_seen {
    enum class kind : std::uint8_t { absent, string, number, other } what = kind::absent;
    // A string's value, a number's own text, or the JSON type's name: where it lies in the bytes
    // being read (which hold the whole record), or in `copy`.
    std::string_view text;
    std::string copy;
    bool repeated = false;  // the key appears twice in the record

    field_value_seen() = default;
    // Not copied: text may point into copy.
    field_value_seen(const field_value_seen&) = delete;
    field_value_seen& operator=(const field_value_seen&) = delete;
    void keep_copy(std::string_view s) {
        copy.assign(s);
        text = copy;
    }
};

struct record_seen {
    bool object = false;
    std::array<const field_value_seen*, 3> fields{};  // product, price, quantity; never null
    std::string_view row;                             // a row tape (below), when it was built
    std::string_view raw;                             // else the record's own text
    // Bytes the fields' texts may lie in, readable past their ends: fields with quick_reach
    // bytes of them to spare are checked by quick_check (when the rules allow it).
    std::string_view readable;
    const quick_rules* quick = nullptr;
};

// A record's compact JSON as a tape, cheap to write for every record and turned into JSON only for
// the rejects kept: structure, commas, colons and numbers' own text as they are; each string a
// '"', its length (8 bytes) and its bytes unescaped.
class row_tape {
  public:
    void clear() noexcept { size_ = 0; }
    [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
    void put(char c) {
        *room(1) = c;
        ++size_;
    }
    void put(std::string_view s) {
        std::memcpy(room(s.size()), s.data(), s.size());
        size_ += s.size();
    }
    // A key, or a string value.
    void put_string(std::string_view s) {
        const std::uint64_t n = s.size();
        char* at = room(1 + sizeof n + s.size());
        *at = '"';
        std::memcpy(at + 1, &n, sizeof n);
        std::memcpy(at + 1 + sizeof n, s.data(), s.size());
        size_ += 1 + sizeof n + s.size();
    }

  private:
    char* room(std::size_t n) {
        if (capacity_ - size_ < n) grow(n);
        return data_.get() + size_;
    }
    void grow(std::size_t n) {
        const std::size_t capacity = std::max(capacity_ * 2, size_ + n + 256);
        auto bigger = std::make_unique<char[]>(capacity);
        if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }

    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// The compact JSON of a tape.
std::string render_tape(std::string_view tape);
// The same compact JSON from a record's own text (which was read without error).
std::string render_raw(std::string_view raw);

// errc::money_overflow for the product (or grand total) whose exact total out.sales overflowed.
error total_overflow(const api_records& out, const std::string& context);

// Adds `rec`, the record at index out.records, to `out`: counted; validated as a sale when it is
// an object with the three fields; its reject kept as out.rejects wants. False when an exact total
// overflowed (out.sales names the product).
bool add_record(const record_seen& rec, const rules& r, api_records& out);

}  // namespace salesproc::detail
