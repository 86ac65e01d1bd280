// A run's flags: one declaration each, grouped as --help shows them.
#include "salesproc/cli/cli.hpp"

#include "cli_checks.hpp"

#include "salesproc/input/detail/decoder.hpp"

#include "salesproc/api/api_records.hpp"
#include "salesproc/base/units.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/output/metrics.hpp"
#include "salesproc/output/output_paths.hpp"
#include "salesproc/totals/quality.hpp"

#include <openssl/opensslv.h>
#include <zlib.h>
#include <zstd.h>
#include <CLI/CLI.hpp>
#include <boost/version.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace salesproc {

using cli_checks::add_view_flags;
using cli_checks::duration_validator;
using cli_checks::parse_count;
using cli_checks::parsed_by;
using cli_checks::size_validator;
using cli_checks::usage;
namespace {

constexpr const char* exit_codes_help = R"(Exit codes:
  0    report written (rejected rows are normal business data, not an error)
  1    fatal error: unreadable CSV, missing required column, bad config, unwritable --out
       or --rejects; no report, rejects file, page or summary is written and previous ones
       are left byte-for-byte untouched (--junit alone is written: the input that failed)
  2    usage error: unknown flag, bad value, or an output naming an input (or another output)
  3    report written but some API sources failed
  4    report (and --rejects file) written, but a --max-invalid or --max-invalid-ratio
       gate was exceeded; takes precedence over 3
  130  interrupted by SIGINT; 143 by SIGTERM (no report written)

Errors are one stderr line: salesproc: error: <context>: <reason>)";

CLI::Validator decimal_validator() {
    return CLI::Validator(
        [](std::string& s) {
            const auto v = parse_fixed(s);
            if (!v) return "'" + s + "' is not a plain decimal number (e.g. 10.00)";
            if (v->units < 0) return "'" + s + "' must not be negative";
            return std::string();
        },
        "DEC");
}
}  // namespace

std::string version_text() {
    std::string compiler;
#if defined(__clang__)
    compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    compiler = "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
               std::to_string(__GNUC_PATCHLEVEL__);
#endif
    const unsigned boost = BOOST_VERSION;
    return std::string("salesproc " SALESPROC_VERSION "\nbuilt with Boost ") +
           std::to_string(boost / 100000) + "." + std::to_string(boost / 100 % 1000) + "." +
           std::to_string(boost % 100) + ", " + OPENSSL_VERSION_TEXT +
           ", zlib " ZLIB_VERSION ", zstd " ZSTD_VERSION_STRING ", " + compiler;
}

cli_args::cli_args() {
    direct.threads = std::max(1U, std::thread::hardware_concurrency());
}

std::size_t default_chunk_size(unsigned threads) noexcept {
    // threads + 2 chunks are in flight. Half a MiB each keeps the whole pipeline (and a chunk's
    // products and formatted rejects, which wait with it) in cache-sized pieces at full speed;
    // past 30 threads they shrink, so that in-flight input stays within 16 MiB on any machine.
    const std::size_t in_flight = std::size_t{threads} + 2;
    return std::clamp((std::size_t{16} << 20) / in_flight, std::size_t{64} << 10,
                      std::size_t{512} << 10);
}

