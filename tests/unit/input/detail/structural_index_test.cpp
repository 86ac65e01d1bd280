// The SIMD structural index against its byte-loop definition, for every kernel this CPU runs,
// at every length across the 64-byte block and the tail copy, with the quote state carried in.
#include "salesproc/input/detail/structural_index.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace salesproc::detail {
namespace {

std::vector<std::uint32_t> run(decltype(&index_structurals) kernel, std::string_view data,
                               char delimiter, bool& in_quotes, bool* quoted_newline = nullptr,
                               bool* high_bytes = nullptr) {
    std::vector<std::uint32_t> out(data.size() + structural_slack);
    index_flags flags;
    out.resize(kernel(data, delimiter, out.data(), in_quotes, flags));
    if (quoted_newline != nullptr) *quoted_newline = flags.quoted_newline;
    if (high_bytes != nullptr) *high_bytes = flags.high_bytes;
    return out;
}

// Every kernel says whether a window holds a byte above 0x7F, wherever it sits (the tail of a
// window that is no whole block included): only those windows are checked for UTF-8.
TEST(StructuralIndex, EveryKernelNoticesBytesAboveAscii) {
    for (const auto kernel : {index_structurals, index_structurals_avx2_checked,
                              index_structurals_sse2, index_structurals_scalar}) {
        for (const std::size_t at : {std::size_t{0}, std::size_t{63}, std::size_t{64},
                                     std::size_t{100}, std::size_t{129}}) {
            std::string data(130, 'a');
            bool in_quotes = false;
            bool high = true;
            run(kernel, data, ',', in_quotes, nullptr, &high);
            EXPECT_FALSE(high);
            data[at] = static_cast<char>(0xE9);
            run(kernel, data, ',', in_quotes, nullptr, &high);
            EXPECT_TRUE(high) << at;
        }
    }
}

TEST(StructuralIndex, ListsQuotesAndTheSeparatorsOutsideThem) {
    bool in_quotes = false;
    const std::string row = "a,\"b,\nc\",d\n";
    EXPECT_EQ(run(index_structurals, row, ',', in_quotes),
              (std::vector<std::uint32_t>{1, 2, 7, 8, 10}));
    EXPECT_FALSE(in_quotes);
    bool quoted_newline = false;
    run(index_structurals, row, ',', in_quotes, &quoted_newline);
    EXPECT_TRUE(quoted_newline);
    run(index_structurals, "\"a,b\"\n\"c\"\n", ',', in_quotes, &quoted_newline);
    EXPECT_FALSE(quoted_newline);
    // Another delimiter: commas are plain bytes.
    EXPECT_EQ(run(index_structurals, "a,b;c\n", ';', in_quotes),
              (std::vector<std::uint32_t>{3, 5}));
}

TEST(StructuralIndex, EveryKernelMatchesTheByteLoopAtEveryLength) {
    std::mt19937 rng(7);
    const std::string alphabet = "ab ,;|\t\"\"\n\r";
    for (const char delimiter : {',', ';', '|', '\t'}) {
        for (std::size_t size = 0; size <= 300; ++size) {
            for (int round = 0; round < 4; ++round) {
                std::string data(size, 'x');
                for (char& c : data)
                    c = alphabet[rng() % alphabet.size()];
                const bool start_quoted = round % 2 == 1;
                bool want_state = start_quoted;
                bool want_newline = false;
                const auto want =
                    run(index_structurals_scalar, data, delimiter, want_state, &want_newline);
                for (const auto kernel :
                     {index_structurals, index_structurals_avx2_checked, index_structurals_sse2}) {
                    bool state = start_quoted;
                    bool newline = false;
                    EXPECT_EQ(run(kernel, data, delimiter, state, &newline), want)
                        << "size " << size << " kernel " << structural_kernel();
                    EXPECT_EQ(state, want_state);
                    EXPECT_EQ(newline, want_newline) << "size " << size;
                }
            }
        }
    }
}

TEST(StructuralIndex, CountsEveryByteOfAnAllStructuralBlock) {
    // More offsets per block than a flatten step writes at once.
    for (const std::string& data : {std::string(200, ','), std::string(200, '"')}) {
        bool in_quotes = false;
        const auto got = run(index_structurals, data, ',', in_quotes);
        ASSERT_EQ(got.size(), data.size());
        for (std::uint32_t i = 0; i < got.size(); ++i)
            EXPECT_EQ(got[i], i);
    }
}

}  // namespace
}  // namespace salesproc::detail
