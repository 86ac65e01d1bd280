#include "salesproc/input/chunker.hpp"

#include "salesproc/base/detail/text.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/input/shard.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace salesproc {
namespace {

// New data is read at this offset so that read() targets a 64-byte-aligned address (several
// times faster from the page cache than a 16-byte-aligned one) while the carried-over start of
// a record is copied just in front of it.
constexpr std::size_t read_offset = std::size_t{64} << 10;
constexpr std::size_t alignment = 64;

}  // namespace

void chunk_buffer::free_deleter::operator()(char* p) const noexcept {
    std::free(p);
}

void chunk_buffer::reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    capacity = (capacity + alignment - 1) / alignment * alignment;
    auto* p = static_cast<char*>(std::aligned_alloc(alignment, capacity));
    if (p == nullptr) throw std::bad_alloc();
    if (data_ && end_ > 0) std::memcpy(p, data_.get(), end_);
    data_.reset(p);
    capacity_ = capacity;
}

chunker::chunker(byte_source& source, chunker_options options)
    : source_(source), options_(options) {
    options_.chunk_size = std::max<std::size_t>(options_.chunk_size, 1);
    options_.max_row_size = std::max<std::size_t>(options_.max_row_size, 1);
}

result<std::size_t> chunker::fill(chunk_buffer& buf, std::size_t write, std::size_t n) {
    auto got = source_.read(buf.data_.get() + write, n);
    if (!got) return got;
    bytes_read_ += *got;
    if (*got == 0) eof_ = true;
    return got;
}

// Any line up to the header longer than the limit is an error, judged on the whole line so that
// where a read happened to end never matters (found by fuzzing with small limits). The CR-only
// hint looks at the same bytes however the input was read: the line's first max_row_size + 1
// bytes (all present whenever the limit is exceeded), at most 64 KiB.
error chunker::header_too_long(std::string_view line_text) const {
    const bool cr_only = csv::has_bare_cr(
        line_text.substr(0, std::min(options_.max_row_size + 1, std::size_t{64} << 10)));
    return make_error(errc::row_too_large, source_.name(),
                      "header row exceeds --max-row-size (" +
                          std::to_string(options_.max_row_size) + " bytes)" +
                          (cr_only ? "; the file has CR-only line endings (classic Mac), "
                                     "convert with tr '\\r' '\\n'"
                                   : ""));
}

// Appends the next block of input to carry_; before the first three bytes are in, a UTF-8 BOM
// may still be stripped (then the scan restarts at 0).
result<void> chunker::read_header_block(chunk_buffer& block, std::size_t& scanned) {
    auto got = fill(block, 0, block.capacity_);
    if (!got) return got.error();
    carry_.append(block.data_.get(), *got);
    if (!started_ && (carry_.size() >= 3 || eof_)) {
        started_ = true;
        if (carry_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
            carry_.erase(0, 3);
            scanned = 0;
        }
    }
    return {};
}

// The end of the physical line starting at carry_[from] (past its '\n'), reading blocks as
// needed; carry_.size() when the input ends first.
result<std::optional<std::size_t>> chunker::physical_line(chunk_buffer& block, std::size_t from) {
    std::size_t scanned = from;
    for (;;) {
        // Judged on the whole line, so that where a read ended never matters.
        const auto nl = carry_.find('\n', scanned);
        if (nl != std::string::npos)
            return nl - from > options_.max_row_size ? std::optional<std::size_t>()
                                                     : std::optional<std::size_t>(nl + 1);
        if (carry_.size() - from > options_.max_row_size) return std::optional<std::size_t>();
        if (eof_) return std::optional<std::size_t>(carry_.size());
        scanned = carry_.size();
        std::size_t unused = 0;
        if (auto r = read_header_block(block, unused); !r) return r.error();
        if (carry_.size() < scanned) scanned = 0;  // a BOM was stripped: look again
    }
}

// --skip-lines: physical lines, whatever quotes they hold, counted as lines.
result<void> chunker::skip_lines_above(chunk_buffer& block) {
    std::size_t at = 0;
    for (std::uint64_t i = 0; i < options_.skip_lines; ++i) {
        auto end = physical_line(block, at);
        if (!end) return end.error();
        if (!*end)
            return make_error(errc::row_too_large, source_.name(),
                              "line " + std::to_string(i + 1) +
                                  " above the header (--skip-lines) exceeds --max-row-size (" +
                                  std::to_string(options_.max_row_size) + " bytes)");
        if (**end == at) break;  // the input ended
        at = **end;
        ++lines_pending_;
    }
    carry_.erase(0, at);
    return {};
}

