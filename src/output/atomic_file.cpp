#include "salesproc/output/atomic_file.hpp"

#include "salesproc/output/detail/temp_files.hpp"
#include "salesproc/output/output_paths.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace salesproc {
namespace {

using detail::parent_dir;

result<void> write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(path, errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

mode_t current_umask() {
    // umask can only be read by setting it; prepare() runs before any worker thread exists.
    const mode_t m = ::umask(022);
    ::umask(m);
    return m;
}

// Positional writes: the direct and the buffered descriptor of one file each write their part.
result<void> pwrite_all(int fd, std::string_view data, std::uint64_t offset,
                        const std::string& path) {
    while (!data.empty()) {
        const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(path, errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
    return {};
}

constexpr std::size_t direct_block = 4096;                  // alignment every device accepts
constexpr std::size_t direct_stage = std::size_t{1} << 20;  // bytes per O_DIRECT write

}  // namespace

// Whole aligned blocks go to the file through an O_DIRECT descriptor; the tail (less than a
// block) is written through the ordinary one at finish().
struct atomic_output::direct_state {
    int fd = -1;
    char* stage = nullptr;
    std::size_t staged = 0;
    std::uint64_t offset = 0;  // where the staged bytes go
    bool refused = false;      // the file system refused O_DIRECT: stage, but write buffered

    ~direct_state() {
        if (fd >= 0) ::close(fd);
        std::free(stage);
    }
    // Writes `data` (aligned, whole blocks unless refused) at `offset`, O_DIRECT while the
    // file system accepts it, buffered after that.
    result<void> write_through(std::string_view data, int buffered_fd, const std::string& path) {
        std::size_t done = 0;
        while (!refused && done < data.size()) {
            const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done,
                                       static_cast<off_t>(offset + done));
            if (n > 0) {
                done += static_cast<std::size_t>(n);
            } else if (n < 0 && errno == EINVAL) {
                refused = true;  // alignment or O_DIRECT refused: the rest goes buffered
            } else if (n < 0 && errno != EINTR) {
                return errno_error(path, errno);
            }
        }
        if (auto r = pwrite_all(buffered_fd, data.substr(done), offset + done, path); !r) return r;
        offset += data.size();
        return {};
    }
    result<void> flush(int buffered_fd, const std::string& path) {
        if (auto r = write_through({stage, staged}, buffered_fd, path); !r) return r;
        staged = 0;
        return {};
    }
};

void atomic_output::direct_deleter::operator()(direct_state* d) const noexcept {
    delete d;
}

void atomic_output::bypass_page_cache() {
    if (remote_ || mode_ != mode::rename || fd_ < 0 || written_ != 0 || direct_) return;
    // Reopened through the descriptor, never a name: an unnamed temp file has none, and a named
    // one may have been replaced at its path.
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    const int fd = ::open(self.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) return;  // tmpfs and some others: stay buffered
    auto d = std::unique_ptr<direct_state, direct_deleter>(new direct_state);
    d->fd = fd;
    d->stage = static_cast<char*>(std::aligned_alloc(direct_block, direct_stage));
    if (d->stage == nullptr) return;
    direct_ = std::move(d);
}

namespace {

// An output that is a descriptor already (see output_descriptor): written where it points.
result<int> open_descriptor(const std::string& path, int number) {
    const int flags = ::fcntl(number, F_GETFL);
    if (flags < 0) return errno_error(path, errno);
    if ((flags & O_ACCMODE) == O_RDONLY)
        return make_error(errc::io_error, path, "the descriptor is not open for writing");
    const int fd = ::fcntl(number, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return errno_error(path, errno);
    return fd;
}

error cannot_create(const std::string& path, int e) {
    return make_error(
        e == EISDIR ? errc::is_directory : errc::io_error, path,
        std::string("cannot create the report in '") + parent_dir(path) + "': " + std::strerror(e));
}

// The unnamed file's name is given through /proc/self/fd; without /proc it stays named.
bool can_link_unnamed() {
    static const bool ok = ::access("/proc/self/fd", X_OK) == 0;
    return ok;
}

}  // namespace

result<atomic_output> atomic_output::prepare(const std::string& path, temp_kind kind) {
    if (path == "-") return atomic_output(path, mode::stdout_stream, STDOUT_FILENO, {});
    if (path.empty()) return make_error(errc::invalid_argument, "--out", "empty path");
    if (const auto number = output_descriptor(path)) {
        auto fd = open_descriptor(path, *number);
        if (!fd) return fd.error();
        return atomic_output(path, mode::in_place, *fd, {});
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return make_error(errc::is_directory, path,
                              "is a directory, expected a report file path");
        if (!S_ISREG(st.st_mode)) {
            const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
            if (fd < 0) return errno_error(path, errno);
            return atomic_output(path, mode::in_place, fd, {});
        }
    }
    const std::string dir = parent_dir(path);
    if (is_system_directory(dir))
        return make_error(errc::io_error, path,
                          "will not create a file in the system directory '" + dir + "'");
    const std::size_t swept = detail::sweep_stale_temps(path);
    const unsigned file_mode = 0666U & ~current_umask();
    if (kind == temp_kind::automatic && can_link_unnamed()) {
        const int fd = detail::open_unnamed_temp(dir);
        if (fd >= 0) {
            atomic_output out(path, mode::rename, fd, {}, file_mode);
            out.swept_ = swept;
            return out;
        }
        // Only a file system without unnamed files falls back; any other failure is final.
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return cannot_create(path, errno);
    }
    std::string temp;
    const int fd = detail::open_named_temp(path, temp);
    if (fd < 0) return cannot_create(path, errno);
    atomic_output out(path, mode::rename, fd, std::move(temp), file_mode);
    out.swept_ = swept;
    return out;
}

atomic_output atomic_output::remote(std::string path, std::unique_ptr<remote_output> object) {
    atomic_output out(std::move(path), mode::remote, -1, {});
    out.remote_ = std::move(object);
    return out;
}

bool is_remote_output(std::string_view path) noexcept {
    return path.starts_with("s3://");
}

atomic_output::atomic_output(atomic_output&& other) noexcept
    : path_(std::move(other.path_)),
      mode_(other.mode_),
      fd_(std::exchange(other.fd_, -1)),
      temp_path_(std::exchange(other.temp_path_, {})),
      file_mode_(other.file_mode_),
      swept_(other.swept_),
      written_(other.written_),
      direct_(std::move(other.direct_)),
      finished_(other.finished_),
      committed_(other.committed_),
      remote_(std::move(other.remote_)) {}

atomic_output::~atomic_output() {
    discard();
}

void atomic_output::discard() noexcept {
    if (remote_ && !committed_) remote_->abort();
    direct_.reset();
    if (mode_ != mode::stdout_stream && fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
    temp_path_.clear();
}

void atomic_output::remove_temp() const noexcept {
    if (remote_ && !committed_) remote_->abort();
    if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

result<void> atomic_output::write(std::string_view data) {
    if (remote_ && !finished_) {
        written_ += data.size();
        return remote_->write(data);
    }
    if (fd_ < 0 || finished_) return make_error(errc::io_error, path_, "output already closed");
    if (direct_) {
        // Whole aligned blocks with nothing staged before them go to the disk as they are.
        const bool aligned = reinterpret_cast<std::uintptr_t>(data.data()) % direct_block == 0 &&
                             data.size() % direct_block == 0;
        if (direct_->staged == 0 && aligned && !direct_->refused) {
            if (auto r = direct_->write_through(data, fd_, path_); !r) {
                discard();
                return r;
            }
            written_ += data.size();
            return {};
        }
        while (!data.empty()) {
            const std::size_t n = std::min(direct_stage - direct_->staged, data.size());
            std::memcpy(direct_->stage + direct_->staged, data.data(), n);
            direct_->staged += n;
            data.remove_prefix(n);
            written_ += n;
            if (direct_->staged == direct_stage)
                if (auto r = direct_->flush(fd_, path_); !r) {
                    discard();
                    return r;
                }
        }
        return {};
    }
    auto r = write_all(fd_, data, mode_ == mode::stdout_stream ? std::string("<stdout>") : path_);
    if (!r) {
        discard();
        return r;
    }
    written_ += data.size();
    return r;
}

result<void> atomic_output::finish() {
    if (remote_ && !finished_) {
        finished_ = true;
        return remote_->finish();
    }
    if (fd_ < 0 || finished_) return make_error(errc::io_error, path_, "output already closed");
    finished_ = true;
    if (mode_ == mode::stdout_stream) {
        fd_ = -1;
        return {};
    }
    auto fail = [&](int e) {
        discard();
        return errno_error(path_, e);
    };
    if (mode_ == mode::in_place) {
        if (::close(std::exchange(fd_, -1)) != 0) return fail(errno);
        return {};
    }
    if (direct_) {
        // The tail is no whole block: it goes through the page cache like any small write.
        const std::string_view tail(direct_->stage, direct_->staged);
        if (auto r = pwrite_all(fd_, tail, direct_->offset, path_); !r) {
            discard();
            return r;
        }
        direct_.reset();
    }
    if (::fsync(fd_) != 0) return fail(errno);
    if (::fchmod(fd_, static_cast<mode_t>(file_mode_)) != 0) return fail(errno);
    // The descriptor stays open until publish(): it holds the temp file's lock, and an unnamed
    // file is reached through it.
    return {};
}

result<void> atomic_output::publish() {
    if (!finished_ || committed_)
        return make_error(errc::io_error, path_, "output not finished, or already published");
    if (mode_ == mode::remote) {
        auto r = remote_->publish();
        if (r) committed_ = true;
        return r;
    }
    if (mode_ != mode::rename) {
        committed_ = true;
        return {};
    }
    // An unnamed file gets its name only now, complete and durable; a kill between this link
    // and the rename leaves a named temp file whose lock died with us: the next run's sweep.
    if (temp_path_.empty() && detail::link_unnamed_temp(fd_, path_, temp_path_) != 0) {
        const int e = errno;
        discard();
        return errno_error(path_, e);
    }
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        const int e = errno;
        discard();
        return errno_error(path_, e);
    }
    committed_ = true;
    temp_path_.clear();
    ::close(std::exchange(fd_, -1));
    // Make the rename itself durable.
    const int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

result<void> atomic_output::commit(std::string_view content) {
    if (auto r = write(content); !r) return r;
    if (auto r = finish(); !r) return r;
    return publish();
}

bool is_broken_pipe(const error& e) noexcept {
    return e.code == make_error_code(errc::io_error) && e.reason == std::strerror(EPIPE);
}

}  // namespace salesproc
