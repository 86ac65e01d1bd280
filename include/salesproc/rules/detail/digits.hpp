// Branch-free reading of short runs of ASCII digits (the price and quantity of a sales row) with
// one 16-byte load instead of a loop with a branch per digit. The caller guarantees that 16 bytes
// from the field's start are readable. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <emmintrin.h>

namespace salesproc::detail {

// Bit i set where field[i] (i < 16) is a digit, and where it is a '.'.
struct digit_masks {
    unsigned digits;
    unsigned dots;
};
inline digit_masks scan_digits16(const char* p) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    // Unsigned t <= 9 exactly for '0'..'9'.
    const __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    return {static_cast<unsigned>(_mm_movemask_epi8(digit)),
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))))};
}

// The value of the n digits at p, 1 <= n <= 8, all of them digits: the bytes after them are
// shifted out before any arithmetic, so whatever follows (8 bytes must be readable) never
// matters. The eight-digit combine is Lemire's (2022): pairs, then quads, in three multiplies.
[[gnu::always_inline]] inline std::uint32_t parse_digits8(const char* p, std::size_t n) noexcept {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    const unsigned shift = static_cast<unsigned>(8 * (8 - n));
    // Little-endian: the first digit is the low byte; shifting left drops the bytes past the
    // digits and leaves zero bytes, which read as leading zeros.
    w = (w << shift) - (std::uint64_t{0x3030303030303030} << shift);
    w = w * 10 + (w >> 8);
    constexpr std::uint64_t mask = 0x000000FF000000FF;
    constexpr std::uint64_t mul1 = 100 + (std::uint64_t{1000000} << 32);
    constexpr std::uint64_t mul2 = 1 + (std::uint64_t{10000} << 32);
    return static_cast<std::uint32_t>((((w & mask) * mul1) + (((w >> 16) & mask) * mul2)) >> 32);
}

// parse_digits8 for 1 <= n <= 4 (4 bytes readable), in fewer multiplies: the common quantity
// and the integer part of the common price.
[[gnu::always_inline]] inline std::uint32_t parse_digits4(const char* p, std::size_t n) noexcept {
    std::uint32_t w = 0;
    std::memcpy(&w, p, 4);
    const unsigned shift = static_cast<unsigned>(8 * (4 - n));
    w = (w << shift) - (std::uint32_t{0x30303030} << shift);
    // Pairs in bytes 0 and 2 (first digit most significant), then hi * 100 + lo in bits 16..31.
    w = (w * 10 + (w >> 8)) & 0x00FF00FF;
    return (w * ((100U << 16) + 1)) >> 16;
}

// Either, by length.
[[gnu::always_inline]] inline std::uint32_t parse_digits(const char* p, std::size_t n) noexcept {
    return n <= 4 ? parse_digits4(p, n) : parse_digits8(p, n);
}

}  // namespace salesproc::detail
