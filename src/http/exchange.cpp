#include "http/exchange.hpp"

#include <boost/beast/http.hpp>

namespace salesproc::http_detail {

std::unique_ptr<connection> connection_pool::take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
}

void connection_pool::put(const std::string& key, std::unique_ptr<connection> c) {
    idle_[key].push_back(std::move(c));
}

template <class Body>
asio::awaitable<attempt_or<exchange>> send_request(exchange_context& ctx, const http_url& url,
                                                   const route& way,
                                                   const http::request<Body>& req) {
    const fetch_settings& settings = ctx.open.settings;
    exchange x;
    x.deadline = steady::now() + settings.timeout;
    x.pool_key = way.pool_key;
    x.conn = ctx.pool.take(x.pool_key);
    bool reused = x.conn != nullptr;
    for (;;) {
        if (!x.conn) {
            auto opened = co_await open_connection(ctx.open, url, way, x.deadline);
            if (!opened) co_return opened.error();
            x.conn = std::move(*opened);
            reused = false;
        }
        x.parser = std::make_unique<detail::http_response_parser>();
        detail::apply_limits(*x.parser, settings.max_body);
        connection& c = *x.conn;
        c.tcp().expires_at(x.deadline);
        auto [wec, written] = c.secure ? co_await http::async_write(*c.secure, req, nothrow)
                                       : co_await http::async_write(*c.plain, req, nothrow);
        boost::system::error_code ec = wec;
        if (!ec) {
            c.tcp().expires_at(x.deadline);
            auto [rec, read] =
                c.secure ? co_await http::async_read_header(*c.secure, c.buffer, *x.parser, nothrow)
                         : co_await http::async_read_header(*c.plain, c.buffer, *x.parser, nothrow);
            ec = rec;
        }
        if (ec) {
            if (reused && !x.parser->got_some() && is_stale_connection(ec)) {
                // Resend once on a fresh connection; not a retry.
                x.conn.reset();
                reused = false;
                continue;
            }
            co_return classify(ec, settings, ctx.open.stop);
        }
        c.first_handshake.reset();
        if (detail::over_body_limit(*x.parser, 0, settings.max_body))
            co_return classify(http::error::body_limit, settings, ctx.open.stop);
        x.head = detail::take_head(*x.parser);
        co_return x;
    }
}

template asio::awaitable<attempt_or<exchange>> send_request(exchange_context&, const http_url&,
                                                            const route&,
                                                            const http::request<http::empty_body>&);
template asio::awaitable<attempt_or<exchange>> send_request(
    exchange_context&, const http_url&, const route&, const http::request<http::string_body>&);

asio::awaitable<std::optional<attempt_result>> read_body(exchange_context& ctx, exchange& x,
                                                         std::span<char> buffer,
                                                         const body_sink& sink,
                                                         const body_pace* pace) {
    const fetch_settings& settings = ctx.open.settings;
    auto& parser = *x.parser;
    connection& c = *x.conn;
    // Beast reads at most the flat_buffer's free capacity (512 bytes, once it settles) per
    // read: a body read through a buffer of that size takes a read, and a handler, per 512 bytes.
    if (c.buffer.capacity() < buffer.size()) c.buffer.reserve(buffer.size());
    std::uint64_t received = 0;
    while (!parser.is_done()) {
        if (pace != nullptr && !co_await (*pace)()) {
            x.conn.reset();
            co_return std::nullopt;
        }
        auto& body = parser.get().body();
        body.data = buffer.data();
        body.size = buffer.size();
        // The body's reads wait at most --timeout each: a large body that keeps arriving is
        // never cut short (--deadline bounds the whole phase).
        c.tcp().expires_after(settings.timeout);
        auto [ec, n] = c.secure
                           ? co_await http::async_read_some(*c.secure, c.buffer, parser, nothrow)
                           : co_await http::async_read_some(*c.plain, c.buffer, parser, nothrow);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            x.conn.reset();
            co_return classify(ec, settings, ctx.open.stop);
        }
        const std::size_t got = buffer.size() - parser.get().body().size;
        received += got;
        if (detail::over_body_limit(parser, received, settings.max_body)) {
            x.conn.reset();
            co_return classify(http::error::body_limit, settings, ctx.open.stop);
        }
        if (got != 0 && !sink({buffer.data(), got})) {
            x.conn.reset();  // the rest of the body is not read: the connection cannot be reused
            co_return std::nullopt;
        }
    }
    if (x.head.keep_alive) ctx.pool.put(x.pool_key, std::move(x.conn));
    co_return std::nullopt;
}

}  // namespace salesproc::http_detail
