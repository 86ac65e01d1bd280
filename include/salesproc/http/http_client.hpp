// The API half: fetch JSON from many URLs concurrently over HTTP(S) with keep-alive pooling,
// per-attempt timeouts, retries with backoff, and a deadline for the whole phase.
// Thread-safety: an api_fetcher lives on the executor it was created with; run() and cancel()
// must be called from it. With io_threads > 1 it also runs private threads during run(), joined
// before run() completes.
#pragma once

#include "salesproc/totals/aggregate.hpp"
#include "salesproc/api/api_records.hpp"
#include "salesproc/api/detail/page_walk.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/api/proxy.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/api/retry_policy.hpp"
#include "salesproc/rules/rules.hpp"
#include "salesproc/api/url.hpp"

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

struct fetch_settings {
    unsigned concurrency = 16;  // requests in flight across all hosts
    // Threads that do network I/O, the caller's included; the workers are split between them.
    unsigned io_threads = 1;
    retry_settings retry;
    milliseconds timeout{10'000};          // per attempt: connect, TLS, request, response
    std::optional<milliseconds> deadline;  // the whole API phase
    std::string cacert;                    // extra trust anchors (PEM file), optional
    std::vector<std::pair<std::string, std::string>> headers;  // sent to the URL's own origin only
    std::uint64_t max_body = std::uint64_t{64} << 20;
    unsigned max_redirects = 5;
    bool insecure = false;
    proxy_settings proxy;
    std::string user_agent = "salesproc";
    reject_options rejects;           // what each URL keeps of its rejected sales
    body_layout layout;               // where records and the next page's URL sit in a body
    detail::page_options pages;       // --max-pages, --follow-cross-origin
    std::function<double()> uniform;  // random source for jitter; default: a seeded engine
};

struct url_outcome {
    std::string url;  // redacted
    bool ok = false;
    unsigned attempts = 0;
    std::string
        error;  // "HTTP 404 Not Found", "timeout after 10s", "certificate verify failed: ..."
    boost::system::error_code code;  // the errc behind `error`; see failure_code()
    std::uint64_t records = 0;       // of every page that succeeded, also when a later one failed
    unsigned pages = 0;              // pages that succeeded
    sales_aggregate sales;
    // One batch per page that succeeded, in page order; a batch's line 0 is its page's first
    // record and its lines() the page's records.
    std::vector<reject_batch> rejects;
};

struct fetch_summary {
    std::vector<url_outcome> urls;  // in the order given
    std::uint64_t retries = 0;
    bool retry_budget_exhausted = false;
    std::uint64_t connections_opened = 0;
    std::uint64_t tls_resumed = 0;  // handshakes that resumed an earlier session of their origin
    bool deadline_hit = false;
};

class api_fetcher {
  public:
    // Setup failures (an unreadable --cacert, a malformed proxy URL) are errors naming them.
    static result<std::unique_ptr<api_fetcher>> create(boost::asio::any_io_executor ex,
                                                       fetch_settings settings, rules r);
    ~api_fetcher();

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
