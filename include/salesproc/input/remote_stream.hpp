// A CSV input whose stored bytes come over the network: an https:// URL or an s3:// object. The
// http stage implements it; byte_source reads through it as through a file descriptor, so the
// same decoders, chunker and report follow.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

// What is known of a remote object once its first response came.
struct remote_state {
    std::optional<std::uint64_t> size;  // Content-Length of the first response, when it had one
    std::string etag;                   // of the first response; every later one must match
    std::uint64_t resumes = 0;          // ranged requests that went on after a cut
};

// Part of an object, for --shard: from `begin` to `end` (exclusive; the object's end when
// absent). Every request is ranged and carries If-Match `etag` (when not empty; else the first
// response's): a server that answers a Range with the whole object fails it.
struct remote_range {
    std::uint64_t begin = 0;
    std::optional<std::uint64_t> end;
    std::string etag;
};

// One reader at a time (the pipeline's strand); destroying it stops the transfer.
class remote_stream {
  public:
    remote_stream() = default;
    remote_stream(const remote_stream&) = delete;
    remote_stream& operator=(const remote_stream&) = delete;
    virtual ~remote_stream() = default;

    // Blocks until bytes arrive; 0 at the object's end. Errors name the URL: the transfer
    // failed for good (after its retries), or the object changed (errc::input_changed).
    virtual result<std::size_t> read(char* dst, std::size_t n) = 0;
    [[nodiscard]] virtual remote_state state() const = 0;
};

// s3://, http:// and https:// inputs; any other path is a local file.
bool is_remote_input(std::string_view path) noexcept;

// What the run gives the CSV half for remote inputs: expanding a listing into its objects'
// URLs (in key order; any other input unchanged), opening one, and opening a range of one. All
// block the calling thread until the network answers, so none may run on the I/O thread.
struct remote_access {
    std::function<result<std::vector<std::string>>(const std::string& input)> expand;
    std::function<result<std::unique_ptr<remote_stream>>(const std::string& url)> open;
    std::function<result<std::unique_ptr<remote_stream>>(const std::string& url,
                                                         const remote_range& range)>
        open_range;
};

}  // namespace salesproc
