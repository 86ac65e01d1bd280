// Decoding an HTTP response body by its Content-Encoding. Only gzip is asked for (and "identity"
// accepted); the decoded size is capped, so a small compressed body cannot expand without bound.
// Thread-safety: stateless functions.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace salesproc {

// What the client sends as Accept-Encoding.
inline constexpr std::string_view accepted_encodings = "gzip";

// Decodes `body` sent with Content-Encoding `encoding` (case-insensitive; empty or "identity"
// returns the body unchanged). Errors, all with `context` (the URL): an unsupported encoding or
// corrupt/truncated gzip data (errc::bad_encoding), a decoded size over `max_size`
// (errc::body_too_large, found before more than max_size + 1 bytes are held).
result<std::string> decode_content(std::string body, std::string_view encoding,
                                   std::uint64_t max_size, const std::string& context);

// Decodes gzip data (RFC 1952), including several members one after another.
result<std::string> gunzip(std::string_view data, std::uint64_t max_size,
                           const std::string& context);

}  // namespace salesproc
