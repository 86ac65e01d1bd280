// The CSV hot path's first stage: one vectorised pass over a window of records that lists, in
// order, the offset of every quote and of every delimiter and '\n' outside quotes (the bytes the
// tokenizer would stop at). The second stage (validator.cpp) then walks records through the list
// instead of rescanning bytes, so a row costs its few structural bytes, not its length.
// Pure and thread-safe; the kernel (SSE2, AVX2 or AVX-512, as the CPU allows) is chosen once per
// process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace salesproc::detail {

// Room index_structurals may write past the offsets it returns (it stores in whole groups).
inline constexpr std::size_t structural_slack = 64;

// What the pass noticed about a window besides its offsets, for the rare paths to skip most
// windows: a '\n' inside quotes (records spanning lines need their newlines counted), and bytes
// above 0x7F (only those windows can hold bytes that are not UTF-8).
struct index_flags {
    bool quoted_newline = false;
    bool high_bytes = false;
};

// Fills `out` with the offsets described above for `data` (at most 2^32 - 1 bytes) and returns
// their count. `out` must hold data.size() + structural_slack entries. `in_quotes` is the quote
// state before data[0] on entry and after its last byte on return; `flags` are set as above.
std::size_t index_structurals(std::string_view data, char delimiter, std::uint32_t* out,
                              bool& in_quotes, index_flags& flags) noexcept;

// The portable kernel and the plain byte loop that defines the result, for tests and fuzzers
// to hold the dispatched kernel against.
std::size_t index_structurals_sse2(std::string_view data, char delimiter, std::uint32_t* out,
                                   bool& in_quotes, index_flags& flags) noexcept;
std::size_t index_structurals_scalar(std::string_view data, char delimiter, std::uint32_t* out,
                                     bool& in_quotes, index_flags& flags) noexcept;

// The AVX2 kernel where the CPU has it (index_structurals may pick AVX-512 over it), else SSE2.
std::size_t index_structurals_avx2_checked(std::string_view data, char delimiter,
                                           std::uint32_t* out, bool& in_quotes,
                                           index_flags& flags) noexcept;

// The number of '"' in `data` with AVX2, where count_quotes_fast_available(); csv::count_quotes
// uses it for the chunker's cut, which counts the quotes of every byte read.
std::size_t count_quotes_fast(std::string_view data) noexcept;
bool count_quotes_fast_available() noexcept;

// The kernel index_structurals uses: "avx512", "avx2" or "sse2".
std::string_view structural_kernel() noexcept;

}  // namespace salesproc::detail
