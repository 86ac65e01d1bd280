// What the API half is asked to do and what it amounted to: the fetch's settings, one outcome per
// URL and the summary of the phase. Plain data, shared by the Asio side (http/), the run and the
// report; no Asio here.
#pragma once

#include "salesproc/api/api_records.hpp"
#include "salesproc/api/body_records.hpp"
#include "salesproc/api/detail/page_walk.hpp"
#include "salesproc/api/proxy.hpp"
#include "salesproc/api/retry_policy.hpp"
#include "salesproc/api/url.hpp"
#include "salesproc/rules/reject_batch.hpp"
#include "salesproc/totals/aggregate.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
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
    // A guard against endless bodies: memory does not depend on it, as a body streams.
    std::uint64_t max_body = std::uint64_t{16} << 30;
    std::size_t max_record_size = default_max_record_size;
    api_format format = api_format::automatic;  // --api-format
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

}  // namespace salesproc
