// The CSV half: a chunker coroutine on a strand cuts the input into chunks, a thread pool
// validates them concurrently, and a reducer merges the per-chunk totals in chunk order, so the
// result is identical for any thread count or chunk size. At most `in_flight` chunks exist at
// once (backpressure), so memory does not grow with the input.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/csv_input.hpp"
#include "salesproc/input/detail/decoder.hpp"
#include "salesproc/input/remote_stream.hpp"
#include "salesproc/input/shard.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/rules/header.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/totals/aggregate.hpp"
#include "salesproc/totals/catalog.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace salesproc {

struct csv_job {
    std::string path;     // "-" reads stdin; for a remote input, the URL as shown (no secrets)
    std::string locator;  // a remote input's URL as given (a presigned one's signature too)
    rules rule_set;
    std::size_t chunk_size = std::size_t{512} << 10;
    std::size_t max_row_size = std::size_t{64} << 20;
    unsigned in_flight = 4;           // chunks being validated or waiting to be reduced
    reject_options rejects;           // what each chunk keeps of its rejects for the reject_log
    std::optional<shard_spec> shard;  // --shard: only that part of the (one) input
    std::string encoding;             // --encoding: the inputs' charset; empty: UTF-8 (or a BOM's)
    std::uint64_t skip_lines = 0;     // --skip-lines: physical lines above the header
    bool delimiter_given = false;     // --delimiter was given: a sep= line does not override it
    remote_access remote;             // s3:// and http(s):// inputs; empty: local files only
};

struct csv_outcome {
    sales_aggregate totals;      // counts and the grand total; the products are in the catalog
    std::uint64_t next_key = 0;  // the first-seen key after this input's (see process_csv)
    std::uint64_t bytes = 0;     // as stored
    std::uint64_t chunks = 0;
    detail::compression compression = detail::compression::none;
    std::uint64_t decompressed_bytes = 0;  // equals bytes for an uncompressed input
    std::optional<shard_outcome> shard;
    std::optional<input_identity> identity;  // of a regular file, as it was read
    std::optional<remote_state> remote;      // of a remote object: its ETag, size, resumes
    std::uint64_t invalid_utf8 = 0;          // bytes that are not UTF-8
    std::uint64_t first_invalid_utf8_line = 0;
};

// Every CSV input, in the order given, through the same pipeline.
struct csv_run {
    sales_aggregate totals;  // as if one file held all the rows, in that order (no products)
    std::unique_ptr<product_catalog> products = std::make_unique<product_catalog>();
    std::uint64_t next_key = 0;  // where the API sources' first-seen keys start
    std::vector<csv_input_summary> inputs;
    // Each input's rejected rows by reason, in the order of `inputs`.
    std::vector<std::array<std::uint64_t, reject_reason_count>> rejected;
};

// Notifications from the strand; each may be empty.
struct csv_events {
    // The input is open and its header understood (its columns, and those matched loosely).
    // `size` is known for regular files only.
    std::function<void(const std::string& name, std::optional<std::uint64_t> size,
                       const header_layout& layout)>
        opened;
    // After each reduced chunk: bytes read and rows counted so far.
    std::function<void(std::uint64_t bytes, std::uint64_t rows)> progress;
};

// Runs on the calling coroutine's executor, which must be a strand (or single-threaded), and
// posts validation to `workers`. Stops early with errc::interrupted once `stop` is set.
// With `rejects`, each chunk's rejects go there in input order, as job.path's, on this executor.
// Each chunk's products go to `products` from the workers, once the chunk is reduced in order,
// with first-seen keys from `first_key` on (a chunk's are its offset among the input's records
// bytes); `total_before` is the grand total of earlier inputs, against which overflow is
// checked. Errors name the input: unreadable, missing column, empty, exact-total overflow
// (naming the product whose total overflowed); and a failed write of the rejects.
boost::asio::awaitable<result<csv_outcome>> process_csv(
    const csv_job& job, boost::asio::any_io_executor workers, const std::atomic<bool>& stop,
    product_catalog& products, std::uint64_t first_key = 0, int128 total_before = 0,
    csv_events events = {}, reject_log* rejects = nullptr);

// process_csv over each of `paths` in turn (job.path is ignored), merging totals in that order;
// each input's rejects carry its own path and lines. The first failure ends the run with that
// input's error.
boost::asio::awaitable<result<csv_run>> process_csv_files(
    const csv_job& job, const std::vector<std::string>& paths, boost::asio::any_io_executor workers,
    const std::atomic<bool>& stop, csv_events events = {}, reject_log* rejects = nullptr);

// Blocking convenience for tests and tools: own pool of `threads`, then process_csv_files over
// job.path alone; the catalog is finished.
result<csv_run> process_csv_blocking(const csv_job& job, unsigned threads,
                                     reject_log* rejects = nullptr);
result<csv_run> process_csv_files_blocking(const csv_job& job,
                                           const std::vector<std::string>& paths, unsigned threads,
                                           reject_log* rejects = nullptr);

// The message of an exact-total overflow in `context` (a path or URL) when `slice` was added
// after the catalog's products: it names the first product of the slice whose total passes the
// 128-bit range then, or the grand total.
error overflow_error(const std::string& context, const sales_aggregate& slice,
                     const product_catalog& products);

}  // namespace salesproc
