// What the network tests share: a test PKI generated once per process, mock-server options
// with a certificate for localhost, fast retry settings, and fetching a list of URLs.
#pragma once

#include "salesproc/http/http_client.hpp"
#include "support/mock_server.hpp"
#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace salesproc::test {

using namespace std::chrono_literals;

struct pki_fixture {
    test_pki pki;
    temp_dir dir;
    std::string ca_file = dir.file("ca.pem");
    pki_fixture() { write_file(ca_file, pki.ca().cert_pem); }
};

inline pki_fixture& shared_pki() {
    static pki_fixture f;
    return f;
}

inline mock_server::options tls_options(std::vector<std::string> names = {"DNS:localhost",
                                                                          "IP:127.0.0.1"}) {
    mock_server::options o;
    o.cert = shared_pki().pki.issue(names);
    return o;
}

inline fetch_settings fast_settings() {
    fetch_settings s;
    s.cacert = shared_pki().ca_file;
    s.retry = {3, 5ms, 50ms};
    s.timeout = 2s;
    s.uniform = [] { return 0.5; };
    s.io_threads = 2;  // as on any multi-core machine: workers split over two I/O threads
    return s;
}

// `run_time`, if given, receives the time of the fetch phase alone (not TLS context set-up).
// `pool_threads`: large bodies are read in pieces on a pool of that many threads, as a run does.
inline fetch_summary fetch(const std::vector<std::string>& urls, fetch_settings s = fast_settings(),
                           rules r = {}, std::chrono::steady_clock::duration* run_time = nullptr,
                           std::size_t pool_threads = 0) {
    boost::asio::io_context io;
    boost::asio::thread_pool pool(std::max<std::size_t>(pool_threads, 1));
    auto fetcher = api_fetcher::create(io.get_executor(), std::move(s), std::move(r));
    EXPECT_TRUE(fetcher) << fetcher.error().message();
    if (pool_threads != 0) (*fetcher)->read_bodies_on(pool.get_executor(), pool_threads);
    std::vector<http_url> parsed;
    for (const auto& u : urls)
        parsed.push_back(parse_http_url(u).value());
    std::optional<fetch_summary> out;
    boost::asio::co_spawn(io, (*fetcher)->run(parsed), [&](std::exception_ptr e, fetch_summary f) {
        if (e) std::rethrow_exception(e);
        out = std::move(f);
    });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    pool.join();
    if (run_time) *run_time = std::chrono::steady_clock::now() - started;
    return std::move(*out);
}

}  // namespace salesproc::test
