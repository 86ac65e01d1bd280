// Reading the CSV input in large aligned blocks and cutting it into chunks of whole records.
// The cut is quote-aware (see csv.hpp), so a chunk boundary never splits a row, a quoted newline
// or a CR LF pair. One chunker is driven by one thread (the pipeline's strand) at a time.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/input/byte_source.hpp"

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
    // Physical lines before the header to skip (--skip-lines): a title, a date.
    std::uint64_t skip_lines = 0;
};

class chunker {
  public:
    chunker(byte_source& source, chunker_options options);

    // The header record, without a UTF-8 BOM and its line terminator; options.skip_lines
    // physical lines, then Excel's "sep=X" line (when it is the next), then blank lines are
    // skipped, all counted as lines. Errors: empty input, a header (or a skipped line) over
    // max_row_size, read failures.
    result<std::string> read_header();
    // The delimiter a "sep=X" line above the header declared, if there was one.
    [[nodiscard]] std::optional<char> sep_delimiter() const noexcept { return sep_; }

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
    // read_header's steps.
    [[nodiscard]] error header_too_long(std::string_view line_text) const;
    result<void> read_header_block(chunk_buffer& block, std::size_t& scanned);
    result<std::string> last_line_as_header();
    result<void> skip_lines_above(chunk_buffer& block);
    result<void> take_sep_line(chunk_buffer& block);
    // The next physical line in carry_ (reading more as needed): its end past the '\n', or
    // carry_.size() at the end of input; nullopt when it passes max_row_size.
    result<std::optional<std::size_t>> physical_line(chunk_buffer& block, std::size_t from);
    // Discards input up to the end of the current (oversized) record, which starts `row`, the
    // part of it already read; notes it for the next chunk.
    result<void> skip_record(chunk_buffer& buf, std::string_view row, bool in_quotes);
    // Gives `buf` the lines and skipped rows seen since the previous chunk.
    void hand_over(chunk_buffer& buf);
    bool hand_over(chunk_buffer& buf, std::size_t begin, std::size_t end);
    struct fill_state;
    fill_state begin_chunk(chunk_buffer& buf);

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
    std::optional<char> sep_;
    bool eof_ = false;
    bool started_ = false;
};

}  // namespace salesproc
