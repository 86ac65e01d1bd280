// merge's rejects: each part's rejects file read record by record, checked, its shard lines made
// global, into the merged file. Internal to salesproc_core, its tests and fuzz targets; pure
// apart from reading the files.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/merge/detail/merge_parts.hpp"
#include "salesproc/output/rejects.hpp"

#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc::detail {

// Splits a rejects file (`in`, read from `file`) into records: a CSV record goes on past a line
// break inside quotes; the CSV header is checked and not visited. Calls `visit` with each
// record, without its line end. Errors name `file`: no salesproc header (an empty CSV file has
// none), a record cut off inside quotes, a read failure.
result<void> for_each_reject(std::istream& in, rejects_format format, const std::string& file,
                             const std::function<result<void>(std::string_view)>& visit);

// One record with its line number moved by `offset` when its source is `shard_path` (CSV: the
// second of its five fields; JSON Lines: "line", right after "source"). Errors name `file`: a
// record without the five fields or without a line number.
result<std::string> renumber_reject(std::string_view record, rejects_format format,
                                    const std::string* shard_path, std::uint64_t offset,
                                    const std::string& file);

// A part's rejects file that is not on disk (an s3:// object), read as a stream; a transfer
// that fails ends the stream early and says why.
class rejects_stream {
  public:
    virtual ~rejects_stream() = default;
    virtual std::istream& in() = 0;
    [[nodiscard]] virtual std::optional<error> failure() const = 0;
};
using rejects_opener =
    std::function<result<std::unique_ptr<rejects_stream>>(const std::string& path)>;

// Writes the merged rejects file in `format` to `write`, from `files` (one per part, in the
// parts' order; through `open` when given). Errors name the file: another format, unreadable,
// malformed, or holding another number of records than its part's invalid_sales.
result<void> merge_rejects(const std::vector<std::string>& files, rejects_format format,
                           const std::string& out_path, const std::vector<part_summary>& parts,
                           const std::function<result<void>(std::string_view)>& write,
                           const rejects_opener* open = nullptr);

}  // namespace salesproc::detail
