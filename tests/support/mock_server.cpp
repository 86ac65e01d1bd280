#include "support/mock_server.hpp"

#include "support/mock_replies.hpp"
#include "support/test_support.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <optional>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace salesproc::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct mock_server::state {
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_server};
    tcp::acceptor acceptor{io};
    std::unordered_map<std::string, unsigned>
        counters;  // path+query -> requests so far (io thread)
    mock_server* owner = nullptr;
};

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::string post_json(int id) {
    std::ostringstream o;
    o << "{\"userId\": " << (id - 1) / 10 + 1 << ", \"id\": " << id << ", \"title\": \"post " << id
      << "\", \"body\": \"quia et suscipit\"}";
    return o.str();
}

// Three valid sales (exact total 12.50*2 + 0.10*... see tests) and two rejected ones.
const char* sales_json = R"([{"product": "Halal Dates", "price": 12.50, "quantity": 2},)"
                         R"( {"product": "Halal Tea", "price": "15.10", "quantity": "3"},)"
                         R"( {"product": "Halal Dates", "price": 10.01, "quantity": 1},)"
                         R"( {"product": "Pork Rind", "price": 20.00, "quantity": 1},)"
                         R"( {"product": "Halal Honey", "price": 1e3, "quantity": 1},)"
                         R"( {"note": "not a sale"}])";

// The /sales records one a line, as an NDJSON export writes them: CRLF line ends, a blank line,
// no newline after the last.
std::string sales_lines() {
    std::string lines;
    const std::string_view all = sales_json;
    bool first = true;
    for (std::size_t at = all.find('{'); at != std::string_view::npos; first = false) {
        const std::size_t end = all.find('}', at);
        lines.append(all.substr(at, end + 1 - at));
        at = all.find('{', end);
        if (at != std::string_view::npos) lines += first ? "\r\n\r\n" : "\r\n";
    }
    return lines;
}

// Page K of a paginated sales API: a valid sale whose quantity is K, and a rejected one.
std::string page_sales(unsigned k) {
    const std::string n = std::to_string(k);
    return R"([{"product": "Halal Page )" + n + R"(", "price": "10.00", "quantity": )" + n +
           R"(}, {"product": "Pork )" + n + R"(", "price": "12.00", "quantity": 1}])";
}

// The pagination routes (see mock_server.hpp).
void paged_reply(const std::string& path, std::unordered_map<std::string, std::string>& q,
                 reply& r) {
    const unsigned page = q.count("page") ? static_cast<unsigned>(std::stoul(q["page"])) : 1;
    const unsigned pages = q.count("pages") ? static_cast<unsigned>(std::stoul(q["pages"])) : 3;
    const std::string tail = "&pages=" + std::to_string(pages) +
                             (q.count("fail_page") ? "&fail_page=" + q["fail_page"] : "") +
                             (q.count("auth") ? "&auth=" + q["auth"] : "");
    auto page_url = [&](unsigned k) { return path + "?page=" + std::to_string(k) + tail; };
    if (q.count("fail_page") && std::stoul(q["fail_page"]) == page) {
        r.status = 500;
        r.body = R"({"error": "injected"})";
        return;
    }
    if (path == "/envelope") {
        r.body = R"({"data": )" + page_sales(1) + R"(, "count": 2})";
    } else if (path == "/pages/link") {
        r.body = page_sales(page);
        // Another relation first, as real APIs send it, then next as a relative reference.
        std::string link = "<" + page_url(pages) + ">; rel=\"last\"";
        if (page < pages) link += ", <" + page_url(page + 1) + ">; rel=\"next\"";
        r.headers.emplace_back("Link", link);
    } else if (path == "/pages/body") {
        r.body = R"({"data": )" + page_sales(page) + R"(, "next": )" +
                 (page < pages ? "\"" + page_url(page + 1) + "\"" : std::string("null")) + "}";
    } else if (path == "/pages/loop") {
        r.body = page_sales(page);
        r.headers.emplace_back("Link", "<" + page_url(page % 2 + 1) + ">; rel=\"next\"");
    } else if (path == "/pages/cross") {
        r.body = page_sales(page);
        if (q.count("next")) r.headers.emplace_back("Link", "<" + q["next"] + ">; rel=\"next\"");
    } else {
        r.status = 404;
        r.body = R"({"error": "not found"})";
    }
}

