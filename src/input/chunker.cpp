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

result<byte_source> byte_source::open(const std::string& path) {
    if (path == "-") {
        byte_source in(STDIN_FILENO, false, "<stdin>", std::nullopt);
        if (auto r = in.sniff(); !r) return r.error();
        return in;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_error(path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return errno_error(path, e);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return make_error(errc::is_directory, path, "is a directory, expected a CSV file");
    }
    byte_source source(fd, true, path, std::nullopt);
    if (S_ISREG(st.st_mode)) {
        auto id = identify_file(fd, path);
        if (!id) return id.error();
        source.size_ = id->size;
        source.identity_ = std::move(*id);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    if (auto r = source.sniff(); !r) return r.error();
    return source;
}

namespace {

// Reads [offset, offset + n) of `fd` (less at the end of the file).
result<std::string> read_at(int fd, const std::string& name, std::uint64_t offset, std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(offset + got));
        if (r > 0)
            got += static_cast<std::size_t>(r);
        else if (r == 0)
            break;
        else if (errno != EINTR)
            return errno_error(name, errno);
    }
    out.resize(got);
    return out;
}

}  // namespace

result<byte_source> byte_source::open_shard(const std::string& path, const shard_spec& s,
                                            std::uint64_t header_end) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_error(path, errno);
    byte_source source(fd, true, path, std::nullopt);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_error(path, errno);
    if (!S_ISREG(st.st_mode))
        return make_error(errc::invalid_argument, path,
                          "--shard needs a regular file (not stdin, a FIFO or a device)");
    auto id = identify_file(fd, path);
    if (!id) return id.error();
    const std::uint64_t size = id->size;
    source.size_ = size;
    source.identity_ = std::move(*id);
    auto head = read_at(fd, path, 0, 4);
    if (!head) return head.error();
    if (detail::sniff_compression(*head) != detail::compression::none)
        return make_error(errc::invalid_argument, path,
                          "--shard needs an uncompressed file: a compressed stream cannot be "
                          "entered in the middle");
    const byte_range range = shard_range(s, size);
    std::uint64_t start = 0;
    bool parity = false;  // of the quotes in [range.begin, start) that lie before range.end
    if (s.index != 0) {
        // The first record boundary at or after the range's start, under the assumed state.
        std::uint64_t boundary = range.begin;  // the file's start is one
        std::string before;
        if (range.begin != 0) {
            auto byte = read_at(fd, path, range.begin - 1, 1);
            if (!byte) return byte.error();
            before = std::move(*byte);
        }
        // After a '\n' outside quotes, the range starts on a boundary.
        if (range.begin != 0 && (before != "\n" || s.start_quoted)) {
            detail::shard_tracker find(range.begin, range.end, range.begin + 1, s.start_quoted);
            std::uint64_t at = range.begin;
            while (!find.done() && at < size) {
                auto block = read_at(fd, path, at, std::size_t{64} << 10);
                if (!block) return block.error();
                if (block->empty()) break;
                find.feed(at, *block);
                at += block->size();
            }
            boundary = find.done() ? find.end() : size;
            parity = find.range_parity();
        }
        start = std::max(boundary, header_end);
        if (start > boundary && boundary < range.end) {
            // Header bytes between the two: their quotes count towards the range's parity.
            auto gap = read_at(fd, path, boundary,
                               static_cast<std::size_t>(std::min(start, range.end) - boundary));
            if (!gap) return gap.error();
            parity ^= (csv::count_quotes(*gap) & 1U) != 0;
        }
        if (::lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) return errno_error(path, errno);
    }
    source.offset_ = start;
    // The last shard runs to the end of the file; the others to the first boundary at or after
    // their range's end (never inside the header).
    const std::uint64_t search =
        s.index + 1 == s.count ? size + 1 : std::max(range.end, header_end);
    source.shard_ =
        std::make_unique<detail::shard_tracker>(start, range.end, std::max(search, start));
    source.shard_parity_before_ = s.start_quoted != parity;
    return source;
}

std::optional<bool> byte_source::shard_end_quoted() const noexcept {
    if (!shard_) return std::nullopt;
    return shard_parity_before_ != shard_->range_parity();
}

