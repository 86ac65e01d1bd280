// The temp files behind atomic_output, and the rule that decides when one is stale.
//
// A writer holds an exclusive flock on its temp file from the moment the file exists under a
// name until it is renamed over the target or removed; the kernel drops the lock when the writer
// dies, however it dies. So a temp file whose lock can be taken has no writer: it is stale,
// exactly, whatever its age and whichever host or container made it (flock is shared by every
// process on the same kernel, and NFS maps it to byte-range locks). Linux only; thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace salesproc::detail {

// The name pattern of `target`'s temp files: ".<name>.tmp-" and six characters, beside it.
std::string temp_prefix(const std::string& target);

// An unnamed file (O_TMPFILE) in `dir`, mode 0600, already locked; -1 with errno set when the
// file system cannot make one (EOPNOTSUPP, EISDIR, EINVAL) or another failure.
int open_unnamed_temp(const std::string& dir) noexcept;

// A named temp file beside `target` (mkostemp: 0600, O_EXCL, a random name), locked, and checked
// to be still linked once locked, so that a sweep between creation and lock cannot take it.
// Returns the descriptor and sets `name`; -1 with errno set on failure.
int open_named_temp(const std::string& target, std::string& name) noexcept;

// Gives the unnamed file `fd` a temp name beside `target` (linkat through /proc/self/fd), so it
// can be renamed over the target. Returns 0 and sets `name`; -1 with errno set on failure.
int link_unnamed_temp(int fd, const std::string& target, std::string& name) noexcept;

// Removes `target`'s temp files whose writer is gone (see above), never a locked one; returns
// how many were removed. Errors (an unreadable directory) are ignored: the sweep is a courtesy.
std::size_t sweep_stale_temps(const std::string& target) noexcept;

// The directory part of a path ("." without one, "/" for the root).
std::string parent_dir(const std::string& path);
std::string base_name(const std::string& path);

}  // namespace salesproc::detail
