// Reading remote CSV inputs on the run's io_context: the shared client state, one object's
// transfer into a bounded queue that the CSV strand drains (object_step decides resumes and
// retries), and a small GET with retries for listings and credentials. Internal to
// salesproc_core.
#pragma once

#include "http/exchange.hpp"
#include "salesproc/api/detail/http_response.hpp"
#include "salesproc/api/fetch_types.hpp"
#include "salesproc/input/remote_stream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc::http_detail {

using header_fields = std::vector<std::pair<std::string, std::string>>;

// What every transfer of a run shares; touched only on `ex` (one thread), but for `stop`.
struct remote_context {
    remote_context(asio::any_io_executor e, fetch_settings s, ssl::context t, proxy_config p);
    remote_context(const remote_context&) = delete;
    remote_context& operator=(const remote_context&) = delete;

    asio::any_io_executor ex;
    fetch_settings settings;
    ssl::context tls;
    proxy_config proxies;
    tls_sessions sessions;
    stop_state stop;
    std::mutex uniform_mu;
    retry_policy policy;
    connection_pool pool;
    std::uint64_t connections_opened = 0;
    std::uint64_t tls_resumed = 0;
    open_context open;
    exchange_context exchange;
    // How to stop each transfer started (cancel_transfers); any thread.
    std::mutex cancel_mu;
    std::vector<std::function<void()>> cancellers;
};

// One request of a transfer: where it goes and the fields it adds (an S3 request is signed
// anew for each attempt, so it is made at each).
struct request_plan {
    http_url url;
    header_fields fields;
};

// What a failed status means, from its head and (small) body: the message, and whether
// retrying may help beyond what the status says.
struct status_failure {
    std::string message;
    bool transient = false;
};

struct remote_target {
    std::string shown;  // the URL as messages and the report show it
    std::function<request_plan()> plan;
    std::function<status_failure(const response& head, std::string_view body)> describe;
};

// Starts reading `target` (or only `range` of it) on ctx->ex; the stream's reads block until
// bytes come. At most `queue_limit` bytes wait in memory for the reader.
std::unique_ptr<remote_stream> start_object(std::shared_ptr<remote_context> ctx,
                                            remote_target target, std::size_t queue_limit,
                                            std::optional<remote_range> range = std::nullopt);

// Runs `a` on `ex` and waits for it on this thread (which must not be ex's).
template <class T>
T block_on(const asio::any_io_executor& ex, asio::awaitable<T> a) {
    std::promise<T> done;
    auto got = done.get_future();
    asio::co_spawn(ex, std::move(a), [&done](const std::exception_ptr& e, T v) {
        if (e)
            done.set_exception(e);
        else
            done.set_value(std::move(v));
    });
    return got.get();
}

// Ends every transfer of `ctx` promptly (their readers get errc::interrupted); any thread.
void cancel_transfers(remote_context& ctx);

// A body of at most `cap` bytes (the rest is not read), or how the transfer failed.
struct capped_body {
    std::string body;
    std::optional<attempt_result> cut;
};
asio::awaitable<capped_body> read_capped(remote_context& ctx, exchange& x, std::size_t cap,
                                         std::span<char> buffer);
// A failed status as the retry policy sees it (S3's transient 400s as a 503).
attempt_failure status_attempt(const response& head, const status_failure& why);
// False when cancelled.
asio::awaitable<bool> sleep(remote_context& ctx, milliseconds delay);

// One small exchange with retries: each attempt's request sent by `send_attempt`; a 2xx
// answer's head and body (at most `max_bytes`, else errc::body_too_large) returned; any other
// status or failure retried by the policy, then an error with target.describe's message,
// naming target.shown. Runs on ctx.ex.
struct small_answer {
    response head;
    std::string body;
};
using attempt_sender = std::function<asio::awaitable<attempt_or<exchange>>()>;
asio::awaitable<result<small_answer>> exchange_small(remote_context& ctx,
                                                     const remote_target& target,
                                                     const attempt_sender& send_attempt,
                                                     std::size_t max_bytes);

// A whole small body (a listing page, credentials), with retries; a non-2xx is an error with
// target.describe's message, naming target.shown. Runs on ctx.ex.
asio::awaitable<result<std::string>> fetch_small(remote_context& ctx, const remote_target& target,
                                                 std::size_t max_bytes);

}  // namespace salesproc::http_detail
