#include "salesproc/rules/money.hpp"

#include <cstring>

#include <algorithm>
#include <limits>

namespace salesproc {
namespace {

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

constexpr int128 int128_max = static_cast<int128>(~uint128{0} >> 1);

// 10^n for 0..38 in 128 bits (formatting and rescaling; not on the per-row path).
constexpr uint128 pow10(unsigned n) noexcept {
    uint128 r = 1;
    for (unsigned i = 0; i < n; ++i)
        r *= 10;
    return r;
}

}  // namespace

bool decimal_text::is_zero() const noexcept {
    auto zero = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
    };
    return zero(int_digits) && zero(frac_digits);
}

std::optional<decimal_text> parse_decimal_text(std::string_view s) noexcept {
    decimal_text d;
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        d.negative = s[i] == '-';
        ++i;
    }
    const std::size_t int_begin = i;
    while (i < s.size() && is_digit(s[i]))
        ++i;
    if (i == int_begin) return std::nullopt;
    d.int_digits = s.substr(int_begin, i - int_begin);
    if (i == s.size()) return d;
    if (s[i] != '.') return std::nullopt;
    const std::size_t frac_begin = ++i;
    while (i < s.size() && is_digit(s[i]))
        ++i;
    if (i == frac_begin || i != s.size()) return std::nullopt;
    d.frac_digits = s.substr(frac_begin, i - frac_begin);
    return d;
}

std::optional<int128> to_units(const decimal_text& d, unsigned scale) noexcept {
    std::string_view ints = d.int_digits;
    while (ints.size() > 1 && ints.front() == '0')
        ints.remove_prefix(1);
    const std::size_t frac_used = std::min<std::size_t>(d.frac_digits.size(), scale);
    const std::size_t total_digits = ints.size() + scale;

    if (total_digits <= 19) {
        // Common case (prices like 1234.56): exact in 64 bits, no overflow possible.
        std::uint64_t v = 0;
        for (char c : ints)
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        for (std::size_t k = 0; k < frac_used; ++k)
            v = v * 10 + static_cast<std::uint64_t>(d.frac_digits[k] - '0');
        for (std::size_t k = frac_used; k < scale; ++k)
            v *= 10;
        const auto r = static_cast<int128>(v);
        return d.negative ? -r : r;
    }
    if (total_digits > 39) return std::nullopt;
    uint128 v = 0;
    const uint128 limit = static_cast<uint128>(int128_max);
    auto push = [&](char c) {
        const auto digit = static_cast<uint128>(c - '0');
        if (v > (limit - digit) / 10) return false;
        v = v * 10 + digit;
        return true;
    };
    for (char c : ints)
        if (!push(c)) return std::nullopt;
    for (std::size_t k = 0; k < frac_used; ++k)
        if (!push(d.frac_digits[k])) return std::nullopt;
    for (std::size_t k = frac_used; k < scale; ++k)
        if (!push('0')) return std::nullopt;
    const auto r = static_cast<int128>(v);
    return d.negative ? -r : r;
}

std::optional<fixed_point> parse_fixed(std::string_view s) noexcept {
    const auto d = parse_decimal_text(s);
    if (!d || d->frac_digits.size() > max_scale) return std::nullopt;
    const auto scale = static_cast<unsigned>(d->frac_digits.size());
    const auto units = to_units(*d, scale);
    if (!units) return std::nullopt;
    return fixed_point{*units, scale};
}

namespace {

// Writes the digits of v ending at `end`, with a '-' when `negative`; returns the first char.
// 128-bit division is a library call per digit: only the digits above 2^64 pay for it.
char* format_digits(uint128 v, bool negative, char* end) {
    char* p = end;
    while (v > UINT64_MAX) {
        *--p = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
    }
    auto small = static_cast<std::uint64_t>(v);
    do {
        *--p = static_cast<char>('0' + static_cast<int>(small % 10));
        small /= 10;
    } while (small != 0);
    if (negative) *--p = '-';
    return p;
}

uint128 magnitude(int128 v) {
    // Negate in unsigned space so the minimum value does not overflow.
    return v < 0 ? uint128{0} - static_cast<uint128>(v) : static_cast<uint128>(v);
}

}  // namespace

std::string to_string(uint128 v) {
    char buf[48];
    char* p = format_digits(v, false, buf + sizeof buf);
    return std::string(p, buf + sizeof buf);
}

std::string to_string(int128 v) {
    char buf[48];
    char* p = format_digits(magnitude(v), v < 0, buf + sizeof buf);
    return std::string(p, buf + sizeof buf);
}

char* write_integer(uint128 v, char* out) noexcept {
    char buf[48];
    char* p = format_digits(v, false, buf + sizeof buf);
    const auto n = static_cast<std::size_t>(buf + sizeof buf - p);
    std::memcpy(out, p, n);
    return out + n;
}

char* write_units(int128 units, unsigned scale, char* out) noexcept {
    const uint128 mag = magnitude(units);
    char buf[96];
    // One byte stays free past `end` for the '0' kept when every fraction digit is trimmed (with
    // scale 0 there are no fraction digits at all, so it lands exactly there).
    char* const end = buf + sizeof buf - 1;
    // Fraction digits first (right to left), zero-padded to `scale`, then trimmed of zeros.
    char* p = end;
    uint128 whole = 0;
    if (mag <= UINT64_MAX && scale <= max_scale) {
        const auto m = static_cast<std::uint64_t>(mag);
        std::uint64_t frac = m % pow10_u64[scale];
        whole = m / pow10_u64[scale];
        for (unsigned i = 0; i < scale; ++i, frac /= 10)
            *--p = static_cast<char>('0' + static_cast<int>(frac % 10));
    } else {
        const uint128 div = pow10(scale);
        uint128 frac = mag % div;
        whole = mag / div;
        for (unsigned i = 0; i < scale; ++i, frac /= 10)
            *--p = static_cast<char>('0' + static_cast<int>(frac % 10));
    }
    char* frac_end = end;
    while (frac_end > p && frac_end[-1] == '0')
        --frac_end;
    if (frac_end == p) *frac_end++ = '0';  // keep one digit: 0.0, 1000.0
    *--p = '.';
    p = format_digits(whole, units < 0, p);
    const auto n = static_cast<std::size_t>(frac_end - p);
    std::memcpy(out, p, n);
    return out + n;
}

std::string format_units(int128 units, unsigned scale) {
    char buf[96];
    return std::string(buf, write_units(units, scale, buf));
}

int compare(const fixed_point& a, const fixed_point& b) noexcept {
    // Rescale the coarser value; if that overflows, its magnitude dominates.
    auto rescale = [](int128 units, unsigned by, int128& out) {
        return checked_mul(units, static_cast<int128>(pow10(by)), out);
    };
    int128 x = a.units;
    int128 y = b.units;
    if (a.scale < b.scale && !rescale(a.units, b.scale - a.scale, x)) return a.units < 0 ? -1 : 1;
    if (b.scale < a.scale && !rescale(b.units, a.scale - b.scale, y)) return b.units < 0 ? 1 : -1;
    return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace salesproc
