// An API body cut into pieces that separate threads can read, so that a large body is validated
// on the pool as a CSV file is: NDJSON at the first line end past `piece_size` bytes, a top-level
// JSON array at the first ',' between its elements past `piece_size` bytes. Cut points depend on
// the bytes alone, never on how they arrived, and each piece is read by a body_records that
// starts at the piece's body_origin: the records, rejects and errors are those of one reader of
// the whole body (the first failure in body order is the body's). A body that cannot be cut (any
// other JSON, --records-pointer or --next-pointer, a record or a run of whitespace far longer than
// a piece) is read as one stream from where cutting stopped. Not thread-safe; read_piece may run
// on any thread.
#pragma once

#include "salesproc/api/api_records.hpp"
#include "salesproc/api/body_records.hpp"
#include "salesproc/api/detail/json_scan.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/rules/rules.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

struct body_piece {
    std::string bytes;
    body_origin origin;
    bool last = false;  // the body ends with it
    // JSON: where its array elements lie, so that a reject's row is made from its bytes only
    // when it is kept: the first starts at first_element, and each ends (exclusive) where the
    // next starts after its ','.
    std::size_t first_element = 0;
    std::vector<std::size_t> element_ends;
};

// Piece buffers given back once read, for the next pieces of any body. Fresh ones cost more than
// their copy: glibc maps a buffer of a piece's size on its own, so each was 140 page faults and an
// munmap, a fifth of a large NDJSON body's CPU. Thread-safe.
class piece_buffers {
  public:
    // Keeps at most `keep` buffers, of at least `least` bytes each: a small body's buffer would
    // only take the place of one a piece can use.
    piece_buffers(std::size_t keep, std::size_t least) : keep_(keep), least_(least) {}
    // An empty string, with the capacity of one given back when there is one.
    [[nodiscard]] std::string take();
    void give(std::string&& buffer);

  private:
    std::mutex mu_;
    std::vector<std::string> free_;
    std::size_t keep_;
    std::size_t least_;
};

class body_cutter {
  public:
    // `format` is json or ndjson. Buffers come from `buffers` when given.
    body_cutter(api_format format, const body_options& options, std::size_t piece_size,
                std::shared_ptr<piece_buffers> buffers = nullptr);

    // Takes the next bytes of the body; each piece they complete goes to `ready`, in order. Once
    // streaming(), feed nothing more: take_rest() holds every byte not yet in a piece.
    void feed(std::string_view bytes, const std::function<void(body_piece)>& ready);
    [[nodiscard]] bool streaming() const noexcept { return streaming_; }
    // The bytes held and where they start; the caller reads them, then the rest of the body, as
    // one stream.
    [[nodiscard]] body_piece take_rest();
    // The body ended (not streaming): its last piece.
    [[nodiscard]] body_piece finish();

  private:
    void cut_lines(const std::function<void(body_piece)>& ready);
    void cut_array(const std::function<void(body_piece)>& ready);
    bool find_array_start();
    // The first `n` bytes held become a piece; the origin moves past them.
    void emit(std::size_t n, std::uint64_t lines, std::uint64_t records, bool resumes,
              const std::function<void(body_piece)>& ready);
    void check_held();

    bool ndjson_;
    std::size_t piece_size_;
    std::size_t held_limit_;  // held bytes without a cut beyond which the body streams
    bool streaming_ = false;
    std::shared_ptr<piece_buffers> buffers_;
    std::string held_;
    body_origin origin_;
    std::size_t scanned_ = 0;  // bytes of held_ already looked at
    // JSON arrays: where the scan is.
    enum class array_state : std::uint8_t { before, inside, after } array_ = array_state::before;
    detail::json_scan_state scan_;
    std::vector<std::uint32_t> offsets_;  // of one window of the scan
    std::uint32_t depth_ = 0;
    std::size_t first_element_ = 0;
    std::vector<std::size_t> ends_;  // of the elements held
};

// Reads one piece, on any thread: its records (numbered from origin.record), or the error a reader
// of the whole body meets first within it. Rejects are kept in memory (spill_bytes is ignored).
result<api_records> read_piece(const body_piece& piece, api_format format, const rules& r,
                               const body_options& options, const std::string& context);

// Adds `piece`, the next in body order, to `into` (whose rejects spill beyond spill_bytes).
// Errors: errc::money_overflow naming the product; errc::io_error from the spill.
result<void> add_piece(api_records& into, api_records&& piece, const body_options& options,
                       const std::string& context);

}  // namespace salesproc