namespace {

constexpr const char* api_group = "API sources (fetched concurrently with the CSV)";

// Inputs, outputs and the config file.
void add_io_flags(CLI::App& app, cli_args& a) {
    auto* csv = app.add_option("--csv", a.csv,
                               "Sales CSV to process (plain, gzip or zstd); '-' reads stdin;\n"
                               "an s3://bucket/key, s3://bucket/prefix/ or glob, or an\n"
                               "http(s):// URL is read over the network; repeatable: inputs\n"
                               "are processed in the order given")
                    ->type_name("PATH|URL");
    auto* csv_list = app.add_option("--csv-list", a.csv_list,
                                    "File naming more CSV inputs, one path a line (after\n"
                                    "any --csv); blank lines are skipped")
                         ->check(CLI::ExistingFile);
    app.callback([csv, csv_list] {
        if (csv->count() == 0 && csv_list->count() == 0)
            throw CLI::RequiredError("--csv or --csv-list");
    });
    app.add_option("--out", a.direct.out_path,
                   "Report path, replaced atomically; '-' writes to stdout")
        ->type_name("PATH")
        ->required();
    app.add_option("--rejects", a.rejects,
                   "Every rejected row and record: CSV, or JSON Lines when the path ends\n"
                   "in .jsonl or .ndjson; replaced atomically; '-' writes to stdout")
        ->type_name("PATH");
    add_view_flags(app, a.direct.views);
    app.add_option("--samples", a.direct.samples,
                   "First N rejects per reason in the report's rejected_samples;\n0 leaves it out")
        ->check(CLI::Range(std::size_t{0}, std::size_t{10000}))
        ->capture_default_str();
    app.add_option("--metrics", a.metrics,
                   "Prometheus textfile metrics of the run, written atomically by every\n"
                   "run, failed ones too (for node_exporter's textfile collector)")
        ->type_name("PATH");
    app.add_option("--metrics-label", a.metrics_labels,
                   "key=value: a constant label on every metric; repeatable")
        ->check(CLI::Validator(
            [](std::string& s) {
                const auto eq = s.find('=');
                if (eq == std::string::npos || !is_label_name(std::string_view(s).substr(0, eq)))
                    return "'" + s +
                           "' is not key=value with a Prometheus label name (e.g. "
                           "job=nightly-eu)";
                return std::string();
            },
            "KEY=VALUE"));
    app.add_option("--config", a.direct.config_path, "YAML rules (format of data/config.yaml)")
        ->check(CLI::ExistingFile);
}

// The rules, over --config.
void add_rule_flags(CLI::App& app, cli_args& a) {
    auto* rules = "Rules (override --config)";
    app.add_option("--product-prefix", a.direct.product_prefix, "Required product name prefix")
        ->group(rules);
    app.add_option("--min-price", a.min_price, "Minimum unit price, exact decimal")
        ->check(decimal_validator())
        ->group(rules);
    app.add_option("--max-quantity", a.direct.max_quantity, "Maximum quantity per row")
        ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX - 1))
        ->group(rules);
    app.add_option("--max-decimals", a.direct.max_decimals, "Maximum fraction digits of a price")
        ->check(CLI::Range(0U, 18U))
        ->group(rules);
}

// The input's shape: delimiter, fields, number format, encoding, lines above the header.
void add_shape_flags(CLI::App& app, cli_args& a) {
    auto* input = "Input shape (override --config)";
    app.add_option("--delimiter", a.delimiter,
                   "Field separator: ',' (default), ';', '|', or tab (also '\\t')")
        ->check(parsed_by(parse_delimiter, "delimiter", "';', '|', tab", "CHAR"))
        ->group(input);
    app.add_option("--field", a.fields,
                   "NAME=COLUMN: read rule field NAME (product, price, quantity) from\n"
                   "CSV column / API key COLUMN; repeatable")
        ->check(CLI::Validator(
            [](std::string& s) {
                const auto eq = s.find('=');
                if (eq == std::string::npos || eq + 1 == s.size())
                    return "'" + s + "' is not NAME=COLUMN (e.g. price=unit_price)";
                if (!rule_field_named(std::string_view(s).substr(0, eq)))
                    return "'" + s.substr(0, eq) +
                           "' is not a rule field (expected product, price, quantity)";
                return std::string();
            },
            "NAME=COLUMN"))
        ->group(input);
    app.add_option("--decimal-separator", a.decimal_separator,
                   "The decimal separator of prices: '.' (default) or ','")
        ->check(parsed_by(parse_decimal_separator, "decimal separator", "'.', ','", "CHAR"))
        ->group(input);
    app.add_option("--thousands-separator", a.thousands_separator,
                   "Between groups of three digits: none (default), '.', ',', \"'\" or\n"
                   "space (also a no-break space); groups must be well formed")
        ->check(parsed_by(parse_thousands_separator, "thousands separator", "'.', ',', space, none",
                          "SEP"))
        ->group(input);
    app.add_option("--encoding", a.encoding,
                   "The input's character encoding when it is not UTF-8: any iconv name\n"
                   "(cp1252, latin1, utf-16le, ...); a UTF-16/32 byte-order mark is read alone")
        ->group(input);
    app.add_option("--skip-lines", a.skip_lines,
                   "Physical lines before the header to skip (a title, a date); Excel's\n"
                   "sep=X first line is recognised by itself")
        ->check(parsed_by(parse_count, "count", "1, 3", "N"))
        ->group(input);
}

