#include "salesproc/http_client.hpp"

#include "salesproc/api_records.hpp"
#include "salesproc/content_coding.hpp"
#include "salesproc/detail/fetch_step.hpp"
#include "salesproc/detail/http_request.hpp"
#include "salesproc/detail/http_response.hpp"
#include "salesproc/proxy.hpp"
#include "salesproc/units.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace salesproc {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// A round trip at most this long means a fast link, where a full TLS handshake's CPU outweighs
// a few round trips.
constexpr auto fast_link_rtt = std::chrono::microseconds(5000);
// The longest a new connection waits for the session of its origin's first handshake.
constexpr auto max_session_wait = std::chrono::milliseconds(100);

// TLS sessions by where connections lead (the pool key), shared by every shard, and the one
// wait that makes them pay off. Opening a hundred connections to one origin at once means a
// hundred full handshakes: each costs the client ~0.8 ms of CPU under OpenSSL 3.0 (certificate
// decode and verify, key exchange) and the server as much again, which on a fast link is most of
// the time to first byte. So on a fast link, connections that find the origin's first handshake
// in progress wait for its session (briefly, once per origin per run) and resume it.
// Thread-safe.
class tls_sessions {
  public:
    enum class turn { first, wait, go };

    tls_sessions() = default;
    tls_sessions(const tls_sessions&) = delete;
    tls_sessions& operator=(const tls_sessions&) = delete;
    ~tls_sessions() {
        for (auto& [key, o] : origins_) {
            if (o.session != nullptr) SSL_SESSION_free(o.session);
            for (SSL_SESSION* s : o.tickets)
                SSL_SESSION_free(s);
        }
    }

    // A session to resume, which the caller frees, or nullptr. A TLS 1.2 session serves every
    // connection; a TLS 1.3 ticket serves one (RFC 8446 C.4, and OpenSSL marks a TLS 1.3 session
    // not resumable once one connection has used it).
    SSL_SESSION* get(const std::string& key) {
        std::lock_guard lock(mu_);
        auto it = origins_.find(key);
        if (it == origins_.end()) return nullptr;
        origin& o = it->second;
        if (o.session != nullptr) {
            SSL_SESSION_up_ref(o.session);
            return o.session;
        }
        while (!o.tickets.empty()) {
            SSL_SESSION* s = o.tickets.back();
            o.tickets.pop_back();
            if (SSL_SESSION_is_resumable(s) == 1) return s;
            SSL_SESSION_free(s);
        }
        return nullptr;
    }

    // Takes ownership of `s`, and ends the wait for the origin's first handshake.
    void put(const std::string& key, SSL_SESSION* s) {
        {
            std::lock_guard lock(mu_);
            auto& o = origins_[key];
            if (SSL_SESSION_get_protocol_version(s) >= TLS1_3_VERSION) {
                o.tickets.push_back(s);
                if (o.tickets.size() > max_tickets) {  // keep the newest
                    SSL_SESSION_free(o.tickets.front());
                    o.tickets.erase(o.tickets.begin());
                }
            } else {
                if (o.session != nullptr) SSL_SESSION_free(o.session);
                o.session = s;
            }
        }
        settle(key);
    }

    // first: the caller's handshake is the one others wait for; it must settle() the origin.
    // wait: `wake` will be called (from any thread) once the origin is settled.
    // go: no waiting for this origin (settled before, with or without a session).
    turn claim(const std::string& key, std::function<void()> wake) {
        std::lock_guard lock(mu_);
        auto& o = origins_[key];
        if (o.settled) return turn::go;
        if (!o.claimed) {
            o.claimed = true;
            return turn::first;
        }
        o.waiters.push_back(std::move(wake));
        return turn::wait;
    }

    // The first handshake ended, or its connection gave up waiting for a session.
    void settle(const std::string& key) {
        std::vector<std::function<void()>> wake;
        {
            std::lock_guard lock(mu_);
            auto& o = origins_[key];
            o.settled = true;
            wake.swap(o.waiters);
        }
        for (auto& w : wake)
            w();
    }

