// An output written to object storage (an s3:// --out or --rejects): the http stage implements
// it; atomic_output writes through it as through its temp file, so an object, like a file,
// becomes visible only when complete (publish), and a failed or interrupted run leaves the
// previous object as it was.
#pragma once

#include "salesproc/base/errors.hpp"

#include <string_view>

namespace salesproc {

// One writer at a time; abort() may come from another thread (a signal) while write() runs.
class remote_output {
  public:
    remote_output() = default;
    remote_output(const remote_output&) = delete;
    remote_output& operator=(const remote_output&) = delete;
    virtual ~remote_output() = default;

    // Appends `data`; a large output is uploaded in parts as it grows, in bounded memory.
    // Errors name the URL (after the retries): the upload is then aborted.
    virtual result<void> write(std::string_view data) = 0;
    // Everything is uploaded, nothing visible yet.
    virtual result<void> finish() = 0;
    // The object appears at its key, whole (a PUT, or the multipart upload completed).
    virtual result<void> publish() = 0;
    // Drops what was uploaded (AbortMultipartUpload), best effort; the key is untouched.
    virtual void abort() noexcept = 0;
};

// An s3:// output (a file otherwise).
bool is_remote_output(std::string_view path) noexcept;

}  // namespace salesproc
