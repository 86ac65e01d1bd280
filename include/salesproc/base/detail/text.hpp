// Small text encoders shared by the rejects file, the report samples and the API records:
// JSON string escaping, CSV field quoting and cutting on a UTF-8 boundary. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace salesproc::detail {

// Copies `n` bytes; short copies (most fields) inline, as two overlapping loads and stores,
// instead of a call into memcpy.
inline char* copy_bytes(char* dst, const char* src, std::size_t n) noexcept {
    if (n > 16 && n <= 64) {
        // Rows, tails and source prefixes are mostly this long: overlapping 16-byte moves.
        struct block {
            char b[16];
        };
        block a, b;
        if (n > 32) {
            block c, d;
            std::memcpy(&a, src, 16);
            std::memcpy(&b, src + 16, 16);
            std::memcpy(&c, src + n - 32, 16);
            std::memcpy(&d, src + n - 16, 16);
            std::memcpy(dst, &a, 16);
            std::memcpy(dst + 16, &b, 16);
            std::memcpy(dst + n - 32, &c, 16);
            std::memcpy(dst + n - 16, &d, 16);
        } else {
            std::memcpy(&a, src, 16);
            std::memcpy(&b, src + n - 16, 16);
            std::memcpy(dst, &a, 16);
            std::memcpy(dst + n - 16, &b, 16);
        }
    } else if (n >= 8 && n <= 16) {
        std::uint64_t a, b;
        std::memcpy(&a, src, 8);
        std::memcpy(&b, src + n - 8, 8);
        std::memcpy(dst, &a, 8);
        std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        std::uint32_t a, b;
        std::memcpy(&a, src, 4);
        std::memcpy(&b, src + n - 4, 4);
        std::memcpy(dst, &a, 4);
        std::memcpy(dst + n - 4, &b, 4);
    } else if (n < 4) {
        for (std::size_t i = 0; i < n; ++i)
            dst[i] = src[i];
    } else {
        std::memcpy(dst, src, n);
    }
    return dst + n;
}

// A growable byte buffer for hot formatting loops: unlike std::string, growing it does not
// zero-fill, and writers fill reserved room through a plain pointer. Its storage is aligned to
// 4096 bytes, so whole blocks of it can be written with O_DIRECT as they are.
class byte_buffer {
  public:
    byte_buffer() = default;
    byte_buffer(byte_buffer&& o) noexcept
        : data_(std::move(o.data_)),
          size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    byte_buffer& operator=(byte_buffer&& o) noexcept {
        data_ = std::move(o.data_);
        size_ = std::exchange(o.size_, 0);
        capacity_ = std::exchange(o.capacity_, 0);
        return *this;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] const char* data() const noexcept { return data_.get(); }
    [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
    void clear() noexcept { size_ = 0; }
    // Keeps only the first `n` bytes (n <= size()).
    void truncate(std::size_t n) noexcept { size_ = n < size_ ? n : size_; }

    // Room for `n` more bytes at end(); invalidates earlier end() pointers.
    char* reserve_more(std::size_t n) {
        if (capacity_ - size_ < n) grow(n);
        return data_.get() + size_;
    }
    // Marks everything up to `end` (a pointer into the reserved room) as written.
    void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }
    void append(std::string_view s) {
        if (s.empty()) return;  // memcpy must not see the null pointer of an empty buffer
        char* p = reserve_more(s.size());
        std::memcpy(p, s.data(), s.size());
        size_ += s.size();
    }

  private:
    void grow(std::size_t n);
    struct free_deleter {
        void operator()(char* p) const noexcept;
    };

    std::unique_ptr<char, free_deleter> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// Bytes write_json_string / write_csv_field may write for `n` input bytes.
constexpr std::size_t json_string_bound(std::size_t n) noexcept {
    return 6 * n + 2;
}
constexpr std::size_t csv_field_bound(std::size_t n) noexcept {
    return 2 * n + 2;
}

// As the append_ forms below, into room the caller reserved; return the end of what they wrote.
char* write_json_string(char* out, std::string_view s) noexcept;
char* write_csv_field(char* out, std::string_view s) noexcept;

// Appends `s` as a JSON string literal, quotes included. Bytes that are not valid UTF-8 become
// U+FFFD, so the output is always valid JSON whatever the input file held.
void append_json_string(std::string& out, std::string_view s);

// Appends `s` as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma,
// a quote, a line break or surrounding whitespace (which a trimming reader would lose).
void append_csv_field(std::string& out, std::string_view s);

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept;

// Whether `s` is valid UTF-8 throughout.
bool is_valid_utf8(std::string_view s) noexcept;

// The longest prefix of `s` of at most `limit` bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t limit) noexcept;

// `s` for a one-line message: at most `limit` bytes (cut on a UTF-8 boundary, "..." appended).
std::string shorten(std::string_view s, std::size_t limit = 40);
void append_shortened(std::string& out, std::string_view s, std::size_t limit = 40);

// Whether `pointer` is a valid RFC 6901 JSON pointer ("" or "/..." with ~0 ~1 escapes only).
bool is_json_pointer(std::string_view pointer) noexcept;

// How the report shows a product name, so that two different byte strings never show alike:
// a name of valid UTF-8 without U+FFFD as it is; any other as its text with U+FFFD for every
// byte that is not UTF-8, then " [bytes: 43 61 66 e9]", its exact bytes. The two forms never
// meet (only the second holds U+FFFD), and the second ends with the whole name's bytes, which
// no text before them can imitate ('[' and ':' are no hex digits).
std::string shown_name(std::string_view name);
// The bytes behind a name shown by shown_name, for merge reading a report back: the name itself
// unless it is the second form.
std::string raw_name(std::string_view shown);

}  // namespace salesproc::detail