  private:
    static constexpr std::size_t max_tickets = 64;
    struct origin {
        SSL_SESSION* session = nullptr;     // TLS 1.2: reusable
        std::vector<SSL_SESSION*> tickets;  // TLS 1.3: one connection each
        bool claimed = false;
        bool settled = false;
        std::vector<std::function<void()>> waiters;
    };
    std::mutex mu_;
    std::unordered_map<std::string, origin> origins_;
};

// Settles an origin exactly once: when a session arrives, when the handshake fails, or at the
// latest when the connection that made the first handshake is done with its first response.
class settle_on_exit {
  public:
    settle_on_exit(tls_sessions& s, std::string key) : sessions_(&s), key_(std::move(key)) {}
    settle_on_exit(const settle_on_exit&) = delete;
    settle_on_exit& operator=(const settle_on_exit&) = delete;
    ~settle_on_exit() { sessions_->settle(key_); }

  private:
    tls_sessions* sessions_;
    std::string key_;
};

// One pooled connection: plain TCP or TLS over TCP, with its read buffer.
struct connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::string verify_error;          // why certificate verification failed, for the message
    tls_sessions* sessions = nullptr;  // where new TLS sessions of this connection go
    std::string session_key;
    std::optional<settle_on_exit> first_handshake;

    beast::tcp_stream& tcp() { return secure ? secure->next_layer() : *plain; }
};

// The SSL ex_data slot that leads from an SSL back to its connection (Asio uses app_data).
int connection_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL's client-side new-session callback: TLS 1.2 sessions at the end of the handshake,
// TLS 1.3 tickets when they arrive after it. Returning 1 keeps the reference.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* c = static_cast<connection*>(SSL_get_ex_data(ssl, connection_index()));
    if (c == nullptr || c->sessions == nullptr || SSL_SESSION_is_resumable(session) == 0) return 0;
    c->sessions->put(c->session_key, session);
    return 1;
}

using response = detail::http_response;

struct attempt_result {
    std::optional<response> ok;
    attempt_failure failure;
    std::string error;
};

attempt_result failed(errc code, std::string text) {
    attempt_result r;
    r.failure.code = make_error_code(code);
    r.error = std::move(text);
    return r;
}

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

// A request head as Beast sends it; set() keeps the last value of a repeated field, so a
// --header overrides a default one of the same name.
http::request<http::empty_body> to_beast(const detail::request_head& head) {
    http::request<http::empty_body> req{http::string_to_verb(head.method), head.target, 11};
    for (const auto& [name, value] : head.fields)
        req.set(name, value);
    return req;
}

// The kernel's round-trip estimate for a connected socket (from the handshake's SYN/SYN-ACK), so
// it does not include the time this thread was busy elsewhere; "unknown" counts as slow.
std::chrono::microseconds round_trip(tcp::socket& socket) {
    tcp_info info{};
    socklen_t size = sizeof info;
    if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return std::chrono::microseconds::max();
    return std::chrono::microseconds(info.tcpi_rtt);
}

// The peer closed or reset a connection: for a pooled connection before any reply, that is the
// server's idle timeout, not a failure of the request.
bool is_stale_connection(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == ssl::error::stream_truncated;
}

