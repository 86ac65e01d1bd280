#include "salesproc/output/detail/temp_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace salesproc::detail {
namespace {

constexpr std::size_t random_chars = 6;

bool lock_now(int fd) noexcept {
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0)
        if (errno != EINTR) return false;
    return true;
}

bool same_file(const struct stat& a, const struct stat& b) noexcept {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Six characters of [A-Za-z0-9], as mkostemp makes them.
std::string random_suffix() {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[random_chars] = {};
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
        // Only when the kernel has no getrandom: the pid and the clock still make a name that
        // O_EXCL-style creation retries on collision.
        const auto seed =
            static_cast<unsigned long>(::getpid()) ^ static_cast<unsigned long>(::time(nullptr));
        for (std::size_t i = 0; i < random_chars; ++i)
            bytes[i] = static_cast<unsigned char>(seed >> (i * 5));
    }
    std::string out;
    for (const unsigned char b : bytes)
        out += alphabet[b % (sizeof alphabet - 1)];
    return out;
}

bool is_temp_name(const char* entry, const std::string& prefix) noexcept {
    const std::size_t n = std::strlen(entry);
    return n == prefix.size() + random_chars &&
           std::strncmp(entry, prefix.data(), prefix.size()) == 0;
}

}  // namespace

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string temp_prefix(const std::string& target) {
    return "." + base_name(target) + ".tmp-";
}

int open_unnamed_temp(const std::string& dir) noexcept {
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    // Nobody else can reach an unnamed file; the lock matters once link_unnamed_temp names it.
    if (!lock_now(fd)) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int open_named_temp(const std::string& target, std::string& name) noexcept {
    const std::string pattern =
        parent_dir(target) + "/" + temp_prefix(target) + std::string(random_chars, 'X');
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        const int fd = ::mkostemp(buf.data(), O_CLOEXEC);
        if (fd < 0) return -1;
        // Between mkostemp and the lock, another run's sweep may have taken the unlocked file
        // for stale and removed it: then this one is unlinked, and we make another.
        struct stat mine {};
        struct stat named {};
        if (lock_now(fd) && ::fstat(fd, &mine) == 0 && mine.st_nlink > 0 &&
            ::lstat(buf.data(), &named) == 0 && same_file(mine, named)) {
            name.assign(buf.data());
            return fd;
        }
        ::close(fd);
    }
    errno = EEXIST;
    return -1;
}

int link_unnamed_temp(int fd, const std::string& target, std::string& name) noexcept {
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    const std::string base = parent_dir(target) + "/" + temp_prefix(target);
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string candidate = base + random_suffix();
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) {
            name = std::move(candidate);
            return 0;
        }
        if (errno != EEXIST) return -1;
    }
    errno = EEXIST;
    return -1;
}

std::size_t sweep_stale_temps(const std::string& target) noexcept {
    const std::string prefix = temp_prefix(target);
    DIR* dir = ::opendir(parent_dir(target).c_str());
    if (dir == nullptr) return 0;
    const int dir_fd = ::dirfd(dir);
    std::size_t removed = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (!is_temp_name(entry->d_name, prefix)) continue;
        const int fd =
            ::openat(dir_fd, entry->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat held {};
        struct stat named {};
        // Locked: its writer is alive. Unlocked: no writer; remove it unless the name was
        // replaced by another file meanwhile.
        if (::fstat(fd, &held) == 0 && S_ISREG(held.st_mode) && lock_now(fd) &&
            ::fstatat(dir_fd, entry->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            same_file(held, named) && ::unlinkat(dir_fd, entry->d_name, 0) == 0)
            ++removed;
        ::close(fd);
    }
    ::closedir(dir);
    return removed;
}

}  // namespace salesproc::detail
