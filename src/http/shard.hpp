// One share of the fetch workers: its own executor (one thread), connection pool and
// cancellation signals, fetching URLs from the queue all shards share. Sharding exists because
// one thread cannot keep up with a burst of a hundred responses or the TLS handshakes of a
// hundred connections (see the README). Internal to salesproc_core.
#pragma once

#include "http/exchange.hpp"
#include "salesproc/api/body_pieces.hpp"
#include "salesproc/api/fetch_types.hpp"

#include <boost/asio/cancellation_signal.hpp>

#include <functional>
#include <string_view>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace salesproc::http_detail {

// What the shards of one run share. Each URL index is taken by exactly one worker (the atomic
// counter), which alone writes that URL's outcome; the retry budget is guarded by `mu`.
struct run_state {
    explicit run_state(std::vector<http_url> u);

    std::vector<http_url> urls;
    std::vector<url_outcome> outcomes;
    std::atomic<std::size_t> next{0};
    std::optional<steady::time_point> deadline;
    std::mutex mu;
    retry_budget budget;
};

// Where large bodies are read in pieces (see piece_queue.hpp); no executor: on the I/O thread.
struct body_pool {
    asio::any_io_executor ex;
    std::size_t threads = 1;
    // Pieces of every body on the pool (shards on several threads share it).
    std::shared_ptr<std::atomic<std::size_t>> pieces =
        std::make_shared<std::atomic<std::size_t>>(0);
    // Their buffers, once read: as many as may be on the pool and being cut.
    std::shared_ptr<piece_buffers> buffers;
};

// Read-only during a run (the TLS context and session cache are thread-safe), so every shard's
// thread may use it.
struct fetch_context {
    const fetch_settings& settings;
    const rules& rule_set;
    const retry_policy& policy;
    const proxy_config& proxies;
    ssl::context& tls;
    tls_sessions& sessions;
    const stop_state& stop;
    const body_pool& pool;
};

class shard {
  public:
    shard(const fetch_context& ctx, asio::any_io_executor ex, run_state& state)
        : ctx_(ctx),
          ex_(std::move(ex)),
          state_(state),
          open_{ex_,       ctx_.tls,           ctx_.sessions, ctx_.settings,
                ctx_.stop, connections_opened, tls_resumed},
          exchange_{open_, pool_} {}

    [[nodiscard]] const asio::any_io_executor& executor() const { return ex_; }

    // Runs `workers` fetch loops until the URLs run out or the run is cancelled.
    asio::awaitable<void> run(std::size_t workers);
    // Must run on executor(): cancels every request, timer and backoff sleep of this shard.
    void cancel();

    std::uint64_t retries = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t tls_resumed = 0;

  private:
    asio::awaitable<void> worker();
    asio::awaitable<void> fetch_one(std::size_t index);
    // One page that succeeded: its records, where it was answered, its Link header.
    struct page_result {
        api_records records;
        http_url url;
        std::string link;
    };
    // Fetches one page of `out`'s URL; on failure, fills out.code and out.error.
    asio::awaitable<std::optional<page_result>> fetch_page(url_outcome& out,
                                                           const http_url& original,
                                                           const http_url& page);
    // How a 2xx body ended: a transport failure (retried like any failed attempt), or what was
    // wrong with its content (not retried), or neither: its records are in place.
    struct body_end {
        std::optional<attempt_result> transport;
        std::optional<error> content;
    };
    // Sleeps a retry's backoff; false when cancelled.
    asio::awaitable<bool> back_off(milliseconds delay);
    // Sends the GET and reads the response head.
    asio::awaitable<attempt_or<exchange>> send(const http_url& url, bool send_credentials);
    // Reads the rest of the body into `sink`, then pools the connection if it may be reused.
    asio::awaitable<std::optional<attempt_result>> read_body(exchange& x, const body_sink& sink);
    asio::awaitable<void> discard_body(exchange& x);
    // Decodes and reads the body's records into `into` as it arrives.
    asio::awaitable<body_end> receive_records(exchange& x, const http_url& page,
                                              const std::string& context, api_records& into);
    [[nodiscard]] std::optional<milliseconds> time_left() const;

    const fetch_context& ctx_;
    asio::any_io_executor ex_;
    run_state& state_;
    connection_pool pool_;
    open_context open_;
    exchange_context exchange_;
    static constexpr std::size_t read_size = 64 << 10;
    std::vector<std::unique_ptr<char[]>> spare_buffers_;  // body buffers of finished exchanges
    std::unique_ptr<asio::cancellation_signal[]> signals_;
    std::size_t signal_count_ = 0;
};

}  // namespace salesproc::http_detail
