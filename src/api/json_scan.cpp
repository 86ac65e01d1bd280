#include "salesproc/api/detail/json_scan.hpp"

#include <emmintrin.h>

#include <cstring>

namespace salesproc::detail {
namespace {

constexpr bool opens_or_closes(char c) noexcept {
    return c == '[' || c == '{' || c == ']' || c == '}' || c == ',';
}

std::size_t scan_bytes(const char* p, std::size_t n, std::uint32_t base, std::uint32_t* out,
                       json_scan_state& s) noexcept {
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = p[i];
        if (s.escaped)
            s.escaped = false;
        else if (c == '\\')
            s.escaped = true;
        else if (c == '"')
            s.in_string = !s.in_string;
        else if (!s.in_string && opens_or_closes(c))
            out[count++] = base + static_cast<std::uint32_t>(i);
    }
    return count;
}

struct block_masks {
    std::uint64_t quotes = 0;
    std::uint64_t backslashes = 0;
    std::uint64_t structural = 0;
};

block_masks masks(const char* p) noexcept {
    // '[' and ']' are '{' and '}' without the 0x20 bit.
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i bit20 = _mm_set1_epi8(0x20);
    block_masks m;
    for (unsigned j = 0; j < 4; ++j) {
        const __m128i v =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + std::size_t{16} * j));
        const __m128i folded = _mm_or_si128(v, bit20);
        const __m128i s =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)),
                         _mm_cmpeq_epi8(v, comma));
        const auto bits = [](__m128i x) {
            return std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(x))};
        };
        m.structural |= bits(s) << (16 * j);
        m.quotes |= bits(_mm_cmpeq_epi8(v, quote)) << (16 * j);
        m.backslashes |= bits(_mm_cmpeq_epi8(v, backslash)) << (16 * j);
    }
    return m;
}

std::uint64_t prefix_xor(std::uint64_t x) noexcept {
    for (unsigned shift = 1; shift < 64; shift *= 2)
        x ^= x << shift;
    return x;
}

// `n` bytes of the 64 at `p` are the text's (the rest, of a tail, are zero).
std::size_t scan_block(const char* p, std::size_t n, std::uint32_t base, std::uint32_t* out,
                       json_scan_state& s) noexcept {
    block_masks m = masks(p);
    if (m.backslashes != 0) return scan_bytes(p, n, base, out, s);  // escapes are rare
    if (s.escaped) {
        m.quotes &= ~std::uint64_t{1};
        m.structural &= ~std::uint64_t{1};
        s.escaped = false;
    }
    // Bit i of the prefix XOR is the quote parity up to i: set inside a string.
    const std::uint64_t inside = prefix_xor(m.quotes) ^ (s.in_string ? ~std::uint64_t{0} : 0);
    s.in_string = (inside >> 63) != 0;
    std::size_t count = 0;
    for (std::uint64_t bits = m.structural & ~inside; bits != 0; bits &= bits - 1)
        out[count++] = base + static_cast<std::uint32_t>(__builtin_ctzll(bits));
    return count;
}

}  // namespace

std::size_t index_json_structurals(std::string_view data, std::uint32_t* out,
                                   json_scan_state& state) noexcept {
    std::size_t count = 0;
    std::size_t i = 0;
    for (; data.size() - i >= 64; i += 64)
        count += scan_block(data.data() + i, 64, static_cast<std::uint32_t>(i), out + count, state);
    if (i < data.size()) {
        // The tail through a zeroed copy: a NUL is nothing here, and no load reads past data.
        alignas(16) char tail[64] = {};
        std::memcpy(tail, data.data() + i, data.size() - i);
        count +=
            scan_block(tail, data.size() - i, static_cast<std::uint32_t>(i), out + count, state);
    }
    return count;
}

std::size_t index_json_structurals_scalar(std::string_view data, std::uint32_t* out,
                                          json_scan_state& state) noexcept {
    return scan_bytes(data.data(), data.size(), 0, out, state);
}

}  // namespace salesproc::detail
