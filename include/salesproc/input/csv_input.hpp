// What one CSV input of a run amounted to: the report's csv section is built from a list of
// these, one per --csv in the order given. Plain data.
#pragma once

#include "salesproc/input/detail/decoder.hpp"
#include "salesproc/input/input_identity.hpp"
#include "salesproc/input/remote_stream.hpp"
#include "salesproc/input/shard.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace salesproc {

struct csv_input_summary {
    std::string path;  // as given; "-" for stdin
    std::uint64_t rows = 0;
    std::uint64_t valid = 0;
    std::uint64_t invalid = 0;
    std::uint64_t bytes = 0;  // as stored (compressed, for a compressed input)
    std::uint64_t chunks = 0;
    detail::compression compression = detail::compression::none;
    std::uint64_t decompressed_bytes = 0;
    std::optional<shard_outcome> shard{};      // --shard: what the report's "shard" object says
    std::optional<input_identity> identity{};  // a regular file's: the report's "identity"
    // Bytes that are not UTF-8 (read as UTF-8), and the line of the first: for a warning only.
    std::uint64_t invalid_utf8 = 0;
    std::uint64_t first_invalid_utf8_line = 0;
    std::optional<remote_state> remote{};  // a remote object's: the report's "etag", "resumes"
};

}  // namespace salesproc
