// Decoding an HTTP response body by its Content-Encoding. Only gzip is asked for (and "identity"
// accepted); the decoded size is capped, so a small compressed body cannot expand without bound.
// Thread-safety: stateless functions.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc {

// What the client sends as Accept-Encoding.
inline constexpr std::string_view accepted_encodings = "gzip";

// A body decoded as it arrives: each run of decoded bytes goes to the sink given to feed(), in
// order, through a 64 KiB buffer; nothing else of the body is held. Errors, all with `context`:
// corrupt gzip data or a stream that ends early (errc::bad_encoding), more than `max_size` decoded
// bytes (errc::body_too_large), and whatever the sink returns. One body; not thread-safe.
class body_decoder {
  public:
    using sink = std::function<result<void>(std::string_view)>;

    // An unsupported encoding is errc::bad_encoding.
    static result<body_decoder> make(std::string_view encoding, std::uint64_t max_size,
                                     std::string context);
    ~body_decoder();
    body_decoder(body_decoder&&) noexcept;
    body_decoder& operator=(body_decoder&&) noexcept;

    result<void> feed(std::string_view encoded, const sink& out);
    // The body ended: a gzip stream must have ended too.
    result<void> finish();
    [[nodiscard]] std::uint64_t decoded() const noexcept;

    class impl;

  private:
    explicit body_decoder(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

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