result<void> byte_source::sniff() {
    char head[4];
    auto got = read_stored(head, sizeof head);
    if (!got) return got.error();
    head_.assign(head, *got);
    compression_ = detail::sniff_compression(head_);
    return {};
}

byte_source::byte_source(byte_source&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owned_(std::exchange(other.owned_, false)),
      name_(std::move(other.name_)),
      size_(other.size_),
      identity_(std::move(other.identity_)),
      ended_(other.ended_),
      head_(std::move(other.head_)),
      stored_(other.stored_),
      offset_(other.offset_),
      compression_(other.compression_),
      shard_(std::move(other.shard_)),
      shard_parity_before_(other.shard_parity_before_) {}

byte_source::~byte_source() {
    if (owned_ && fd_ >= 0) ::close(fd_);
}

result<std::size_t> byte_source::read(char* dst, std::size_t n) {
    if (compression_ == detail::compression::none) return read_stored(dst, n);
    if (!decoder_)
        decoder_ = std::make_unique<detail::decoder>(
            compression_, name_, [this](char* d, std::size_t k) { return read_stored(d, k); });
    return decoder_->read(dst, n);
}

result<std::size_t> byte_source::read_stored(char* dst, std::size_t n) {
    if (shard_ && shard_->done()) return at_end(n);
    std::size_t got = 0;
    if (!head_.empty() && n != 0) {
        got = std::min(n, head_.size());
        std::memcpy(dst, head_.data(), got);
        head_.erase(0, got);
    }
    while (got < n) {
        const ssize_t r = ::read(fd_, dst + got, n - got);
        if (r > 0) {
            got += static_cast<std::size_t>(r);
            stored_ += static_cast<std::uint64_t>(r);
        } else if (r == 0) {
            break;
        } else if (errno != EINTR) {
            return errno_error(name_, errno);
        }
    }
    if (shard_) {
        // The shard's rows end at the first boundary past its range: the rest is the next
        // shard's (the file offset moves on past it, but no later read happens).
        const std::size_t mine = shard_->feed(offset_, std::string_view(dst, got));
        stored_ -= got - mine;
        offset_ += mine;
        if (mine == 0) return at_end(n);
        return mine;
    }
    offset_ += got;
    if (got == 0) return at_end(n);
    return got;
}

result<std::size_t> byte_source::at_end(std::size_t n) {
    if (n == 0 || ended_) return std::size_t{0};
    ended_ = true;
    // The end of the file came before the size it had when opened (for a shard, before the
    // end of its rows).
    if (size_ && offset_ < *size_ && !(shard_ && shard_->done()))
        return make_error(errc::input_changed, name_,
                          "file shrank from " + std::to_string(*size_) + " to " +
                              std::to_string(offset_) + " bytes while being read");
    if (identity_) {
        auto now = identify_file(fd_, name_);
        if (!now) return now.error();
        if (*now != *identity_)
            return make_error(
                errc::input_changed, name_,
                "file changed while being read: " + identity_difference(*identity_, *now));
    }
    return std::size_t{0};
}

std::optional<error> byte_source::stream_error() {
    if (compression_ == detail::compression::none) return std::nullopt;
    std::vector<char> scratch(std::size_t{256} << 10);
    for (;;) {
        auto got = read(scratch.data(), scratch.size());
        if (!got)
            return got.error().code == make_error_code(errc::corrupt_input)
                       ? std::optional<error>(got.error())
                       : std::nullopt;
        if (*got == 0) return std::nullopt;
    }
}

error prefer_stream_error(byte_source& source, error e) {
    if (e.code == make_error_code(errc::corrupt_input) ||
        e.code == make_error_code(errc::interrupted))
        return e;
    if (auto stream = source.stream_error()) return *stream;
    return e;
}

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

// One loop on purpose: the BOM, blank lines and the row limit interact on the same bytes, and
// the fuzzer checks the outcome never depends on where a read ended.
result<std::string> chunker::read_header() {
    chunk_buffer block;
    block.reserve(std::min<std::size_t>(options_.chunk_size, std::size_t{1} << 20));
    std::size_t scanned = 0;
    bool in_quotes = false;
    // Any line up to the header longer than the limit is an error, judged on the whole line so
    // that where a read happened to end never matters (found by fuzzing with small limits).
    // The CR-only hint looks at the same bytes however the input was read: the line's first
    // max_row_size + 1 bytes (all present whenever the limit is exceeded), at most 64 KiB.
    auto too_long = [&](std::string_view line_text) {
        const bool cr_only = csv::has_bare_cr(
            line_text.substr(0, std::min(options_.max_row_size + 1, std::size_t{64} << 10)));
        return make_error(errc::row_too_large, source_.name(),
                          "header row exceeds --max-row-size (" +
                              std::to_string(options_.max_row_size) + " bytes)" +
                              (cr_only ? "; the file has CR-only line endings (classic Mac), "
                                         "convert with tr '\\r' '\\n'"
                                       : ""));
    };
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
            if (length > options_.max_row_size) return too_long(text);
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
            lines_pending_ = blank_lines + 1 +
                             static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
            std::string header(text);
            carry_.erase(0, next);
            carry_is_partial_ = false;
            return header;
        }
        carry_.erase(0, line);
        line = 0;
        scanned = carry_.size();
        // No terminator yet, so the line is at least this long. Before the first three bytes
        // are in, a UTF-8 BOM may still be stripped.
        if ((started_ || eof_) && carry_.size() > options_.max_row_size) return too_long(carry_);
        if (eof_) {
            if (csv::trim(carry_).empty())
                return make_error(errc::empty_input, source_.name(),
                                  "empty input, expected a header row");
            std::string header = std::move(carry_);
            carry_.clear();
            carry_is_partial_ = true;
            return header;
        }
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
    }
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

