// The AVX2 kernel of detail::index_structurals. This unit alone is compiled with
// -mavx2 -mbmi -mbmi2 -mpopcnt -mpclmul (CMakeLists.txt); it is only called after the CPU was
// found to have them, and it includes nothing whose inline functions could leak into other units.
#include "structural_index_kernel.hpp"

#include <immintrin.h>

namespace salesproc::detail {
namespace {

struct avx2_kernel {
    __m256i delimiter, newline, quote;

    explicit avx2_kernel(char d)
        : delimiter(_mm256_set1_epi8(d)),
          newline(_mm256_set1_epi8('\n')),
          quote(_mm256_set1_epi8('"')) {}

    [[nodiscard]] block_masks masks(const char* p) const {
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
        auto bits = [](__m256i v) {
            return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(v)));
        };
        const auto structural = [&](__m256i v) {
            return bits(
                _mm256_or_si256(_mm256_cmpeq_epi8(v, delimiter), _mm256_cmpeq_epi8(v, newline)));
        };
        return {structural(lo) | (structural(hi) << 32),
                bits(_mm256_cmpeq_epi8(lo, quote)) | (bits(_mm256_cmpeq_epi8(hi, quote)) << 32),
                bits(_mm256_or_si256(lo, hi))};  // only whether any byte is above 0x7F
    }

    [[nodiscard]] std::uint64_t newlines(const char* p) const {
        auto bits = [&](const char* at) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
            return static_cast<std::uint64_t>(
                static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, newline))));
        };
        return bits(p) | (bits(p + 32) << 32);
    }

    // Carry-less multiplication by all ones is the prefix XOR.
    [[nodiscard]] static std::uint64_t prefix_xor(std::uint64_t x) {
        const __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)),
                                                     _mm_set1_epi8(-1), 0);
        return static_cast<std::uint64_t>(_mm_cvtsi128_si64(product));
    }

    // Eight offsets at a time without a branch per bit (tzcnt of 0 writes harmless slack), as
    // most 64-byte blocks of sales rows hold about eight.
    [[nodiscard]] static std::uint32_t* flatten(std::uint32_t* o, std::uint64_t bits,
                                                std::uint32_t base) {
        const auto count = static_cast<std::size_t>(_mm_popcnt_u64(bits));
        auto eight = [&](std::uint32_t* at) {
            for (int j = 0; j < 8; ++j) {
                at[j] = base + static_cast<std::uint32_t>(_tzcnt_u64(bits));
                bits = _blsr_u64(bits);
            }
        };
        eight(o);
        if (count > 8) {
            eight(o + 8);
            for (std::uint32_t* at = o + 16; bits != 0; ++at) {
                *at = base + static_cast<std::uint32_t>(_tzcnt_u64(bits));
                bits = _blsr_u64(bits);
            }
        }
        return o + count;
    }
};

}  // namespace

std::size_t count_quotes_avx2(const char* data, std::size_t size) noexcept {
    const __m256i quote = _mm256_set1_epi8('"');
    std::size_t total = 0;
    std::size_t i = 0;
    for (; size - i >= 32; i += 32) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i));
        total += static_cast<std::size_t>(_mm_popcnt_u32(
            static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)))));
    }
    for (; i < size; ++i)
        total += data[i] == '"';
    return total;
}

std::size_t index_structurals_avx2(const char* data, std::size_t size, char delimiter,
                                   std::uint32_t* out, bool& in_quotes,
                                   index_flags& flags) noexcept {
    return index_all(avx2_kernel(delimiter), data, size, out, in_quotes, flags);
}

}  // namespace salesproc::detail
