// The process exit codes of a run and of salesproc merge, as documented in --help and the man
// page. Scripts rely on them.
#pragma once

namespace salesproc {

// Exit codes, as documented in --help.
enum exit_code : int {
    exit_ok = 0,          // report written (rejected rows are normal)
    exit_failure = 1,     // fatal: nothing written, previous report untouched
    exit_usage = 2,       // bad flag or value
    exit_api_failed = 3,  // report written, some API sources failed
    exit_quality = 4,     // report written, a --max-invalid gate was exceeded (before 3)
    exit_sigint = 130,
    exit_sigterm = 143,
};

}  // namespace salesproc
