#include "salesproc/run/pipeline.hpp"

#include "run/open_input.hpp"
#include "salesproc/api/url.hpp"
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

namespace {

// The chunks of one input in flight: cut on the strand, validated on the workers, reduced
// strictly in input order (what makes the report independent of scheduling), their products
// then merged into the catalog on a worker. At most job.in_flight chunks exist at once.
class chunk_flow {
  public:
    struct context {
        const csv_job& job;
        asio::any_io_executor workers;
        const std::atomic<bool>& stop;
        product_catalog& products;
        int128 total_before;
        const csv_events& events;
        reject_log* rejects;
    };

    chunk_flow(const context& c, opened_input& in, const asio::any_io_executor& strand,
               std::uint64_t first_key)
        : c_(c),
          in_(in),
          done_(strand, std::max(1U, c.job.in_flight)),
          slots_(std::max(1U, c.job.in_flight)),
          next_key_(first_key) {
        for (std::size_t i = slots_.size(); i-- > 0;)
            free_slots_.push_back(i);
    }

    // Cuts and dispatches every chunk, then waits for all of them: every posted job references
    // this object.
    asio::awaitable<void> run() {
        while (!failure_ && !bug_) {
            if (c_.stop.load(std::memory_order_relaxed)) {
                failure_ = make_error(errc::interrupted, in_.source->name(), "interrupted");
                break;
            }
            if (free_slots_.empty()) {
                co_await wait_one();
                continue;
            }
            const std::size_t index = free_slots_.back();
            auto more = in_.cutter->next(slots_[index].buffer);
            if (!more) {
                failure_ = more.error();
                break;
            }
            if (!*more) break;
            free_slots_.pop_back();
            dispatch(index);
        }
        while (free_slots_.size() != slots_.size())
            co_await wait_one();
    }

    // What the input amounted to, or the error that stopped it.
    result<csv_outcome> finish() {
        if (bug_) std::rethrow_exception(bug_);
        if (overflowed_)
            return prefer_stream_error(
                *in_.source, overflow_error(c_.job.path, slots_[*overflowed_].totals, c_.products));
        if (failure_) return prefer_stream_error(*in_.source, *failure_);
        out_.totals.add_oversized_rows(in_.cutter->oversized_rows());
        out_.next_key = next_key_;
        out_.bytes = in_.source->stored_bytes();
        out_.decompressed_bytes = in_.cutter->bytes_read();
        out_.compression = in_.source->compression();
        out_.chunks = next_sequence_;
        out_.identity = in_.source->identity();
        out_.remote = in_.source->remote();
        if (c_.job.shard)
            out_.shard =
                shard_outcome{*c_.job.shard, in_.source->shard_end_quoted().value_or(false),
                              next_line_ - 1 + in_.cutter->pending_lines()};
        return std::move(out_);
    }

  private:
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
    using done_channel =
        asio::experimental::concurrent_channel<void(boost::system::error_code, std::size_t)>;

    void dispatch(std::size_t index) {
        slot& s = slots_[index];
        s.sequence = next_sequence_++;
        // A chunk has fewer products than records bytes, so keys from its offset never meet the
        // next chunk's.
        s.first_key = next_key_;
        next_key_ += s.buffer.records().size();
        asio::post(c_.workers, [this, &s, index] {
            try {
                s.overflow = false;
                s.failure = nullptr;
                if (!c_.stop.load(std::memory_order_relaxed)) {
                    s.overflow = !validate_chunk(s.buffer, in_.layout, in_.rule_set, c_.job.rejects,
                                                 s.totals, s.rejects);
                } else {
                    s.totals.clear();
                    s.rejects.reset(c_.job.rejects);
                }
            } catch (...) {
                s.failure = std::current_exception();
            }
            // Capacity equals the slot count and a slot has one message out at a time, so this
            // never fails.
            done_.try_send(boost::system::error_code{}, index);
        });
    }

    asio::awaitable<void> wait_one() {
        auto [ec, index] = co_await done_.async_receive(asio::as_tuple(asio::use_awaitable));
        if (ec) throw boost::system::system_error(ec, "chunk completion channel");
        slot& s = slots_[index];
        if (s.merging) {
            s.merging = false;
            if (s.failure && !bug_) bug_ = s.failure;
            free_slots_.push_back(index);
            co_return;
        }
        finished_.emplace(s.sequence, index);
        reduce_ready();
    }

    // Merges finished chunks strictly in input order. The products follow on a worker: the
    // catalog then holds exactly the chunks reduced so far, which is what an overflow is named
    // from.
    void reduce_ready() {
        for (auto it = finished_.begin(); it != finished_.end() && it->first == next_to_reduce_;
             it = finished_.erase(it), ++next_to_reduce_) {
            const std::size_t index = it->second;
            if (reduce(index)) {
                merge_products(index);
            } else {
                free_slots_.push_back(index);
            }
        }
        if (c_.events.progress) c_.events.progress(in_.source->stored_bytes(), out_.totals.rows());
    }

