// Where a CSV input's bytes come from: a named file, a FIFO or stdin, read as stored or, when its
// first bytes say gzip or zstd, decompressed as they stream; for --shard, only one shard's
// bytes. One reader at a time (the pipeline's strand).
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/detail/decoder.hpp"
#include "salesproc/input/detail/transcoder.hpp"
#include "salesproc/input/input_identity.hpp"
#include "salesproc/input/remote_stream.hpp"
#include "salesproc/input/shard.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace salesproc {

// The CSV input: a named file, a FIFO, or stdin ("-"), read as stored or, when its first bytes
// say gzip or zstd, decompressed as it streams.
class byte_source {
  public:
    // Errors name the path: missing, unreadable, a directory. Reads the first bytes (to tell a
    // compressed input), so it waits for a writer on a FIFO.
    static result<byte_source> open(const std::string& path);
    // Shard `s` of a regular, uncompressed file (see shard.hpp): its bytes from the first record
    // boundary at or after its range's start (and after `header_end`, the end of the header
    // record, for K > 0; from the file's start for shard 0, header included) to the first
    // boundary at or after the range's end (and `header_end`). Errors name the path: missing,
    // unreadable, not a regular file, compressed.
    static result<byte_source> open_shard(const std::string& path, const shard_spec& s,
                                          std::uint64_t header_end);
    // A remote object (see remote_stream.hpp), shown as `name` (the URL without secrets).
    // Reads its first bytes, so errors of the first response (no such key, access denied)
    // come from here, naming the URL.
    static result<byte_source> open_remote(std::unique_ptr<remote_stream> stream, std::string name);
    // Shard `s` of an uncompressed remote object of `size` bytes, shown as `name`: planned with
    // `read` (ranged reads of the same object), then its bytes from the stream `open` starts at
    // the plan's beginning. Errors are theirs.
    using range_opener = std::function<result<std::unique_ptr<remote_stream>>(std::uint64_t begin)>;
    static result<byte_source> open_remote_shard(std::string name, const shard_spec& s,
                                                 std::uint64_t size, std::uint64_t header_end,
                                                 const positional_reader& read,
                                                 const range_opener& open);

    // Only before the first read().
    byte_source(byte_source&& other) noexcept;
    byte_source& operator=(byte_source&&) = delete;
    ~byte_source();

    // The input's encoding when it is not UTF-8 (--encoding); without one, a UTF-16 or UTF-32
    // byte-order mark is recognised. The text is transcoded to UTF-8 as it streams. Only before
    // the first read().
    void set_encoding(std::string encoding);

    // Reads until `n` (decompressed) bytes or end of input; 0 means end of input. Errors name the
    // path: read failures, a corrupt or truncated compressed stream (errc::corrupt_input), and a
    // regular file that shrank or otherwise changed while being read (errc::input_changed: its
    // identity at the end differs from the one at open), a shard's as a whole file's.
    result<std::size_t> read(char* dst, std::size_t n);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    // Size of a regular file at open time, as stored; nullopt for pipes and stdin.
    [[nodiscard]] std::optional<std::uint64_t> size() const noexcept { return size_; }
    [[nodiscard]] detail::compression compression() const noexcept { return compression_; }
    // A regular file's identity when opened (the whole file's, for a shard); a remote object's
    // (its size, and its ETag as the fingerprint) once read to its end; nullopt for pipes and
    // stdin.
    [[nodiscard]] const std::optional<input_identity>& identity() const noexcept {
        return identity_;
    }
    // A remote object's ETag, size and resumes; nullopt for a local input.
    [[nodiscard]] std::optional<remote_state> remote() const;
    // Bytes read as stored (compressed, for a compressed input).
    [[nodiscard]] std::uint64_t stored_bytes() const noexcept { return stored_; }
    // For a shard, once read to its end: the quote state at its range's end under its assumed
    // start (see shard.hpp).
    [[nodiscard]] std::optional<bool> shard_end_quoted() const noexcept;

    // For a compressed input: reads (and drops) the rest of the stream, and returns its error
    // (errc::corrupt_input) if it turns out corrupt or truncated; nullopt otherwise, and always
    // for an uncompressed input. See prefer_stream_error.
    std::optional<error> stream_error();
    // Whether the text is transcoded to UTF-8 (known once reading started).
    [[nodiscard]] bool transcoded() const noexcept { return transcoder_ != nullptr; }

  private:
    byte_source(int fd, bool owned, std::string name, std::optional<std::uint64_t> size) noexcept
        : fd_(fd), owned_(owned), name_(std::move(name)), size_(size) {}
    result<void> sniff();
    result<std::size_t> read_stored(char* dst, std::size_t n);
    // The end of the stored input: checks the file is still what it was when opened.
    result<std::size_t> at_end(std::size_t n);

    int fd_ = -1;
    bool owned_ = false;
    std::string name_;
    std::optional<std::uint64_t> size_;
    std::optional<input_identity> identity_;
    bool ended_ = false;  // at_end() has checked the identity
    std::string head_;    // the first bytes, read to sniff the format, not yet handed out
    std::uint64_t stored_ = 0;
    std::uint64_t offset_ = 0;  // of the next stored byte in the file
    detail::compression compression_ = detail::compression::none;
    // A shard's stream: where it stops, and the parity of what came before the stream.
    std::optional<shard_plan> shard_;
    std::unique_ptr<detail::decoder> decoder_;  // made at the first read, once `this` stays put
    std::string encoding_;
    bool text_started_ = false;
    std::string text_head_;  // decoded bytes start_text() read to look for a byte-order mark
    std::unique_ptr<detail::transcoder> transcoder_;
    std::unique_ptr<remote_stream> remote_;
    result<std::size_t> read_plain(char* dst, std::size_t n);
    result<void> start_text();
};

// The error a run over `source` ends with when `e` stopped it: the stream's own, when the input is
// compressed and its stream turns out corrupt or truncated, else `e`. A header or a row that
// fails on bytes decoded from a broken stream is the stream's fault, and saying so keeps the
// outcome the same however the bytes were read (--chunk-size): the whole stream is then
// decoded, whatever it costs, before the error is final.
error prefer_stream_error(byte_source& source, error e);

}  // namespace salesproc
