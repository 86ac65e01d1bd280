// TLS for the HTTP client: the client context (trust store, verification, session hand-over)
// and the TLS session cache shared by the I/O threads, with its first-handshake wait.
// Internal to salesproc_core.
#pragma once

#include "salesproc/api/detail/session_gate.hpp"
#include "salesproc/api/fetch_types.hpp"

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace salesproc::http_detail {

namespace ssl = boost::asio::ssl;

// TLS sessions by where connections lead (the pool key), shared by every shard, and the one
// wait that makes them pay off. Opening a hundred connections to one origin at once means a
// hundred full handshakes, each costing both sides certificate decoding and verification and a
// key exchange (figures in the README), which on a fast link is most of the time to first byte. So
// on a fast link, connections that find the origin's first handshake in progress wait for its
// session (briefly, once per origin per run) and resume it. Thread-safe.
class tls_sessions {
  public:
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

    // The first-handshake wait (see detail/session_gate.hpp), keyed like the sessions.
    detail::session_gate::turn claim(const std::string& key, std::function<void()> wake) {
        return gate_.claim(key, std::move(wake));
    }
    void settle(const std::string& key) { gate_.settle(key); }

  private:
    static constexpr std::size_t max_tickets = 64;
    struct origin {
        SSL_SESSION* session = nullptr;     // TLS 1.2: reusable
        std::vector<SSL_SESSION*> tickets;  // TLS 1.3: one connection each
    };
    std::mutex mu_;
    std::unordered_map<std::string, origin> origins_;
    detail::session_gate gate_;
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

// Where a TLS connection's new sessions go; attached to its SSL, read by OpenSSL's callback.
struct session_target {
    tls_sessions* cache = nullptr;
    std::string key;
};
void attach_session_target(SSL* ssl, session_target* target);

// The client context for `settings`: TLS 1.2 at least, the system trust store plus --cacert,
// verification unless --insecure, and new sessions handed to each connection's session_target.
// Errors name --cacert: unreadable, or no usable PEM certificate.
result<ssl::context> make_tls_context(const fetch_settings& settings);

}  // namespace salesproc::http_detail