    // Adds slot `index` to the input's counts and takes its rejects; true when its products are
    // to be merged into the catalog.
    bool reduce(std::size_t index) {
        slot& s = slots_[index];
        if (s.failure && !bug_) bug_ = s.failure;
        if (failure_ || bug_) return false;
        bool merge = false;
        int128 total = 0;
        if (s.overflow) {
            failure_ = overflow_message(c_.job.path, s.totals.overflowed_product());
        } else if (!checked_add(c_.total_before, out_.totals.total(), total) ||
                   !checked_add(total, s.totals.total(), total) ||
                   !out_.totals.merge_counts(s.totals)) {
            overflowed_ = index;  // named once the merges before it are done
            failure_ = overflow_message(c_.job.path, "");
        } else {
            merge = !s.totals.products().empty();
        }
        if (s.totals.invalid_utf8() != 0) {
            if (out_.invalid_utf8 == 0)
                out_.first_invalid_utf8_line = next_line_ + s.totals.first_invalid_utf8_line();
            out_.invalid_utf8 += s.totals.invalid_utf8();
        }
        if (c_.rejects != nullptr && !failure_)
            if (auto taken = c_.rejects->take(s.rejects, c_.job.path, next_line_); !taken)
                failure_ = taken.error();
        next_line_ += s.rejects.lines();
        return merge && !failure_;
    }

    void merge_products(std::size_t index) {
        slot& s = slots_[index];
        s.merging = true;
        asio::post(c_.workers, [this, &s, index] {
            try {
                c_.products.add(s.totals, s.first_key);
            } catch (...) {
                s.failure = std::current_exception();
            }
            done_.try_send(boost::system::error_code{}, index);
        });
    }

    const context& c_;
    opened_input& in_;
    done_channel done_;
    std::vector<slot> slots_;
    std::vector<std::size_t> free_slots_;
    std::map<std::uint64_t, std::size_t> finished_;  // out-of-order results wait here
    std::uint64_t next_sequence_ = 0;
    std::uint64_t next_to_reduce_ = 0;
    std::uint64_t next_line_ = 1;  // the first line of the next chunk to reduce
    std::uint64_t next_key_;
    csv_outcome out_;
    std::optional<error> failure_;
    std::optional<std::size_t> overflowed_;  // the slot whose totals passed the 128-bit range
    std::exception_ptr bug_;
};

}  // namespace

asio::awaitable<result<csv_outcome>> process_csv(const csv_job& job, asio::any_io_executor workers,
                                                 const std::atomic<bool>& stop,
                                                 product_catalog& products, std::uint64_t first_key,
                                                 int128 total_before, csv_events events,
                                                 reject_log* rejects) {
    opened_input in;
    if (auto opened = open_input(job, in); !opened) co_return opened.error();
    if (events.opened) events.opened(in.source->name(), in.source->size(), in.layout);
    const chunk_flow::context c{job, workers, stop, products, total_before, events, rejects};
    chunk_flow flow(c, in, co_await asio::this_coro::executor, first_key);
    co_await flow.run();
    co_return flow.finish();
}

asio::awaitable<result<csv_run>> process_csv_files(const csv_job& job,
                                                   const std::vector<std::string>& paths,
                                                   asio::any_io_executor workers,
                                                   const std::atomic<bool>& stop, csv_events events,
                                                   reject_log* rejects) {
    csv_run run;
    auto inputs = expand_inputs(job, paths);
    if (!inputs) co_return inputs.error();
    // A shard reads ranges of its one object (open_input.cpp), never the whole of it.
    remote_prefetch ahead(job.shard ? remote_access{} : job.remote, *inputs);
    csv_job one = job;
    one.remote.open = [&ahead](const std::string& url) { return ahead.take(url); };
    for (const auto& path : *inputs) {
        const bool remote = is_remote_input(path);
        one.path = remote ? display_url(path) : path;
        one.locator = remote ? path : std::string();
        ahead.advance();
        auto r = co_await process_csv(one, workers, stop, *run.products, run.next_key,
                                      run.totals.total(), events, rejects);
        if (!r) co_return r.error();
        const sales_aggregate& t = r->totals;
        run.inputs.push_back(csv_input_summary{one.path, t.rows(), t.valid(), t.invalid(), r->bytes,
                                               r->chunks, r->compression, r->decompressed_bytes,
                                               r->shard, r->identity, r->invalid_utf8,
                                               r->first_invalid_utf8_line, r->remote});
        auto& by_reason = run.rejected.emplace_back();
        for (const auto why : all_reject_reasons)
            by_reason[static_cast<std::size_t>(why)] = t.rejected(why);
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
