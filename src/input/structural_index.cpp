#include "salesproc/input/detail/structural_index.hpp"

#include "structural_index_kernel.hpp"

#include <emmintrin.h>

namespace salesproc::detail {

// structural_index_avx2.cpp and structural_index_avx512.cpp
std::size_t index_structurals_avx2(const char* data, std::size_t size, char delimiter,
                                   std::uint32_t* out, bool& in_quotes,
                                   index_flags& flags) noexcept;
std::size_t count_quotes_avx2(const char* data, std::size_t size) noexcept;
std::size_t index_structurals_avx512(const char* data, std::size_t size, char delimiter,
                                     std::uint32_t* out, bool& in_quotes,
                                     index_flags& flags) noexcept;

namespace {

struct sse2_kernel {
    __m128i delimiter, newline, quote;

    explicit sse2_kernel(char d)
        : delimiter(_mm_set1_epi8(d)), newline(_mm_set1_epi8('\n')), quote(_mm_set1_epi8('"')) {}

    [[nodiscard]] block_masks masks(const char* p) const {
        block_masks m{0, 0, 0};
        __m128i any = _mm_setzero_si128();
        for (unsigned j = 0; j < 4; ++j) {
            const __m128i v =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + std::size_t{16} * j));
            const auto s = static_cast<std::uint32_t>(_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(v, delimiter), _mm_cmpeq_epi8(v, newline))));
            const auto q = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
            any = _mm_or_si128(any, v);
            m.structural |= std::uint64_t{s} << (16 * j);
            m.quotes |= std::uint64_t{q} << (16 * j);
        }
        m.high = static_cast<std::uint32_t>(_mm_movemask_epi8(any));
        return m;
    }

    [[nodiscard]] std::uint64_t newlines(const char* p) const {
        std::uint64_t m = 0;
        for (unsigned j = 0; j < 4; ++j) {
            const __m128i v =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + std::size_t{16} * j));
            m |= std::uint64_t{static_cast<std::uint32_t>(
                     _mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)))}
                 << (16 * j);
        }
        return m;
    }

    [[nodiscard]] static std::uint64_t prefix_xor(std::uint64_t x) {
        for (unsigned shift = 1; shift < 64; shift *= 2)
            x ^= x << shift;
        return x;
    }

    [[nodiscard]] static std::uint32_t* flatten(std::uint32_t* o, std::uint64_t bits,
                                                std::uint32_t base) {
        for (; bits != 0; bits &= bits - 1)
            *o++ = base + static_cast<std::uint32_t>(__builtin_ctzll(bits));
        return o;
    }
};

using kernel_fn = std::size_t (*)(const char*, std::size_t, char, std::uint32_t*, bool&,
                                  index_flags&) noexcept;

std::size_t sse2_entry(const char* data, std::size_t size, char delimiter, std::uint32_t* out,
                       bool& in_quotes, index_flags& flags) noexcept {
    return index_all(sse2_kernel(delimiter), data, size, out, in_quotes, flags);
}

bool has_avx2() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
           __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt") &&
           __builtin_cpu_supports("pclmul");
}

bool has_avx512() noexcept {
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

kernel_fn chosen_kernel() noexcept {
    static const kernel_fn chosen = has_avx512() ? index_structurals_avx512
                                    : has_avx2() ? index_structurals_avx2
                                                 : sse2_entry;
    return chosen;
}

}  // namespace

std::size_t index_structurals(std::string_view data, char delimiter, std::uint32_t* out,
                              bool& in_quotes, index_flags& flags) noexcept {
    return chosen_kernel()(data.data(), data.size(), delimiter, out, in_quotes, flags);
}

std::size_t index_structurals_sse2(std::string_view data, char delimiter, std::uint32_t* out,
                                   bool& in_quotes, index_flags& flags) noexcept {
    return sse2_entry(data.data(), data.size(), delimiter, out, in_quotes, flags);
}

std::size_t index_structurals_scalar(std::string_view data, char delimiter, std::uint32_t* out,
                                     bool& in_quotes, index_flags& flags) noexcept {
    std::size_t count = 0;
    flags = {};
    for (std::size_t i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (c == '\n' && in_quotes) flags.quoted_newline = true;
        if (static_cast<unsigned char>(c) > 0x7F) flags.high_bytes = true;
        if (c == '"') {
            in_quotes = !in_quotes;
            out[count++] = static_cast<std::uint32_t>(i);
        } else if (!in_quotes && (c == delimiter || c == '\n')) {
            out[count++] = static_cast<std::uint32_t>(i);
        }
    }
    return count;
}

std::size_t count_quotes_fast(std::string_view data) noexcept {
    static const bool avx2 = has_avx2();
    return avx2 ? count_quotes_avx2(data.data(), data.size()) : 0;
}

bool count_quotes_fast_available() noexcept {
    static const bool avx2 = has_avx2();
    return avx2;
}

std::string_view structural_kernel() noexcept {
    const kernel_fn k = chosen_kernel();
    return k == index_structurals_avx512 ? "avx512" : k == index_structurals_avx2 ? "avx2" : "sse2";
}

std::size_t index_structurals_avx2_checked(std::string_view data, char delimiter,
                                           std::uint32_t* out, bool& in_quotes,
                                           index_flags& flags) noexcept {
    if (!has_avx2()) return index_structurals_sse2(data, delimiter, out, in_quotes, flags);
    return index_structurals_avx2(data.data(), data.size(), delimiter, out, in_quotes, flags);
}

}  // namespace salesproc::detail