// The pipeline's size, the row limit and the shard.
void add_pipeline_flags(CLI::App& app, cli_args& a) {
    app.add_option(
           "--threads", a.direct.threads,
           "Worker threads; the API fetch uses up to 4 of them\n(default: hardware concurrency)")
        ->check(CLI::Range(1U, 1024U))
        ->capture_default_str();
    app.add_option("--chunk-size", a.chunk_size,
                   "Bytes per chunk: 65536, 64KiB, 4MiB\n(default: 512KiB, less past 30 threads)")
        ->check(size_validator());
    auto* shards = "Beyond one machine (see salesproc merge --help)";
    app.add_option("--shard", a.shard,
                   "K/N: only the rows whose first byte lies in the K-th of N equal byte\n"
                   "ranges of the one --csv (K from 0); merge puts the parts together")
        ->check(parsed_by(parse_shard, "shard K/N with 0 <= K < N", "0/4, 3/4", "K/N"))
        ->group(shards);
    app.add_option("--shard-start", a.shard_start,
                   "The quote state assumed at the shard's start: outside (default) or\n"
                   "quoted; merge says when to re-run a shard with the other")
        ->check(CLI::IsMember({"outside", "quoted"}))
        ->group(shards);
    app.add_option("--max-row-size", a.max_row_size,
                   "Longest row kept; longer rows count as malformed_row")
        ->check(size_validator())
        ->capture_default_str();
}

// Quality gates and logging.
void add_gate_and_log_flags(CLI::App& app, cli_args& a) {
    auto* gates = "Data-quality gates (exit 4 when exceeded; report still written)";
    app.add_option("--max-invalid", a.max_invalid, "Most rejected rows and records tolerated")
        ->check(parsed_by(parse_count, "non-negative integer", "0, 100", "N"))
        ->group(gates);
    app.add_option("--max-invalid-ratio", a.max_invalid_ratio,
                   "Most tolerated as a fraction of all rows and records, 0..1")
        ->check(parsed_by(parse_ratio, "ratio from 0 to 1", "0.05, 0, 1", "R"))
        ->group(gates);
    cli_checks::add_log_flags(app, a.quiet, a.verbose, a.log_format);
}

// API sources, concurrency, retries and timeouts.
void add_api_flags(CLI::App& app, cli_args& a) {
    const auto* api = api_group;
    app.add_option("--api-url", a.api_urls, "JSON API URL, http:// or https://; repeatable")
        ->group(api);
    app.add_option("--urls-file", a.urls_file,
                   "One URL per line; blank lines and # comments ignored")
        ->check(CLI::ExistingFile)
        ->group(api);
    app.add_option("--concurrency", a.direct.fetch.concurrency,
                   "Requests in flight across all hosts")
        ->check(CLI::Range(1U, 10000U))
        ->capture_default_str()
        ->group(api);
    app.add_option("--retries", a.direct.fetch.retry.max_retries, "Retries after the first attempt")
        ->check(CLI::Range(0U, 100U))
        ->capture_default_str()
        ->group(api);
    app.add_option("--backoff-base", a.backoff_base, "First backoff ceiling (full jitter)")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--backoff-max", a.backoff_max,
                   "Largest backoff, and largest Retry-After honoured")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--timeout", a.timeout, "Per attempt: connect, TLS, request and response")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--deadline", a.deadline, "Whole API phase; cancels attempts in flight")
        ->check(duration_validator())
        ->group(api);
    app.add_option("--cacert", a.direct.fetch.cacert,
                   "Extra trust anchors (PEM), added to the system store")
        ->check(CLI::ExistingFile)
        ->group(api);
}

