// Replacing an output file atomically: an unnamed temp file (O_TMPFILE) in the target's
// directory, fsync, a name given with linkat only once it is complete, rename over the target,
// fsync of the directory. Readers and crashes see the old file or the whole new one, never a
// partial file, and a writer killed at any moment (kill -9, the OOM killer) leaves no file
// behind: an unnamed file dies with its last descriptor. Where the file system cannot make
// unnamed files, the temp file is named and locked while written (detail/temp_files.hpp), and
// every prepare() removes the stale temp files of its target, those whose writer is gone.
// Not thread-safe: one owner per instance.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/output/remote_output.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc {

class atomic_output {
  public:
    // How the temp file is made: unnamed where the file system can (automatic), or named and
    // locked (the fallback, chosen here by tests).
    enum class temp_kind { automatic, named };

    // Checks the target up front by creating the temp file now, so an unwritable --out fails
    // before any work is done. "-" means stdout. Descriptor names (/dev/stdout, /dev/fd/N,
    // /proc/self/fd/N; see output_descriptor) are written in place to that descriptor, whatever
    // it points at. A target that exists and is not a regular file (a device such as /dev/full,
    // a FIFO) is written in place, since it cannot be renamed over. A file is never created in
    // /dev or /proc. Errors name the path: a directory, a missing or read-only directory,
    // permission denied, a system directory, a descriptor that is not open for writing.
    static result<atomic_output> prepare(const std::string& path,
                                         temp_kind kind = temp_kind::automatic);
    // An s3:// output, `path` its URL: the same steps, through `object`.
    static atomic_output remote(std::string path, std::unique_ptr<remote_output> object);

    atomic_output(atomic_output&& other) noexcept;
    atomic_output& operator=(atomic_output&&) = delete;
    // Removes the temp file unless commit() succeeded.
    ~atomic_output();

    // Writes `content` and publishes it: write(), finish() and publish() in one. On failure the
    // previous file is untouched and the temp file is removed. Errors name the path and the
    // reason (e.g. no space left on device).
    result<void> commit(std::string_view content);

    // For output written as it is produced (the rejects file): appends `data`.
    result<void> write(std::string_view data);
    // For a large streamed output: writes go around the page cache (O_DIRECT, in aligned 1 MiB
    // blocks staged here), which on this kind of VM is several times faster than copying into
    // the cache and leaves the final fsync almost nothing. Silently stays buffered where the
    // file system refuses O_DIRECT. Call before the first write().
    void bypass_page_cache();
    // Makes everything written durable and closes it, not yet visible at the path.
    result<void> finish();
    // Makes a finished output visible at the path (the rename), so that several outputs can be
    // finished first and published together.
    result<void> publish();

    // Removes the temp file now (also done by the destructor).
    void discard() noexcept;
    // Only unlinks a named temp file, leaving the descriptor to a thread that may still be
    // writing: for a process about to exit on a signal. Safe to call while write() runs
    // elsewhere. (An unnamed one goes with the process.)
    void remove_temp() const noexcept;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    // The temp file's name; empty while it is unnamed (and for in-place outputs).
    [[nodiscard]] const std::string& temp_path() const noexcept { return temp_path_; }
    // The temp file's descriptor, -1 once closed: for tests to look at the file.
    [[nodiscard]] int temp_descriptor() const noexcept { return fd_; }
    // How many stale temp files of this target prepare() removed.
    [[nodiscard]] std::size_t swept() const noexcept { return swept_; }

  private:
    // rename: a temp file renamed over the target at publish (named, or unnamed until then).
    // remote: an object in a bucket, through remote_.
    enum class mode { rename, in_place, stdout_stream, remote };
    atomic_output(std::string path, mode m, int fd, std::string temp,
                  unsigned file_mode = 0) noexcept
        : path_(std::move(path)),
          mode_(m),
          fd_(fd),
          temp_path_(std::move(temp)),
          file_mode_(file_mode) {}

    std::string path_;
    mode mode_;
    int fd_ = -1;
    std::string temp_path_;
    unsigned file_mode_ = 0;  // 0666 less the umask, applied at commit
    std::size_t swept_ = 0;
    std::uint64_t written_ = 0;  // bytes written so far
    struct direct_state;
    struct direct_deleter {
        void operator()(direct_state* d) const noexcept;
    };
    std::unique_ptr<direct_state, direct_deleter> direct_;  // set by bypass_page_cache()
    bool finished_ = false;
    bool committed_ = false;
    std::unique_ptr<remote_output> remote_;
};

// True when `e` is a write to a closed pipe (--out - piped into `head`): not worth a message.
bool is_broken_pipe(const error& e) noexcept;

}  // namespace salesproc
