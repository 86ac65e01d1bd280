#include "http/object_reader.hpp"

#include "salesproc/api/detail/object_step.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>

namespace salesproc::http_detail {

remote_context::remote_context(asio::any_io_executor e, fetch_settings s, ssl::context t,
                               proxy_config p)
    : ex(std::move(e)),
      settings(std::move(s)),
      tls(std::move(t)),
      proxies(std::move(p)),
      policy(settings.retry,
             [this] {
                 std::lock_guard lock(uniform_mu);
                 return settings.uniform();
             }),
      open{ex, tls, sessions, settings, stop, connections_opened, tls_resumed},
      exchange{open, pool} {}

asio::awaitable<capped_body> read_capped(remote_context& ctx, exchange& x, std::size_t cap,
                                         std::span<char> buffer) {
    capped_body out;
    out.cut = co_await read_body(ctx.exchange, x, buffer, [&](std::string_view b) {
        out.body.append(b.substr(0, cap - std::min(cap, out.body.size())));
        return out.body.size() < cap;
    });
    co_return out;
}

attempt_failure status_attempt(const response& head, const status_failure& why) {
    attempt_failure f;
    f.code = make_error_code(errc::http_status);
    f.http_status = head.status;
    // S3's RequestTimeout and the like come with a 400: retried as a 503 would be.
    if (why.transient && !is_transient(f)) f.http_status = 503;
    f.retry_after = parse_retry_after(head.retry_after, std::chrono::system_clock::now());
    return f;
}

asio::awaitable<bool> sleep(remote_context& ctx, milliseconds delay) {
    asio::steady_timer timer(ctx.ex, delay);
    auto [ec] = co_await timer.async_wait(nothrow);
    co_return !ec;
}

namespace {

constexpr std::size_t piece_size = std::size_t{64} << 10;

// Between the transfer (on the I/O thread) and the CSV strand that reads it.
class object_queue {
  public:
    explicit object_queue(std::size_t limit) : limit_(limit) {}

    // Producer: true when there is room now; else the producer is marked as waiting, and the
    // consumer calls its wake-up once it made room.
    bool room_or_wait() {
        std::lock_guard lock(mu_);
        if (bytes_ < limit_) return true;
        waiting_ = true;
        return false;
    }
    void push(std::string_view bytes) {
        std::lock_guard lock(mu_);
        pieces_.emplace_back(bytes);
        bytes_ += bytes.size();
        // Waking the reader for every piece costs more than the copy: only once there is what
        // it waits for.
        if (bytes_ >= wanted_) ready_.notify_one();
    }
    void set_state(remote_state s) {
        std::lock_guard lock(mu_);
        state_ = std::move(s);
    }
    void finish(std::optional<error> failure) {
        std::lock_guard lock(mu_);
        ended_ = true;
        failure_ = std::move(failure);
        ready_.notify_one();
    }

    // Consumer: blocks until `n` bytes (or half the limit, so that the producer never waits
    // for room while the reader waits for more), the end or a failure.
    result<std::size_t> read(char* dst, std::size_t n, const std::function<void()>& wake) {
        std::unique_lock lock(mu_);
        wanted_ = std::max<std::size_t>(1, std::min(n, limit_ / 2));
        if (waiting_ && bytes_ < wanted_) {
            waiting_ = false;
            wake();
        }
        ready_.wait(lock, [&] { return bytes_ >= wanted_ || ended_; });
        wanted_ = std::numeric_limits<std::size_t>::max();
        if (pieces_.empty()) {
            if (failure_) return *failure_;
            return std::size_t{0};
        }
        std::size_t got = 0;
        while (got < n && !pieces_.empty()) {
            std::string& front = pieces_.front();
            const std::size_t k = std::min(n - got, front.size() - front_used_);
            std::memcpy(dst + got, front.data() + front_used_, k);
            got += k;
            front_used_ += k;
            if (front_used_ == front.size()) {
                pieces_.pop_front();
                front_used_ = 0;
            }
        }
        bytes_ -= got;
        if (waiting_ && bytes_ < limit_) {
            waiting_ = false;
            wake();
        }
        return got;
    }
    remote_state state() const {
        std::lock_guard lock(mu_);
        return state_;
    }

