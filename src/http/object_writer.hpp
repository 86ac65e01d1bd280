// Writing an s3:// output on a remote_context: one request with a body, retried by the policy,
// and the remote_output that buffers an output and sends it as one PUT, or as a multipart
// upload once it passes one part. Internal to salesproc_core.
#pragma once

#include "http/object_reader.hpp"
#include "salesproc/api/s3_upload.hpp"
#include "salesproc/output/remote_output.hpp"

#include <functional>
#include <memory>
#include <string>

namespace salesproc::http_detail {

// What an upload request answered: a 2xx's ETag and (small) body.
struct upload_answer {
    std::string etag;
    std::string body;
};

// `method` of target.plan() with `body` and its Content-MD5; a non-2xx is an error with
// target.describe's message, naming target.shown, after the retries. Runs on ctx.ex.
asio::awaitable<result<upload_answer>> send_upload(remote_context& ctx, const remote_target& target,
                                                   std::string method, std::string body);

// How each step of one object's upload is addressed: the target for the query given.
using upload_target = std::function<remote_target(std::string method, query_list query)>;

// The output that writes through `target` on ctx (whose executor must run on a thread other
// than the caller's).
std::unique_ptr<remote_output> make_object_output(std::shared_ptr<remote_context> ctx,
                                                  std::string shown, upload_target target);

}  // namespace salesproc::http_detail
