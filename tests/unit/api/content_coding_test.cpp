#include "salesproc/api/content_coding.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace salesproc {
namespace {

using test::gzip_compress;

std::string sample(std::size_t n) {
    std::string s;
    s.reserve(n);
    for (std::size_t i = 0; s.size() < n; ++i)
        s += "{\"id\": " + std::to_string(i * 7919 % 100003) + "},";
    s.resize(n);
    return s;
}

TEST(ContentCoding, GzipRoundTripsAtEverySize) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536},
                          std::size_t{3} << 20}) {
        const std::string plain = sample(n);
        auto out = gunzip(gzip_compress(plain), plain.size(), "https://h/x");
        ASSERT_TRUE(out) << n << ": " << out.error().message();
        EXPECT_EQ(*out, plain) << n;
    }
}

TEST(ContentCoding, ConcatenatedMembersAreOneBody) {
    auto out = gunzip(gzip_compress("[1,") + gzip_compress("2]"), 100, "u");
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(*out, "[1,2]");
}

TEST(ContentCoding, IdentityAndNoEncodingPassThrough) {
    for (const char* e : {"", "identity", " Identity "}) {
        auto out = decode_content("{\"a\": 1}", e, 3, "u");  // the cap is the parser's job here
        ASSERT_TRUE(out) << e;
        EXPECT_EQ(*out, "{\"a\": 1}");
    }
    auto g = decode_content(gzip_compress("[]"), "GZIP", 10, "u");
    ASSERT_TRUE(g);
    EXPECT_EQ(*g, "[]");
    auto x = decode_content(gzip_compress("[]"), "x-gzip", 10, "u");
    ASSERT_TRUE(x);
}

TEST(ContentCoding, UnsupportedEncodingNamesIt) {
    auto out = decode_content("...", "br", 100, "https://api.example.com/v1");
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, make_error_code(errc::bad_encoding));
    EXPECT_EQ(out.error().message(),
              "https://api.example.com/v1: unsupported Content-Encoding 'br' (only gzip was "
              "asked for)");
}

TEST(ContentCoding, TruncatedCorruptAndPlainDataAreErrors) {
    const std::string z = gzip_compress(sample(100000));
    auto truncated = gunzip(z.substr(0, z.size() / 2), 1 << 20, "u");
    ASSERT_FALSE(truncated);
    EXPECT_EQ(truncated.error().code, make_error_code(errc::bad_encoding));
    EXPECT_NE(truncated.error().reason.find("truncated"), std::string::npos);

    std::string corrupt = z;
    corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
    corrupt[corrupt.size() - 6] = static_cast<char>(corrupt[corrupt.size() - 6] ^ 0x01);  // CRC
    auto bad = gunzip(corrupt, 1 << 20, "u");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, make_error_code(errc::bad_encoding));

    auto plain = gunzip("{\"id\": 1}", 100, "u");
    ASSERT_FALSE(plain);
    EXPECT_EQ(plain.error().code, make_error_code(errc::bad_encoding));

    auto trailing = gunzip(z + "garbage", 1 << 20, "u");
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, make_error_code(errc::bad_encoding));
}

// A few KiB that inflate to 64 MiB must stop at the cap, not allocate the lot.
TEST(ContentCoding, DecodedSizeIsCappedExactly) {
    const std::string zeros(std::size_t{64} << 20, '0');
    const std::string bomb = gzip_compress(zeros);
    ASSERT_LT(bomb.size(), std::size_t{1} << 20);
    auto over = gunzip(bomb, 1 << 20, "https://h/bomb");
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, make_error_code(errc::body_too_large));
    EXPECT_EQ(over.error().message(),
              "https://h/bomb: decoded gzip body exceeds --max-body 1048576 bytes");

    const std::string exact = gzip_compress(sample(1000));
    EXPECT_TRUE(gunzip(exact, 1000, "u"));
    auto one_less = gunzip(exact, 999, "u");
    ASSERT_FALSE(one_less);
    EXPECT_EQ(one_less.error().code, make_error_code(errc::body_too_large));
}

}  // namespace
}  // namespace salesproc
