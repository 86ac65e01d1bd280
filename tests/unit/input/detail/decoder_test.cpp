#include "salesproc/input/detail/decoder.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace salesproc::detail {
namespace {

// Decodes `stored` through a decoder fed `feed` stored bytes at a time and asked for `want`
// decoded bytes at a time: where reads end must never matter.
result<std::string> decode(compression c, const std::string& stored, std::size_t feed,
                           std::size_t want) {
    std::size_t at = 0;
    decoder d(c, "in.csv.x", [&](char* dst, std::size_t n) -> result<std::size_t> {
        const std::size_t k = std::min({n, feed, stored.size() - at});
        std::copy_n(stored.data() + at, k, dst);
        at += k;
        return k;
    });
    std::string out;
    std::string block(want, '\0');
    for (;;) {
        auto got = d.read(block.data(), want);
        if (!got) return got.error();
        if (*got == 0) return out;
        out.append(block.data(), *got);
    }
}

std::string sample_text(std::size_t rows) {
    return test::generate_sales_csv(rows, 3);
}

TEST(Decoder, SniffsTheMagicBytesNotTheName) {
    EXPECT_EQ(sniff_compression(test::gzip_compress("a")), compression::gzip);
    EXPECT_EQ(sniff_compression(test::zstd_compress("a")), compression::zstd);
    EXPECT_EQ(sniff_compression("product,price"), compression::none);
    EXPECT_EQ(sniff_compression("\x1f"), compression::none);
    EXPECT_EQ(sniff_compression(""), compression::none);
}

TEST(Decoder, GzipMembersAndZstdFramesFollowOneAnother) {
    const std::string a = sample_text(3000), b = sample_text(10);
    const std::string gz = test::gzip_compress(a) + test::gzip_compress(b);
    const std::string zst = test::zstd_compress(a) + test::zstd_compress(b, 19);
    for (const std::size_t feed : {std::size_t{1}, std::size_t{333}, std::size_t{1} << 20})
        for (const std::size_t want : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
            auto g = decode(compression::gzip, gz, feed, want);
            ASSERT_TRUE(g) << g.error().message();
            EXPECT_EQ(*g, a + b) << "feed " << feed << " want " << want;
            auto z = decode(compression::zstd, zst, feed, want);
            ASSERT_TRUE(z) << z.error().message();
            EXPECT_EQ(*z, a + b) << "feed " << feed << " want " << want;
        }
}

TEST(Decoder, TruncatedInputNamesTheFormatAndWhereItEnded) {
    const std::string text = sample_text(2000);
    for (const auto c : {compression::gzip, compression::zstd}) {
        const std::string whole =
            c == compression::gzip ? test::gzip_compress(text) : test::zstd_compress(text);
        for (const std::size_t keep : {whole.size() - 1, whole.size() / 2, std::size_t{10}}) {
            const auto r = decode(c, whole.substr(0, keep), 4096, 4096);
            ASSERT_FALSE(r) << to_string(c) << " keep " << keep;
            EXPECT_EQ(r.error().code, make_error_code(errc::corrupt_input));
            EXPECT_EQ(r.error().message(), "in.csv.x: " + std::string(to_string(c)) +
                                               " stream truncated after " + std::to_string(keep) +
                                               " bytes");
        }
    }
}

TEST(Decoder, CorruptInputIsAnErrorNotGarbage) {
    const std::string text = sample_text(2000);
    std::string gz = test::gzip_compress(text);
    gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
    gz[gz.size() / 2 + 1] = static_cast<char>(gz[gz.size() / 2 + 1] ^ 0x55);
    // A flipped deflate byte is caught by the data itself or, at the latest, by the CRC.
    const auto g = decode(compression::gzip, gz, 4096, 4096);
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, make_error_code(errc::corrupt_input));
    EXPECT_NE(g.error().message().find("in.csv.x: gzip data is corrupt at byte "),
              std::string::npos)
        << g.error().message();

    std::string zst = test::zstd_compress(text);
    zst[zst.size() / 2] = static_cast<char>(zst[zst.size() / 2] ^ 0x55);
    const auto z = decode(compression::zstd, zst, 4096, 4096);
    ASSERT_FALSE(z);
    EXPECT_NE(z.error().message().find("in.csv.x: zstd data is corrupt at byte "),
              std::string::npos)
        << z.error().message();

    // Bytes after the last member that start no new one.
    const auto trailing =
        decode(compression::gzip, test::gzip_compress(text) + "not gzip", 4096, 4096);
    ASSERT_FALSE(trailing);
    EXPECT_NE(trailing.error().message().find("gzip data is corrupt"), std::string::npos);
}

// zstd decodes a frame in one pass when the output room holds all of it, and words the same
// corruption differently on that path (fuzzing found a frame that says "Data corruption
// detected" one way and "Destination buffer is too small" the other). The error, like the data,
// must not depend on how much each read asks for, which is what --chunk-size sets.
TEST(Decoder, TheErrorForCorruptZstdDoesNotDependOnTheReadSize) {
    // A frame header with a 30052-byte content size, then a block that does not hold it.
    const std::string frame(
        "\x28\xb5\x2f\xfd\x70\x64\x75\x63\x74\x20\x00\x2c\x70\x72"
        "\x70\x72\x6f\x64\x70\x75\x63\x74",
        22);
    std::string text = sample_text(5000);
    std::string zst = test::zstd_compress(text);
    zst[zst.size() / 2] = static_cast<char>(zst[zst.size() / 2] ^ 0x55);
    for (const std::string& stored : {frame, zst}) {
        const auto first = decode(compression::zstd, stored, 1 << 20, 1 << 20);
        ASSERT_FALSE(first);
        for (const std::size_t want : {std::size_t{1}, std::size_t{100}, std::size_t{4096},
                                       std::size_t{131071}, std::size_t{131072}})
            for (const std::size_t feed : {std::size_t{7}, std::size_t{1} << 20}) {
                const auto other = decode(compression::zstd, stored, feed, want);
                ASSERT_FALSE(other);
                if (feed == std::size_t{1} << 20) {
                    EXPECT_EQ(other.error().message(), first.error().message()) << "want " << want;
                }
            }
    }
}

}  // namespace
}  // namespace salesproc::detail
