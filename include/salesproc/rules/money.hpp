// Exact decimal money: plain-notation parsing into 128-bit fixed point, checked arithmetic and
// exact formatting. No binary floating point anywhere. All functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

// The parts of a number in plain decimal notation: [+-]?digits(.digits)?
struct decimal_text {
    bool negative = false;
    std::string_view int_digits;
    std::string_view frac_digits;

    // True when every digit is zero ("-0.00" is zero).
    [[nodiscard]] bool is_zero() const noexcept;
};

// nullopt when `s` is not plain decimal notation (exponent, currency sign, separators, empty,
// "5." or ".5").
std::optional<decimal_text> parse_decimal_text(std::string_view s) noexcept;

// A value units / 10^scale.
struct fixed_point {
    int128 units = 0;
    unsigned scale = 0;
};

inline constexpr unsigned max_scale = 18;

// 10^n for n <= 18, the largest power a fixed-point scale can need in 64 bits.
inline constexpr std::array<std::uint64_t, max_scale + 1> pow10_u64 = [] {
    std::array<std::uint64_t, max_scale + 1> t{};
    std::uint64_t v = 1;
    for (auto& e : t) {
        e = v;
        v *= 10;
    }
    return t;
}();
// Scales `d` to `scale` fraction digits, truncating any further digits.
// nullopt when the result does not fit in 128 bits.
std::optional<int128> to_units(const decimal_text& d, unsigned scale) noexcept;

// Parses plain notation exactly at its own scale; nullopt on bad notation, overflow or more than
// max_scale fraction digits.
std::optional<fixed_point> parse_fixed(std::string_view s) noexcept;

// Exact decimal text of units / 10^scale with trailing fraction zeros removed but at least one
// fraction digit kept, the way JSON consumers expect a money number: 0.0, 249.9, 2499.83.
std::string format_units(int128 units, unsigned scale);
// The same text written at `out` (room for 96 bytes), and an integer's digits (room for 40);
// each returns the end of what it wrote. For writers that format millions of numbers.
char* write_units(int128 units, unsigned scale, char* out) noexcept;
char* write_integer(uint128 v, char* out) noexcept;

// Decimal text of an integer of any 128-bit value.
std::string to_string(int128 v);
std::string to_string(uint128 v);

// Parses an integer in plain digits with an optional sign. `value` saturates, so values too
// large for any integer type still compare as out of range.
struct integer_text {
    bool negative = false;
    std::uint64_t magnitude = 0;  // saturated at UINT64_MAX
};
inline std::optional<integer_text> parse_integer_text(std::string_view s) noexcept {
    integer_text r;
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        r.negative = s[i] == '-';
        ++i;
    }
    if (i == s.size()) return std::nullopt;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    for (; i < s.size(); ++i) {
        if (!(s[i] >= '0' && s[i] <= '9')) return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(s[i] - '0');
        r.magnitude = r.magnitude > (max - digit) / 10 ? max : r.magnitude * 10 + digit;
    }
    return r;
}

// Equality of two short byte strings without a memcmp call: product names and the prefix are a
// few words long, where the call and its setup cost more than the comparison.
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    auto word = [](const char* p) {
        std::uint64_t w = 0;
        __builtin_memcpy(&w, p, 8);
        return w;
    };
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 <= n; i += 8)
            if (word(a + i) != word(b + i)) return false;
        return word(a + n - 8) == word(b + n - 8);  // overlapping tail
    }
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// Checked arithmetic; false on overflow, leaving `out` unspecified.
inline bool checked_mul(int128 a, int128 b, int128& out) noexcept {
    return !__builtin_mul_overflow(a, b, &out);
}
inline bool checked_add(int128 a, int128 b, int128& out) noexcept {
    return !__builtin_add_overflow(a, b, &out);
}

// Compares two fixed-point values exactly; <0, 0 or >0.
int compare(const fixed_point& a, const fixed_point& b) noexcept;

}  // namespace salesproc
