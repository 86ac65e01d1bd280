// The pieces of one API body (api/body_pieces.hpp) being read: on the validating pool while
// fewer than `limit` pieces of all the run's bodies are there, else at once on this thread, so
// the I/O thread never waits for the pool in mid-body, and the pieces held for it stay bounded
// however many bodies arrive at once. Their records are added
// in body order as they complete. Internal to salesproc_core; everything but the pool's
// read_piece runs on the shard's I/O thread.
#pragma once

#include "http/common.hpp"
#include "salesproc/api/body_pieces.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace salesproc::http_detail {

// What a large body is cut into for the pool: big enough that a piece's setup (a parser, a merge
// of its totals) is noise, small enough that a few per thread stay within memory targets.
inline constexpr std::size_t piece_size = 512 << 10;

// What every piece of a body is read with; shared with the pool's tasks, which may outlive the
// queue (an abandoned attempt).
struct piece_job {
    api_format format = api_format::json;
    const rules* rule_set = nullptr;  // lives as long as the run
    body_options options;
    std::string context;
    std::shared_ptr<piece_buffers> buffers;  // where a piece's buffer goes once read; may be null
};

class piece_queue {
  public:
    // `pool`: where pieces are read; none reads each on this thread. `on_pool` counts the pieces
    // of every body there.
    piece_queue(const asio::any_io_executor& io, const asio::any_io_executor* pool,
                std::shared_ptr<std::atomic<std::size_t>> on_pool, std::size_t limit,
                std::shared_ptr<const piece_job> job);
    ~piece_queue();
    piece_queue(const piece_queue&) = delete;
    piece_queue& operator=(const piece_queue&) = delete;

    // Reads `p`, then adds the pieces done at the front. The first error in body order stops
    // everything: it is returned from here on.
    result<void> launch(body_piece p);
    // Every piece read and added, blocking this thread (briefly: at most `limit` pieces, already
    // running); for the rare body that goes on as a stream.
    result<void> wait_blocking();
    // Every piece read and added; errc::interrupted when the coroutine is cancelled.
    asio::awaitable<result<void>> drain();

    // The records of the pieces added so far.
    [[nodiscard]] api_records& total() noexcept { return total_; }

  private:
    struct slot;
    struct waker;
    result<void> add_done();
    result<void> add_front();

    const asio::any_io_executor* pool_;
    std::shared_ptr<const piece_job> job_;
    std::shared_ptr<std::atomic<std::size_t>> on_pool_;
    std::size_t limit_;
    std::deque<std::shared_ptr<slot>> slots_;
    asio::any_io_executor io_;
    std::shared_ptr<waker> waker_;  // made with the first piece on the pool
    api_records total_;
    bool first_ = true;  // no piece added yet
    std::optional<error> failed_;
};

// One body's records as its decoded bytes arrive: cut into pieces read as above, or read as one
// stream on this thread from where the body cannot be cut (body_cutter).
class body_reading {
  public:
    // Where pieces go: the pool (none: this thread), the count of every body's pieces there, and
    // its bound.
    struct pool_use {
        const asio::any_io_executor* ex = nullptr;
        std::shared_ptr<std::atomic<std::size_t>> on_pool;
        std::size_t limit = 1;
        std::shared_ptr<piece_buffers> buffers;  // may be null
    };

    body_reading(const asio::any_io_executor& io, pool_use pool, api_format format, const rules& r,
                 const body_options& options, std::string context);

    // Errors: the body's first, in body order (body_records::feed's).
    result<void> feed(std::string_view bytes);
    // The body ended: every piece read and added; errc::interrupted when cancelled.
    asio::awaitable<result<api_records>> finish();

  private:
    void launch(body_piece p);
    result<void> stream_on();

    asio::any_io_executor io_;
    pool_use pool_;
    api_format format_;
    const rules& rules_;
    body_options options_;
    std::string context_;
    body_cutter cutter_;
    std::optional<piece_queue> pieces_;  // made with the first piece: most bodies have one
    std::optional<body_records> stream_;
    std::optional<error> failed_;
};

}  // namespace salesproc::http_detail
