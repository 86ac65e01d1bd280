// What a CSV input was when a run read it: its size, its modification time and a fingerprint of
// its content. merge compares them to refuse shards of a file that changed between shard runs,
// and parts that read the same input twice. Pure apart from reading the file; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <string>

namespace salesproc {

struct input_identity {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
    // "sha256:" and the hex digest of the size, the first 64 KiB (the header among them) and the
    // last 64 KiB: any change there, or in the size, changes it.
    std::string fingerprint;

    bool operator==(const input_identity&) const = default;
};

// The identity of the regular file open at `fd`, read with pread (the file offset stays).
// Errors name `name`.
result<input_identity> identify_file(int fd, const std::string& name);

// What differs between two identities, for messages: "size 100 and 80", "mtime_ns ... and ...",
// "content (fingerprint ... and ...)"; empty when they are equal.
std::string identity_difference(const input_identity& a, const input_identity& b);

}  // namespace salesproc
