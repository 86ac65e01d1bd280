#include "salesproc/pipeline.hpp"

#include "salesproc/chunker.hpp"
#include "salesproc/validator.hpp"

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

// One in-flight chunk: its bytes, and the totals a worker computed for it.
struct slot {
    chunk_buffer buffer;
    sales_aggregate totals;
    reject_batch rejects;
    std::uint64_t sequence = 0;
    bool overflow = false;
    std::exception_ptr failure;
};

error overflow_error(const std::string& path, const std::string& product) {
    return make_error(
        errc::money_overflow, path,
        (product.empty() ? std::string("total_sales") : "the total of product '" + product + "'") +
            " exceeds the exact 128-bit fixed-point range");
}

}  // namespace

asio::awaitable<result<csv_outcome>> process_csv(const csv_job& job, asio::any_io_executor workers,
                                                 const std::atomic<bool>& stop, csv_events events,
                                                 reject_log* rejects) {
    auto source = byte_source::open(job.path);
    if (!source) co_return source.error();
    chunker cutter(*source, chunker_options{job.chunk_size, job.max_row_size});
    auto header = cutter.read_header();
    if (!header) co_return header.error();
    auto layout = parse_header(*header, job.rule_set, source->name());
    if (!layout) co_return layout.error();
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

    csv_outcome out;
    std::optional<error> failure;
    std::exception_ptr bug;

    // Merge finished chunks strictly in input order; this is what makes the report independent
    // of scheduling.
    auto reduce_ready = [&] {
        for (auto it = finished.begin(); it != finished.end() && it->first == next_to_reduce;
             it = finished.erase(it), ++next_to_reduce) {
            slot& s = slots[it->second];
            if (s.failure && !bug) bug = s.failure;
            if (!failure && !bug) {
                if (s.overflow)
                    failure = overflow_error(job.path, s.totals.overflowed_product());
                else if (!out.totals.merge(s.totals))
                    failure = overflow_error(job.path, out.totals.overflowed_product());
                if (rejects != nullptr && !failure) {
                    if (auto taken = rejects->take(s.rejects, job.path, next_line); !taken)
                        failure = taken.error();
                }
                next_line += s.rejects.lines();
            }
            free_slots.push_back(it->second);
        }
        if (events.progress) events.progress(source->stored_bytes(), out.totals.rows());
    };
    auto wait_one = [&]() -> asio::awaitable<void> {
        auto [ec, index] = co_await done.async_receive(asio::as_tuple(asio::use_awaitable));
        if (ec) throw boost::system::system_error(ec, "chunk completion channel");
        finished.emplace(slots[index].sequence, index);
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
            // Capacity equals the slot count, so this never fails.
            done.try_send(boost::system::error_code{}, index);
        });
    }
    // Every posted job references this frame: wait for all of them before leaving.
    while (free_slots.size() != slot_count)
        co_await wait_one();
    if (bug) std::rethrow_exception(bug);
    if (failure) co_return *failure;

    out.totals.add_oversized_rows(cutter.oversized_rows());
    out.bytes = source->stored_bytes();
    out.decompressed_bytes = cutter.bytes_read();
    out.compression = source->compression();
    out.chunks = next_sequence;
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
        auto r = co_await process_csv(one, workers, stop, events, rejects);
        if (!r) co_return r.error();
        const sales_aggregate& t = r->totals;
        run.inputs.push_back(csv_input_summary{path, t.rows(), t.valid(), t.invalid(), r->bytes,
                                               r->chunks, r->compression, r->decompressed_bytes});
        if (run.inputs.size() == 1) {
            run.totals = std::move(r->totals);
        } else if (!run.totals.merge(t)) {
            co_return overflow_error(path, run.totals.overflowed_product());
        }
    }
    co_return run;
}

result<csv_outcome> process_csv_blocking(const csv_job& job, unsigned threads,
                                         reject_log* rejects) {
    asio::thread_pool pool(std::max(1U, threads));
    std::atomic<bool> stop{false};
    auto fut =
        asio::co_spawn(asio::make_strand(pool),
                       process_csv(job, pool.get_executor(), stop, {}, rejects), asio::use_future);
    auto r = fut.get();
    pool.join();
    return r;
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
    return r;
}

}  // namespace salesproc
