// One request and its response over a pooled connection: send a request and read the head,
// then read the body piece by piece into a sink. What the API shards and the CSV's remote
// inputs share. Internal to salesproc_core; everything here lives on one I/O thread.
#pragma once

#include "http/connection.hpp"

#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace salesproc::http_detail {

// Idle keep-alive connections by pool key.
class connection_pool {
  public:
    std::unique_ptr<connection> take(const std::string& key);
    void put(const std::string& key, std::unique_ptr<connection> c);
    void clear() { idle_.clear(); }

  private:
    std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
};

// One request in flight: its connection and parser, the head read, the body still to come.
struct exchange {
    std::unique_ptr<connection> conn;
    std::unique_ptr<detail::http_response_parser> parser;
    response head;
    std::string pool_key;
    steady::time_point deadline;
};

// What sending needs: how to open a connection, where idle ones wait.
struct exchange_context {
    open_context& open;
    connection_pool& pool;
};

// Sends `req` to `url` along `way` and reads the response head, on a pooled connection when
// there is one (a stale one is replaced once, not counted as a retry). The whole step is
// bounded by settings.timeout.
// A request with a body (an upload's PUT or POST) too.
template <class Body>
asio::awaitable<attempt_or<exchange>> send_request(exchange_context& ctx, const http_url& url,
                                                   const route& way,
                                                   const http::request<Body>& req);
extern template asio::awaitable<attempt_or<exchange>> send_request(
    exchange_context&, const http_url&, const route&, const http::request<http::empty_body>&);
extern template asio::awaitable<attempt_or<exchange>> send_request(
    exchange_context&, const http_url&, const route&, const http::request<http::string_body>&);

// Takes each run of body bytes; false stops the read (the connection is then closed).
using body_sink = std::function<bool(std::string_view)>;
// Called before each read of the body; false stops it as the sink would (a reader that may
// not take more yet waits here).
using body_pace = std::function<asio::awaitable<bool>()>;

// Reads the rest of x's body through `buffer` into `sink`, each read waiting at most
// settings.timeout, then pools the connection if it may be reused. A transport failure (or
// more than settings.max_body bytes) is returned; a stop by the sink or the pace is not.
asio::awaitable<std::optional<attempt_result>> read_body(exchange_context& ctx, exchange& x,
                                                         std::span<char> buffer,
                                                         const body_sink& sink,
                                                         const body_pace* pace = nullptr);

}  // namespace salesproc::http_detail
