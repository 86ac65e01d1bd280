// salesproc render: the views (HTML, CI summary, JUnit) of a saved report, from a run or from
// merge, equal to those the run itself would have written. Pure apart from reading the report
// and writing the views; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/base/log.hpp"
#include "salesproc/merge/report_reader.hpp"
#include "salesproc/output/views.hpp"

#include <string>

namespace salesproc {

struct render_options {
    std::string report_path;
    view_paths views;
    verbosity level = verbosity::normal;
    log_format format = log_format::text;
};

// The view of the report at `path` (through `load` when given: an s3:// report). Errors name
// it: unreadable, not JSON, not a salesproc report (see read_report), a number that does not fit.
result<report_view> read_view(const std::string& path, const text_loader* load = nullptr);

// Writes each view asked for, atomically; 0, or 1 with nothing written (an unreadable report,
// an unwritable view).
int run_render(const render_options& options);

}  // namespace salesproc