// API headers, bodies, pages and TLS.
void add_api_body_flags(CLI::App& app, cli_args& a) {
    const auto* api = api_group;
    app.add_option("--header", a.headers, "'Name: value' sent to each URL's own host; repeatable")
        ->group(api);
    app.add_option("--header-env", a.header_envs,
                   "'Name=ENVVAR': header value from the environment, kept out of argv")
        ->group(api);
    app.add_option("--max-body", a.max_body,
                   "Largest response body, a guard against endless bodies (bodies stream:\n"
                   "memory does not depend on it)")
        ->check(size_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--max-record-size", a.max_record_size,
                   "Largest record in a body; a larger one fails its URL (record_too_large)")
        ->check(size_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--api-format", a.api_format,
                   "json, ndjson (one record a line) or auto: NDJSON for a Content-Type of\n"
                   "application/x-ndjson, jsonl or json-seq, or a path ending .ndjson/.jsonl")
        ->check(CLI::IsMember({"auto", "json", "ndjson"}))
        ->capture_default_str()
        ->group(api);
    app.add_option("--records-pointer", a.records_pointer,
                   "JSON pointer (RFC 6901) to the records in each body, e.g. /data")
        ->check(parsed_by(detail::is_json_pointer, "JSON pointer", "/data, /result/items", "PTR"))
        ->group(api);
    app.add_option("--next-pointer", a.next_pointer,
                   "JSON pointer to the next page's URL in each body, e.g. /next\n"
                   "(without it, a Link: <...>; rel=\"next\" header is followed)")
        ->check(parsed_by(detail::is_json_pointer, "JSON pointer", "/next, /links/next", "PTR"))
        ->group(api);
    app.add_option("--max-pages", a.max_pages, "Most pages fetched per URL (default: 1000)")
        ->check(CLI::Range(1U, 1'000'000U))
        ->group(api);
    app.add_flag("--follow-cross-origin", a.direct.follow_cross_origin,
                 "Follow a next page on another origin (never with credentials)")
        ->group(api);
    app.add_flag("--insecure", a.direct.fetch.insecure,
                 "Do not verify TLS certificates (warns every run)")
        ->group(api);
}

}  // namespace

std::unique_ptr<CLI::App> make_app(cli_args& a) {
    auto app = std::make_unique<CLI::App>(
        "salesproc: validate a sales CSV against Halal-only business rules and total it exactly,\n"
        "streaming the file in chunks validated concurrently, while fetching JSON API sources\n"
        "concurrently with retries; writes one merged JSON report atomically.",
        "salesproc");
    app->set_version_flag("--version", version_text());
    // Hidden: the build writes the shell completions with it, from this very list of flags.
    CLI::App* self = app.get();
    app->add_option_function<std::string>(
           "--completions",
           [self](const std::string& shell) {
               std::fputs(completion_script(*self, shell)->c_str(), stdout);
               throw CLI::Success();
           },
           "Print the completion script for bash, zsh or fish")
        ->check(CLI::Validator(
            [](std::string& s) {
                return s == "bash" || s == "zsh" || s == "fish"
                           ? std::string()
                           : "'" + s + "' is not bash, zsh or fish";
            },
            "SHELL"))
        ->trigger_on_parse()
        ->group("");
    app->footer(exit_codes_help);
    app->get_formatter()->column_width(34);

    add_io_flags(*app, a);
    add_rule_flags(*app, a);
    add_shape_flags(*app, a);
    add_pipeline_flags(*app, a);
    add_gate_and_log_flags(*app, a);
    add_api_flags(*app, a);
    add_api_body_flags(*app, a);
    add_remote_flags(*app, a);
    return app;
}

}  // namespace salesproc
