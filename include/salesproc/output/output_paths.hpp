// Refusing a run whose outputs would overwrite one of its inputs or each other: `--out` naming
// the CSV, or `--rejects` the same file as `--out`. Checked before anything is read or written.
// Pure apart from stat/realpath; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc {

struct named_path {
    std::string flag;  // "--out", "--csv", ...
    std::string path;  // as given
};

// The descriptor an output path stands for, to be written in place whatever it points at:
// "/dev/stdout" (1), "/dev/stderr" (2), "/dev/fd/N", "/proc/self/fd/N" and "/proc/<our pid>/fd/N".
// Opening such a name would reach the file behind the descriptor by its own name, and renaming
// over it would replace the name in /dev or /proc itself. nullopt for any other path.
std::optional<int> output_descriptor(const std::string& path);

// True for a directory salesproc never creates a file in: /dev (but /dev/shm, a tmpfs for
// exactly that), /proc and /sys, after resolving symlinks.
bool is_system_directory(const std::string& dir);

// The first path of `paths` that names the same file as an earlier one (by the rule below), as
// the indices of both; nullopt when all differ. For merge's parts: one given twice.
std::optional<std::pair<std::size_t, std::size_t>> first_repeated(
    const std::vector<std::string>& paths);

// How a report records where another output went, for a later merge to find it from another
// directory: an s3:// URL as given, a file as an absolute path (not resolving symlinks: a
// mount seen under another name elsewhere keeps the name given); "" for stdout ("-") and
// descriptor names, which leave nothing to find.
std::string recorded_path(const std::string& path);

// Two paths clash when they name the same file: the same device and inode where the file exists
// (so symlinks and hard links are seen through), else the same path once the directory's
// symlinks are resolved. "-" and descriptor names (output_descriptor) clash with
// nothing.
// Error (errc::invalid_argument): context names both flags, reason the path.
result<void> check_output_clashes(const std::vector<named_path>& inputs,
                                  const std::vector<named_path>& outputs);

}  // namespace salesproc
