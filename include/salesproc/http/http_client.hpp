// The API half: fetch JSON from many URLs concurrently over HTTP(S) with keep-alive pooling,
// per-attempt timeouts, retries with backoff, and a deadline for the whole phase.
// Thread-safety: an api_fetcher lives on the executor it was created with; run() and cancel()
// must be called from it. With io_threads > 1 it also runs private threads during run(), joined
// before run() completes.
#pragma once

#include "salesproc/api/fetch_types.hpp"
#include "salesproc/api/url.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc {

class api_fetcher {
  public:
    // Setup failures (an unreadable --cacert, a malformed proxy URL) are errors naming them.
    static result<std::unique_ptr<api_fetcher>> create(boost::asio::any_io_executor ex,
                                                       fetch_settings settings, rules r);
    ~api_fetcher();

    // Large bodies are then read in pieces on `pool` (of `threads` threads), as CSV chunks are;
    // without it, on the I/O threads. Call before run(); the pool must outlive the run.
    void read_bodies_on(boost::asio::any_io_executor pool, std::size_t threads);

    // Fetches every URL; never throws for network failures (they land in url_outcome).
    boost::asio::awaitable<fetch_summary> run(std::vector<http_url> urls);

    // Cancels every request, timer and backoff sleep in flight, promptly.
    void cancel();

    class impl;

  private:
    explicit api_fetcher(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace salesproc
