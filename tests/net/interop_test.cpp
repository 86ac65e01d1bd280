// Interop with a server that is not ours: python3's http.server wrapped in TLS.
#include "net/net_support.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <filesystem>
#include <sstream>
#include <thread>

namespace salesproc {
namespace {

// The shared PKI, mock-server options, fast settings and fetch() of net_support.hpp.
using namespace test;
using namespace std::chrono_literals;

// Interop with a server that is not ours: python3's http.server wrapped in TLS.
TEST(Interop, PythonHttpsServer) {
    temp_dir dir;
    const auto leaf = shared_pki().pki.issue({"DNS:localhost", "IP:127.0.0.1"});
    test::write_file(dir.file("cert.pem"), leaf.cert_pem);
    test::write_file(dir.file("key.pem"), leaf.key_pem);
    std::filesystem::create_directories(dir.path() / "www" / "posts");
    for (int i = 1; i <= 3; ++i)
        test::write_file((dir.path() / "www" / "posts" / std::to_string(i)).string(),
                         "{\"id\": " + std::to_string(i) + "}");
    test::write_file(dir.file("www/sales.json"),
                     R"([{"product": "Halal Figs", "price": 10.25, "quantity": 4}])");
    const std::string script =
        "import http.server, ssl, sys, functools\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2], sys.argv[3])\n"
        "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n";
    test::write_file(dir.file("serve.py"), script);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    test::spawn_options o;
    o.stdout_fd = fds[1];
    o.stderr_path = "/dev/null";
    const pid_t pid =
        test::spawn_process({"/usr/bin/python3", dir.file("serve.py"), dir.file("www"),
                             dir.file("cert.pem"), dir.file("key.pem")},
                            o);
    ::close(fds[1]);
    std::string port;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n')
        port += c;  // the whole line, however it arrives
    ::close(fds[0]);
    ASSERT_FALSE(port.empty()) << "python3 https server did not start";
    const std::string base = "https://localhost:" + port;
    const auto f = fetch({base + "/posts/1", base + "/posts/2", base + "/posts/3",
                          base + "/sales.json", base + "/missing"});
    ::kill(pid, SIGTERM);
    (void)test::wait_process(pid);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(f.urls[static_cast<std::size_t>(i)].ok)
            << f.urls[static_cast<std::size_t>(i)].error;
    EXPECT_EQ(f.urls[3].sales.total(), 4100);
    EXPECT_EQ(f.urls[4].error, "HTTP 404 File not found");
}

}  // namespace
}  // namespace salesproc
