// The command line in two levels, as ripgrep separates them. make_app() declares every flag and
// checks the form of each value as CLI11 parses it into cli_args (what was typed). Then
// to_run_options() turns cli_args into a run: it reads --urls-file and --header-env variables,
// parses URLs, headers, durations and sizes, applies defaults that depend on other flags, and
// refuses outputs that would overwrite an input. Neither opens the CSV or any output.
#pragma once

#include "salesproc/base/errors.hpp"
#include "salesproc/merge/merge.hpp"
#include "salesproc/merge/render.hpp"
#include "salesproc/run/run.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace salesproc {

// --chunk-size when not given, for `threads` workers.
std::size_t default_chunk_size(unsigned threads) noexcept;

// What the user typed. Fields of `direct` are filled as typed; the strings are checked for form
// by make_app() and given meaning by to_run_options().
struct cli_args {
    cli_args();

    run_options direct;
    std::string rejects, min_price, chunk_size, max_row_size = "64MiB", log_format = "text";
    std::string max_invalid, max_invalid_ratio;
    bool quiet = false;
    bool verbose = false;
    std::vector<std::string> api_urls, headers, header_envs;
    std::vector<std::string> csv;
    std::string csv_list;
    std::string s3_addressing = "auto";
    std::string urls_file, backoff_base = "500ms", backoff_max = "30s", timeout = "10s";
    std::string deadline, max_body = "16GiB", max_record_size = "1MiB", api_format = "auto";
    std::string delimiter, records_pointer, next_pointer, metrics, shard, shard_start;
    std::string decimal_separator, thousands_separator, encoding, skip_lines;
    std::vector<std::string> metrics_labels;  // key=value
    unsigned max_pages = 0;                   // 0: not given
    std::vector<std::string> fields;          // NAME=COLUMN
};

// The CLI11 application that parses into `args`, which must outlive it. --help lists every
// option and the exit codes.
std::unique_ptr<CLI::App> make_app(cli_args& args);
// The remote inputs' flags (--no-sign-request, --s3-addressing), part of make_app().
void add_remote_flags(CLI::App& app, cli_args& args);

// Errors: errc::invalid_argument for a usage error (a bad URL, header or --header-env, an output
// naming an input); errc::io_error for an unreadable --urls-file. Both name the flag or file.
result<run_options> to_run_options(const cli_args& args);

// `salesproc merge`: what the user typed.
struct merge_args {
    merge_options direct;
    std::string rejects, metrics, max_invalid, max_invalid_ratio, log_format = "text";
    std::vector<std::string> metrics_labels;
    bool quiet = false;
    bool verbose = false;
};
std::unique_ptr<CLI::App> make_merge_app(merge_args& args);
// The same checks as a run's: outputs that name a part, a part's rejects file or each other.
result<merge_options> to_merge_options(const merge_args& args);

// `salesproc render`: what the user typed.
struct render_args {
    render_options direct;
    std::string log_format = "text";
    bool quiet = false;
    bool verbose = false;
};
std::unique_ptr<CLI::App> make_render_app(render_args& args);
// Errors (usage): no view asked for, a view naming the report or another view.
result<render_options> to_render_options(const render_args& args);

// "salesproc X.Y.Z", then a line naming the versions of Boost, OpenSSL, zlib, zstd and the
// compiler it was built with.
std::string version_text();

// The completion script for `shell` (bash, zsh or fish) from the flags `app` declares: every
// option, file names for path options, the fixed value lists. Nothing for another shell.
std::optional<std::string> completion_script(const CLI::App& app, std::string_view shell);

// exit_usage for usage errors, exit_failure for the rest.
int exit_code_for(const error& e) noexcept;

// When the command line holds an option `app` does not know, the message naming the first such
// (and the closest known option, when one is close): "unknown option '--outt' (did you mean
// '--out'?)". Checked before CLI11's own verdict, which would call the missing --out required.
std::optional<std::string> unknown_option(const CLI::App& app, int argc, const char* const* argv);

// The whole program: `salesproc ...` or `salesproc merge ...` to an exit code. Catches every
// exception (a bug or a setup failure) as one "internal error" line, exit 1.
int cli_main(int argc, char** argv);

}  // namespace salesproc