// The system trust store exactly as set_default_verify_paths defines it (SSL_CERT_FILE or the
// default bundle file, SSL_CERT_DIR or the default hashed directory), but read lazily. OpenSSL 3
// parses the whole bundle (~140 roots) up front, about 20 ms, a fifth of a short run, even when
// --cacert already anchors every chain. The hashed directory is looked up one issuer at a time,
// and the bundle goes in through an OSSL_STORE lookup, which is only searched (and the match
// cached) when an issuer is found nowhere else.
void use_system_trust_store(ssl::context& ctx) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
    const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
    const char* file_env = std::getenv(X509_get_default_cert_file_env());
    const char* dirs = dir_env != nullptr ? dir_env : X509_get_default_cert_dir();
    const char* file = file_env != nullptr ? file_env : X509_get_default_cert_file();
    if (X509_LOOKUP* by_dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()))
        X509_LOOKUP_add_dir(by_dir, dirs, X509_FILETYPE_PEM);
    if (::access(file, R_OK) == 0)
        if (X509_LOOKUP* by_store = X509_STORE_add_lookup(store, X509_LOOKUP_store()))
            X509_LOOKUP_add_store_ex(by_store, file, nullptr, nullptr);
    ERR_clear_error();  // a missing directory is not an error, as with the default paths
}

}  // namespace

// What the shards of one run share. Each URL index is taken by exactly one worker (the atomic
// counter), which alone writes that URL's outcome; the retry budget is guarded by `mu`.
struct run_state {
    explicit run_state(std::vector<http_url> u)
        : urls(std::move(u)), outcomes(urls.size()), budget(urls.size()) {
        for (std::size_t i = 0; i < urls.size(); ++i)
            outcomes[i].url = urls[i].redacted;
    }
    std::vector<http_url> urls;
    std::vector<url_outcome> outcomes;
    std::atomic<std::size_t> next{0};
    std::optional<steady::time_point> deadline;
    std::mutex mu;
    retry_budget budget;
};

class api_fetcher::impl {
  public:
    impl(asio::any_io_executor ex, fetch_settings s, rules r, ssl::context ctx,
         proxy_config proxies)
        : ex_(std::move(ex)),
          settings_(std::move(s)),
          rules_(std::move(r)),
          tls_(std::move(ctx)),
          proxies_(std::move(proxies)),
          // The random source may be the caller's; shards on other threads take turns with it.
          policy_(settings_.retry, [this] {
              std::lock_guard lock(uniform_mu_);
              return settings_.uniform();
          }) {}

    asio::awaitable<fetch_summary> run(std::vector<http_url> urls);
    void cancel(std::string reason);

  private:
    class shard;
    struct shard_slot;

    bool stopping() const { return stopping_.load(std::memory_order_acquire); }
    std::string stop_reason() const {
        std::lock_guard lock(stop_mu_);
        return stop_reason_;
    }

    // Read-only while a run is in progress, so every shard's thread may use them.
    asio::any_io_executor ex_;
    fetch_settings settings_;
    rules rules_;
    ssl::context tls_;  // SSL_CTX is safe to share between threads once configured
    proxy_config proxies_;
    std::mutex uniform_mu_;
    retry_policy policy_;
    tls_sessions sessions_;

    std::atomic<bool> stopping_{false};
    mutable std::mutex stop_mu_;
    std::string stop_reason_;         // guarded by stop_mu_; set once, before stopping_
    std::vector<shard_slot> shards_;  // only touched on ex_
};

// One share of the workers, with its own executor, connection pool and cancellation signals.
// Everything here runs on that executor's one thread; cross-shard state is in run_state.
// Sharding exists because one thread cannot keep up with a burst of a hundred responses or the
// TLS handshakes of a hundred connections without adding tens of milliseconds to a run.
class api_fetcher::impl::shard {
  public:
    shard(impl& owner, asio::any_io_executor ex, run_state& state)
        : owner_(owner), ex_(std::move(ex)), state_(state) {}

    const asio::any_io_executor& executor() const { return ex_; }

    // Runs `workers` fetch loops until the URLs run out or the run is cancelled.
    asio::awaitable<void> run(std::size_t workers);
    // Must run on executor(): cancels every request, timer and backoff sleep of this shard.
    void cancel() {
        for (std::size_t i = 0; i < signal_count_; ++i)
            signals_[i].emit(asio::cancellation_type::terminal);
    }

