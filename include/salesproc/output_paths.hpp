// Refusing a run whose outputs would overwrite one of its inputs or each other: `--out` naming
// the CSV, or `--rejects` the same file as `--out`. Checked before anything is read or written.
// Pure apart from stat/realpath; thread-safe.
#pragma once

#include "salesproc/errors.hpp"

#include <string>
#include <vector>

namespace salesproc {

struct named_path {
    std::string flag;  // "--out", "--csv", ...
    std::string path;  // as given
};

// Two paths clash when they name the same file: the same device and inode where the file exists
// (so symlinks and hard links are seen through), else the same path once the directory's
// symlinks are resolved. "-", /dev/stdout and /dev/stderr clash with nothing.
// Error (errc::invalid_argument): context names both flags, reason the path.
result<void> check_output_clashes(const std::vector<named_path>& inputs,
                                  const std::vector<named_path>& outputs);

}  // namespace salesproc
