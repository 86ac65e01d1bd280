#include "salesproc/run/pipeline.hpp"

#include "salesproc/input/chunker.hpp"
#include "salesproc/totals/validator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <exception>
#include <map>
#include <optional>
#include <vector>

namespace salesproc {
namespace asio = boost::asio;

namespace {

// One in-flight chunk: its bytes, and the totals a worker computed for it. Once reduced in
// order, a worker adds its products to the catalog; only then is the slot free again.
struct slot {
    chunk_buffer buffer;
    sales_aggregate totals;
    reject_batch rejects;
    std::uint64_t sequence = 0;
    std::uint64_t first_key = 0;
    bool merging = false;  // its completion message is the catalog merge, not the validation
    bool overflow = false;
    std::exception_ptr failure;
};

error overflow_message(const std::string& context, const std::string& product) {
    return make_error(
        errc::money_overflow, context,
        (product.empty() ? std::string("total_sales") : "the total of product '" + product + "'") +
            " exceeds the exact 128-bit fixed-point range");
}

constexpr uint128 int128_max = (uint128{1} << 127) - 1;

}  // namespace

error overflow_error(const std::string& context, const sales_aggregate& slice,
                     const product_catalog& products) {
    for (const auto& p : slice.products())
        if (products.total_of(p.product) + static_cast<uint128>(p.amount) > int128_max)
            return overflow_message(context, std::string(p.product));
    return overflow_message(context, "");
}

asio::awaitable<result<csv_outcome>> process_csv(const csv_job& job, asio::any_io_executor workers,
                                                 const std::atomic<bool>& stop,
                                                 product_catalog& products, std::uint64_t first_key,
                                                 int128 total_before, csv_events events,
                                                 reject_log* rejects) {
    // A shard reads the header from the file's start, then only its own rows (see shard.hpp).
    std::optional<result<std::string>> shard_header;
    std::uint64_t header_end = 0;
    if (job.shard) {
        auto head = byte_source::open(job.path);
        if (!head) co_return head.error();
        chunker header_cutter(*head, chunker_options{std::size_t{64} << 10, job.max_row_size});
        shard_header = header_cutter.read_header();
        if (!*shard_header) co_return shard_header->error();
        header_end = header_cutter.consumed();
    }
    auto source = job.shard ? byte_source::open_shard(job.path, *job.shard, header_end)
                            : byte_source::open(job.path);
    if (!source) co_return source.error();
    chunker cutter(*source, chunker_options{job.chunk_size, job.max_row_size});
    auto header =
        job.shard && job.shard->index != 0 ? std::move(*shard_header) : cutter.read_header();
    if (!header) co_return prefer_stream_error(*source, header.error());
    auto layout = parse_header(*header, job.rule_set, source->name());
    if (!layout) co_return prefer_stream_error(*source, layout.error());
    layout->max_row_size = job.max_row_size;
    if (events.opened) events.opened(source->name(), source->size(), layout->columns);

    const std::size_t slot_count = std::max(1U, job.in_flight);
    using done_channel =
        asio::experimental::concurrent_channel<void(boost::system::error_code, std::size_t)>;
    done_channel done(co_await asio::this_coro::executor, slot_count);
    std::vector<slot> slots(slot_count);
    std::vector<std::size_t> free_slots;
    for (std::size_t i = slot_count; i-- > 0;)
        free_slots.push_back(i);
    std::map<std::uint64_t, std::size_t> finished;  // out-of-order results wait here
    std::uint64_t next_sequence = 0;
    std::uint64_t next_to_reduce = 0;
    std::uint64_t next_line = 1;  // the first line of the next chunk to reduce
    std::uint64_t next_key = first_key;

    csv_outcome out;
    std::optional<error> failure;
    std::optional<std::size_t> overflowed;  // the slot whose totals passed the 128-bit range
    std::exception_ptr bug;

    // Merge finished chunks strictly in input order; this is what makes the report independent
    // of scheduling. The products follow on a worker: the catalog then holds exactly the chunks
    // reduced so far, which is what an overflow is named from.
    auto reduce_ready = [&] {
        for (auto it = finished.begin(); it != finished.end() && it->first == next_to_reduce;
             it = finished.erase(it), ++next_to_reduce) {
            const std::size_t index = it->second;
            slot& s = slots[index];
            if (s.failure && !bug) bug = s.failure;
            bool merge = false;
            if (!failure && !bug) {
                int128 total = 0;
                if (s.overflow) {
                    failure = overflow_message(job.path, s.totals.overflowed_product());
                } else if (!checked_add(total_before, out.totals.total(), total) ||
                           !checked_add(total, s.totals.total(), total) ||
                           !out.totals.merge_counts(s.totals)) {
                    overflowed = index;  // named once the merges before it are done
                    failure = overflow_message(job.path, "");
                } else {
                    merge = !s.totals.products().empty();
                }
                if (rejects != nullptr && !failure) {
                    if (auto taken = rejects->take(s.rejects, job.path, next_line); !taken)
                        failure = taken.error();
                }
                next_line += s.rejects.lines();
            }
            if (!merge) {
                free_slots.push_back(index);
                continue;
            }
            s.merging = true;
            asio::post(workers, [&s, &done, &products, index] {
                try {
                    products.add(s.totals, s.first_key);
                } catch (...) {
                    s.failure = std::current_exception();
                }
                done.try_send(boost::system::error_code{}, index);
            });
        }
        if (events.progress) events.progress(source->stored_bytes(), out.totals.rows());
    };
    auto wait_one = [&]() -> asio::awaitable<void> {
        auto [ec, index] = co_await done.async_receive(asio::as_tuple(asio::use_awaitable));
        if (ec) throw boost::system::system_error(ec, "chunk completion channel");
        slot& s = slots[index];
        if (s.merging) {
            s.merging = false;
            if (s.failure && !bug) bug = s.failure;
            free_slots.push_back(index);
            co_return;
        }
        finished.emplace(s.sequence, index);
        reduce_ready();
    };

    while (!failure && !bug) {
        if (stop.load(std::memory_order_relaxed)) {
            failure = make_error(errc::interrupted, source->name(), "interrupted");
            break;
        }
        if (free_slots.empty()) {
            co_await wait_one();
            continue;
        }
        const std::size_t index = free_slots.back();
        slot& s = slots[index];
        auto more = cutter.next(s.buffer);
        if (!more) {
            failure = more.error();
            break;
        }
        if (!*more) break;
        free_slots.pop_back();
        s.sequence = next_sequence++;
        // A chunk has fewer products than records bytes, so keys from its offset never meet
        // the next chunk's.
        s.first_key = next_key;
        next_key += s.buffer.records().size();
        asio::post(workers, [&s, &done, &layout, &job, &stop, index] {
            try {
                s.overflow = false;
                s.failure = nullptr;
                if (!stop.load(std::memory_order_relaxed)) {
                    s.overflow = !validate_chunk(s.buffer, *layout, job.rule_set, job.rejects,
                                                 s.totals, s.rejects);
                } else {
                    s.totals.clear();
                    s.rejects.reset(job.rejects);
                }
            } catch (...) {
                s.failure = std::current_exception();
            }
            // Capacity equals the slot count and a slot has one message out at a time, so this
            // never fails.
            done.try_send(boost::system::error_code{}, index);
        });
    }
    // Every posted job references this frame: wait for all of them before leaving.
    while (free_slots.size() != slot_count)
        co_await wait_one();
    if (bug) std::rethrow_exception(bug);
    if (overflowed)
        co_return prefer_stream_error(
            *source, overflow_error(job.path, slots[*overflowed].totals, products));
    if (failure) co_return prefer_stream_error(*source, *failure);

    out.totals.add_oversized_rows(cutter.oversized_rows());
    out.next_key = next_key;
    out.bytes = source->stored_bytes();
    out.decompressed_bytes = cutter.bytes_read();
    out.compression = source->compression();
    out.chunks = next_sequence;
    out.identity = source->identity();
    if (job.shard)
        out.shard = shard_outcome{*job.shard, source->shard_end_quoted().value_or(false),
                                  next_line - 1 + cutter.pending_lines()};
    co_return out;
}

asio::awaitable<result<csv_run>> process_csv_files(const csv_job& job,
                                                   const std::vector<std::string>& paths,
                                                   asio::any_io_executor workers,
                                                   const std::atomic<bool>& stop, csv_events events,
                                                   reject_log* rejects) {
    csv_run run;
    csv_job one = job;
    for (const auto& path : paths) {
        one.path = path;
        auto r = co_await process_csv(one, workers, stop, *run.products, run.next_key,
                                      run.totals.total(), events, rejects);
        if (!r) co_return r.error();
        const sales_aggregate& t = r->totals;
        run.inputs.push_back(csv_input_summary{path, t.rows(), t.valid(), t.invalid(), r->bytes,
                                               r->chunks, r->compression, r->decompressed_bytes,
                                               r->shard, r->identity});
        run.next_key = r->next_key;
        // process_csv checked the grand total against the earlier inputs' already.
        static_cast<void>(run.totals.merge_counts(t));
    }
    co_return run;
}

result<csv_run> process_csv_blocking(const csv_job& job, unsigned threads, reject_log* rejects) {
    return process_csv_files_blocking(job, {job.path}, threads, rejects);
}

result<csv_run> process_csv_files_blocking(const csv_job& job,
                                           const std::vector<std::string>& paths, unsigned threads,
                                           reject_log* rejects) {
    asio::thread_pool pool(std::max(1U, threads));
    std::atomic<bool> stop{false};
    auto fut = asio::co_spawn(asio::make_strand(pool),
                              process_csv_files(job, paths, pool.get_executor(), stop, {}, rejects),
                              asio::use_future);
    auto r = fut.get();
    pool.join();
    if (r) r->products->finish();
    return r;
}

}  // namespace salesproc
