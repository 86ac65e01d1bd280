// The first-handshake wait of the TLS session cache, without TLS: per key (an origin), the
// first connection to claim goes ahead and must settle the key; connections that claim while it
// is in progress wait and are woken when it settles; once settled, everyone goes at once.
// Settling is idempotent. Thread-safe: the client's I/O threads share one gate.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace salesproc::detail {

class session_gate {
  public:
    enum class turn {
        first,  // the caller's handshake is the one others wait for; it must settle() the key
        wait,   // `wake` will be called, from any thread, once the key is settled
        go,     // settled before: no waiting
    };

    turn claim(const std::string& key, std::function<void()> wake);
    // The first handshake ended (with or without a session), or its connection gave up.
    void settle(const std::string& key);

  private:
    struct state {
        bool claimed = false;
        bool settled = false;
        std::vector<std::function<void()>> waiters;
    };
    std::mutex mu_;
    std::unordered_map<std::string, state> keys_;
};

}  // namespace salesproc::detail
