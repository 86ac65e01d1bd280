#include "http/piece_queue.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>

namespace salesproc::http_detail {

// One piece and, once `done`, what reading it gave.
struct piece_queue::slot {
    body_piece piece;
    std::optional<result<api_records>> out;
    std::atomic<bool> done{false};
};

// Wakes drain() when a pool task ends; the tasks hold it weakly.
struct piece_queue::waker {
    explicit waker(const asio::any_io_executor& ex) : timer(ex, steady::time_point::max()) {}
    asio::steady_timer timer;
};

namespace {

// A piece's buffer goes back as soon as it is read.
void give_back(const piece_job& job, body_piece& piece) {
    if (job.buffers)
        job.buffers->give(std::move(piece.bytes));
    else
        piece.bytes = std::string();
}

}  // namespace

piece_queue::piece_queue(const asio::any_io_executor& io, const asio::any_io_executor* pool,
                         std::shared_ptr<std::atomic<std::size_t>> on_pool, std::size_t limit,
                         std::shared_ptr<const piece_job> job)
    : pool_(pool),
      job_(std::move(job)),
      on_pool_(std::move(on_pool)),
      limit_(std::max<std::size_t>(limit, 1)),
      io_(io) {
    total_.rejects.reset(job_->options.rejects);
}

piece_queue::~piece_queue() = default;

result<void> piece_queue::launch(body_piece p) {
    // Pieces read here wait behind one still on the pool; past a few, this thread waits for it
    // (briefly: it started first), so what waits stays bounded.
    while (!failed_ && slots_.size() >= 2 * limit_) {
        slots_.front()->done.wait(false, std::memory_order_acquire);
        (void)add_front();
    }
    if (failed_) return *failed_;
    auto s = std::make_shared<slot>();
    s->piece = std::move(p);
    slots_.push_back(s);
    const piece_job& job = *job_;
    // A body of one piece is read here, as it always was: a hop to the pool and back would only
    // slow the many small bodies.
    const bool alone = s->piece.last && s->piece.origin.byte == 0;
    const bool pooled =
        pool_ != nullptr && !alone && on_pool_->fetch_add(1, std::memory_order_relaxed) < limit_;
    if (pool_ != nullptr && !alone && !pooled) on_pool_->fetch_sub(1, std::memory_order_relaxed);
    if (!pooled) {
        s->out = read_piece(s->piece, job.format, *job.rule_set, job.options, job.context);
        give_back(job, s->piece);
        s->done.store(true, std::memory_order_release);
    } else {
        if (!waker_) waker_ = std::make_shared<waker>(io_);
        asio::post(*pool_, [s, job = job_, count = on_pool_, w = std::weak_ptr<waker>(waker_),
                            io = io_] {
            s->out = read_piece(s->piece, job->format, *job->rule_set, job->options, job->context);
            give_back(*job, s->piece);
            count->fetch_sub(1, std::memory_order_relaxed);
            s->done.store(true, std::memory_order_release);
            s->done.notify_all();
            asio::post(io, [w] {
                if (auto alive = w.lock()) alive->timer.cancel();
            });
        });
    }
    return add_done();
}

// The front piece is done: its records join the total, or its error stops the body.
result<void> piece_queue::add_front() {
    const std::shared_ptr<slot> s = std::move(slots_.front());
    slots_.pop_front();
    result<api_records>& out = *s->out;
    if (!out) {
        failed_ = out.error();
        return *failed_;
    }
    // The first piece is the total so far (a small body's only one: no merge to pay for).
    result<void> added =
        std::exchange(first_, false)
            ? (total_ = std::move(*out), total_.rejects.spill_over(job_->options.spill_bytes))
            : add_piece(total_, std::move(*out), job_->options, job_->context);
    if (!added) {
        failed_ = added.error();
        return *failed_;
    }
    return {};
}

result<void> piece_queue::add_done() {
    while (!slots_.empty() && slots_.front()->done.load(std::memory_order_acquire)) {
        if (auto added = add_front(); !added) return added;
    }
    return {};
}

result<void> piece_queue::wait_blocking() {
    while (!failed_ && !slots_.empty()) {
        slots_.front()->done.wait(false, std::memory_order_acquire);
        if (auto added = add_front(); !added) return added;
    }
    if (failed_) return *failed_;
    return {};
}

asio::awaitable<result<void>> piece_queue::drain() {
    for (;;) {
        if (auto added = add_done(); !added) co_return added;
        if (slots_.empty()) co_return result<void>{};
        // The pool's tasks post their wake-up to this thread, so none can slip in between the
        // check above and the wait.
        waker_->timer.expires_at(steady::time_point::max());
        co_await waker_->timer.async_wait(nothrow);
        auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none)
            co_return make_error(errc::interrupted, job_->context, "cancelled");
    }
}

body_reading::body_reading(const asio::any_io_executor& io, pool_use pool, api_format format,
                           const rules& r, const body_options& options, std::string context)
    : io_(io),
      pool_(std::move(pool)),
      format_(format),
      rules_(r),
      options_(options),
      context_(std::move(context)),
      cutter_(format, options, piece_size, pool_.buffers) {}

void body_reading::launch(body_piece p) {
    if (failed_) return;
    if (!pieces_) {
        auto job = std::make_shared<piece_job>(
            piece_job{format_, &rules_, options_, context_, pool_.buffers});
        pieces_.emplace(io_, pool_.ex, pool_.on_pool, pool_.limit, std::move(job));
    }
    if (auto ok = pieces_->launch(std::move(p)); !ok) failed_ = ok.error();
}

// The body cannot be cut from here: the pieces so far are added, and one reader goes on.
result<void> body_reading::stream_on() {
    body_piece rest = cutter_.take_rest();
    stream_.emplace(format_, rules_, options_, context_, rest.origin);
    if (pieces_) {
        if (auto ok = pieces_->wait_blocking(); !ok) return ok.error();
        stream_->go_on_from(std::move(pieces_->total()));
    }
    return stream_->feed(rest.bytes);
}

result<void> body_reading::feed(std::string_view bytes) {
    if (stream_) return stream_->feed(bytes);
    cutter_.feed(bytes, [this](body_piece p) { launch(std::move(p)); });
    if (failed_) return *failed_;
    return cutter_.streaming() ? stream_on() : result<void>{};
}

asio::awaitable<result<api_records>> body_reading::finish() {
    if (stream_) {
        if (auto ok = stream_->finish(); !ok) co_return ok.error();
        co_return std::move(stream_->records());
    }
    launch(cutter_.finish());
    if (failed_) co_return *failed_;
    if (auto ok = co_await pieces_->drain(); !ok) co_return ok.error();
    co_return std::move(pieces_->total());
}

}  // namespace salesproc::http_detail
