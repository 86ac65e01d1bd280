// Streaming decompression of a gzip (several members allowed) or zstd (several frames allowed)
// input, for byte_source: bounded memory whatever the size, output written straight into the
// caller's buffer. One decoder per input; not thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc::detail {

enum class compression : std::uint8_t { none, gzip, zstd };

// "gzip", "zstd", or "none".
std::string_view to_string(compression c) noexcept;

// The format announced by an input's first bytes (its magic number); none when they announce
// neither, or fewer than 4 bytes are given and they cannot tell.
compression sniff_compression(std::string_view head) noexcept;

class decoder {
  public:
    // Reads up to `n` stored bytes into `dst`; returns the count, 0 at end of input.
    using source = std::function<result<std::size_t>(char* dst, std::size_t n)>;

    // `name` is the input's name for messages; `c` must not be none.
    decoder(compression c, std::string name, source raw);
    decoder(decoder&&) noexcept;
    decoder& operator=(decoder&&) = delete;
    ~decoder();

    // Fills `dst` with up to `n` decoded bytes; returns the count, 0 once every member or frame
    // is decoded and the input ends. Errors (errc::corrupt_input) name the input, the format and
    // the stored byte where decoding failed, e.g. "gzip stream truncated after 1048576 bytes".
    result<std::size_t> read(char* dst, std::size_t n);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace salesproc::detail
