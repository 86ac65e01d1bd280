// The decisions of reading one object (a CSV input over HTTP(S) or S3) to its end: the first
// GET; after a cut, a ranged GET from the next byte carrying If-Match with the first response's
// ETag; every response checked against the first (ETag, size, the range asked for); retries by
// the retry policy, whose attempt count starts again whenever an attempt brought bytes. For a
// range of the object (--shard), every request is ranged and must be answered with that range.
// Pure state machine, no I/O (the reader coroutine sends, reads and sleeps as told); one per
// object.
#pragma once

#include "salesproc/api/detail/http_response.hpp"
#include "salesproc/api/retry_policy.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/input/remote_stream.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc::detail {

struct object_action {
    enum class kind {
        send,        // send the request (with next_request()'s fields)
        read_body,   // stream the body, dropping its first `skip` bytes
        read_error,  // read the (small) error body, then call on_failure with what it says
        wait,        // sleep `delay`, then call on_waited
        done,        // the object was read to its end
        fail,        // give up: code and error
    } what = kind::send;
    milliseconds delay{0};
    std::uint64_t skip = 0;
    boost::system::error_code code;
    std::string error;
};

class object_step {
  public:
    explicit object_step(const retry_policy& policy) : policy_(policy) {}
    object_step(const retry_policy& policy, const remote_range& range);

    [[nodiscard]] object_action start() const { return {}; }
    // An attempt starts: the fields its request adds, Range and If-Match once bytes were read.
    std::vector<std::pair<std::string, std::string>> next_request();

    // A response head. A 2xx must be the same object (ETag, size) and the range asked for.
    object_action on_head(const http_response& head);
    // Bytes of the body passed on: progress, which also resets the attempt count.
    void on_bytes(std::size_t n) noexcept;
    // The body ended without a transport error; short of the size, it is a cut like any other.
    object_action on_body_end(std::optional<milliseconds> time_left);
    // An attempt failed: a transport failure, mid-body or before, or an error status (with
    // `message` from its body). Retried while the policy says so.
    object_action on_failure(const attempt_failure& f, const std::string& message,
                             std::optional<milliseconds> time_left);
    object_action on_waited() const { return {}; }

    [[nodiscard]] const std::string& etag() const noexcept { return etag_; }
    [[nodiscard]] std::optional<std::uint64_t> size() const noexcept { return size_; }
    [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }
    // Requests that resumed a cut body (ranged GETs after the first bytes).
    [[nodiscard]] std::uint64_t resumes() const noexcept { return resumes_; }
    [[nodiscard]] unsigned attempts() const noexcept { return total_attempts_; }

  private:
    object_action changed(const std::string& why) const;
    object_action check_range(const http_response& head);
    object_action start_range(const http_response& head);
    [[nodiscard]] std::string range_asked() const;

    const retry_policy& policy_;
    bool ranged_ = false;  // every request asks for [begin_, end_)
    std::uint64_t begin_ = 0;
    std::optional<std::uint64_t> end_;
    std::string etag_;
    std::optional<std::uint64_t> size_;
    bool started_ = false;      // a first 2xx came: etag_ and size_ are the object's
    std::uint64_t offset_ = 0;  // bytes passed on
    unsigned attempt_ = 0;      // failed attempts since the last progress
    unsigned total_attempts_ = 0;
    std::uint64_t resumes_ = 0;
};

// "bytes 100-199/1000" as {100, 199, 1000}; nullopt when malformed or "*" for the size.
struct content_range {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t size = 0;
};
std::optional<content_range> parse_content_range(std::string_view value);

}  // namespace salesproc::detail
