// The API fetcher's front: settings, shared state and the shards on their I/O threads. The
// per-URL decisions are in detail/fetch_step.hpp, connections in http/connection.hpp, TLS in
// http/tls.hpp, the worker loops in http/shard.hpp.
#include "salesproc/http/http_client.hpp"

#include "http/piece_queue.hpp"
#include "http/shard.hpp"
#include "http/tls.hpp"
#include "http/wait_group.hpp"
#include "salesproc/base/units.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <random>
#include <thread>

namespace salesproc {
namespace asio = boost::asio;
using http_detail::nothrow;
using http_detail::run_state;
using http_detail::shard;
using http_detail::steady;

class api_fetcher::impl {
  public:
    impl(asio::any_io_executor ex, fetch_settings s, rules r, asio::ssl::context ctx,
         proxy_config proxies)
        : ex_(std::move(ex)),
          settings_(std::move(s)),
          rules_(std::move(r)),
          tls_(std::move(ctx)),
          proxies_(std::move(proxies)),
          // The random source may be the caller's; shards on other threads take turns with it.
          policy_(settings_.retry,
                  [this] {
                      std::lock_guard lock(uniform_mu_);
                      return settings_.uniform();
                  }),
          context_{settings_, rules_, policy_, proxies_, tls_, sessions_, stop_, pool_} {}

    asio::awaitable<fetch_summary> run(std::vector<http_url> urls);
    void cancel(std::string reason);
    void read_bodies_on(asio::any_io_executor pool, std::size_t threads) {
        pool_.ex = std::move(pool);
        pool_.threads = std::max<std::size_t>(threads, 1);
        pool_.buffers =
            std::make_shared<piece_buffers>(4 * pool_.threads + 2, http_detail::piece_size);
    }

  private:
    using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;
    std::size_t start_shards(run_state& state, std::size_t workers,
                             std::vector<work_guard>& guards);
    void spawn_shards(http_detail::wait_group& group, std::vector<std::exception_ptr>& bugs,
                      std::size_t workers);
    fetch_summary sum_up(run_state& state, const std::vector<std::exception_ptr>& bugs,
                         bool deadline_hit);

  public:
  private:
    // A shard with the thread and io_context it owns (none for the first shard, which runs on
    // the fetcher's own executor). Declared so the shard, and with it every socket, goes before
    // its io_context does.
    struct shard_slot {
        std::unique_ptr<asio::io_context> io;
        std::unique_ptr<shard> s;
        std::thread thread;
    };

