// What the black-box CLI test files share: the binary under test, the data directory, and
// running the binary.
#pragma once

#include "support/test_support.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace salesproc::test {

inline const std::string salesproc_bin = SALESPROC_BIN;
inline const std::string data_dir = SALESPROC_TEST_DATA_DIR;

// Runs the salesproc binary with `args` and `input` on stdin.
inline process_result salesproc(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), salesproc_bin);
    return run_process(args, input);
}

// A report without where its rows came from (csv, rejected samples' source), where its rejects
// went, and its timings: what a run over remote inputs must share with one over the same files.
inline nlohmann::json without_sources(nlohmann::json doc) {
    doc.erase("duration_ms");
    doc.erase("generated_at");
    doc.erase("csv");
    doc.erase("rejects");
    doc.erase("parts");
    for (auto& [reason, samples] : doc["rejected_samples"].items())
        for (auto& sample : samples)
            sample.erase("source");
    return doc;
}

}  // namespace salesproc::test
