// Rejected rows and records as users see them: where (source and line), why (reason and a short
// detail) and what (the raw row). A reject_batch collects the rejects of one slice of input (a
// CSV chunk, or one URL's records) on the thread that validates it, with lines counted from the
// slice's start, already formatted for the rejects file (output/rejects.hpp's reject_log puts
// them in order). Not thread-safe: one owner at a time.
#pragma once

#include "salesproc/base/detail/text.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/input/chunker.hpp"
#include "salesproc/rules/rules.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc {

enum class rejects_format : std::uint8_t { csv, jsonl };

inline constexpr std::size_t sample_row_bytes = 200;  // a sample's row, in the report

// What validation records of its rejects. Read-only while a run validates.
struct reject_options {
    std::size_t samples = 3;  // the first N per reason, for the report's rejected_samples
    bool all = false;         // every reject, formatted for the --rejects file
    rejects_format format = rejects_format::csv;
};

// One reject in the report's rejected_samples.
struct reject_sample {
    std::string source;
    std::uint64_t line = 0;
    std::string detail;
    std::string row;  // at most sample_row_bytes, cut on a UTF-8 boundary
};
using reject_samples = std::array<std::vector<reject_sample>, reject_reason_count>;

// The detail of a rule reject (rules 2..8) from the values check_sale saw, e.g. "price 5.00 is
// below min_price 10.0". Values are cut to 40 bytes, so it never exceeds reject_detail_bound:
// write_reject_detail writes it into that much room and returns its end; describe_reject appends.
inline constexpr std::size_t reject_detail_bound = 256;
char* write_reject_detail(char* out, reject_reason why, std::string_view product,
                          std::string_view price, std::string_view quantity,
                          const rules& r) noexcept;
void describe_reject(reject_reason why, std::string_view product, std::string_view price,
                     std::string_view quantity, const rules& r, std::string& out);

// The detail of a row over --max-row-size of `size` bytes.
std::string oversized_detail(std::uint64_t size, std::uint64_t max_row_size);

class reject_batch {
  public:
    // Empties the batch for a new slice, keeping its allocations.
    void reset(const reject_options& options) noexcept;

    // Whether add() would keep a reject for `why`: callers build the detail only then, so a run
    // without --rejects pays for the first few rejects of each reason and no more.
    [[nodiscard]] bool wants(reject_reason why) const noexcept {
        return all_ || kept_[static_cast<std::size_t>(why)] < samples_;
    }
    // Whether every reject is listed (--rejects).
    [[nodiscard]] bool lists_all() const noexcept { return all_; }
    // Whether add() would keep a reject for some reason: a streaming reader builds a record's row
    // only then.
    [[nodiscard]] bool wants_any() const noexcept {
        if (all_) return true;
        for (const std::size_t kept : kept_)
            if (kept < samples_) return true;
        return false;
    }
    // `line` counts from 0 at the slice's first line; `row` is the raw row without its line
    // ending (already cut, for an oversized row). Call only when wants(why).
    // `plain_fields`: the row holds several fields and no quote, so its CSV form is the row in
    // quotes and needs no scan.
    void add(reject_reason why, std::uint64_t line, std::string_view row, std::string_view detail,
             bool plain_fields = false);

    // Adds the rejects of the slice's next part, read apart (a piece of an API body), whose lines
    // are already the slice's: as if they had been added here, the first samples per reason
    // included. `later` must not have spilled.
    void append(reject_batch&& later);

    // --rejects lines in the batch, spilled ones included.
    [[nodiscard]] std::uint64_t listed() const noexcept { return spilled_ + entries_.size(); }
    // Moves the --rejects lines held so far to an unnamed temporary file once they take more
    // than `limit` bytes, so that a slice of any length (an API body) holds at most that much.
    // reject_log::take reads them back in order. Errors: errc::io_error when the file cannot be
    // made or written.
    result<void> spill_over(std::size_t limit);

    // Physical lines the slice spans: where the next slice's line 0 sits.
    void set_lines(std::uint64_t lines) noexcept { lines_ = lines; }
    [[nodiscard]] std::uint64_t lines() const noexcept { return lines_; }

  private:
    friend class reject_log;
    struct sample {
        reject_reason reason;
        std::uint64_t line;
        std::string detail;
        std::string row;
    };
    struct entry {
        std::uint64_t line;
        std::size_t end;  // of its formatted tail in text_
    };

    std::size_t samples_ = 0;
    bool all_ = false;
    rejects_format format_ = rejects_format::csv;
    std::array<std::size_t, reject_reason_count> kept_{};
    std::vector<sample> samples_kept_;
    // Everything of a --rejects line but its source and line number, which only the in-order
    // reducer knows: formatted here, on the validating thread.
    detail::byte_buffer text_;
    std::vector<entry> entries_;
    std::uint64_t lines_ = 0;
    // Spilled lines: each a line number, its tail's length (8 bytes each) and the tail.
    struct close_file {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, close_file> spill_;
    std::uint64_t spilled_ = 0;
};

}  // namespace salesproc