  private:
    const std::size_t limit_;
    mutable std::mutex mu_;
    std::condition_variable ready_;
    std::deque<std::string> pieces_;
    std::size_t front_used_ = 0;
    std::size_t bytes_ = 0;                                         // waiting to be read
    std::size_t wanted_ = std::numeric_limits<std::size_t>::max();  // what the reader waits for
    bool waiting_ = false;
    bool ended_ = false;
    std::optional<error> failure_;
    remote_state state_;
};

// One object's transfer: shared by the coroutine that fills the queue and the stream that
// drains it, so either may end first.
struct transfer {
    transfer(std::shared_ptr<remote_context> c, remote_target t, std::size_t limit,
             std::optional<remote_range> r)
        : ctx(std::move(c)),
          target(std::move(t)),
          range(std::move(r)),
          queue(limit),
          room(ctx->ex) {}
    std::shared_ptr<remote_context> ctx;
    remote_target target;
    std::optional<remote_range> range;
    object_queue queue;
    asio::steady_timer room;  // waited on while the queue is full
    asio::cancellation_signal cancel_signal;
    std::atomic<bool> cancelled{false};
};

// The handlers posted here hold the transfer weakly: one still queued when the io_context
// stops must not keep sockets alive past it.
void cancel(const std::shared_ptr<transfer>& t) {
    t->cancelled = true;
    asio::post(t->ctx->ex, [w = std::weak_ptr<transfer>(t)] {
        if (auto alive = w.lock()) {
            alive->cancel_signal.emit(asio::cancellation_type::terminal);
            alive->room.cancel();
        }
    });
}

void wake(const std::shared_ptr<transfer>& t) {
    asio::post(t->ctx->ex, [w = std::weak_ptr<transfer>(t)] {
        if (auto alive = w.lock()) alive->room.cancel();
    });
}

class object_stream final : public remote_stream {
  public:
    explicit object_stream(std::shared_ptr<transfer> t) : t_(std::move(t)) {}
    ~object_stream() override { cancel(t_); }
    result<std::size_t> read(char* dst, std::size_t n) override {
        return t_->queue.read(dst, n, [this] { wake(t_); });
    }
    [[nodiscard]] remote_state state() const override { return t_->queue.state(); }

