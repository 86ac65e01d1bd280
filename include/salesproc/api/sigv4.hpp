// AWS Signature Version 4 for requests sent with an Authorization header: the canonical
// request, the string to sign, the signature, and the fields to add. Pure (no clock, no I/O);
// thread-safe. S3's rules are options: the path encoded once and never normalised, and the
// payload hash sent as x-amz-content-sha256.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

struct aws_credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty without one
    // Where they came from ("environment", "profile default", ...), for messages; never secret.
    std::string source;
};

// The hex SHA-256 of the empty payload, and S3's marker for a payload left unsigned.
inline constexpr std::string_view empty_payload_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

struct sigv4_request {
    std::string method;
    // The path as raw bytes (not percent-encoded): "/my key.csv". It is encoded for the
    // canonical request, and the same encoding is what the request line must carry.
    std::string path;
    // Query parameters, decoded; they are encoded and sorted for signing.
    std::vector<std::pair<std::string, std::string>> query;
    // Header fields as they will be sent, Host included; names in any case, repeats allowed.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string payload_sha256 = std::string(empty_payload_sha256);
};

struct sigv4_scope {
    std::string region;
    std::string service;
    std::int64_t unix_time = 0;  // the request's time, UTC seconds
};

struct sigv4_options {
    // Remove "." and ".." segments and repeated slashes from the path before encoding it
    // (every service but S3, whose keys may hold any of them).
    bool normalize_path = true;
    // Send and sign x-amz-content-sha256 (S3 requires it; also "sign_body" in the test suite).
    bool content_sha256_header = false;
    // Sign x-amz-security-token when there is a session token (false: add it unsigned, as STS
    // once wanted).
    bool sign_security_token = true;
};

struct sigv4_signed {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;  // hex
    // The fields to send in addition to the request's: X-Amz-Date, X-Amz-Content-Sha256 and
    // X-Amz-Security-Token as configured, and Authorization last.
    std::vector<std::pair<std::string, std::string>> fields;
    // The path as the request line must carry it (encoded as in the canonical request), with
    // the encoded, sorted query.
    std::string target;
};

sigv4_signed sign_v4(const sigv4_request& request, const aws_credentials& credentials,
                     const sigv4_scope& scope, const sigv4_options& options);

// RFC 3986 encoding as SigV4 wants it: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case
// hex), and '/' kept when `keep_slash`.
std::string aws_uri_encode(std::string_view text, bool keep_slash);

// "20150830T123600Z" for a Unix time.
std::string amz_date(std::int64_t unix_time);

// Hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace salesproc
