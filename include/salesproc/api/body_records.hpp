// An API body's records as its bytes arrive, without ever holding a document of the body: a JSON
// body (Boost.JSON's push parser; records at --records-pointer, or the elements of a top-level
// array, or the top-level value; the next page's URL at --next-pointer, before or after the
// records) or one record a line (NDJSON, JSON Lines, RFC 7464 JSON text sequences). Each record
// is validated and totalled when it completes; memory depends on the largest record
// (--max-record-size), never on the body. Strict RFC 8259: only whitespace after the value, no
// NUL, no unpaired surrogate in a \u escape, no invalid UTF-8. One body per instance; not
// thread-safe.
#pragma once

#include "salesproc/api/api_records.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/rules/reject_batch.hpp"
#include "salesproc/rules/rules.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace salesproc {

// --api-format: how a body is read. `automatic` decides per body (see body_format).
enum class api_format : std::uint8_t { automatic, json, ndjson };

// "auto", "json", "ndjson"; nullopt otherwise.
std::optional<api_format> parse_api_format(std::string_view text) noexcept;

// The format of one body: the configured one, unless automatic; then NDJSON for a Content-Type of
// application/x-ndjson, application/ndjson, application/jsonl, application/x-jsonlines or
// application/json-seq, or (whatever the Content-Type) a URL path ending in .ndjson or .jsonl;
// JSON otherwise.
api_format body_format(api_format configured, std::string_view content_type,
                       std::string_view url_path) noexcept;

inline constexpr std::size_t default_max_record_size = std::size_t{1} << 20;

struct body_options {
    body_layout layout;
    std::size_t max_record_size = default_max_record_size;
    reject_options rejects;
    // Listed rejects beyond this many bytes wait in a temporary file (reject_batch::spill_over).
    std::size_t spill_bytes = std::size_t{4} << 20;
};

// Where a piece of a body (body_pieces.hpp) starts, for a reader of that piece alone: offsets,
// line and record numbers in its errors and rejects are the body's.
struct body_origin {
    std::uint64_t byte = 0;      // of the piece's first byte in the body
    std::uint64_t line = 0;      // NDJSON: the line it starts
    std::uint64_t record = 0;    // records before it
    bool resumes_array = false;  // JSON: it goes on with a top-level array, after a ','
};

class body_records {
  public:
    // `format` is json or ndjson; `context` names the URL in errors. `r` is copied. A reader
    // of a piece starts at its `origin`.
    body_records(api_format format, const rules& r, const body_options& options,
                 std::string context, const body_origin& origin = {});
    ~body_records();
    body_records(body_records&&) noexcept;
    body_records& operator=(body_records&&) = delete;

    // Goes on from what the pieces before this reader's origin held (their records, sales and
    // rejects); call before the first feed().
    void go_on_from(api_records&& earlier);

    // A JSON piece fed whole (body_pieces.hpp) and where its array elements lie: a reject's row is
    // then made from the element's bytes, and only for the rejects kept. `piece` must outlive the
    // reading.
    void know_elements(std::string_view piece, std::size_t first,
                       std::span<const std::size_t> ends);

    // The next bytes of the body. Errors (the body fails; nothing of it counts): errc::bad_json
    // ("invalid JSON at byte 5: unexpected end of input"), errc::record_too_large,
    // errc::money_overflow naming the product.
    result<void> feed(std::string_view bytes);
    // The body ended: an incomplete value is an error; so is a --records-pointer that named
    // nothing.
    result<void> finish();

    // What the body held (after finish()).
    [[nodiscard]] api_records& records() noexcept;
    [[nodiscard]] std::uint64_t bytes() const noexcept;

    class impl;

  private:
    std::unique_ptr<impl> impl_;
};

}  // namespace salesproc
