#include "salesproc/pipeline.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

namespace salesproc {
namespace {

using test::temp_dir;
using test::write_file;

csv_outcome run_csv(const std::string& path, unsigned threads, std::size_t chunk) {
    csv_job job;
    job.path = path;
    job.rule_set.required_fields = {"id", "product", "price", "quantity"};
    job.chunk_size = chunk;
    job.in_flight = threads + 2;
    auto r = process_csv_blocking(job, threads);
    EXPECT_TRUE(r) << r.error().message();
    return std::move(*r);
}

void expect_same(const sales_aggregate& a, const sales_aggregate& b, const std::string& what) {
    EXPECT_EQ(a.rows(), b.rows()) << what;
    EXPECT_EQ(a.valid(), b.valid()) << what;
    EXPECT_TRUE(a.total() == b.total()) << what;
    for (auto r : all_reject_reasons)
        EXPECT_EQ(a.rejected(r), b.rejected(r)) << what << " " << to_string(r);
    ASSERT_EQ(a.products().size(), b.products().size()) << what;
    for (std::size_t i = 0; i < a.products().size(); ++i) {
        EXPECT_EQ(a.products()[i].product, b.products()[i].product) << what;
        EXPECT_TRUE(a.products()[i].amount == b.products()[i].amount) << what;
        EXPECT_TRUE(a.products()[i].quantity == b.products()[i].quantity) << what;
    }
}

TEST(Pipeline, ResultIsIdenticalForAnyThreadsAndChunkSize) {
    temp_dir dir;
    const auto path = dir.file("gen.csv");
    write_file(path, test::generate_sales_csv(20000, 7));
    const auto reference = run_csv(path, 1, 64 << 20);
    ASSERT_EQ(reference.chunks, 1U);
    EXPECT_GT(reference.totals.valid(), 1000U);
    EXPECT_GT(reference.totals.rejected(reject_reason::malformed_row), 0U);
    for (unsigned threads : {1U, 2U, 3U, 4U})
        for (std::size_t chunk :
             {std::size_t{1}, std::size_t{37}, std::size_t{4096}, std::size_t{1} << 16}) {
            const auto r = run_csv(path, threads, chunk);
            expect_same(r.totals, reference.totals,
                        "threads=" + std::to_string(threads) + " chunk=" + std::to_string(chunk));
            EXPECT_EQ(r.bytes, reference.bytes);
        }
}

TEST(Pipeline, LongRowsAreMalformedForEveryChunkSize) {
    temp_dir dir;
    const std::string big(5000, 'x');
    // A quoted row with a newline inside, and a whitespace-only line, both over the limit.
    write_file(dir.file("in.csv"), "product,price,quantity\nHalal A,10,1\n\"" + big + "\n" + big +
                                       "\",10,1\nHalal B,10,1\n" + std::string(3000, ' ') + "\n");
    for (std::size_t chunk : {std::size_t{7}, std::size_t{1000}, std::size_t{1} << 20}) {
        csv_job job;
        job.path = dir.file("in.csv");
        job.chunk_size = chunk;
        job.max_row_size = 1000;
        const auto r = process_csv_blocking(job, 2);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->totals.valid(), 2U) << chunk;
        EXPECT_EQ(r->totals.rejected(reject_reason::malformed_row), 2U) << chunk;
        EXPECT_EQ(r->totals.rows(), 4U) << chunk;
        // The warning's count too: a long row the chunker skipped and one a big chunk held are
        // the same row (fuzzing found the count differed).
        EXPECT_EQ(r->totals.oversized_rows(), 2U) << chunk;
    }
}

TEST(Pipeline, HeaderOverTheRowLimitFailsForEveryChunkSize) {
    temp_dir dir;
    write_file(dir.file("in.csv"),
               "product,price,quantity," + std::string(200, 'x') + "\nHalal A,10,1,y\n");
    for (std::size_t chunk : {std::size_t{1}, std::size_t{64}, std::size_t{1} << 20}) {
        csv_job job;
        job.path = dir.file("in.csv");
        job.chunk_size = chunk;
        job.max_row_size = 100;
        const auto r = process_csv_blocking(job, 2);
        ASSERT_FALSE(r) << chunk;
        EXPECT_EQ(r.error().code, make_error_code(errc::row_too_large)) << chunk;
    }
}

TEST(Pipeline, MissingColumnNamesColumnAndFile) {
    temp_dir dir;
    write_file(dir.file("in.csv"), "name,price,quantity\nHalal A,10,1\n");
    csv_job job;
    job.path = dir.file("in.csv");
    const auto r = process_csv_blocking(job, 2);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::missing_column));
    EXPECT_NE(r.error().message().find("in.csv: column 'product'"), std::string::npos);
}

TEST(Pipeline, OverflowIsAnErrorNotAWrongTotal) {
    temp_dir dir;
    std::string body = "product,price,quantity\n";
    for (int i = 0; i < 200; ++i)
        body += "Halal Gold,1000000000000000000000000000000000,100\n";
    write_file(dir.file("in.csv"), body);
    csv_job job;
    job.path = dir.file("in.csv");
    job.chunk_size = 256;
    const auto r = process_csv_blocking(job, 2);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::money_overflow));
    EXPECT_NE(r.error().message().find("Halal Gold"), std::string::npos);
}

TEST(Pipeline, StopFlagInterrupts) {
    temp_dir dir;
    write_file(dir.file("in.csv"), test::generate_sales_csv(5000, 1));
    csv_job job;
    job.path = dir.file("in.csv");
    job.rule_set.required_fields = {};
    job.chunk_size = 64;
    boost::asio::thread_pool pool(2);
    std::atomic<bool> stop{true};
    auto fut =
        boost::asio::co_spawn(boost::asio::make_strand(pool),
                              process_csv(job, pool.get_executor(), stop), boost::asio::use_future);
    const auto r = fut.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::interrupted));
}

}  // namespace
}  // namespace salesproc
