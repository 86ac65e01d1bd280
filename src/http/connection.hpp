// One pooled connection of the HTTP client (plain TCP, or TLS over TCP, possibly through a
// CONNECT tunnel), how it is opened in three steps with a deadline on each, and how transport
// errors become attempt failures. Internal to salesproc_core; a connection lives on one thread.
#pragma once

#include "http/common.hpp"
#include "http/tls.hpp"
#include "salesproc/api/detail/http_request.hpp"
#include "salesproc/api/proxy.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <string>

namespace salesproc::http_detail {

namespace beast = boost::beast;
namespace http = beast::http;

struct connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::string verify_error;  // why certificate verification failed, for the message
    session_target session;    // where this connection's new TLS sessions go
    std::optional<settle_on_exit> first_handshake;

    beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }
};

// What opening a connection needs from its shard. Counters are the shard's own.
struct open_context {
    asio::any_io_executor ex;
    ssl::context& tls;
    tls_sessions& sessions;
    const fetch_settings& settings;
    const stop_state& stop;
    std::uint64_t& connections_opened;
    std::uint64_t& tls_resumed;
};

template <class T>
using attempt_or = boost::system::result<T, attempt_result>;

// Opens a connection for `url` along `way`: connect, tunnel, handshake, each bounded by
// `deadline`. A failure says which step failed and why; a stopping run ends it with
// errc::interrupted and the stop reason, a value like any other failure.
asio::awaitable<attempt_or<std::unique_ptr<connection>>> open_connection(
    open_context& ctx, const http_url& url, const route& way, steady::time_point deadline);

// A transport error as an attempt failure with its message; a cancelled operation is
// errc::interrupted with the run's stop reason.
attempt_result classify(const boost::system::error_code& ec, const fetch_settings& settings,
                        const stop_state& stop);

// The peer closed or reset a connection: for a pooled connection before any reply, that is the
// server's idle timeout, not a failure of the request.
bool is_stale_connection(const boost::system::error_code& ec);

// A request head as Beast sends it; set() keeps the last value of a repeated field, so a
// --header overrides a default one of the same name.
http::request<http::empty_body> to_beast(const detail::request_head& head);

}  // namespace salesproc::http_detail
