// The AVX-512 kernel of detail::index_structurals (F and BW: byte compares straight into 64-bit
// masks, and vpcompressd to write sixteen offsets per instruction). Like the AVX2 unit, this one
// alone is compiled for its instruction set and is only called once the CPU was found to have it.
#include "structural_index_kernel.hpp"

#include <immintrin.h>

namespace salesproc::detail {
namespace {

struct avx512_kernel {
    __m512i delimiter, newline, quote, lanes;

    explicit avx512_kernel(char d)
        : delimiter(_mm512_set1_epi8(d)),
          newline(_mm512_set1_epi8('\n')),
          quote(_mm512_set1_epi8('"')),
          lanes(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)) {}

    [[nodiscard]] block_masks masks(const char* p) const {
        const __m512i v = _mm512_loadu_si512(p);
        return {_mm512_cmpeq_epi8_mask(v, delimiter) | _mm512_cmpeq_epi8_mask(v, newline),
                _mm512_cmpeq_epi8_mask(v, quote), _mm512_movepi8_mask(v)};
    }

    [[nodiscard]] std::uint64_t newlines(const char* p) const {
        return _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(p), newline);
    }

    [[nodiscard]] static std::uint64_t prefix_xor(std::uint64_t x) {
        const __m128i product = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)),
                                                     _mm_set1_epi8(-1), 0);
        return static_cast<std::uint64_t>(_mm_cvtsi128_si64(product));
    }

    // Sixteen bytes of the block at a time: their set bits' offsets packed to the front of one
    // register (the register form: a compress straight to memory is slow on some CPUs) and
    // stored whole; the next group overwrites what lies past the last kept one.
    [[nodiscard]] std::uint32_t* flatten(std::uint32_t* o, std::uint64_t bits,
                                         std::uint32_t base) const {
        for (unsigned group = 0; group < 4; ++group) {
            const auto mask = static_cast<__mmask16>(bits >> (16 * group));
            const __m512i offsets =
                _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(base + 16 * group)));
            _mm512_storeu_si512(o, _mm512_maskz_compress_epi32(mask, offsets));
            o += _mm_popcnt_u32(mask);
        }
        return o;
    }
};

}  // namespace

std::size_t index_structurals_avx512(const char* data, std::size_t size, char delimiter,
                                     std::uint32_t* out, bool& in_quotes,
                                     index_flags& flags) noexcept {
    return index_all(avx512_kernel(delimiter), data, size, out, in_quotes, flags);
}

}  // namespace salesproc::detail
