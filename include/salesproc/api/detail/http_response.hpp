// How the client reads one HTTP response: the parser limits and what it keeps of the head. The
// body is read through a caller's buffer (buffer_body), piece by piece, never held whole.
// Shared by the client and the response fuzzer, so the fuzzer exercises the production limits.
// Header-only on purpose: the fuzz build compiles Beast's parser without the separate Asio TU.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/range/iterator_range.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace salesproc::detail {

struct http_response {
    unsigned status = 0;
    std::string reason;
    std::string location;
    std::string retry_after;
    std::string content_encoding;
    std::string content_type;
    std::string link;  // the Link header fields, joined with ", " as RFC 9110 allows
    // What reading an object (a CSV input over HTTP or S3) checks and resumes by.
    std::string etag;
    std::string content_range;
    std::optional<std::uint64_t> content_length;
    std::string bucket_region;  // S3's x-amz-bucket-region, on a wrong-region answer
    bool keep_alive = false;
};

using http_response_parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

// A hostile server must not make us buffer without bound: headers stop at 64 KiB (Beast reports
// header_limit). The body is --max-body's, counted by the caller (over_body_limit): Beast 1.81
// counts the bytes of a body that runs to the end of the connection twice when a buffer_body
// takes only part of a read, which failed such bodies under the limit depending on how they were
// split.
inline constexpr std::uint32_t max_response_header_bytes = 64 * 1024;

inline void apply_limits(http_response_parser& parser, std::uint64_t) {
    parser.body_limit(boost::none);
    parser.header_limit(max_response_header_bytes);
}

// Whether a body of which `received` bytes came is over `max_body`, or says it will be.
inline bool over_body_limit(const http_response_parser& parser, std::uint64_t received,
                            std::uint64_t max_body) {
    if (received > max_body) return true;
    if (!parser.is_header_done()) return false;
    const auto length = parser.content_length();
    return length && *length > max_body;
}

// What the client uses of a parsed head.
inline http_response take_head(const http_response_parser& parser) {
    namespace http = boost::beast::http;
    const auto& msg = parser.get();
    http_response r;
    r.status = msg.result_int();
    r.reason = std::string(msg.reason());
    r.location = std::string(msg[http::field::location]);
    r.retry_after = std::string(msg[http::field::retry_after]);
    r.content_encoding = std::string(msg[http::field::content_encoding]);
    r.content_type = std::string(msg[http::field::content_type]);
    for (const auto& f : boost::make_iterator_range(msg.equal_range(http::field::link)))
        r.link.append(r.link.empty() ? "" : ", ").append(f.value());
    r.etag = std::string(msg[http::field::etag]);
    r.content_range = std::string(msg[http::field::content_range]);
    if (const auto length = parser.content_length()) r.content_length = *length;
    r.bucket_region = std::string(msg["x-amz-bucket-region"]);
    r.keep_alive = msg.keep_alive();
    return r;
}

}  // namespace salesproc::detail
