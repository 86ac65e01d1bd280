// Opening one CSV input of the pipeline: a file, stdin, a shard of a file, or a remote object;
// listings expanded into their objects; remote objects opened ahead of their turn. Internal to
// salesproc_core; everything here runs on the pipeline's strand.
#pragma once

#include "salesproc/input/byte_source.hpp"
#include "salesproc/input/chunker.hpp"
#include "salesproc/rules/header.hpp"
#include "salesproc/run/pipeline.hpp"

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace salesproc {

// The opened input of one process_csv: its bytes, their cutter, and the header understood.
struct opened_input {
    std::optional<byte_source> source;
    std::optional<chunker> cutter;
    header_layout layout;
    rules rule_set;  // the job's, with the delimiter of a "sep=" line unless --delimiter was given
};

// Opens job.path (or its shard, or job.locator's remote object) and parses the header.
result<void> open_input(const csv_job& job, opened_input& in);

// The inputs in order, each s3:// listing replaced by its objects in key order.
result<std::vector<std::string>> expand_inputs(const csv_job& job,
                                               const std::vector<std::string>& paths);

// Remote objects opened a few inputs ahead, so that their first bytes are on the way while the
// inputs before them are validated: a listing of many small objects waits for one round trip
// per `depth` objects, not per object. Each open object holds at most its queue (see
// remote_objects), so memory stays bounded.
class remote_prefetch {
  public:
    remote_prefetch(remote_access access, const std::vector<std::string>& inputs,
                    std::size_t depth = 4)
        : access_(std::move(access)), inputs_(inputs), depth_(depth) {}

    // The next input's turn: opens the remote ones among the next `depth`.
    void advance();
    // The stream for `url`, opened ahead if it was, else now.
    result<std::unique_ptr<remote_stream>> take(const std::string& url);

  private:
    remote_access access_;
    const std::vector<std::string>& inputs_;
    std::size_t depth_;
    std::size_t next_ = 0;    // the next input advance() moves to
    std::size_t opened_ = 0;  // inputs before this one were opened (or are local)
    std::deque<std::pair<std::string, result<std::unique_ptr<remote_stream>>>> ready_;
};

}  // namespace salesproc