    std::uint64_t retries = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t tls_resumed = 0;

  private:
    asio::awaitable<void> worker();
    asio::awaitable<void> fetch_one(std::size_t index);
    asio::awaitable<attempt_result> attempt(const http_url& url, bool send_credentials);
    // Along `way`, whose pool key is also what TLS sessions are kept by.
    asio::awaitable<std::unique_ptr<connection>> connect(const http_url& url, const route& way,
                                                         steady::time_point deadline,
                                                         attempt_result& failure);
    attempt_result classify(const boost::system::error_code& ec);
    std::optional<milliseconds> time_left() const;

    impl& owner_;
    const fetch_settings& settings() const { return owner_.settings_; }
    asio::any_io_executor ex_;
    run_state& state_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
    std::unique_ptr<asio::cancellation_signal[]> signals_;
    std::size_t signal_count_ = 0;
};

// A shard with the thread and io_context it owns (none for the first shard, which runs on the
// fetcher's own executor). Declared so the shard, and with it every socket, goes before its
// io_context does.
struct api_fetcher::impl::shard_slot {
    std::unique_ptr<asio::io_context> io;
    std::unique_ptr<shard> s;
    std::thread thread;
};

asio::awaitable<fetch_summary> api_fetcher::impl::run(std::vector<http_url> urls) {
    run_state state(std::move(urls));
    if (settings_.deadline) state.deadline = steady::now() + *settings_.deadline;

    // Workers are split across shards; the bound stays global, and any host may use all of it.
    const std::size_t workers =
        std::min<std::size_t>(std::max(1U, settings_.concurrency), state.urls.size());
    std::size_t shard_count = std::min<std::size_t>(std::max(1U, settings_.io_threads),
                                                    std::max<std::size_t>(1, workers));
    shards_.clear();
    shards_.resize(shard_count);
    // Threads start first, idle under a work guard, so one that cannot be started only means
    // fewer shards.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (std::size_t i = 1; i < shard_count; ++i) {
        auto& slot = shards_[i];
        slot.io = std::make_unique<asio::io_context>(1);
        guards.push_back(asio::make_work_guard(*slot.io));
        try {
            slot.thread = std::thread([io = slot.io.get()] { io->run(); });
        } catch (const std::system_error&) {
            guards.pop_back();
            shards_.resize(i);
            break;
        }
    }
    shard_count = shards_.size();
    for (auto& slot : shards_)
        slot.s = std::make_unique<shard>(*this, slot.io ? slot.io->get_executor() : ex_, state);

    asio::steady_timer all_done(ex_, steady::time_point::max());
    std::size_t running = workers == 0 ? 0 : shard_count;
    std::vector<std::exception_ptr> bugs(shard_count);
    for (std::size_t i = 0; workers != 0 && i < shard_count; ++i) {
        const std::size_t share = workers / shard_count + (i < workers % shard_count ? 1 : 0);
        // The handler runs on the shard's thread; the count is kept on ex_.
        asio::co_spawn(shards_[i].s->executor(), shards_[i].s->run(share),
                       [&, i, main = ex_](std::exception_ptr e) {
                           bugs[i] = e;
                           asio::post(main, [&] {
                               if (--running == 0) all_done.cancel();
                           });
                       });
    }
    guards.clear();
    std::optional<asio::steady_timer> deadline;
    bool deadline_hit = false;
    if (state.deadline) {
        deadline.emplace(ex_, *state.deadline);
        deadline->async_wait([this, &deadline_hit](const boost::system::error_code& ec) {
            if (ec) return;
            deadline_hit = true;
            cancel("deadline " + format_duration(*settings_.deadline) + " exceeded");
        });
    }
    co_await asio::this_coro::throw_if_cancelled(false);
    while (running != 0) {
        co_await all_done.async_wait(nothrow);
        // Woken with shards still running: whoever awaits this run was cancelled. The shards
        // use this frame, so they are stopped and waited for all the same.
        if (running != 0) {
            cancel("cancelled");
            co_await asio::this_coro::reset_cancellation_state();
        }
    }
    if (deadline) deadline->cancel();

    fetch_summary summary;
    for (auto& slot : shards_) {
        if (slot.thread.joinable()) slot.thread.join();
        summary.retries += slot.s->retries;
        summary.connections_opened += slot.s->connections_opened;
        summary.tls_resumed += slot.s->tls_resumed;
    }
    shards_.clear();
    for (auto& e : bugs)
        if (e) std::rethrow_exception(e);
    summary.deadline_hit = deadline_hit;
    summary.retry_budget_exhausted = state.budget.exhausted();
    summary.urls = std::move(state.outcomes);
    const std::string reason = stop_reason();
    for (auto& u : summary.urls)
        if (!u.ok && u.error.empty()) {
            u.error = "not started: " + reason;
            u.code = make_error_code(errc::interrupted);
        }
    co_return summary;
}

