// --shard K/N: an exact byte range of one file. Shard K owns the rows whose first byte lies in
// [K*size/N, (K+1)*size/N), as a sequential parse would cut them; its last row may run past the
// range. A range can start inside a quoted field, which its own bytes cannot tell, so the shard
// assumes a start state (outside quotes unless told otherwise) and reports the state at its end:
// the quote state at any offset is the parity of the quotes before it, so end = start XOR the
// parity of the range's quotes, whatever the assumption. merge then checks each shard's end
// against the next one's start, and from the parities alone knows the true start of every shard:
// a wrong assumption is named, never silently used. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

struct shard_spec {
    unsigned index = 0;  // K, 0-based
    unsigned count = 1;  // N
    bool start_quoted = false;
};

// "K/N" with 0 <= K < N; nullopt otherwise.
std::optional<shard_spec> parse_shard(std::string_view text) noexcept;
// "outside" or "quoted".
std::optional<bool> parse_shard_start(std::string_view text) noexcept;
std::string_view quote_state_name(bool quoted) noexcept;

// The byte range [begin, end) shard K of N owns in a file of `size` bytes.
struct byte_range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};
byte_range shard_range(const shard_spec& s, std::uint64_t size) noexcept;

// What a shard covered: its report's "shard" object, what merge checks and renumbers by.
struct shard_outcome {
    shard_spec spec;
    bool end_quoted = false;  // the quote state at the range's end, under spec.start_quoted
    std::uint64_t lines = 0;  // physical lines from its first row to the next shard's first row
};

namespace detail {

// Finds where a shard's rows stop while its bytes stream by: the first record boundary at or
// after `search_from` (a boundary is the offset just past a '\n' outside quotes), counting from
// `stream_begin`, a boundary. Also keeps the quote parity of the bytes before `range_end`.
class shard_tracker {
  public:
    shard_tracker(std::uint64_t stream_begin, std::uint64_t range_end, std::uint64_t search_from,
                  bool start_quoted = false) noexcept;

    // The bytes at `offset` (the stream's next ones); returns how many belong to the shard.
    std::size_t feed(std::uint64_t offset, std::string_view bytes) noexcept;

    [[nodiscard]] bool done() const noexcept { return done_; }
    // Where the shard's rows end (valid once done(), or at the end of the file).
    [[nodiscard]] std::uint64_t end() const noexcept { return end_; }
    // Quotes seen before range_end, modulo 2.
    [[nodiscard]] bool range_parity() const noexcept { return parity_; }

  private:
    std::uint64_t range_end_;
    std::uint64_t search_from_;
    bool quoted_ = false;  // quote state at the next byte, relative to stream_begin
    bool parity_ = false;
    bool done_ = false;
    std::uint64_t end_;
};

}  // namespace detail

// Reads `n` bytes of the input at `offset` (fewer at its end): a file's pread, or a ranged GET.
using positional_reader = std::function<result<std::string>(std::uint64_t offset, std::size_t n)>;

// How shard `s` of an input of `size` bytes is read, decided once before its bytes stream: from
// `begin`, the first record boundary at or after its range's start under its assumed state (the
// input's start for shard 0, and never inside the header, which ends at `header_end`), until
// `tracker` finds the first boundary at or after the range's end (the input's end for the last
// shard). `end_parity_from` is the quote state the tracker's range parity is taken against.
struct shard_plan {
    std::uint64_t begin = 0;
    bool end_parity_from = false;
    detail::shard_tracker tracker{0, 0, 0};

    // The quote state at the range's end under the assumed start, once the tracker is done (or
    // the input ended).
    [[nodiscard]] bool end_quoted() const noexcept {
        return end_parity_from != tracker.range_parity();
    }
};

// Reads what it needs (a byte before the range, the bytes up to the first boundary) through
// `read`. Errors are read's.
result<shard_plan> plan_shard(const shard_spec& s, std::uint64_t size, std::uint64_t header_end,
                              const positional_reader& read);

}  // namespace salesproc
