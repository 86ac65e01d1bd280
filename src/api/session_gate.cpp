#include "salesproc/api/detail/session_gate.hpp"

namespace salesproc::detail {

session_gate::turn session_gate::claim(const std::string& key, std::function<void()> wake) {
    std::lock_guard lock(mu_);
    auto& s = keys_[key];
    if (s.settled) return turn::go;
    if (!s.claimed) {
        s.claimed = true;
        return turn::first;
    }
    s.waiters.push_back(std::move(wake));
    return turn::wait;
}

void session_gate::settle(const std::string& key) {
    std::vector<std::function<void()>> wake;
    {
        std::lock_guard lock(mu_);
        auto& s = keys_[key];
        s.settled = true;
        wake.swap(s.waiters);
    }
    // Outside the lock: a waker may post to an executor that runs on this very thread.
    for (auto& w : wake)
        w();
}

}  // namespace salesproc::detail