// The per-chunk read loop, kept whole: the carry, the quote parity and the skip of an
// over-long row share their state.
result<bool> chunker::next(chunk_buffer& buf) {
    const std::size_t chunk = options_.chunk_size;
    for (;;) {
        const std::size_t carried = carry_.size();
        const std::size_t start = carried <= read_offset ? read_offset - carried : 0;
        std::size_t write = start + carried;
        // A buffer that once held a huge row goes back to its normal size.
        const std::size_t wanted = std::max(read_offset, carried) + chunk;
        if (buf.capacity_ > 2 * wanted) buf = chunk_buffer();
        buf.end_ = 0;
        buf.reserve(wanted);
        std::memcpy(buf.data_.get() + start, carry_.data(), carried);
        carry_.clear();
        // Bytes carried from a cut hold no terminator, so only new bytes need scanning; other
        // carried input (left by the header or by a skipped row) is scanned from its start.
        std::size_t scan_from = carry_is_partial_ ? carried : 0;
        std::size_t quotes =
            carry_is_partial_
                ? csv::count_quotes(std::string_view(buf.data_.get() + start, carried))
                : 0;
        carry_is_partial_ = true;  // anything carried out of this call comes from a cut

        bool skipped = false;
        while (!skipped) {
            if (eof_) {
                buf.begin_ = start;
                buf.end_ = write;
                // Nothing left: the lines still pending stay counted (pending_lines()).
                if (write == start && skipped_pending_.empty()) return false;
                hand_over(buf);
                return true;
            }
            if (buf.capacity_ - write < chunk) {
                buf.end_ = write;
                buf.reserve(write + chunk);
            }
            auto got = fill(buf, write, chunk);
            if (!got) return got.error();
            if (*got == 0) continue;  // end of input: the whole region is the last chunk
            write += *got;
            const std::string_view region(buf.data_.get() + start, write - start);
            std::size_t quotes_total = 0;
            const std::size_t cut =
                csv::find_last_record_end(region, scan_from, quotes, quotes_total);
            scan_from = region.size();
            if (cut != std::string_view::npos) {
                carry_.assign(region.substr(cut));
                buf.begin_ = start;
                buf.end_ = start + cut;
                hand_over(buf);
                return true;
            }
            quotes = quotes_total;
            if (region.size() > options_.max_row_size) {
                if (auto r = skip_record(buf, region, (quotes_total & 1U) != 0); !r)
                    return r.error();
                skipped = true;  // restart with whatever followed the skipped row
                if (skipped_pending_.size() >= max_skipped_per_chunk) {
                    buf.begin_ = buf.end_ = 0;
                    hand_over(buf);
                    return true;
                }
            }
        }
    }
}

}  // namespace salesproc