void api_fetcher::impl::cancel(std::string reason) {
    {
        std::lock_guard lock(stop_mu_);
        if (stop_reason_.empty()) stop_reason_ = std::move(reason);
    }
    stopping_.store(true, std::memory_order_release);
    for (auto& slot : shards_) {
        if (!slot.io)
            slot.s->cancel();
        else
            asio::post(slot.s->executor(), [s = slot.s.get()] { s->cancel(); });
    }
}

asio::awaitable<void> api_fetcher::impl::shard::run(std::size_t workers) {
    signal_count_ = workers;
    signals_ = std::make_unique<asio::cancellation_signal[]>(signal_count_);
    asio::steady_timer all_done(ex_, steady::time_point::max());
    std::size_t running = signal_count_;
    std::exception_ptr bug;
    for (std::size_t i = 0; i < signal_count_; ++i)
        asio::co_spawn(ex_, worker(),
                       asio::bind_cancellation_slot(signals_[i].slot(), [&](std::exception_ptr e) {
                           if (e && !bug) bug = e;
                           if (--running == 0) all_done.cancel();
                       }));
    if (running != 0) co_await all_done.async_wait(nothrow);
    idle_.clear();
    signal_count_ = 0;
    if (bug) std::rethrow_exception(bug);
}

std::optional<milliseconds> api_fetcher::impl::shard::time_left() const {
    if (!state_.deadline) return std::nullopt;
    const auto left = std::chrono::duration_cast<milliseconds>(*state_.deadline - steady::now());
    return std::max(left, milliseconds(0));
}

asio::awaitable<void> api_fetcher::impl::shard::worker() {
    while (!owner_.stopping()) {
        const std::size_t index = state_.next.fetch_add(1, std::memory_order_relaxed);
        if (index >= state_.urls.size()) break;
        co_await fetch_one(index);
    }
}

