// Writing a stream of bytes on a thread of its own, so that the producer (the CSV reducer, on the
// pipeline's strand) hands over a buffer and goes on instead of waiting for the kernel to copy
// it. At most `max_queued` buffers wait, so memory stays bounded when the disk is slower.
// One producer thread at a time; the writer thread only calls the sink.
#pragma once

#include "salesproc/base/detail/text.hpp"
#include "salesproc/base/errors.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace salesproc {

class write_behind {
  public:
    using sink = std::function<result<void>(std::string_view)>;

    explicit write_behind(sink out, std::size_t max_queued = 4);
    write_behind(const write_behind&) = delete;
    write_behind& operator=(const write_behind&) = delete;
    // Waits for the thread; what is still queued is written first.
    ~write_behind();

    // Queues a copy of `data`; waits while max_queued buffers are waiting. Returns the sink's
    // first error, once it has happened (later data is then dropped).
    result<void> write(std::string_view data);
    // Queues `data` itself, without a copy, leaving an empty buffer in its place.
    result<void> write(detail::byte_buffer& data);
    // Writes what is queued, stops the thread, and returns the sink's first error.
    result<void> close();

  private:
    void run();

    sink out_;
    std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<detail::byte_buffer> queue_;
    std::vector<detail::byte_buffer> spare_;  // written buffers, reused to avoid reallocating
    std::optional<error> failure_;
    bool closing_ = false;
    std::thread thread_;
};

}  // namespace salesproc
