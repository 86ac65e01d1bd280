// salesproc-mock-api: the test server as a program, for users' CI smoke tests.
//   salesproc-mock-api [--port N] [--http] [--write-cacert PATH]
// Serves https://localhost:PORT with a certificate from a private CA generated at start-up; the
// CA is written to --write-cacert so that salesproc can use it with --cacert. Fault injection:
// see the query parameters in tests/support/mock_server.hpp (also printed by --help).
#include "support/mock_server.hpp"

#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
    stop_requested = 1;
}

constexpr const char* help = R"(usage: salesproc-mock-api [--port N] [--http] [--write-cacert PATH]

Paths: /posts/N, /posts (100 records), /sales (sales records), /echo; paginated sales:
  /pages/link (Link headers), /pages/body ({"data": [...], "next": ...}), /envelope,
  /pages/loop, /pages/cross?next=URL, with pages=N, page=K, fail_page=K.
Faults, as query parameters (counted per path+query):
  status=503,503,200  retry_after=V  delay_ms=N  reset=1  truncate=1  invalid_json=1
  chunked=1  redirect=URL  huge=BYTES  trickle_ms=N  drop_after=1
Example:
  salesproc-mock-api --port 8443 --write-cacert /tmp/mock-ca.pem &
  salesproc --csv data/sales.csv --out /tmp/r.json --cacert /tmp/mock-ca.pem \
    --api-url 'https://localhost:8443/sales' --api-url 'https://localhost:8443/posts/1?status=503,200'
)";

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    bool tls = true;
    std::string cacert_path;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--port" && i + 1 < argc)
            port = static_cast<unsigned short>(std::atoi(argv[++i]));
        else if (a == "--http")
            tls = false;
        else if (a == "--write-cacert" && i + 1 < argc)
            cacert_path = argv[++i];
        else if (a == "--help" || a == "-h") {
            std::fputs(help, stdout);
            return 0;
        } else {
            std::fprintf(stderr, "salesproc-mock-api: error: %s: unknown argument\n", a.c_str());
            return 2;
        }
    }
    salesproc::test::mock_server::options o;
    o.tls = tls;
    o.port = port;
    if (tls) {
        salesproc::test::test_pki pki;
        o.cert = pki.issue({"DNS:localhost", "IP:127.0.0.1"});
        if (!cacert_path.empty()) std::ofstream(cacert_path) << pki.ca().cert_pem;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    salesproc::test::mock_server server(o);
    std::printf("listening on %s\n", server.url("").c_str());
    std::fflush(stdout);
    while (!stop_requested)
        pause();
    return 0;
}
