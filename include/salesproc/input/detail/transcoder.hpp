// Transcoding an input to UTF-8 as it streams (glibc's iconv), for --encoding and for inputs that
// start with a UTF-16 or UTF-32 byte-order mark. Bounded memory whatever the size; what it reads
// is independent of how much each caller asks for, so its errors are the same for any
// --chunk-size. One per input; not thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc::detail {

// Whether iconv knows `name` as a source encoding.
bool is_known_encoding(const std::string& name) noexcept;

// Whether `name` means UTF-8 itself (no transcoding): "utf-8", "UTF8", ...
bool is_utf8_name(std::string_view name) noexcept;

// The encoding a byte-order mark at the start of `head` (its first 2 to 4 bytes) announces:
// "UTF-32LE", "UTF-32BE", "UTF-16LE", "UTF-16BE"; empty for none (a UTF-8 BOM needs nothing).
std::string_view bom_encoding(std::string_view head) noexcept;

class transcoder {
  public:
    // Reads up to `n` bytes of the input as stored (or decompressed); 0 at its end.
    using source = std::function<result<std::size_t>(char* dst, std::size_t n)>;

    // Errors (errc::invalid_argument) name `encoding` when iconv does not know it.
    static result<std::unique_ptr<transcoder>> open(const std::string& encoding, std::string name,
                                                    source raw);
    ~transcoder();
    transcoder(const transcoder&) = delete;
    transcoder& operator=(const transcoder&) = delete;

    // Up to `n` bytes of UTF-8; 0 at the end. Errors (errc::corrupt_input) name the input, the
    // encoding and the input byte: a sequence that is not of the encoding, or an input that
    // ends inside one.
    result<std::size_t> read(char* dst, std::size_t n);

  private:
    transcoder(void* cd, std::string encoding, std::string name, source raw);
    result<void> fill();
    result<void> read_more();

    void* cd_;  // iconv_t
    std::string encoding_;
    std::string name_;
    source raw_;
    std::unique_ptr<char[]> in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    bool raw_done_ = false;
    std::unique_ptr<char[]> out_;
    std::size_t out_begin_ = 0;
    std::size_t out_end_ = 0;
    std::uint64_t consumed_ = 0;  // input bytes converted so far
    bool done_ = false;
};

}  // namespace salesproc::detail
