// The rejects file (--rejects) and the report's rejected_samples: a reject_log takes the
// reject_batches of a run in input order on the reducer's thread, gives them their line numbers,
// keeps the first samples per reason and streams every reject to a writer. Not thread-safe: one
// owner at a time.
#pragma once

#include "salesproc/base/detail/text.hpp"
#include "salesproc/base/errors.hpp"
#include "salesproc/rules/reject_batch.hpp"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc {

// JSON Lines for a path ending in .jsonl or .ndjson, CSV otherwise.
rejects_format rejects_format_for(std::string_view path) noexcept;

class reject_log {
  public:
    // Receives the --rejects file's bytes in order and may take the buffer (swap it for an
    // empty one), so that 343 MB of rejects are not copied once more; an error stops the run.
    using writer = std::function<result<void>(detail::byte_buffer&)>;
    using view_writer = std::function<result<void>(std::string_view)>;

    // With options.all, writes the CSV header line (CSV format) first.
    reject_log(reject_options options, writer out);
    reject_log(reject_options options, view_writer out);

    // Appends a batch whose line 0 is line `first_line` (1-based) of `source`.
    result<void> take(const reject_batch& batch, std::string_view source, std::uint64_t first_line);
    // Hands buffered bytes to the writer; call once at the end.
    result<void> flush();

    [[nodiscard]] const reject_samples& samples() const noexcept { return samples_; }
    // The first reject of `why` taken from `source`, whatever --samples says; nullptr when
    // there was none.
    [[nodiscard]] const reject_sample* first(std::string_view source, reject_reason why) const;
    [[nodiscard]] const reject_options& options() const noexcept { return options_; }

  private:
    reject_options options_;
    writer out_;
    reject_samples samples_;
    // Per source, in the order taken: the first reject of each reason.
    std::vector<
        std::pair<std::string, std::array<std::optional<reject_sample>, reject_reason_count>>>
        firsts_;
    result<void> hand_over(bool all);
    result<void> put_line(std::uint64_t line, std::string_view tail);
    result<void> take_spilled(const reject_batch& batch, std::uint64_t first_line);

    detail::byte_buffer buffer_;  // waiting for the writer
    std::string carry_;           // the bytes after the last whole block, between buffers
    std::string source_;          // whose line prefix prefix_ holds
    std::string prefix_;
};

}  // namespace salesproc
