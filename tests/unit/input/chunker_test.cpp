#include "salesproc/input/chunker.hpp"

#include "salesproc/input/csv.hpp"
#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <array>

namespace salesproc {
namespace {

using test::temp_dir;
using test::write_file;

struct cut_result {
    std::string header;
    std::vector<std::string> chunks;
    std::uint64_t oversized = 0;
};

cut_result cut(const std::string& path, std::size_t chunk_size, std::size_t max_row = 1 << 20) {
    auto src = byte_source::open(path);
    EXPECT_TRUE(src);
    chunker c(*src, {chunk_size, max_row});
    cut_result r;
    auto h = c.read_header();
    EXPECT_TRUE(h) << h.error().message();
    r.header = *h;
    chunk_buffer buf;
    for (;;) {
        auto more = c.next(buf);
        EXPECT_TRUE(more);
        if (!*more) break;
        r.chunks.emplace_back(buf.records());
    }
    r.oversized = c.oversized_rows();
    return r;
}

std::vector<std::string> records_of(const std::vector<std::string>& chunks) {
    std::vector<std::string> out;
    std::array<std::string_view, 8> fields;
    for (const auto& chunk : chunks) {
        csv::tokenizer tok(chunk);
        csv::record rec;
        while (tok.next(rec, fields))
            out.emplace_back(rec.text);
    }
    return out;
}

// Seams: every chunk size, including ones that land inside quoted fields, on the quote itself,
// and between CR and LF, must yield exactly the records of a single whole-file pass.
TEST(Chunker, RecordsAreIndependentOfChunkSize) {
    temp_dir dir;
    const std::string body =
        "\"Halal Rug, Large\",10.00,1\r\n"
        "\"Halal \"\"Premium\"\" Dates\",12.50,2\r\n"
        "\"multi\nline\r\nfield\",11,3\n"
        "\n"
        "plain,10,1\r\n"
        "\"\",\"\",\"\"\n"
        "last,10,1";
    write_file(dir.file("in.csv"), "product,price,quantity\r\n" + body);
    const auto whole = cut(dir.file("in.csv"), 1 << 20);
    ASSERT_EQ(whole.chunks.size(), 1U);
    EXPECT_EQ(whole.header, "product,price,quantity\r");
    const auto expected = records_of(whole.chunks);
    ASSERT_EQ(expected.size(), 7U);
    EXPECT_EQ(expected[2], "\"multi\nline\r\nfield\",11,3");
    for (std::size_t size = 1; size <= body.size() + 1; ++size) {
        const auto r = cut(dir.file("in.csv"), size);
        std::string joined;
        for (const auto& c : r.chunks) {
            joined += c;
            EXPECT_FALSE(c.empty());
        }
        EXPECT_EQ(joined, body) << "chunk size " << size;
        EXPECT_EQ(records_of(r.chunks), expected) << "chunk size " << size;
    }
}

TEST(Chunker, StripsBomAndSkipsLeadingBlankLines) {
    temp_dir dir;
    write_file(dir.file("in.csv"), "\xEF\xBB\xBF\n  \nproduct,price,quantity\nHalal A,10,1\n");
    const auto r = cut(dir.file("in.csv"), 4);
    EXPECT_EQ(r.header, "product,price,quantity");
    EXPECT_EQ(records_of(r.chunks), std::vector<std::string>{"Halal A,10,1"});
}

TEST(Chunker, EmptyInputIsAnError) {
    temp_dir dir;
    write_file(dir.file("empty.csv"), "\n\n");
    auto src = byte_source::open(dir.file("empty.csv"));
    ASSERT_TRUE(src);
    chunker c(*src, {});
    const auto h = c.read_header();
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().code, make_error_code(errc::empty_input));
    EXPECT_NE(h.error().message().find("empty.csv"), std::string::npos);
}

TEST(Chunker, OversizedRowIsSkippedWithBoundedMemory) {
    temp_dir dir;
    std::string big(5000, 'x');
    write_file(dir.file("in.csv"), "h\nok1\n\"" + big + "\n" + big + "\"\nok2\n");
    for (std::size_t size : {1U, 16U, 100U, 999U}) {
        const auto r = cut(dir.file("in.csv"), size, 1000);
        EXPECT_EQ(r.oversized, 1U);
        const auto records = records_of(r.chunks);
        EXPECT_TRUE(records == (std::vector<std::string>{"ok1", "ok2"}))
            << size << ": " << records.size();
        for (const auto& c : r.chunks)
            EXPECT_LE(c.size(), 2000U) << "a chunk held the long row";
    }
}

// A file cut short while it is read (log rotation, a copy still in progress) must not pass for a
// complete input: the run fails naming the file rather than reporting partial totals.
TEST(Chunker, FileThatShrinksWhileReadIsAnError) {
    temp_dir dir;
    const auto path = dir.file("in.csv");
    write_file(path, test::generate_sales_csv(20000, 3));
    auto src = byte_source::open(path);
    ASSERT_TRUE(src);
    chunker c(*src, {4096, 1 << 20});
    ASSERT_TRUE(c.read_header());
    chunk_buffer buf;
    ASSERT_TRUE(c.next(buf));
    ASSERT_EQ(::truncate(path.c_str(), 100000), 0);
    result<bool> more = true;
    while (more && *more)
        more = c.next(buf);
    ASSERT_FALSE(more);
    EXPECT_EQ(more.error().code, make_error_code(errc::input_changed));
    EXPECT_NE(more.error().message().find("in.csv: file shrank from"), std::string::npos)
        << more.error().message();
}

// A shard fails the same way when its file shrinks (or changes at all) while it is read: never a
// partial total with exit 0.
TEST(Chunker, AShardOfAFileThatShrinksWhileReadIsAnError) {
    temp_dir dir;
    const auto path = dir.file("in.csv");
    write_file(path, test::generate_sales_csv(20000, 3));
    for (const unsigned index : {0U, 1U}) {
        write_file(path, test::generate_sales_csv(20000, 3));
        auto src = byte_source::open_shard(path, shard_spec{index, 2, false}, 0);
        ASSERT_TRUE(src) << src.error().message();
        chunker c(*src, {4096, 1 << 20});
        if (index == 0) {
            ASSERT_TRUE(c.read_header());
        }
        chunk_buffer buf;
        ASSERT_TRUE(c.next(buf));
        ASSERT_EQ(::truncate(path.c_str(), index == 0 ? 100000 : 700000), 0);
        result<bool> more = true;
        while (more && *more)
            more = c.next(buf);
        ASSERT_FALSE(more) << "shard " << index;
        EXPECT_EQ(more.error().code, make_error_code(errc::input_changed));
        EXPECT_NE(more.error().message().find("in.csv: file shrank from"), std::string::npos)
            << more.error().message();
    }
}

// A file rewritten in place (same size, other bytes) while read is an error too.
TEST(Chunker, AFileChangedInPlaceWhileReadIsAnError) {
    temp_dir dir;
    const auto path = dir.file("in.csv");
    const std::string text = test::generate_sales_csv(20000, 3);
    write_file(path, text);
    auto src = byte_source::open(path);
    ASSERT_TRUE(src);
    chunker c(*src, {4096, 1 << 20});
    ASSERT_TRUE(c.read_header());
    chunk_buffer buf;
    ASSERT_TRUE(c.next(buf));
    std::string changed = text;
    changed[changed.size() - 10] = changed[changed.size() - 10] == '1' ? '2' : '1';
    write_file(path, changed);
    result<bool> more = true;
    while (more && *more)
        more = c.next(buf);
    ASSERT_FALSE(more);
    EXPECT_EQ(more.error().code, make_error_code(errc::input_changed));
    EXPECT_NE(more.error().message().find("in.csv: file changed while being read"),
              std::string::npos)
        << more.error().message();
}

TEST(Chunker, OpenErrorsNameThePath) {
    temp_dir dir;
    const auto missing = byte_source::open(dir.file("missing.csv"));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("missing.csv: No such file"), std::string::npos);
    const auto directory = byte_source::open(dir.path().string());
    ASSERT_FALSE(directory);
    EXPECT_EQ(directory.error().code, make_error_code(errc::is_directory));
}

}  // namespace
}  // namespace salesproc
