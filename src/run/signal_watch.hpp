// SIGINT and SIGTERM for one run, as one room of run(). Lives on the run's io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>

namespace salesproc {

namespace asio = boost::asio;

// SIGINT and SIGTERM. The first sets `stop` (chunks check it) and calls `on_stop` (which
// cancels the API fetch). Work that has not ended 300 ms later is stuck in a read that never
// returns (a FIFO or a terminal), so `on_stuck` ends the process; it must not return.
class signal_watch {
  public:
    signal_watch(asio::io_context& io, std::atomic<bool>& stop, std::function<void()> on_stop,
                 std::function<void(int)> on_stuck)
        : signals_(io, SIGINT, SIGTERM), grace_(io) {
        signals_.async_wait(
            [this, &stop, on_stop = std::move(on_stop), on_stuck = std::move(on_stuck)](
                const boost::system::error_code& ec, int sig) {
                if (ec) return;
                signal_ = sig;
                stop.store(true);
                on_stop();
                grace_.expires_after(std::chrono::milliseconds(300));
                grace_.async_wait([this, sig, on_stuck](const boost::system::error_code& wait_ec) {
                    if (!wait_ec && !finished_) on_stuck(sig);
                });
            });
    }
    // The run's work ended: nothing more to watch.
    void finished() {
        finished_ = true;
        grace_.cancel();
        signals_.cancel();
    }
    // The signal that stopped the run, or 0.
    [[nodiscard]] int signal() const noexcept { return signal_; }

  private:
    asio::signal_set signals_;
    asio::steady_timer grace_;
    int signal_ = 0;
    bool finished_ = false;
};

}  // namespace salesproc
