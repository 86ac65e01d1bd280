#include "http/connection.hpp"

#include <openssl/x509.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "salesproc/base/units.hpp"

namespace salesproc::http_detail {
namespace {

using tcp = asio::ip::tcp;

// A round trip at most this long means a fast link, where a full TLS handshake's CPU outweighs
// a few round trips.
constexpr auto fast_link_rtt = std::chrono::microseconds(5000);
// The longest a new connection waits for the session of its origin's first handshake.
constexpr auto max_session_wait = std::chrono::milliseconds(100);

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

http::request<http::empty_body> to_beast(const detail::request_head& head) {
    http::request<http::empty_body> req{http::string_to_verb(head.method), head.target, 11};
    for (const auto& [name, value] : head.fields)
        req.set(name, value);
    return req;
}

namespace {

// The kernel's round-trip estimate for a connected socket (from the handshake's SYN/SYN-ACK), so
// it does not include the time this thread was busy elsewhere; "unknown" counts as slow.
std::chrono::microseconds round_trip(tcp::socket& socket) {
    tcp_info info{};
    socklen_t size = sizeof info;
    if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return std::chrono::microseconds::max();
    return std::chrono::microseconds(info.tcpi_rtt);
}

// A run that is stopping ends its attempts with this value, not an exception.
attempt_result stopped(const stop_state& stop) {
    return failed(errc::interrupted, stop.stopping() ? stop.reason() : std::string("cancelled"));
}

// Step 1: resolve and connect to where `way` dials.
asio::awaitable<attempt_or<std::unique_ptr<connection>>> dial(open_context& ctx,
                                                              const http_url& url, const route& way,
                                                              steady::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    const http_url& target = way.dial(url);
    const char* what = way.proxy != nullptr ? "proxy" : "host";
    tcp::resolver resolver(ctx.ex);
    asio::steady_timer timer(ctx.ex, deadline);
    auto resolved = co_await (resolver.async_resolve(target.host, target.port, nothrow) ||
                              timer.async_wait(nothrow));
    if (resolved.index() == 1) {
        if (ctx.stop.stopping()) co_return stopped(ctx.stop);
        co_return failed(errc::timeout, "timeout after " + format_duration(ctx.settings.timeout) +
                                            " resolving " + target.host);
    }
    auto [rec, endpoints] = std::get<0>(std::move(resolved));
    if (rec) {
        if (rec == asio::error::operation_aborted) co_return classify(rec, ctx.settings, ctx.stop);
        co_return failed(errc::dns_failed, "cannot resolve " + std::string(what) + " '" +
                                               target.host + "': " + rec.message());
    }
    auto conn = std::make_unique<connection>();
    if (url.tls)
        conn->secure.emplace(ctx.ex, ctx.tls);
    else
        conn->plain.emplace(ctx.ex);
    conn->tcp().expires_at(deadline);
    auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, nothrow);
    if (cec) {
        if (cec == beast::error::timeout || cec == asio::error::operation_aborted)
            co_return classify(cec, ctx.settings, ctx.stop);
        co_return failed(cec == asio::error::connection_refused ? errc::connection_refused
                                                                : errc::connect_failed,
                         "connect to " + std::string(way.proxy != nullptr ? "proxy " : "") +
                             target.authority() + " failed: " + cec.message());
    }
    ++ctx.connections_opened;
    boost::system::error_code opt_ec;
    conn->tcp().socket().set_option(tcp::no_delay(true), opt_ec);
    co_return conn;
}

// Step 2: a CONNECT tunnel through the proxy to the origin; TLS then runs end to end through it.
asio::awaitable<attempt_or<void>> tunnel(open_context& ctx, connection& conn, const http_url& url,
                                         const http_url& proxy, steady::time_point deadline) {
    const auto request = to_beast(detail::make_connect(url, proxy));
    conn.tcp().expires_at(deadline);
    auto [wec, written] = co_await http::async_write(conn.tcp(), request, nothrow);
    http::response_parser<http::empty_body> reply;
    reply.skip(true);  // a CONNECT reply has no body
    boost::system::error_code ec = wec;
    if (!ec) {
        auto [rec, read] =
            co_await http::async_read_header(conn.tcp(), conn.buffer, reply, nothrow);
        ec = rec;
    }
    if (ec) {
        attempt_result failure = classify(ec, ctx.settings, ctx.stop);
        failure.error = "proxy " + proxy.authority() + ": " + failure.error;
        co_return failure;
    }
    const unsigned status = reply.get().result_int();
    if (status != 200)
        co_return failed(status >= 500 ? errc::connect_failed : errc::proxy_error,
                         "proxy " + proxy.authority() + " refused CONNECT to " + url.authority() +
                             ": HTTP " + std::to_string(status) + " " +
                             std::string(reply.get().reason()));
    co_return attempt_or<void>();
}

// Records why verification failed, for the message; the decision is OpenSSL's and Asio's.
void verify_host(connection& conn, const std::string& host) {
    connection* c = &conn;
    conn.secure->set_verify_callback([c, host](bool preverified, ssl::verify_context& vctx) {
        const bool ok = ssl::host_name_verification(host)(preverified, vctx);
        if (!ok && c->verify_error.empty()) {
            const int err = X509_STORE_CTX_get_error(vctx.native_handle());
            c->verify_error = preverified || err == X509_V_OK
                                  ? "hostname mismatch: certificate is not valid for '" + host + "'"
                                  : X509_verify_cert_error_string(err);
        }
        return ok;
    });
}

// A session to resume for `key`, after the first-handshake wait when the link is fast: waiting
// costs the rest of one handshake, a few round trips, which on a fast link is less than the CPU
// a full handshake costs both sides.
asio::awaitable<SSL_SESSION*> session_to_resume(open_context& ctx, connection& conn,
                                                const std::string& key,
                                                steady::time_point deadline) {
    SSL_SESSION* resume = ctx.sessions.get(key);
    if (resume != nullptr || round_trip(conn.tcp().socket()) > fast_link_rtt) co_return resume;
    auto woken = std::make_shared<asio::steady_timer>(
        ctx.ex, std::min(deadline, steady::now() + max_session_wait));
    auto wake = [woken, ex = ctx.ex] { asio::post(ex, [woken] { woken->cancel(); }); };
    switch (ctx.sessions.claim(key, wake)) {
        case detail::session_gate::turn::first:
            conn.first_handshake.emplace(ctx.sessions, key);
            co_return nullptr;
        case detail::session_gate::turn::wait:
            co_await woken->async_wait(nothrow);
            if (ctx.stop.stopping()) co_return nullptr;  // handshake() sees it and stops
            co_return ctx.sessions.get(key);
        case detail::session_gate::turn::go:  // settled since get(): maybe with a session now
            co_return ctx.sessions.get(key);
    }
    co_return nullptr;
}

// Step 3: the TLS handshake, resuming a session of the same origin when there is one.
asio::awaitable<attempt_or<void>> handshake(open_context& ctx, connection& conn,
                                            const http_url& url, const std::string& key,
                                            steady::time_point deadline) {
    SSL* native = conn.secure->native_handle();
    // SNI carries host names only; an IP literal is verified against the certificate's IP SANs.
    if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(native, url.host.c_str());
    if (!ctx.settings.insecure) verify_host(conn, url.host);
    conn.session = session_target{&ctx.sessions, key};
    attach_session_target(native, &conn.session);
    if (SSL_SESSION* resume = co_await session_to_resume(ctx, conn, key, deadline)) {
        SSL_set_session(native, resume);
        SSL_SESSION_free(resume);
    }
    if (ctx.stop.stopping()) co_return stopped(ctx.stop);
    conn.tcp().expires_at(deadline);
    auto [ec] = co_await conn.secure->async_handshake(ssl::stream_base::client, nothrow);
    // A TLS 1.2 session is complete with the handshake; a TLS 1.3 one arrives as a ticket just
    // after it, so the first connection keeps the origin unsettled until its first response.
    if (ec || SSL_version(native) <= TLS1_2_VERSION) conn.first_handshake.reset();
    if (ec) {
        if (!conn.verify_error.empty())
            co_return failed(errc::tls_verify, "certificate verify failed: " + conn.verify_error);
        if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
            co_return classify(ec, ctx.settings, ctx.stop);
        co_return failed(errc::connection_lost, "TLS handshake failed: " + ec.message());
    }
    if (SSL_session_reused(native) == 1) ++ctx.tls_resumed;
    co_return attempt_or<void>();
}

}  // namespace

attempt_result classify(const boost::system::error_code& ec, const fetch_settings& settings,
                        const stop_state& stop) {
    if (ec == asio::error::operation_aborted) return stopped(stop);
    if (ec == beast::error::timeout)
        return failed(errc::timeout, "timeout after " + format_duration(settings.timeout));
    if (ec == http::error::body_limit)
        return failed(errc::body_too_large, "response body exceeds --max-body " +
                                                std::to_string(settings.max_body) + " bytes");
    if (ec == http::error::header_limit)
        return failed(errc::body_too_large,
                      "response headers exceed " +
                          std::to_string(detail::max_response_header_bytes / 1024) + " KiB");
    if (is_stale_connection(ec) || ec == http::error::partial_message)
        return failed(errc::connection_lost,
                      "connection closed before the response was complete (" + ec.message() + ")");
    if (ec.category() == make_error_code(http::error::end_of_stream).category())
        return failed(errc::http_status, "invalid HTTP response: " + ec.message());
    return failed(errc::connection_lost, ec.message());
}

asio::awaitable<attempt_or<std::unique_ptr<connection>>> open_connection(
    open_context& ctx, const http_url& url, const route& way, steady::time_point deadline) {
    auto conn = co_await dial(ctx, url, way, deadline);
    if (!conn || !url.tls) co_return conn;
    if (way.tunnel)
        if (auto t = co_await tunnel(ctx, **conn, url, *way.proxy, deadline); !t)
            co_return t.error();
    if (auto h = co_await handshake(ctx, **conn, url, way.pool_key, deadline); !h)
        co_return h.error();
    co_return conn;
}

bool is_stale_connection(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == ssl::error::stream_truncated;
}

}  // namespace salesproc::http_detail