std::string reason(unsigned status) {
    return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

template <class Stream>
void hard_close(Stream& s, bool reset) {
    auto& sock = beast::get_lowest_layer(s).socket();
    boost::system::error_code ec;
    if (reset) sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
}

template <class Stream>
asio::awaitable<void> session(mock_server::state* st, Stream stream) {
    mock_server& srv = *st->owner;
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(stream, buffer, req, nothrow);
        if (ec) co_return;
        srv.note_request_start();
        const std::string target(req.target());
        auto parsed = boost::urls::parse_origin_form(target);
        std::string path = parsed ? std::string(parsed->path()) : target;
        std::unordered_map<std::string, std::string> q;
        if (parsed)
            for (auto p : parsed->params())
                q[p.key] = p.has_value ? p.value : "1";
        {
            std::map<std::string, std::string> h;
            for (const auto& f : req)
                h[std::string(f.name_string())] = std::string(f.value());
            srv.record_headers(path, std::move(h));
        }
        const unsigned nth = st->counters[target]++;

        reply r;
        std::optional<std::size_t> cut_at;  // bytes of the payload sent before a reset
        if (path.rfind("/objects/", 0) == 0) {
            cut_at = object_reply(q, req, nth, r);
        } else if (path == "/sts" || path == "/container-credentials") {
            credentials_reply(path, q, req, r);
        } else if (path == "/posts") {
            r.body = "[";
            for (int i = 1; i <= 100; ++i)
                r.body += (i > 1 ? ", " : "") + post_json(i);
            r.body += "]";
        } else if (path.rfind("/posts/", 0) == 0) {
            r.body = post_json(std::atoi(path.c_str() + 7));
        } else if (path == "/sales") {
            r.body = sales_json;
        } else if (path == "/sales/lines" || path == "/sales.ndjson") {
            // As an NDJSON API labels it, and as a static file server does (by extension).
            r.body = sales_lines();
            if (path == "/sales/lines") r.content_type = "application/x-ndjson";
        } else if (path == "/sales/eu") {
            // An ERP's export: capitalised keys, decimal commas in strings, a JSON number.
            r.body = R"([{"Product": "Halal Dates", "Price": "12,50", "Quantity": 2},)"
                     R"( {" product ": "Halal Tea", "PRICE": "1.234,50", "quantity": "1"},)"
                     R"( {"Product": "Halal Gum", "Price": 12.5, "Quantity": 1}])";
        } else if (path == "/echo") {
            r.body = "{\"ok\": true}";
        } else if (path.rfind("/pages/", 0) == 0 || path == "/envelope") {
            paged_reply(path, q, r);
        } else {
            r.status = 404;
            r.body = "{\"error\": \"not found\"}";
        }
        if (q.count("status")) {
            std::vector<unsigned> seq;
            std::stringstream ss(q["status"]);
            std::string item;
            while (std::getline(ss, item, ','))
                seq.push_back(static_cast<unsigned>(std::stoul(item)));
            if (!seq.empty()) r.status = seq[std::min<std::size_t>(nth, seq.size() - 1)];
            if (r.status >= 300) r.body = "{\"error\": \"injected\"}";
        }
        if (q.count("redirect") || q.count("redirect_self")) {
            if (!q.count("status")) r.status = 302;
            r.headers.emplace_back("Location", q.count("redirect") ? q["redirect"] : target);
        }
        if (r.status >= 300 && q.count("retry_after"))
            r.headers.emplace_back("Retry-After", q["retry_after"]);
        if (q.count("invalid_json")) r.body = "{\"id\": 1, ";
        // auth=BASE64: HTTP Basic credentials every request must carry.
        if (q.count("auth") &&
            std::string(req[http::field::authorization]) != "Basic " + q["auth"]) {
            r.status = 401;
            r.body = "{\"error\": \"credentials required\"}";
        }
        if (q.count("huge_header"))  // one header field of this many bytes
            r.headers.emplace_back("X-Padding", std::string(std::stoul(q["huge_header"]), 'h'));
        if (q.count("huge_strings")) {  // strings of 1000 bytes, one a record, to N bytes
            const std::size_t size = std::stoul(q["huge_strings"]);
            const std::string item = "\"" + std::string(1000, 'x') + "\"";
            r.body.assign("[" + item);
            while (r.body.size() + item.size() + 2 < size)
                r.body.append(",").append(item);
            r.body += "]";
        }
        if (q.count("huge")) {
            const std::size_t size = std::stoul(q["huge"]);
            r.body.assign("[");
            while (r.body.size() + 2 < size)
                r.body += "0,";
            r.body += "0]";
        }
        // gzip=1: compress the body, as a server does when the request accepts gzip.
        // encoding=NAME: claim that Content-Encoding without changing the body.
        if (q.count("gzip") &&
            std::string(req[http::field::accept_encoding]).find("gzip") != std::string::npos) {
            r.body = gzip_compress(r.body);
            r.headers.emplace_back("Content-Encoding", "gzip");
        }
        if (q.count("encoding")) r.headers.emplace_back("Content-Encoding", q["encoding"]);
        if (q.count("delay_ms")) {
            asio::steady_timer t(co_await asio::this_coro::executor,
                                 std::chrono::milliseconds(std::stoul(q["delay_ms"])));
            co_await t.async_wait(nothrow);
        }

        const bool chunked = q.count("chunked") != 0;
        const bool close_after = !req.keep_alive();
        std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) +
                           "\r\nContent-Type: " + r.content_type + "\r\n";
        for (const auto& [k, v] : r.headers)
            head += k + ": " + v + "\r\n";
        // reset_once=1: the first request is reset mid-body, later ones are answered whole.
        const bool reset =
            q.count("reset") || (q.count("reset_once") && nth == 0) || cut_at.has_value();
        const std::size_t promised =
            r.body.size() + (q.count("truncate") || (reset && !cut_at) ? 1000 : 0);
        head += chunked ? "Transfer-Encoding: chunked\r\n"
                        : "Content-Length: " + std::to_string(promised) + "\r\n";
        if (close_after) head += "Connection: close\r\n";
        head += "\r\n";

        std::string payload;
        if (chunked) {
            const std::size_t half = r.body.size() / 2;
            auto chunk = [](std::string_view c) {
                std::ostringstream o;
                o << std::hex << c.size() << "\r\n" << c << "\r\n";
                return o.str();
            };
            payload = chunk(std::string_view(r.body).substr(0, half)) +
                      chunk(std::string_view(r.body).substr(half)) + "0\r\n\r\n";
        } else {
            payload = r.body;
        }

        if (q.count("trickle_ms")) {
            co_await asio::async_write(stream, asio::buffer(head), nothrow);
            asio::steady_timer t(co_await asio::this_coro::executor);
            for (char c : payload) {
                t.expires_after(std::chrono::milliseconds(std::stoul(q["trickle_ms"])));
                co_await t.async_wait(nothrow);
                auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(&c, 1), nothrow);
                if (wec) break;
            }
        } else if (reset) {
            co_await asio::async_write(
                stream, asio::buffer(head + payload.substr(0, cut_at.value_or(payload.size() / 2))),
                nothrow);
            srv.note_request_end();
            hard_close(stream, true);
            co_return;
        } else {
            auto [wec, wn] =
                co_await asio::async_write(stream, asio::buffer(head + payload), nothrow);
            if (wec) {
                srv.note_request_end();
                co_return;
            }
        }
        srv.note_request_end();
        if (q.count("truncate") || q.count("drop_after") || close_after) {
            hard_close(stream, false);
            co_return;
        }
    }
}