asio::awaitable<void> api_fetcher::impl::shard::fetch_one(std::size_t index) {
    using kind = detail::fetch_action::kind;
    url_outcome& out = state_.outcomes[index];
    const http_url& original = state_.urls[index];
    detail::fetch_step step(original, owner_.policy_, settings().max_redirects, [this] {
        std::lock_guard lock(state_.mu);
        return state_.budget.try_spend();
    });
    auto fail = [&](boost::system::error_code code, std::string error) {
        out.code = code;
        out.error = std::move(error);
    };
    try {
        detail::fetch_action next = step.start();
        for (;;) {
            out.attempts = step.attempts();
            if (next.what == kind::fail) {
                fail(next.code, std::move(next.error));
                co_return;
            }
            if (next.what == kind::wait) {
                ++retries;
                asio::steady_timer backoff(ex_, next.delay);
                co_await backoff.async_wait(asio::use_awaitable);
                next = step.on_waited();
                continue;
            }
            attempt_result r = co_await attempt(step.url(), step.send_credentials());
            if (!r.ok) {
                next = step.on_failure(r.failure, std::move(r.error), time_left());
                continue;
            }
            response& resp = *r.ok;
            next = step.on_response({resp.status, resp.reason, resp.location, resp.retry_after},
                                    std::chrono::system_clock::now(), time_left());
            if (next.what != kind::done) continue;
            auto body = decode_content(std::move(resp.body), resp.content_encoding,
                                       settings().max_body, original.redacted);
            if (!body) {
                fail(body.error().code, body.error().reason);
                co_return;
            }
            auto parsed =
                parse_api_records(*body, owner_.rules_, original.redacted, settings().rejects);
            if (!parsed) {
                fail(parsed.error().code, parsed.error().reason);
                co_return;
            }
            out.ok = true;
            out.error.clear();
            out.code.clear();
            out.records = parsed->records;
            out.sales = std::move(parsed->sales);
            out.rejects = std::move(parsed->rejects);
            co_return;
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) throw;
        fail(make_error_code(errc::interrupted),
             owner_.stopping() ? owner_.stop_reason() : std::string("cancelled"));
    }
}

attempt_result api_fetcher::impl::shard::classify(const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted && owner_.stopping())
        throw boost::system::system_error(ec);
    if (ec == beast::error::timeout)
        return failed(errc::timeout, "timeout after " + format_duration(settings().timeout));
    if (ec == http::error::body_limit)
        return failed(errc::body_too_large, "response body exceeds --max-body " +
                                                std::to_string(settings().max_body) + " bytes");
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

