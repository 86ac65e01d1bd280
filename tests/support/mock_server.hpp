// A Beast HTTP/HTTPS server with faults injectable per request, for the tests and for users' CI
// smoke tests (salesproc-mock-api). Binds 127.0.0.1 on an ephemeral port and runs on its own
// thread; the stats accessors are safe to call from any thread.
//
// Paths: /posts/N (one object), /posts (array of 100), /sales (sales records), /sales/eu (an
// ERP's records: capitalised keys, decimal commas), /echo (the
// request headers), and paginated sales, page K holding "Halal Page K" (quantity K, valid) and
// "Pork K" (rejected), pages=N (default 3), page=K (default 1), fail_page=K (a 500 there):
//   /pages/link          a Link header: rel="last", then rel="next" (relative) until page N
//   /pages/body          {"data": [...], "next": "/pages/body?page=K+1..."}, null on page N
//   /envelope            {"data": [...], "count": 2}, one page
//   /pages/loop          Link next alternates between pages 1 and 2: a loop
//   /pages/cross?next=U  Link next is U (another origin, for instance)
//   /objects/NAME        a CSV object with an ETag and Range support (see object_reply)
//   /sts, /container-credentials  AWS credentials (see credentials_reply)
// Query parameters inject faults, counted per path+query:
//   status=503,503,200   statuses of successive requests (the last one repeats)
//   retry_after=V        Retry-After header on non-2xx
//   delay_ms=N           wait before answering
//   reset=1              RST in the middle of the body
//   truncate=1           close before the promised Content-Length
//   invalid_json=1       a 200 whose body is not JSON
//   chunked=1            chunked transfer encoding
//   redirect=URL         302 to URL (percent-encoded)
//   redirect_self=1      302 to the same path and query (a loop)
//   huge=N               a valid JSON body of N bytes
//   huge_header=N        one response header field of N bytes
//   gzip=1               gzip the body when the request accepts gzip
//   encoding=NAME        a Content-Encoding header of NAME (the body unchanged)
//   trickle_ms=N         send the body one byte every N ms
//   drop_after=1         close the kept-alive connection right after answering
#pragma once

#include "support/test_certs.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace salesproc::test {

// The CSV that /objects/NAME serves: `rows` rows of version 1 or 2 (see mock_server.cpp).
std::string mock_object_csv(std::size_t rows, unsigned version);

class mock_server {
  public:
    struct options {
        bool tls = true;
        cert_pair cert;                  // required when tls
        std::string host = "localhost";  // the host name used in url()
        unsigned short port = 0;         // 0: ephemeral
        bool tls12_only = false;         // negotiate at most TLS 1.2
        bool no_resumption = false;      // neither session tickets nor a session cache
    };

    explicit mock_server(options o);
    ~mock_server();
    mock_server(const mock_server&) = delete;
    mock_server& operator=(const mock_server&) = delete;

    [[nodiscard]] unsigned short port() const noexcept { return port_; }
    [[nodiscard]] std::string url(const std::string& path_and_query) const;

    [[nodiscard]] unsigned max_in_flight() const noexcept { return max_in_flight_; }
    [[nodiscard]] unsigned connections() const noexcept { return connections_; }
    // TLS handshakes that resumed an earlier session, as the server saw them.
    [[nodiscard]] unsigned resumed_handshakes() const noexcept { return resumed_; }
    [[nodiscard]] unsigned requests() const noexcept { return requests_; }
    // The value of `header` in the last request for `path` ("" if none).
    [[nodiscard]] std::string last_header(const std::string& path, const std::string& header) const;

    // Used by the server's sessions.
    struct state;
    void note_request_start();
    void note_request_end();
    void note_connection();
    void note_resumed() { ++resumed_; }
    void record_headers(const std::string& path, std::map<std::string, std::string> headers);

  private:
    options options_;
    unsigned short port_ = 0;
    std::atomic<unsigned> in_flight_{0}, max_in_flight_{0}, connections_{0}, requests_{0},
        resumed_{0};
    mutable std::mutex headers_mutex_;
    std::map<std::string, std::map<std::string, std::string>> last_headers_;
    std::unique_ptr<state> state_;
    std::thread thread_;
};

}  // namespace salesproc::test
