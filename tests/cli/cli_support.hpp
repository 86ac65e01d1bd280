// What the black-box CLI test files share: the binary under test, the data directory, and
// running the binary.
#pragma once

#include "support/test_support.hpp"

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

}  // namespace salesproc::test
