// The CSV half end to end below the pipeline: byte_source (and its decoder) -> chunker ->
// parse_header -> validate_chunk -> merge, with every reject written as JSON Lines. Oracles:
// cutting the same input into chunks of an arbitrary size (1..256 bytes) gives exactly the outcome
// and the rejects file of one whole-input chunk, which is the guarantee behind "the report is
// identical for any --chunk-size"; so does splitting every record with the plain tokenizer
// instead of the SIMD structural index; the rejects file has one JSON object per rejected row,
// in strictly increasing line order.
#include "fuzz_support.hpp"
#include "salesproc/input/chunker.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/totals/aggregate.hpp"
#include "salesproc/totals/validator.hpp"

#include <nlohmann/json.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace {
using namespace salesproc;

struct outcome {
    std::string error;  // empty when the run succeeded
    sales_aggregate totals;
    std::string rejects;  // JSON Lines
};

// `tokenized`: every record split by csv::tokenizer instead of the structural index and the
// plain-record shortcut, the definition the fast path must equal.
outcome run(const std::string& path, std::size_t chunk_size, std::size_t max_row, rules r,
            std::uint64_t skip_lines, bool tokenized = false) {
    outcome o;
    auto source = byte_source::open(path);
    if (!source) {
        o.error = source.error().message();
        return o;
    }
    chunker cuts(*source, {chunk_size, max_row, skip_lines});
    // As the pipeline does: a failure on bytes of a broken stream is the stream's.
    auto fail = [&](const error& e) {
        o.error = prefer_stream_error(*source, e).message();
        return o;
    };
    auto header = cuts.read_header();
    if (!header) return fail(header.error());
    if (const auto sep = cuts.sep_delimiter()) r.delimiter = *sep;  // as the pipeline does
    auto layout = parse_header(*header, r, source->name());
    if (!layout) return fail(layout.error());
    layout->max_row_size = max_row;
    reject_options options;
    options.all = true;
    options.format = rejects_format::jsonl;
    reject_log log(options, [&](std::string_view b) -> result<void> {
        o.rejects.append(b);
        return {};
    });
    chunk_buffer buf;
    sales_aggregate part;
    reject_batch batch;
    std::uint64_t line = 1;
    for (;;) {
        auto more = cuts.next(buf);
        if (!more) return fail(more.error());
        if (!*more) break;
        bool fits = true;
        if (tokenized) {
            part.clear();
            batch.reset(options);
            for (const auto& row : buf.skipped())
                batch.add(reject_reason::malformed_row, row.line, row.head,
                          oversized_detail(row.size, max_row));
            fits = detail::validate_records_tokenized(buf.records(), *layout, r, part, &batch,
                                                      buf.lines_before());
        } else {
            fits = validate_chunk(buf, *layout, r, options, part, batch);
        }
        if (!fits || !o.totals.merge(part))
            return fail(make_error(errc::money_overflow, "fuzz.csv", "overflow"));
        FUZZ_CHECK(log.take(batch, "fuzz.csv", line).has_value());
        line += batch.lines();
    }
    FUZZ_CHECK(log.flush().has_value());
    o.totals.add_oversized_rows(cuts.oversized_rows());
    return o;
}

void check_same(const outcome& a, const outcome& b) {
    if (a.error != b.error)
        std::fprintf(stderr, "whole: %s\ncut:   %s\n", a.error.c_str(), b.error.c_str());
    FUZZ_CHECK(a.error == b.error);
    if (!a.error.empty()) return;
    FUZZ_CHECK(a.totals.oversized_rows() == b.totals.oversized_rows());
    FUZZ_CHECK(a.totals.rows() == b.totals.rows());
    FUZZ_CHECK(a.totals.valid() == b.totals.valid());
    FUZZ_CHECK(a.totals.total() == b.totals.total());
    for (const auto why : all_reject_reasons)
        FUZZ_CHECK(a.totals.rejected(why) == b.totals.rejected(why));
    const auto& pa = a.totals.products();
    const auto& pb = b.totals.products();
    FUZZ_CHECK(pa.size() == pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
        FUZZ_CHECK(pa[i].product == pb[i].product);
        FUZZ_CHECK(pa[i].quantity == pb[i].quantity);
        FUZZ_CHECK(pa[i].amount == pb[i].amount);
    }
    FUZZ_CHECK(a.rejects == b.rejects);
    std::uint64_t count = 0, previous = 0;
    for (std::size_t at = 0; at < a.rejects.size();) {
        const std::size_t end = a.rejects.find('\n', at);
        FUZZ_CHECK(end != std::string::npos);
        const auto j = nlohmann::json::parse(a.rejects.substr(at, end - at), nullptr, false);
        FUZZ_CHECK(j.is_object() && j.size() == 5);
        const std::uint64_t line = j["line"];
        FUZZ_CHECK(line > previous);
        previous = line;
        ++count;
        at = end + 1;
    }
    FUZZ_CHECK(count == a.totals.invalid());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t chunk_size = 1 + data[0];
    // Small limits drive the oversized-row skipping; 0 means the default 64 MiB.
    const std::size_t max_row = data[1] == 0 ? std::size_t{64} << 20 : std::size_t{data[1]} * 2;
    const std::string_view csv(reinterpret_cast<const char*>(data + 2), size - 2);

    // A memfd: the chunker reads through a real descriptor, as from a file, without disk I/O.
    const int fd = memfd_create("fuzz.csv", 0);
    FUZZ_CHECK(fd >= 0);
    for (std::size_t done = 0; done < csv.size();) {
        const ssize_t n = write(fd, csv.data() + done, csv.size() - done);
        FUZZ_CHECK(n > 0);
        done += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    rules r;
    r.required_fields = {"product", "price", "quantity"};
    // Every delimiter goes through the same seams (an input starting with a gzip or zstd magic
    // number goes through the decoder too).
    const unsigned shape = data[0] ^ data[1];
    r.delimiter = ",;|\t"[shape & 3U];
    // Number formats and lines above the header go through the same seams.
    if ((shape & 4U) != 0) r.numbers = number_format{',', (shape & 8U) != 0 ? '.' : ' '};
    const std::uint64_t skip = (shape >> 4) & 1U;
    const outcome whole = run(path, std::size_t{1} << 20, max_row, r, skip);
    const outcome cut = run(path, chunk_size, max_row, r, skip);
    const outcome tokenized = run(path, chunk_size, max_row, r, skip, true);
    close(fd);
    check_same(whole, cut);
    check_same(whole, tokenized);
    return 0;
}
