// The block loop behind detail::index_structurals, shared by the SSE2 and AVX2 translation units.
// Everything here has internal linkage: the AVX2 unit is compiled with -mavx2, and no function
// it instantiates may be merged with a baseline copy by the linker.
#pragma once

#include "salesproc/input/detail/structural_index.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace salesproc::detail {
namespace {

struct block_masks {
    std::uint64_t structural;  // delimiters and '\n', quoted or not
    std::uint64_t quotes;
    std::uint64_t high;  // non-zero when a byte is above 0x7F (which bits is the kernel's affair)
};

// One 64-byte block: the kernel's masks, the quote state carried across blocks (all ones while
// inside quotes), and the kept offsets appended through the kernel's flatten().
// `quoted_newlines` gathers the newlines inside quotes, which only blocks with quotes can hold.
template <class Kernel>
inline std::uint32_t* index_block(const Kernel& k, const char* p, std::uint32_t base,
                                  std::uint64_t& carry, std::uint64_t& quoted_newlines,
                                  std::uint64_t& high, std::uint32_t* o) {
    const block_masks m = k.masks(p);
    high |= m.high;
    std::uint64_t bits = m.structural;
    if ((m.quotes | carry) != 0) {
        // Bit i of the prefix XOR is the quote parity up to i: set from an opening quote up to
        // (not including) its closing one, which masks the delimiters and newlines in between.
        const std::uint64_t inside = k.prefix_xor(m.quotes) ^ carry;
        carry = static_cast<std::uint64_t>(static_cast<std::int64_t>(inside) >> 63);
        if ((bits & inside) != 0) quoted_newlines |= k.newlines(p) & inside;
        bits = (bits & ~inside) | m.quotes;
    }
    return k.flatten(o, bits, base);
}

template <class Kernel>
inline std::size_t index_all(const Kernel& k, const char* data, std::size_t size,
                             std::uint32_t* out, bool& in_quotes, index_flags& flags) {
    std::uint64_t carry = in_quotes ? ~std::uint64_t{0} : 0;
    std::uint64_t quoted_newlines = 0;
    std::uint64_t high = 0;
    std::uint32_t* o = out;
    std::size_t i = 0;
    for (; size - i >= 64; i += 64)
        o = index_block(k, data + i, static_cast<std::uint32_t>(i), carry, quoted_newlines, high,
                        o);
    if (i < size) {
        // The tail through a zeroed copy: a NUL byte is never structural, and no load reads past
        // the caller's buffer.
        alignas(64) char tail[64] = {};
        std::memcpy(tail, data + i, size - i);
        o = index_block(k, tail, static_cast<std::uint32_t>(i), carry, quoted_newlines, high, o);
    }
    in_quotes = carry != 0;
    flags.quoted_newline = quoted_newlines != 0;
    flags.high_bytes = high != 0;
    return static_cast<std::size_t>(o - out);
}

}  // namespace
}  // namespace salesproc::detail
