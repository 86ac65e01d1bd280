// A body read as the API shards read it, without the pool: cut into pieces, each read apart and
// added in order, and the stream a body turns into when it cannot be cut. For tests and the
// fuzzer, which hold it to one reader of the whole body.
#pragma once

#include "salesproc/api/body_pieces.hpp"

#include <cstddef>
#include <string_view>

namespace salesproc::testing {

// `feed`: how many bytes arrive at a time; `pieces`, when given, counts the pieces cut.
result<api_records> read_in_pieces(std::string_view body, api_format format, const rules& r,
                                   const body_options& options, std::size_t piece_size,
                                   std::size_t feed, std::size_t* pieces = nullptr);

}  // namespace salesproc::testing
