// Replacing the report file atomically: a private temp file beside the target, fsync, rename,
// fsync of the directory. Readers and crashes see the old report or the whole new one, never a
// partial file. Not thread-safe: one owner per instance.
#pragma once

#include "salesproc/errors.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace salesproc {

class atomic_output {
  public:
    // Checks the target up front by creating the temp file now, so an unwritable --out fails
    // before any work is done. "-" means stdout. A target that exists and is not a regular file
    // (a device such as /dev/full, a FIFO) is written in place, since it cannot be renamed over.
    // Errors name the path: a directory, a missing or read-only directory, permission denied.
    static result<atomic_output> prepare(const std::string& path);

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
    // Only unlinks the temp file, leaving the descriptor to a thread that may still be writing:
    // for a process about to exit on a signal. Safe to call while write() runs elsewhere.
    void remove_temp() const noexcept;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const std::string& temp_path() const noexcept { return temp_path_; }

  private:
    enum class mode { rename, in_place, stdout_stream };
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
    unsigned file_mode_ = 0;     // 0666 less the umask, applied at commit
    std::uint64_t written_ = 0;  // bytes written so far
    struct direct_state;
    struct direct_deleter {
        void operator()(direct_state* d) const noexcept;
    };
    std::unique_ptr<direct_state, direct_deleter> direct_;  // set by bypass_page_cache()
    bool finished_ = false;
    bool committed_ = false;
};

// True when `e` is a write to a closed pipe (--out - piped into `head`): not worth a message.
bool is_broken_pipe(const error& e) noexcept;

}  // namespace salesproc
