// A minimal HTTP proxy for tests: CONNECT tunnels (https through a proxy) and absolute-form
// requests (http through a proxy). Binds 127.0.0.1 on an ephemeral port, runs on its own thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace salesproc::test {

class connect_proxy {
  public:
    // With `required_auth` set, requests without exactly that Proxy-Authorization get 407.
    explicit connect_proxy(std::string required_auth = {});
    ~connect_proxy();
    connect_proxy(const connect_proxy&) = delete;
    connect_proxy& operator=(const connect_proxy&) = delete;

    [[nodiscard]] std::string url() const;  // http://127.0.0.1:PORT
    [[nodiscard]] unsigned tunnels() const noexcept { return tunnels_; }
    [[nodiscard]] unsigned forwarded() const noexcept { return forwarded_; }
    // Request lines seen ("CONNECT localhost:1234 HTTP/1.1", "GET http://... HTTP/1.1").
    [[nodiscard]] std::vector<std::string> request_lines() const;

    struct state;
    void note(const std::string& request_line, bool tunnel);

  private:
    std::unique_ptr<state> state_;
    std::thread thread_;
    unsigned short port_ = 0;
    std::atomic<unsigned> tunnels_{0}, forwarded_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace salesproc::test
