// Micro-benchmarks of the CSV hot path (ns per row); complements bench/csv-throughput.
#include "salesproc/input/csv.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/validator.hpp"

#include <benchmark/benchmark.h>

#include <string>

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

}  // namespace
