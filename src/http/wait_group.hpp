// Waiting for a group of tasks spawned on one executor, after Boost.MySQL's wait_group: add()
// before spawning, done() in each completion handler, wait() until none is left. Everything
// runs on the group's executor.
#pragma once

#include "http/common.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>

namespace salesproc::http_detail {

class wait_group {
  public:
    explicit wait_group(const asio::any_io_executor& ex) : timer_(ex, steady::time_point::max()) {}

    void add(std::size_t n = 1) noexcept { running_ += n; }
    void done() {
        if (--running_ == 0) timer_.cancel();
    }
    [[nodiscard]] std::size_t running() const noexcept { return running_; }

    // Returns when every task is done, or early when the awaiting coroutine is cancelled
    // (running() then tells which).
    asio::awaitable<void> wait() {
        if (running_ != 0) co_await timer_.async_wait(nothrow);
    }

  private:
    asio::steady_timer timer_;
    std::size_t running_ = 0;
};

}  // namespace salesproc::http_detail