asio::awaitable<std::unique_ptr<connection>> api_fetcher::impl::shard::connect(
    const http_url& url, const route& way, steady::time_point deadline, attempt_result& failure) {
    using namespace asio::experimental::awaitable_operators;
    const http_url* proxy = way.proxy;
    const http_url& dial = way.dial(url);
    const std::string& key = way.pool_key;
    tcp::resolver resolver(ex_);
    asio::steady_timer timer(ex_, deadline);
    auto resolved = co_await (resolver.async_resolve(dial.host, dial.port, nothrow) ||
                              timer.async_wait(nothrow));
    if (resolved.index() == 1) {
        if (owner_.stopping()) throw boost::system::system_error(asio::error::operation_aborted);
        failure = failed(errc::timeout, "timeout after " + format_duration(settings().timeout) +
                                            " resolving " + dial.host);
        co_return nullptr;
    }
    auto [rec, endpoints] = std::get<0>(std::move(resolved));
    if (rec) {
        failure = rec == asio::error::operation_aborted
                      ? classify(rec)
                      : failed(errc::dns_failed, "cannot resolve " +
                                                     std::string(proxy ? "proxy" : "host") + " '" +
                                                     dial.host + "': " + rec.message());
        co_return nullptr;
    }
    auto conn = std::make_unique<connection>();
    if (url.tls)
        conn->secure.emplace(ex_, owner_.tls_);
    else
        conn->plain.emplace(ex_);
    conn->tcp().expires_at(deadline);
    auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, nothrow);
    if (cec) {
        failure = cec == beast::error::timeout || cec == asio::error::operation_aborted
                      ? classify(cec)
                      : failed(cec == asio::error::connection_refused ? errc::connection_refused
                                                                      : errc::connect_failed,
                               "connect to " + std::string(proxy ? "proxy " : "") +
                                   dial.authority() + " failed: " + cec.message());
        co_return nullptr;
    }
    ++connections_opened;
    boost::system::error_code opt_ec;
    conn->tcp().socket().set_option(tcp::no_delay(true), opt_ec);
    if (!url.tls) co_return conn;

    if (way.tunnel) {
        // A CONNECT tunnel to the origin; TLS then runs end to end through it.
        const auto tunnel = to_beast(detail::make_connect(url, *proxy));
        conn->tcp().expires_at(deadline);
        auto [twec, tw] = co_await http::async_write(conn->tcp(), tunnel, nothrow);
        http::response_parser<http::empty_body> reply;
        reply.skip(true);  // a CONNECT reply has no body
        boost::system::error_code tec = twec;
        if (!tec) {
            auto [trec, tr] =
                co_await http::async_read_header(conn->tcp(), conn->buffer, reply, nothrow);
            tec = trec;
        }
        if (tec) {
            failure = classify(tec);
            failure.error = "proxy " + proxy->authority() + ": " + failure.error;
            co_return nullptr;
        }
        const unsigned status = reply.get().result_int();
        if (status != 200) {
            failure = failed(status >= 500 ? errc::connect_failed : errc::proxy_error,
                             "proxy " + proxy->authority() + " refused CONNECT to " +
                                 url.authority() + ": HTTP " + std::to_string(status) + " " +
                                 std::string(reply.get().reason()));
            co_return nullptr;
        }
    }

    SSL* native = conn->secure->native_handle();
    // SNI carries host names only; an IP literal is verified against the certificate's IP SANs.
    if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(native, url.host.c_str());
    if (!settings().insecure) {
        connection* c = conn.get();
        conn->secure->set_verify_callback(
            [c, host = url.host](bool preverified, ssl::verify_context& vctx) {
                const bool ok = ssl::host_name_verification(host)(preverified, vctx);
                if (!ok && c->verify_error.empty()) {
                    X509_STORE_CTX* store = vctx.native_handle();
                    const int err = X509_STORE_CTX_get_error(store);
                    c->verify_error =
                        preverified || err == X509_V_OK
                            ? "hostname mismatch: certificate is not valid for '" + host + "'"
                            : X509_verify_cert_error_string(err);
                }
                return ok;
            });
    }
    conn->sessions = &owner_.sessions_;
    conn->session_key = key;
    SSL_set_ex_data(native, connection_index(), conn.get());
    SSL_SESSION* resume = owner_.sessions_.get(key);
    // Waiting costs the rest of one handshake: a few round trips, which on a fast link (a kernel
    // RTT estimate of a few ms at most) is less than the CPU a full handshake costs both sides.
    if (resume == nullptr && round_trip(conn->tcp().socket()) <= fast_link_rtt) {
        auto woken = std::make_shared<asio::steady_timer>(
            ex_, std::min(deadline, steady::now() + max_session_wait));
        auto wake = [woken, ex = ex_] { asio::post(ex, [woken] { woken->cancel(); }); };
        switch (owner_.sessions_.claim(key, wake)) {
            case tls_sessions::turn::first:
                conn->first_handshake.emplace(owner_.sessions_, key);
                break;
            case tls_sessions::turn::wait:
                co_await woken->async_wait(nothrow);
                if (owner_.stopping())
                    throw boost::system::system_error(asio::error::operation_aborted);
                resume = owner_.sessions_.get(key);
                break;
            case tls_sessions::turn::go:  // settled since get(): maybe with a session now
                resume = owner_.sessions_.get(key);
                break;
        }
    }
    if (resume != nullptr) {
        SSL_set_session(native, resume);
        SSL_SESSION_free(resume);
    }
    conn->tcp().expires_at(deadline);
    auto [hec] = co_await conn->secure->async_handshake(ssl::stream_base::client, nothrow);
    // A TLS 1.2 session is complete with the handshake; a TLS 1.3 one arrives as a ticket just
    // after it, so the first connection keeps the origin unsettled until its first response.
    if (hec || SSL_version(native) <= TLS1_2_VERSION) conn->first_handshake.reset();
    if (hec) {
        if (!conn->verify_error.empty())
            failure = failed(errc::tls_verify, "certificate verify failed: " + conn->verify_error);
        else if (hec == beast::error::timeout || hec == asio::error::operation_aborted)
            failure = classify(hec);
        else
            failure = failed(errc::connection_lost, "TLS handshake failed: " + hec.message());
        co_return nullptr;
    }
    if (SSL_session_reused(native) == 1) ++tls_resumed;
    co_return conn;
}