    asio::any_io_executor ex_;
    fetch_settings settings_;
    rules rules_;
    asio::ssl::context tls_;  // SSL_CTX is safe to share between threads once configured
    proxy_config proxies_;
    std::mutex uniform_mu_;
    retry_policy policy_;
    http_detail::tls_sessions sessions_;
    http_detail::stop_state stop_;
    http_detail::body_pool pool_;
    http_detail::fetch_context context_;  // what every shard reads
    std::vector<shard_slot> shards_;      // only touched on ex_
};

// Shards with threads of their own start first, idle under a work guard (in `guards`, kept
// until their work is spawned), so one that cannot be started only means fewer shards; returns
// how many there are.
std::size_t api_fetcher::impl::start_shards(run_state& state, std::size_t workers,
                                            std::vector<work_guard>& guards) {
    const std::size_t wanted = std::min<std::size_t>(std::max(1U, settings_.io_threads),
                                                     std::max<std::size_t>(1, workers));
    shards_.clear();
    shards_.resize(wanted);
    for (std::size_t i = 1; i < wanted; ++i) {
        auto& slot = shards_[i];
        slot.io = std::make_unique<asio::io_context>(1);
        guards.push_back(asio::make_work_guard(*slot.io));
        try {
            slot.thread = std::thread([io = slot.io.get()] { io->run(); });
        } catch (const std::system_error&) {
            guards.pop_back();
            shards_.resize(i);
            break;
        }
    }
    for (auto& slot : shards_)
        slot.s = std::make_unique<shard>(context_, slot.io ? slot.io->get_executor() : ex_, state);
    return shards_.size();
}

// Workers are split across shards; the bound stays global, and any host may use all of it.
void api_fetcher::impl::spawn_shards(http_detail::wait_group& group,
                                     std::vector<std::exception_ptr>& bugs, std::size_t workers) {
    const std::size_t count = shards_.size();
    if (workers == 0) return;
    group.add(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t share = workers / count + (i < workers % count ? 1 : 0);
        // The handler runs on the shard's thread; the count is kept on ex_.
        asio::co_spawn(shards_[i].s->executor(), shards_[i].s->run(share),
                       [&bugs, &group, i, main = ex_](const std::exception_ptr& e) {
                           bugs[i] = e;
                           asio::post(main, [&group] { group.done(); });
                       });
    }
}

// Joins the threads and sums the shards' counts; a bug in a shard is rethrown here.
fetch_summary api_fetcher::impl::sum_up(run_state& state,
                                        const std::vector<std::exception_ptr>& bugs,
                                        bool deadline_hit) {
    fetch_summary summary;
    for (auto& slot : shards_) {
        if (slot.thread.joinable()) slot.thread.join();
        summary.retries += slot.s->retries;
        summary.connections_opened += slot.s->connections_opened;
        summary.tls_resumed += slot.s->tls_resumed;
    }
    shards_.clear();
    for (const auto& e : bugs)
        if (e) std::rethrow_exception(e);
    summary.deadline_hit = deadline_hit;
    summary.retry_budget_exhausted = state.budget.exhausted();
    summary.urls = std::move(state.outcomes);
    const std::string reason = stop_.reason();
    for (auto& u : summary.urls)
        if (!u.ok && u.error.empty()) {
            u.error = "not started: " + reason;
            u.code = make_error_code(errc::interrupted);
        }
    return summary;
}

// Start threads, spawn shards, wait (also when the caller is cancelled), join, sum up: one
// lifetime, kept in one frame so that no shard can outlive the state it uses.
asio::awaitable<fetch_summary> api_fetcher::impl::run(std::vector<http_url> urls) {
    run_state state(std::move(urls));
    if (settings_.deadline) state.deadline = steady::now() + *settings_.deadline;
    const std::size_t workers =
        std::min<std::size_t>(std::max(1U, settings_.concurrency), state.urls.size());
    std::vector<work_guard> guards;
    const std::size_t shard_count = start_shards(state, workers, guards);
    http_detail::wait_group group(ex_);
    std::vector<std::exception_ptr> bugs(shard_count);
    spawn_shards(group, bugs, workers);
    guards.clear();
    std::optional<asio::steady_timer> deadline;
    bool deadline_hit = false;
    if (state.deadline) {
        deadline.emplace(ex_, *state.deadline);
        deadline->async_wait([this, &deadline_hit](const boost::system::error_code& ec) {
            if (ec) return;
            deadline_hit = true;
            cancel("deadline " + format_duration(*settings_.deadline) + " exceeded");
        });
    }
    co_await asio::this_coro::throw_if_cancelled(false);
    while (group.running() != 0) {
        co_await group.wait();
        // Woken with shards still running: whoever awaits this run was cancelled. The shards
        // use this frame, so they are stopped and waited for all the same.
        if (group.running() != 0) {
            cancel("cancelled");
            co_await asio::this_coro::reset_cancellation_state();
        }
    }
    if (deadline) deadline->cancel();
    co_return sum_up(state, bugs, deadline_hit);
}

void api_fetcher::impl::cancel(std::string reason) {
    stop_.request(std::move(reason));
    for (auto& slot : shards_) {
        if (!slot.io)
            slot.s->cancel();
        else
            asio::post(slot.s->executor(), [s = slot.s.get()] { s->cancel(); });
    }
}

result<std::unique_ptr<api_fetcher>> api_fetcher::create(asio::any_io_executor ex,
                                                         fetch_settings settings, rules r) {
    auto ctx = http_detail::make_tls_context(settings);
    if (!ctx) return ctx.error();
    auto proxies = proxy_config::parse(settings.proxy);
    if (!proxies) return proxies.error();
    if (!settings.uniform) settings.uniform = http_detail::seeded_uniform();
    return std::unique_ptr<api_fetcher>(new api_fetcher(std::make_unique<impl>(
        std::move(ex), std::move(settings), std::move(r), std::move(*ctx), std::move(*proxies))));
}

api_fetcher::api_fetcher(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
api_fetcher::~api_fetcher() = default;

asio::awaitable<fetch_summary> api_fetcher::run(std::vector<http_url> urls) {
    co_return co_await impl_->run(std::move(urls));
}

void api_fetcher::read_bodies_on(asio::any_io_executor pool, std::size_t threads) {
    impl_->read_bodies_on(std::move(pool), threads);
}

void api_fetcher::cancel() {
    impl_->cancel("interrupted");
}

}  // namespace salesproc