  private:
    std::shared_ptr<transfer> t_;
};

asio::awaitable<attempt_or<exchange>> send(remote_context& ctx, const request_plan& plan,
                                           const header_fields& extra) {
    const route way = ctx.proxies.route_for(plan.url);
    header_fields fields = plan.fields;
    fields.insert(fields.end(), extra.begin(), extra.end());
    detail::get_options o;
    o.user_agent = ctx.settings.user_agent;
    o.accept_encoding = "identity";  // a range of an encoded representation resumes nothing
    o.headers = &fields;
    auto req = to_beast(detail::make_get(plan.url, way, true, o));
    req.set(http::field::accept, "*/*");
    co_return co_await send_request(ctx.exchange, plan.url, way, req);
}

// The body of a 2xx into the queue, its first `skip` bytes dropped; nullopt when it ended
// without a transport failure.
asio::awaitable<std::optional<attempt_result>> stream_body(transfer& t, exchange& x,
                                                           detail::object_step& step,
                                                           std::uint64_t skip,
                                                           std::span<char> buffer) {
    const body_sink sink = [&](std::string_view bytes) {
        const auto dropped = static_cast<std::size_t>(std::min<std::uint64_t>(skip, bytes.size()));
        skip -= dropped;
        bytes.remove_prefix(dropped);
        if (!bytes.empty()) t.queue.push(bytes);
        step.on_bytes(bytes.size());
        return true;
    };
    const body_pace pace = [&t]() -> asio::awaitable<bool> {
        while (!t.cancelled && !t.queue.room_or_wait()) {
            t.room.expires_at(steady::time_point::max());
            co_await t.room.async_wait(nothrow);
        }
        co_return !t.cancelled;
    };
    co_return co_await read_body(t.ctx->exchange, x, buffer, sink, &pace);
}

asio::awaitable<detail::object_action> attempt(transfer& t, detail::object_step& step,
                                               std::span<char> buffer) {
    remote_context& ctx = *t.ctx;
    auto sent = co_await send(ctx, t.target.plan(), step.next_request());
    if (!sent) co_return step.on_failure(sent.error().failure, sent.error().error, std::nullopt);
    detail::object_action next = step.on_head(sent->head);
    if (next.what == detail::object_action::kind::read_error) {
        const capped_body got = co_await read_capped(ctx, *sent, 64 << 10, buffer);
        const status_failure why = t.target.describe(sent->head, got.body);
        co_return step.on_failure(status_attempt(sent->head, why), why.message, std::nullopt);
    }
    if (next.what != detail::object_action::kind::read_body) co_return next;
    t.queue.set_state({step.size(), step.etag(), step.resumes()});
    auto cut = co_await stream_body(t, *sent, step, next.skip, buffer);
    if (t.cancelled) {
        attempt_failure stopped;
        stopped.code = make_error_code(errc::interrupted);
        co_return step.on_failure(stopped, "cancelled", std::nullopt);
    }
    if (cut) co_return step.on_failure(cut->failure, cut->error, std::nullopt);
    co_return step.on_body_end(std::nullopt);
}

asio::awaitable<void> pump(std::shared_ptr<transfer> t) {
    using kind = detail::object_action::kind;
    detail::object_step step = t->range ? detail::object_step(t->ctx->policy, *t->range)
                                        : detail::object_step(t->ctx->policy);
    std::vector<char> buffer(piece_size);
    detail::object_action next = step.start();
    for (;;) {
        if (next.what == kind::done) {
            t->queue.set_state({step.size(), step.etag(), step.resumes()});
            t->queue.finish(std::nullopt);
            co_return;
        }
        if (next.what == kind::fail) {
            t->queue.set_state({step.size(), step.etag(), step.resumes()});
            t->queue.finish(error{next.code, t->target.shown, next.error});
            co_return;
        }
        if (next.what == kind::wait) {
            if (!co_await sleep(*t->ctx, next.delay) || t->cancelled) {
                t->queue.finish(make_error(errc::interrupted, t->target.shown, "cancelled"));
                co_return;
            }
            next = step.on_waited();
            continue;
        }
        next = co_await attempt(*t, step, buffer);
    }
}

}  // namespace

std::unique_ptr<remote_stream> start_object(std::shared_ptr<remote_context> ctx,
                                            remote_target target, std::size_t queue_limit,
                                            std::optional<remote_range> range) {
    auto t = std::make_shared<transfer>(std::move(ctx), std::move(target), queue_limit,
                                        std::move(range));
    auto stream = std::make_unique<object_stream>(t);
    {
        std::lock_guard lock(t->ctx->cancel_mu);
        t->ctx->cancellers.emplace_back([w = std::weak_ptr<transfer>(t)] {
            if (auto alive = w.lock()) cancel(alive);
        });
    }
    asio::co_spawn(
        t->ctx->ex, pump(t),
        asio::bind_cancellation_slot(t->cancel_signal.slot(), [t](const std::exception_ptr& e) {
            // A bug in the transfer must not hang the
            // reader: it fails the input instead.
            if (e)
                t->queue.finish(
                    make_error(errc::io_error, t->target.shown, "internal error in the transfer"));
        }));
    return stream;
}

void cancel_transfers(remote_context& ctx) {
    std::vector<std::function<void()>> all;
    {
        std::lock_guard lock(ctx.cancel_mu);
        all = ctx.cancellers;
    }
    for (const auto& c : all)
        c();
}

asio::awaitable<result<small_answer>> exchange_small(remote_context& ctx,
                                                     const remote_target& target,
                                                     const attempt_sender& send_attempt,
                                                     std::size_t max_bytes) {
    std::vector<char> buffer(piece_size);
    for (unsigned attempt_no = 0;; ++attempt_no) {
        attempt_failure f;
        std::string message;
        auto sent = co_await send_attempt();
        if (!sent) {
            f = sent.error().failure;
            message = sent.error().error;
        } else if (auto got = co_await read_capped(ctx, *sent, max_bytes + 1, buffer); got.cut) {
            f = got.cut->failure;
            message = got.cut->error;
        } else {
            const unsigned status = sent->head.status;
            if (status >= 200 && status < 300 && got.body.size() > max_bytes)
                co_return make_error(
                    errc::body_too_large, target.shown,
                    "the response is larger than " + std::to_string(max_bytes) + " bytes");
            if (status >= 200 && status < 300)
                co_return small_answer{std::move(sent->head), std::move(got.body)};
            const status_failure why = target.describe(sent->head, got.body);
            f = status_attempt(sent->head, why);
            message = why.message;
        }
        const retry_decision d = ctx.policy.next(attempt_no, f, std::nullopt);
        if (!d.retry)
            co_return error{f.code, target.shown,
                            message + (d.give_up_reason.empty() ? "" : "; " + d.give_up_reason)};
        if (!co_await sleep(ctx, d.delay))
            co_return make_error(errc::interrupted, target.shown, "cancelled");
    }
}

asio::awaitable<result<std::string>> fetch_small(remote_context& ctx, const remote_target& target,
                                                 std::size_t max_bytes) {
    // A coroutine of its own, so that the request plan lives as long as its sending.
    const attempt_sender get = [&]() -> asio::awaitable<attempt_or<exchange>> {
        co_return co_await send(ctx, target.plan(), {});
    };
    auto got = co_await exchange_small(ctx, target, get, max_bytes);
    if (!got) co_return got.error();
    co_return std::move(got->body);
}

}  // namespace salesproc::http_detail
