// Micro-benchmarks of the CSV hot path (ns per row) and of reading API bodies (MB/s per thread);
// complements bench/csv-throughput and ../shared/peers/compare-api-body.sh.
#include "salesproc/api/body_pieces.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/validator.hpp"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

std::string make_chunk(std::size_t rows) {
    const char* names[] = {"Halal Laptop", "Halal Mouse", "\"Halal Rug, Large\"", "Monitor",
                           "Halal Desk"};
    std::string s;
    for (std::size_t i = 0; i < rows; ++i)
        s += std::string(names[i % 5]) + "," + std::to_string(10 + i % 2000) + "." +
             std::to_string(10 + i % 90) + "," + std::to_string(1 + i % 100) + "\n";
    return s;
}

void validate_chunk(benchmark::State& state) {
    const std::string chunk = make_chunk(100000);
    const salesproc::rules r;
    salesproc::header_layout layout{3, 0, 1, 2, SIZE_MAX, {}};
    salesproc::sales_aggregate agg;
    for (auto _ : state) {
        agg.clear();
        benchmark::DoNotOptimize(salesproc::validate_records(chunk, layout, r, agg));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 100000);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chunk.size()));
}
BENCHMARK(validate_chunk);

void check_sale(benchmark::State& state) {
    const salesproc::rules r;
    for (auto _ : state)
        benchmark::DoNotOptimize(salesproc::check_sale("Halal Laptop", "1234.56", "42", r));
}
BENCHMARK(check_sale);

void count_quotes(benchmark::State& state) {
    const std::string chunk = make_chunk(100000);
    for (auto _ : state)
        benchmark::DoNotOptimize(salesproc::csv::count_quotes(chunk));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chunk.size()));
}
BENCHMARK(count_quotes);

// Records shaped like compare-api-body.sh's: half the prices strings, nested objects.
std::string make_records(std::size_t n, bool ndjson) {
    const char* prices[] = {"12.50", "19.99", "100.00", "10.00", "9.99", "250.75", "12.505"};
    const char* countries[] = {"MY", "ID", "AE", "SA", "TR"};
    std::string s = ndjson ? "" : "[";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string price = prices[i % 7];
        if (!ndjson && i != 0) s += ',';
        s += "{\"id\":" + std::to_string(i) + ",\"product\":\"" + (i % 10 == 3 ? "Pork" : "Halal") +
             " Item " + std::to_string(i * 7919 % 1000) +
             "\",\"price\":" + (i % 2 != 0 ? price : "\"" + price + "\"") +
             ",\"quantity\":" + std::to_string(1 + i * 31 % 120) +
             ",\"customer\":{\"id\":" + std::to_string(i * 104729 % 1000000) + ",\"country\":\"" +
             countries[i % 5] + "\"},\"note\":\"delivered\"}";
        if (ndjson) s += '\n';
    }
    if (!ndjson) s += ']';
    return s;
}

void read_body(benchmark::State& state, bool ndjson) {
    const std::string body = make_records(100000, ndjson);
    const salesproc::rules r;
    const salesproc::body_options options;
    const auto format = ndjson ? salesproc::api_format::ndjson : salesproc::api_format::json;
    // In 512 KiB pieces, as the API shards read a large body; one thread reads them all here.
    std::vector<salesproc::body_piece> pieces;
    salesproc::body_cutter cutter(format, options, 512 << 10);
    cutter.feed(body, [&](salesproc::body_piece p) { pieces.push_back(std::move(p)); });
    pieces.push_back(cutter.finish());
    for (auto _ : state)
        for (const auto& piece : pieces)
            benchmark::DoNotOptimize(salesproc::read_piece(piece, format, r, options, "bench"));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK_CAPTURE(read_body, json_array, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(read_body, ndjson, true)->Unit(benchmark::kMillisecond);

void cut_body(benchmark::State& state, bool ndjson) {
    const std::string body = make_records(100000, ndjson);
    const salesproc::body_options options;
    const auto format = ndjson ? salesproc::api_format::ndjson : salesproc::api_format::json;
    std::size_t pieces = 0;
    for (auto _ : state) {
        salesproc::body_cutter cutter(format, options, 512 << 10);
        for (std::size_t at = 0; at < body.size(); at += 64 << 10)
            cutter.feed(std::string_view(body).substr(at, 64 << 10),
                        [&](salesproc::body_piece) { ++pieces; });
        benchmark::DoNotOptimize(cutter.finish());
    }
    benchmark::DoNotOptimize(pieces);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK_CAPTURE(cut_body, json_array, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(cut_body, ndjson, true)->Unit(benchmark::kMillisecond);

}  // namespace
