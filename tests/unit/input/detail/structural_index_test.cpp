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
                               char delimiter, bool& in_quotes, bool* quoted_newline = nullptr) {
    std::vector<std::uint32_t> out(data.size() + structural_slack);
    bool newline = false;
    out.resize(kernel(data, delimiter, out.data(), in_quotes, newline));
    if (quoted_newline != nullptr) *quoted_newline = newline;
    return out;
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