// Excel's first line "sep=X": the delimiter of the file, and no header.
result<void> chunker::take_sep_line(chunk_buffer& block) {
    auto end = physical_line(block, 0);
    if (!end) return end.error();
    if (!*end) return {};
    std::string_view line = std::string_view(carry_).substr(0, **end);
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() != 5 || line.substr(0, 4) != "sep=") return {};
    sep_ = line[4];
    carry_.erase(0, **end);
    ++lines_pending_;
    return {};
}

// The BOM, blank lines and the row limit interact on the same bytes, and the fuzzer checks the
// outcome never depends on where a read ended: one scan over carry_, which grows by blocks.
result<std::string> chunker::read_header() {
    chunk_buffer block;
    block.reserve(std::min<std::size_t>(options_.chunk_size, std::size_t{1} << 20));
    if (auto r = skip_lines_above(block); !r) return r.error();
    if (auto r = take_sep_line(block); !r) return r.error();
    const std::uint64_t lines_above = lines_pending_;
    std::size_t scanned = 0;
    bool in_quotes = false;
    // carry_[line, ...) is the current line; lines before it were blank. Erasing them one at a
    // time would be quadratic in a file that starts with a million empty lines.
    std::size_t line = 0;
    std::uint64_t blank_lines = 0;
    for (;;) {
        const std::size_t pos =
            csv::find_first_record_end(std::string_view(carry_).substr(line + scanned), in_quotes);
        if (pos != std::string_view::npos) {
            const std::size_t length = scanned + pos - 1;  // without the '\n'
            const std::string_view text = std::string_view(carry_).substr(line, length);
            if (length > options_.max_row_size) return header_too_long(text);
            const std::size_t next = line + scanned + pos;
            scanned = 0;
            in_quotes = false;
            if (csv::trim(text).empty()) {  // leading blank line
                line = next;
                ++blank_lines;
                continue;
            }
            // The header's own lines (a quoted name may span several) and the blank ones before
            // it come before the first chunk's line 0.
            lines_pending_ = lines_above + blank_lines + 1 +
                             static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
            std::string header(text);
            carry_.erase(0, next);
            carry_is_partial_ = false;
            return header;
        }
        carry_.erase(0, line);
        line = 0;
        scanned = carry_.size();
        // No terminator yet, so the line is at least this long.
        if ((started_ || eof_) && carry_.size() > options_.max_row_size)
            return header_too_long(carry_);
        if (eof_) return last_line_as_header();
        if (auto r = read_header_block(block, scanned); !r) return r.error();
    }
}

// The input ended inside the first non-blank line: that line is the header, or there is none.
result<std::string> chunker::last_line_as_header() {
    if (csv::trim(carry_).empty())
        return make_error(errc::empty_input, source_.name(), "empty input, expected a header row");
    std::string header = std::move(carry_);
    carry_.clear();
    carry_is_partial_ = true;
    return header;
}

result<void> chunker::skip_record(chunk_buffer& buf, std::string_view row, bool in_quotes) {
    ++oversized_rows_;
    skipped_row skipped;
    skipped.line = lines_pending_;
    skipped.size = row.size();
    // One byte more than shown, so that the cut can back off to a UTF-8 boundary.
    constexpr std::size_t head_bytes = oversized_row_bytes + 1;
    skipped.head.assign(row.substr(0, head_bytes));
    // Its quoted line breaks, and its terminator once found, move the line count on.
    std::uint64_t newlines = static_cast<std::uint64_t>(std::count(row.begin(), row.end(), '\n'));
    buf.end_ = 0;
    buf.reserve(options_.chunk_size);
    while (!eof_) {
        auto got = fill(buf, 0, options_.chunk_size);
        if (!got) return got.error();
        std::string_view block(buf.data_.get(), *got);
        const std::size_t pos = csv::find_first_record_end(block, in_quotes);
        const std::string_view part = block.substr(0, pos);  // the row's bytes in this block
        newlines += static_cast<std::uint64_t>(std::count(part.begin(), part.end(), '\n'));
        skipped.size += pos == std::string_view::npos ? part.size() : part.size() - 1;
        if (skipped.head.size() < head_bytes)
            skipped.head.append(part.substr(0, head_bytes - skipped.head.size()));
        if (pos != std::string_view::npos) {
            carry_.assign(block.substr(pos));
            carry_is_partial_ = false;
            break;
        }
    }
    if (skipped.head.size() > skipped.size) skipped.head.resize(skipped.size);  // not its '\n'
    if (!skipped.head.empty() && skipped.head.back() == '\r' && skipped.head.size() == skipped.size)
        skipped.head.pop_back();
    skipped.head.resize(detail::utf8_prefix(skipped.head, oversized_row_bytes).size());
    lines_pending_ += newlines;
    skipped_pending_.push_back(std::move(skipped));
    return {};
}

