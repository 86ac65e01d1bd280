// The CSV half's remote inputs: s3:// objects (listed with ListObjectsV2, requests signed with
// SigV4) and http(s):// URLs, read on the run's io_context with the API half's client steps
// (proxies, TLS, --timeout, retries with backoff), resumed by range after a cut and checked by
// ETag. Thread-safety: access()'s functions and cancel() may be called from any thread but the
// io_context's own (they block until the network answers); the io_context must be running.
#pragma once

#include "salesproc/api/aws_config.hpp"
#include "salesproc/api/fetch_types.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/input/remote_stream.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/remote_output.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace salesproc {

class remote_objects {
  public:
    // Setup failures (an unreadable --cacert, a malformed proxy URL) are errors naming them.
    // Credentials are resolved at the first s3:// input, not here.
    static result<std::unique_ptr<remote_objects>> create(boost::asio::any_io_executor ex,
                                                          fetch_settings settings, s3_flags flags);
    ~remote_objects();

    [[nodiscard]] remote_access access();
    // An s3:// output at `url`, one object (see remote_output.hpp); credentials as for inputs.
    // Errors name the URL: a listing, no credentials.
    result<std::unique_ptr<remote_output>> open_output(const std::string& url);
    // Ends every transfer promptly with errc::interrupted (SIGINT, SIGTERM).
    void cancel(std::string reason);

    struct impl;

  private:
    explicit remote_objects(std::shared_ptr<impl> p);
    std::shared_ptr<impl> impl_;
};

// remote_objects on an io_context and a thread of their own: outputs are written from the
// rejects writer's thread and published after the run's io_context has stopped.
class output_objects {
  public:
    static result<std::unique_ptr<output_objects>> create(fetch_settings settings, s3_flags flags);
    ~output_objects();
    output_objects(const output_objects&) = delete;
    output_objects& operator=(const output_objects&) = delete;

    result<std::unique_ptr<remote_output>> open(const std::string& url);
    // An s3:// listing's objects in key order (an object as itself), and an object's whole
    // text: what merge reads its parts with.
    result<std::vector<std::string>> expand(const std::string& url);
    result<std::string> read(const std::string& url);
    result<std::unique_ptr<remote_stream>> stream(const std::string& url);

    struct host;

  private:
    explicit output_objects(std::unique_ptr<host> h);
    std::unique_ptr<host> host_;
};

// Opens the outputs of a run or a merge: files as atomic_output::prepare does, s3:// objects
// through output_objects made at the first one. Must outlive what it opened.
class output_opener {
  public:
    output_opener(fetch_settings settings, s3_flags flags)
        : settings_(std::move(settings)), flags_(flags) {}
    // Errors name the path or URL (no credentials for an s3:// output among them).
    result<atomic_output> open(const std::string& path);
    // The client of s3:// objects, made at the first call.
    result<output_objects*> objects();

  private:
    fetch_settings settings_;
    s3_flags flags_;
    std::unique_ptr<output_objects> objects_;
};

// Whether any of `paths` is an s3:// or http(s):// input.
bool any_remote(const std::vector<std::string>& paths);

}  // namespace salesproc
