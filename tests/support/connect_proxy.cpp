#include "support/connect_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>

#include <sstream>

namespace salesproc::test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct connect_proxy::state {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::string required_auth;
    connect_proxy* owner = nullptr;
};

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> pipe(tcp::socket& from, tcp::socket& to) {
    char buf[16384];
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow);
        if (ec) break;
        auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf, n), nothrow);
        if (wec) break;
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> session(connect_proxy::state* st, tcp::socket client) {
    asio::streambuf head;
    auto [ec, n] = co_await asio::async_read_until(client, head, "\r\n\r\n", nothrow);
    if (ec) co_return;
    std::string text(asio::buffers_begin(head.data()),
                     asio::buffers_begin(head.data()) + static_cast<std::ptrdiff_t>(n));
    head.consume(n);
    const std::string line = text.substr(0, text.find("\r\n"));
    std::istringstream ls(line);
    std::string method, target, version;
    ls >> method >> target >> version;
    const bool tunnel = method == "CONNECT";
    st->owner->note(line, tunnel);
    if (!st->required_auth.empty() &&
        text.find("Proxy-Authorization: " + st->required_auth + "\r\n") == std::string::npos) {
        const std::string deny =
            "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: "
            "close\r\n\r\n";
        co_await asio::async_write(client, asio::buffer(deny), nothrow);
        co_return;
    }
    std::string host, port, forward;
    if (tunnel) {
        const auto colon = target.rfind(':');
        host = target.substr(0, colon);
        port = target.substr(colon + 1);
    } else {
        auto u = boost::urls::parse_uri(target);
        if (!u) co_return;
        host = std::string(u->host_address());
        port = u->has_port() ? std::string(u->port()) : "80";
        // Rewrite to origin-form and drop hop-by-hop proxy credentials.
        std::string rest = text.substr(text.find("\r\n") + 2);
        if (auto p = rest.find("Proxy-Authorization:"); p != std::string::npos)
            rest.erase(p, rest.find("\r\n", p) + 2 - p);
        forward = method + " " + std::string(u->encoded_resource()) + " " + version + "\r\n" + rest;
    }
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    tcp::resolver resolver(st->io);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, nothrow);
    tcp::socket upstream(st->io);
    if (!rec) {
        auto [cec, ep] = co_await asio::async_connect(upstream, endpoints, nothrow);
        rec = cec;
    }
    if (rec) {
        const std::string bad =
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(client, asio::buffer(bad), nothrow);
        co_return;
    }
    if (tunnel) {
        const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
        co_await asio::async_write(client, asio::buffer(ok), nothrow);
    } else {
        co_await asio::async_write(upstream, asio::buffer(forward), nothrow);
    }
    if (head.size() > 0) co_await asio::async_write(upstream, head.data(), nothrow);
    // Relay both ways until either side closes (one request per connection for absolute-form is
    // enough for the tests: the client sees the connection close and opens a new one).
    auto up = std::make_shared<tcp::socket>(std::move(upstream));
    auto down = std::make_shared<tcp::socket>(std::move(client));
    asio::co_spawn(
        st->io, [up, down]() -> asio::awaitable<void> { co_await pipe(*down, *up); },
        asio::detached);
    co_await pipe(*up, *down);
}

asio::awaitable<void> accept_loop(connect_proxy::state* st) {
    for (;;) {
        auto [ec, socket] = co_await st->acceptor.async_accept(nothrow);
        if (ec) co_return;
        // Test infrastructure: a failed relay is reported by the client under test.
        asio::co_spawn(st->io, session(st, std::move(socket)), asio::detached);
    }
}

}  // namespace

connect_proxy::connect_proxy(std::string required_auth) : state_(std::make_unique<state>()) {
    state_->owner = this;
    state_->required_auth = std::move(required_auth);
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(ep.protocol());
    state_->acceptor.bind(ep);
    state_->acceptor.listen();
    port_ = state_->acceptor.local_endpoint().port();
    asio::co_spawn(state_->io, accept_loop(state_.get()), asio::detached);
    thread_ = std::thread([st = state_.get()] { st->io.run(); });
}

connect_proxy::~connect_proxy() {
    state_->io.stop();
    thread_.join();
    boost::system::error_code ec;
    state_->acceptor.close(ec);
    state_.reset();
}

std::string connect_proxy::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}

void connect_proxy::note(const std::string& request_line, bool tunnel) {
    (tunnel ? tunnels_ : forwarded_)++;
    std::lock_guard lock(mutex_);
    lines_.push_back(request_line);
}

std::vector<std::string> connect_proxy::request_lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

}  // namespace salesproc::test
