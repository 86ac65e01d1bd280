// The decisions and texts of writing an object to S3 (an s3:// --out or --rejects): a small
// output is one PUT; a large one a multipart upload (CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, or AbortMultipartUpload on any failure), each body with its
// Content-MD5. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

// Parts of this size (S3 takes 5 MiB to 5 GiB, at most 10000 parts): 80 GB of rejects at most,
// and what an upload holds in memory.
inline constexpr std::size_t upload_part_size = std::size_t{8} << 20;
inline constexpr std::size_t max_upload_parts = 10000;

// base64 of the MD5 of `body`: S3 refuses a body that arrives different (BadDigest).
std::string content_md5(std::string_view body);

// The query of each step.
using query_list = std::vector<std::pair<std::string, std::string>>;
query_list create_upload_query();
query_list upload_part_query(std::size_t part_number, std::string_view upload_id);
query_list upload_id_query(std::string_view upload_id);  // Complete and Abort

// UploadId of a CreateMultipartUpload answer; errc::bad_response when it has none.
result<std::string> parse_upload_id(std::string_view xml);
// The body of CompleteMultipartUpload: the parts' ETags, in part order from 1.
std::string complete_upload_body(const std::vector<std::string>& etags);
// A CompleteMultipartUpload can fail after its 200 (the error is in the body): its message, or
// empty when the body says it completed.
std::string complete_upload_failure(std::string_view xml);

}  // namespace salesproc