void chunker::hand_over(chunk_buffer& buf) {
    buf.lines_before_ = std::exchange(lines_pending_, 0);
    buf.skipped_.swap(skipped_pending_);
    skipped_pending_.clear();
}

// A chunk being filled: the carry copied in front of the read offset, and how far it was
// scanned for a record end.
struct chunker::fill_state {
    std::size_t start = 0;      // where the chunk's bytes begin in the buffer
    std::size_t write = 0;      // where the next read lands
    std::size_t scan_from = 0;  // bytes of the region already known to hold no record end
    std::size_t quotes = 0;     // quotes in the region before scan_from
};

chunker::fill_state chunker::begin_chunk(chunk_buffer& buf) {
    fill_state f;
    const std::size_t carried = carry_.size();
    f.start = carried <= read_offset ? read_offset - carried : 0;
    f.write = f.start + carried;
    // A buffer that once held a huge row goes back to its normal size.
    const std::size_t wanted = std::max(read_offset, carried) + options_.chunk_size;
    if (buf.capacity_ > 2 * wanted) buf = chunk_buffer();
    buf.end_ = 0;
    buf.reserve(wanted);
    std::memcpy(buf.data_.get() + f.start, carry_.data(), carried);
    carry_.clear();
    // Bytes carried from a cut hold no terminator, so only new bytes need scanning; other
    // carried input (left by the header or by a skipped row) is scanned from its start.
    if (carry_is_partial_) {
        f.scan_from = carried;
        f.quotes = csv::count_quotes(std::string_view(buf.data_.get() + f.start, carried));
    }
    carry_is_partial_ = true;  // anything carried out of this call comes from a cut
    return f;
}

// Hands `buf` over holding [begin, end) of its bytes.
bool chunker::hand_over(chunk_buffer& buf, std::size_t begin, std::size_t end) {
    buf.begin_ = begin;
    buf.end_ = end;
    hand_over(buf);
    return true;
}

// Reads until the region holds a record end (cut there, the rest carried), the input ends (the
// whole region is the last chunk) or the region passes max_row_size (the record is skipped and
// the chunk starts again after it).
result<bool> chunker::next(chunk_buffer& buf) {
    const std::size_t chunk = options_.chunk_size;
    for (;;) {
        fill_state f = begin_chunk(buf);
        for (bool skipped = false; !skipped;) {
            if (eof_) {
                // Nothing left: the lines still pending stay counted (pending_lines()).
                if (f.write == f.start && skipped_pending_.empty()) return false;
                return hand_over(buf, f.start, f.write);
            }
            if (buf.capacity_ - f.write < chunk) {
                buf.end_ = f.write;
                buf.reserve(f.write + chunk);
            }
            auto got = fill(buf, f.write, chunk);
            if (!got) return got.error();
            if (*got == 0) continue;  // end of input: the whole region is the last chunk
            f.write += *got;
            const std::string_view region(buf.data_.get() + f.start, f.write - f.start);
            std::size_t quotes_total = 0;
            const std::size_t cut =
                csv::find_last_record_end(region, f.scan_from, f.quotes, quotes_total);
            f.scan_from = region.size();
            if (cut != std::string_view::npos) {
                carry_.assign(region.substr(cut));
                return hand_over(buf, f.start, f.start + cut);
            }
            f.quotes = quotes_total;
            if (region.size() <= options_.max_row_size) continue;
            if (auto r = skip_record(buf, region, (quotes_total & 1U) != 0); !r) return r.error();
            skipped = true;  // restart with whatever followed the skipped row
            if (skipped_pending_.size() >= max_skipped_per_chunk) return hand_over(buf, 0, 0);
        }
    }
}

}  // namespace salesproc