asio::awaitable<void> accept_loop(mock_server::state* st, bool tls) {
    for (;;) {
        auto [ec, socket] = co_await st->acceptor.async_accept(nothrow);
        if (ec) co_return;
        st->owner->note_connection();
        if (tls) {
            asio::co_spawn(
                st->io,
                [st, s = std::move(socket)]() mutable -> asio::awaitable<void> {
                    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(s)),
                                                                st->tls);
                    auto [hec] =
                        co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
                    if (hec) co_return;
                    if (SSL_session_reused(stream.native_handle()) == 1) st->owner->note_resumed();
                    co_await session(st, std::move(stream));
                },
                asio::detached);  // a test server's connection failures are the client's to report
        } else {
            asio::co_spawn(st->io, session(st, beast::tcp_stream(std::move(socket))),
                           asio::detached);
        }
    }
}

}  // namespace

void mock_server::note_request_start() {
    ++requests_;
    const unsigned now = ++in_flight_;
    unsigned seen = max_in_flight_;
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
}
void mock_server::note_request_end() {
    --in_flight_;
}
void mock_server::note_connection() {
    ++connections_;
}
void mock_server::record_headers(const std::string& path, std::map<std::string, std::string> h) {
    std::lock_guard lock(headers_mutex_);
    last_headers_[path] = std::move(h);
}

mock_server::mock_server(options o) : options_(std::move(o)), state_(std::make_unique<state>()) {
    state_->owner = this;
    if (options_.tls) {
        state_->tls.use_certificate_chain(asio::buffer(options_.cert.cert_pem));
        state_->tls.use_private_key(asio::buffer(options_.cert.key_pem), asio::ssl::context::pem);
        SSL_CTX* ctx = state_->tls.native_handle();
        if (options_.tls12_only) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        if (options_.no_resumption) {
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
            SSL_CTX_set_num_tickets(ctx, 0);
            SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        }
    }
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), options_.port);
    state_->acceptor.open(ep.protocol());
    state_->acceptor.set_option(asio::socket_base::reuse_address(true));
    state_->acceptor.bind(ep);
    state_->acceptor.listen(asio::socket_base::max_listen_connections);
    port_ = state_->acceptor.local_endpoint().port();
    asio::co_spawn(state_->io, accept_loop(state_.get(), options_.tls), asio::detached);
    thread_ = std::thread([st = state_.get()] { st->io.run(); });
}

mock_server::~mock_server() {
    state_->io.stop();
    thread_.join();
    // Close the listener now so that its port refuses connections; destroying the state then
    // destroys the io_context and with it every suspended session.
    boost::system::error_code ec;
    state_->acceptor.close(ec);
    state_.reset();
}

std::string mock_server::url(const std::string& path_and_query) const {
    return (options_.tls ? "https://" : "http://") + options_.host + ":" + std::to_string(port_) +
           path_and_query;
}

std::string mock_server::last_header(const std::string& path, const std::string& header) const {
    std::lock_guard lock(headers_mutex_);
    const auto it = last_headers_.find(path);
    if (it == last_headers_.end()) return {};
    for (const auto& [k, v] : it->second)
        if (beast::iequals(k, header)) return v;
    return {};
}

}  // namespace salesproc::test
