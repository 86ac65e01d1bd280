// Reading the CSV input in large aligned blocks and cutting it into chunks of whole records.
// The cut is quote-aware (see csv.hpp), so a chunk boundary never splits a row, a quoted newline
// or a CR LF pair. One chunker is driven by one thread (the pipeline's strand) at a time.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/detail/decoder.hpp"
#include "salesproc/input/input_identity.hpp"
#include "salesproc/input/shard.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

// A row over --max-row-size is shown (in rejects and samples) by its first this many bytes.
inline constexpr std::size_t oversized_row_bytes = 1024;

// A row over max_row_size that the chunker skipped without buffering it whole.
struct skipped_row {
    std::uint64_t line = 0;  // counted from the chunk's line 0 (see chunk_buffer)
    std::uint64_t size = 0;  // bytes, without the '\n'
    std::string head;        // its first bytes, at most oversized_row_bytes
};

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

    // Only before the first read().
    byte_source(byte_source&& other) noexcept;
    byte_source& operator=(byte_source&&) = delete;
    ~byte_source();

    // Reads until `n` (decompressed) bytes or end of input; 0 means end of input. Errors name the
    // path: read failures, a corrupt or truncated compressed stream (errc::corrupt_input), and a
    // regular file that shrank or otherwise changed while being read (errc::input_changed: its
    // identity at the end differs from the one at open), a shard's as a whole file's.
    result<std::size_t> read(char* dst, std::size_t n);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    // Size of a regular file at open time, as stored; nullopt for pipes and stdin.
    [[nodiscard]] std::optional<std::uint64_t> size() const noexcept { return size_; }
    [[nodiscard]] detail::compression compression() const noexcept { return compression_; }
    // A regular file's identity when opened (the whole file's, for a shard); nullopt for pipes
    // and stdin.
    [[nodiscard]] const std::optional<input_identity>& identity() const noexcept {
        return identity_;
    }
    // Bytes read as stored (compressed, for a compressed input).
    [[nodiscard]] std::uint64_t stored_bytes() const noexcept { return stored_; }
    // For a shard, once read to its end: the quote state at its range's end under its assumed
    // start (see shard.hpp).
    [[nodiscard]] std::optional<bool> shard_end_quoted() const noexcept;

    // For a compressed input: reads (and drops) the rest of the stream, and returns its error
    // (errc::corrupt_input) if it turns out corrupt or truncated; nullopt otherwise, and always
    // for an uncompressed input. See prefer_stream_error.
    std::optional<error> stream_error();

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
    std::unique_ptr<detail::shard_tracker> shard_;
    bool shard_parity_before_ = false;
    std::unique_ptr<detail::decoder> decoder_;  // made at the first read, once `this` stays put
};

// The error a run over `source` ends with when `e` stopped it: the stream's own, when the input is
// compressed and its stream turns out corrupt or truncated, else `e`. A header or a row that
// fails on bytes decoded from a broken stream is the stream's fault, and saying so keeps the
// outcome the same however the bytes were read (--chunk-size): the whole stream is then
// decoded, whatever it costs, before the error is final.
error prefer_stream_error(byte_source& source, error e);

// A 64-byte-aligned, reusable buffer holding one chunk: records() is whole records only.
class chunk_buffer {
  public:
    chunk_buffer() = default;
    [[nodiscard]] std::string_view records() const noexcept {
        return {data_.get() + begin_, end_ - begin_};
    }
    // A chunk's line 0 is the first physical line after the previous chunk's records. Lines the
    // chunker consumed itself (leading blank lines and the header, rows it skipped) come first:
    // records() starts at line lines_before().
    [[nodiscard]] std::uint64_t lines_before() const noexcept { return lines_before_; }
    // Rows over max_row_size skipped before records(), in input order.
    [[nodiscard]] const std::vector<skipped_row>& skipped() const noexcept { return skipped_; }

  private:
    friend class chunker;
    struct free_deleter {
        void operator()(char* p) const noexcept;
    };
    void reserve(std::size_t capacity);

    std::unique_ptr<char, free_deleter> data_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint64_t lines_before_ = 0;
    std::vector<skipped_row> skipped_;
};

inline constexpr std::size_t max_skipped_per_chunk = 64;

struct chunker_options {
    std::size_t chunk_size = std::size_t{4} << 20;
    // A row longer than this is counted as malformed and skipped, so memory stays bounded.
    std::size_t max_row_size = std::size_t{64} << 20;
};

class chunker {
  public:
    chunker(byte_source& source, chunker_options options);

    // The header record, without a UTF-8 BOM and its line terminator; leading blank lines are
    // skipped. Errors: empty input, a header over max_row_size, read failures.
    result<std::string> read_header();

    // Fills `buf` with the next run of whole records. false once the input is exhausted. A chunk
    // may hold no records, only skipped rows: at most max_skipped_per_chunk of them, so memory
    // stays bounded in a file of nothing but over-long rows.
    // Errors: read failures, and a regular file that shrank while being read.
    result<bool> next(chunk_buffer& buf);

    // Bytes read, decompressed; source.stored_bytes() has them as stored.
    [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
    // Bytes handed out or consumed (a BOM, blank lines, the header), not the read-ahead.
    [[nodiscard]] std::uint64_t consumed() const noexcept { return bytes_read_ - carry_.size(); }
    // Lines consumed after the last chunk handed out (a header with no rows after it).
    [[nodiscard]] std::uint64_t pending_lines() const noexcept { return lines_pending_; }
    // Rows skipped for exceeding max_row_size; each counts as one malformed row.
    [[nodiscard]] std::uint64_t oversized_rows() const noexcept { return oversized_rows_; }

  private:
    // Appends up to `n` bytes of input at buf[write]; returns the count (0 at end of input).
    result<std::size_t> fill(chunk_buffer& buf, std::size_t write, std::size_t n);
    // Discards input up to the end of the current (oversized) record, which starts `row`, the
    // part of it already read; notes it for the next chunk.
    result<void> skip_record(chunk_buffer& buf, std::string_view row, bool in_quotes);
    // Gives `buf` the lines and skipped rows seen since the previous chunk.
    void hand_over(chunk_buffer& buf);

    byte_source& source_;
    chunker_options options_;
    std::string carry_;  // input not yet handed out; starts at a record boundary
    // True when carry_ is known to hold no record terminator (it is the tail after a cut), so
    // only newly read bytes need scanning. Input left over from the header or from skipping an
    // oversized row may hold whole records.
    bool carry_is_partial_ = false;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t oversized_rows_ = 0;
    std::uint64_t lines_pending_ = 0;  // lines consumed outside chunks since the last chunk
    std::vector<skipped_row> skipped_pending_;
    bool eof_ = false;
    bool started_ = false;
};

}  // namespace salesproc
