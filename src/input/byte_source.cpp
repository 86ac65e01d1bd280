#include "salesproc/input/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace salesproc {

bool is_remote_input(std::string_view path) noexcept {
    return path.starts_with("s3://") || path.starts_with("https://") || path.starts_with("http://");
}

result<byte_source> byte_source::open_remote(std::unique_ptr<remote_stream> stream,
                                             std::string name) {
    byte_source source(-1, false, std::move(name), std::nullopt);
    source.remote_ = std::move(stream);
    if (auto r = source.sniff(); !r) return r.error();
    source.size_ = source.remote_->state().size;
    return source;
}

result<byte_source> byte_source::open_remote_shard(std::string name, const shard_spec& s,
                                                   std::uint64_t size, std::uint64_t header_end,
                                                   const positional_reader& read,
                                                   const range_opener& open) {
    auto plan = plan_shard(s, size, header_end, read);
    if (!plan) return plan.error();
    auto stream = open(plan->begin);
    if (!stream) return stream.error();
    byte_source source(-1, false, std::move(name), std::nullopt);
    source.remote_ = std::move(*stream);
    source.size_ = size;
    source.offset_ = plan->begin;
    source.shard_ = *plan;
    return source;
}

std::optional<remote_state> byte_source::remote() const {
    if (!remote_) return std::nullopt;
    return remote_->state();
}

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
    source.size_ = id->size;
    source.identity_ = std::move(*id);
    const positional_reader read = [fd, &path](std::uint64_t offset, std::size_t n) {
        return read_at(fd, path, offset, n);
    };
    auto head = read(0, 4);
    if (!head) return head.error();
    if (detail::sniff_compression(*head) != detail::compression::none)
        return make_error(errc::invalid_argument, path,
                          "--shard needs an uncompressed file: a compressed stream cannot be "
                          "entered in the middle");
    if (!detail::bom_encoding(*head).empty())
        return make_error(errc::invalid_argument, path,
                          "--shard needs a UTF-8 file: a UTF-16 or UTF-32 one cannot be entered "
                          "in the middle");
    auto plan = plan_shard(s, *source.size_, header_end, read);
    if (!plan) return plan.error();
    if (::lseek(fd, static_cast<off_t>(plan->begin), SEEK_SET) < 0) return errno_error(path, errno);
    source.offset_ = plan->begin;
    source.shard_ = *plan;
    return source;
}

std::optional<bool> byte_source::shard_end_quoted() const noexcept {
    if (!shard_) return std::nullopt;
    return shard_->end_quoted();
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
      shard_(other.shard_),
      encoding_(std::move(other.encoding_)),
      remote_(std::move(other.remote_)) {}

byte_source::~byte_source() {
    if (owned_ && fd_ >= 0) ::close(fd_);
}

void byte_source::set_encoding(std::string encoding) {
    encoding_ = std::move(encoding);
}

result<std::size_t> byte_source::read(char* dst, std::size_t n) {
    if (!text_started_)
        if (auto r = start_text(); !r) return r.error();
    if (transcoder_) return transcoder_->read(dst, n);
    return read_plain(dst, n);
}

// The input as stored, or decompressed; the bytes start_text() looked at come first.
result<std::size_t> byte_source::read_plain(char* dst, std::size_t n) {
    if (!text_head_.empty() && n != 0) {
        const std::size_t k = std::min(n, text_head_.size());
        std::memcpy(dst, text_head_.data(), k);
        text_head_.erase(0, k);
        return k;
    }
    if (compression_ == detail::compression::none) return read_stored(dst, n);
    if (!decoder_)
        decoder_ = std::make_unique<detail::decoder>(
            compression_, name_, [this](char* d, std::size_t k) { return read_stored(d, k); });
    return decoder_->read(dst, n);
}

// Whether the text needs transcoding: --encoding (unless it says UTF-8), else a UTF-16 or
// UTF-32 byte-order mark at the start (of the decompressed input).
result<void> byte_source::start_text() {
    text_started_ = true;
    std::string charset = encoding_;
    if (charset.empty()) {
        char head[4];
        std::size_t got = 0;
        while (got < sizeof head) {
            auto r = read_plain(head + got, sizeof head - got);
            if (!r) return r.error();
            if (*r == 0) break;
            got += *r;
        }
        text_head_.assign(head, got);
        charset = std::string(detail::bom_encoding(text_head_));
    }
    if (charset.empty() || detail::is_utf8_name(charset)) return {};
    auto t = detail::transcoder::open(charset, name_,
                                      [this](char* d, std::size_t k) { return read_plain(d, k); });
    if (!t) return t.error();
    transcoder_ = std::move(*t);
    return {};
}

result<std::size_t> byte_source::read_stored(char* dst, std::size_t n) {
    if (shard_ && shard_->tracker.done()) return at_end(n);
    std::size_t got = 0;
    if (!head_.empty() && n != 0) {
        got = std::min(n, head_.size());
        std::memcpy(dst, head_.data(), got);
        head_.erase(0, got);
    }
    while (got < n && remote_) {
        auto r = remote_->read(dst + got, n - got);
        if (!r) return r.error();
        if (*r == 0) break;
        got += *r;
        stored_ += *r;
    }
    while (got < n && !remote_) {
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
        const std::size_t mine = shard_->tracker.feed(offset_, std::string_view(dst, got));
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
    if (remote_) {
        // The stream checked every response against the first; what it read is the identity.
        const remote_state st = remote_->state();
        // A shard's identity is the whole object's, as a local shard's is the whole file's.
        const std::uint64_t whole = shard_ && size_ ? *size_ : stored_;
        if (!st.etag.empty()) identity_ = input_identity{whole, 0, "etag:" + st.etag};
        return std::size_t{0};
    }
    // The end of the file came before the size it had when opened (for a shard, before the
    // end of its rows).
    if (size_ && offset_ < *size_ && !(shard_ && shard_->tracker.done()))
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
    if (compression_ == detail::compression::none && !transcoder_) return std::nullopt;
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

}  // namespace salesproc