asio::awaitable<attempt_result> api_fetcher::impl::shard::attempt(const http_url& url,
                                                                  bool send_credentials) {
    const auto deadline = steady::now() + settings().timeout;
    const route way = owner_.proxies_.route_for(url);
    const std::string& origin = way.pool_key;
    std::unique_ptr<connection> conn;
    if (auto it = idle_.find(origin); it != idle_.end() && !it->second.empty()) {
        conn = std::move(it->second.back());
        it->second.pop_back();
    }
    bool reused = conn != nullptr;

    detail::get_options options;
    options.user_agent = settings().user_agent;
    options.accept_encoding = accepted_encodings;
    options.headers = &settings().headers;
    const auto req = to_beast(detail::make_get(url, way, send_credentials, options));

    for (;;) {
        if (!conn) {
            attempt_result failure;
            conn = co_await connect(url, way, deadline, failure);
            if (!conn) co_return failure;
            reused = false;
        }
        detail::http_response_parser parser;
        detail::apply_limits(parser, settings().max_body);
        conn->tcp().expires_at(deadline);
        auto [wec, written] = conn->secure ? co_await http::async_write(*conn->secure, req, nothrow)
                                           : co_await http::async_write(*conn->plain, req, nothrow);
        boost::system::error_code ec = wec;
        if (!ec) {
            conn->tcp().expires_at(deadline);
            auto [rec, read] =
                conn->secure
                    ? co_await http::async_read(*conn->secure, conn->buffer, parser, nothrow)
                    : co_await http::async_read(*conn->plain, conn->buffer, parser, nothrow);
            ec = rec;
        }
        if (ec) {
            if (reused && !parser.got_some() && is_stale_connection(ec)) {
                // Resend once on a fresh connection; not a retry.
                conn.reset();
                reused = false;
                continue;
            }
            co_return classify(ec);
        }
        conn->first_handshake.reset();
        response resp = detail::take_response(parser);
        if (resp.keep_alive) idle_[origin].push_back(std::move(conn));
        attempt_result r;
        r.ok = std::move(resp);
        co_return r;
    }
}

result<std::unique_ptr<api_fetcher>> api_fetcher::create(asio::any_io_executor ex,
                                                         fetch_settings settings, rules r) {
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    use_system_trust_store(ctx);
    if (!settings.cacert.empty()) {
        if (!std::ifstream(settings.cacert))
            return errno_error("--cacert " + settings.cacert, errno);
        ctx.load_verify_file(settings.cacert, ec);
        if (ec)
            return make_error(errc::bad_config, "--cacert " + settings.cacert,
                              "no usable PEM certificate (" + ec.message() + ")");
    }
    ctx.set_verify_mode(settings.insecure ? ssl::verify_none : ssl::verify_peer);
    // Sessions are kept by tls_sessions, keyed by origin; OpenSSL only hands them over.
    SSL_CTX_set_session_cache_mode(ctx.native_handle(),
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx.native_handle(), on_new_session);
    auto proxies = proxy_config::parse(settings.proxy);
    if (!proxies) return proxies.error();
    if (!settings.uniform) {
        auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
        settings.uniform = [engine] {
            return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
        };
    }
    return std::unique_ptr<api_fetcher>(new api_fetcher(std::make_unique<impl>(
        std::move(ex), std::move(settings), std::move(r), std::move(ctx), std::move(*proxies))));
}

api_fetcher::api_fetcher(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
api_fetcher::~api_fetcher() = default;

asio::awaitable<fetch_summary> api_fetcher::run(std::vector<http_url> urls) {
    co_return co_await impl_->run(std::move(urls));
}

void api_fetcher::cancel() {
    impl_->cancel("interrupted");
}

}  // namespace salesproc
