// S3 as plain data: s3:// URLs and their globs, where a bucket is reached (endpoint, region,
// path-style or virtual-hosted), the signed requests for an object and for a page of
// ListObjectsV2, the listing's XML, and S3's error bodies as messages a user can act on.
// Pure (the time is a parameter); thread-safe.
#pragma once

#include "salesproc/api/sigv4.hpp"
#include "salesproc/api/url.hpp"
#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

struct s3_url {
    std::string bucket;
    std::string key;  // as given, not percent-encoded: "2026-11/a b+c.csv"
    [[nodiscard]] std::string text() const { return "s3://" + bucket + "/" + key; }
};

bool is_s3_url(std::string_view text) noexcept;
// "s3://bucket/key". Errors name the URL: no bucket, a bucket name S3 would refuse.
result<s3_url> parse_s3_url(std::string_view text);

// A key that names many objects: empty or ending in '/' (the objects directly under that
// prefix), or holding a glob ('*' and '?' within one path segment, "**" across segments,
// "[...]" a set, '\' quoting the next character).
bool is_listing(const s3_url& u) noexcept;
// The literal start of a listing's key, sent as ListObjectsV2's prefix.
std::string list_prefix(const s3_url& u);
// Whether `key` is one of the objects `u` names (u a listing).
bool listing_matches(const s3_url& u, std::string_view key);
bool glob_match(std::string_view pattern, std::string_view key) noexcept;

enum class s3_addressing { automatic, path, virtual_host };
result<s3_addressing> parse_s3_addressing(std::string_view text);

struct s3_config {
    std::string region = "us-east-1";
    std::optional<http_url> endpoint;  // AWS_ENDPOINT_URL(_S3) or the profile's; else AWS's
    s3_addressing addressing = s3_addressing::automatic;
    std::optional<aws_credentials> credentials;  // none: requests go unsigned
};

// A request ready to send: where, and the header fields to add (signature included).
struct s3_request {
    http_url url;
    std::vector<std::pair<std::string, std::string>> fields;
};

// Virtual-hosted addressing on AWS's own endpoint when the bucket name is a DNS label that
// TLS certificates cover (no dots); path-style on any other endpoint, as MinIO, Ceph and the
// like expect by default.
bool uses_virtual_host(const s3_config& c, std::string_view bucket);

// A request on an object at `unix_time`: GET or HEAD, or (with `query`) the steps of an
// upload. The payload is UNSIGNED-PAYLOAD; an upload carries Content-MD5 instead.
s3_request object_request(const s3_config& c, const s3_url& object, std::string_view method,
                          std::int64_t unix_time,
                          std::vector<std::pair<std::string, std::string>> query = {});
// One page of ListObjectsV2 under `prefix`, after `continuation` (empty for the first page).
s3_request list_request(const s3_config& c, std::string_view bucket, std::string_view prefix,
                        std::string_view continuation, std::int64_t unix_time);

struct s3_listed_object {
    std::string key;
    std::uint64_t size = 0;
    std::string etag;
};
struct s3_list_page {
    std::vector<s3_listed_object> objects;
    bool truncated = false;
    std::string next_token;
};
// A ListObjectsV2 response body. Errors (errc::malformed_response) say what is wrong with it.
result<s3_list_page> parse_list_page(std::string_view xml);

// An S3 error response as one line, with a hint where the cause is likely the user's setup
// (credentials, clock, region), and whether retrying may help (SlowDown, InternalError, 5xx).
struct s3_failure {
    std::string message;
    bool transient = false;
};
s3_failure describe_s3_error(unsigned status, std::string_view reason, std::string_view body,
                             std::string_view bucket_region, const s3_config& c);

}  // namespace salesproc
