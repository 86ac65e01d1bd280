// A run's command line, once parsed: the values checked and turned into run_options (see
// cli/cli.hpp).
#include "salesproc/cli/cli.hpp"

#include "salesproc/api/body_records.hpp"

#include "cli_checks.hpp"

#include "salesproc/input/detail/transcoder.hpp"

#include "salesproc/input/detail/decoder.hpp"

#include "salesproc/api/api_records.hpp"
#include "salesproc/api/s3.hpp"
#include "salesproc/api/url.hpp"
#include "salesproc/base/units.hpp"
#include "salesproc/input/csv.hpp"
#include "salesproc/output/metrics.hpp"
#include "salesproc/output/output_paths.hpp"
#include "salesproc/output/remote_output.hpp"
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

using cli_checks::parse_count;
using cli_checks::usage;

namespace {

// Reads --urls-file: one URL per line; blank lines and '#' comments are skipped. CLI11's
// ExistingFile only checks that the path exists, so an unreadable file is caught here.
result<std::vector<std::string>> read_url_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) return errno_error("--urls-file " + path, errno);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto t = csv::trim(line);
        if (!t.empty() && t.front() != '#') out.emplace_back(t);
    }
    if (in.bad()) return errno_error("--urls-file " + path, errno);
    return out;
}

// --header 'Name: value' and --header-env 'Name=ENVVAR'. Header values may be secrets:
// messages name the header, never its value.
result<std::vector<std::pair<std::string, std::string>>> parse_headers(const cli_args& a) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& h : a.headers) {
        const auto colon = h.find(':');
        const auto name = csv::trim(std::string_view(h).substr(0, colon));
        if (colon == std::string::npos || name.empty())
            return usage("--header", "expected 'Name: value', got a value without a name or ':'");
        out.emplace_back(name, csv::trim(std::string_view(h).substr(colon + 1)));
    }
    for (const auto& h : a.header_envs) {
        const auto eq = h.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == h.size())
            return usage("--header-env '" + h + "'", "expected 'Name=ENVVAR'");
        const std::string var = h.substr(eq + 1);
        const char* value = std::getenv(var.c_str());
        if (value == nullptr)
            return usage("--header-env '" + h + "'", "environment variable " + var + " is not set");
        out.emplace_back(h.substr(0, eq), value);
    }
    return out;
}

// Reads --csv-list: one path a line, as given (relative to the working directory); blank lines
// are skipped, and so is a CR before the line end.
result<std::vector<std::string>> read_csv_list(const std::string& path) {
    std::ifstream in(path);
    if (!in) return errno_error("--csv-list " + path, errno);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!csv::trim(line).empty()) out.push_back(line);
    }
    if (in.bad()) return errno_error("--csv-list " + path, errno);
    if (out.empty()) return usage("--csv-list " + path, "names no CSV file");
    return out;
}

// A shard seeks into its one input: that takes a regular file, stored as it is read.
result<void> check_shard_input(const std::vector<std::string>& paths) {
    if (paths.size() != 1) return usage("--shard", "takes exactly one --csv input");
    const std::string& path = paths.front();
    if (path == "-") return usage("--shard", "cannot read stdin: it needs a seekable file");
    if (is_s3_url(path)) {
        auto u = parse_s3_url(path);
        if (u && is_listing(*u))
            return usage("--shard",
                         display_url(path) + " is a listing: a shard is a range of one object");
    }
    // A remote object's size, ETag, compression and range support come with its first
    // response (open_input.cpp).
    if (is_remote_input(path)) return {};
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno_error(path, errno);
    if (!S_ISREG(st.st_mode))
        return usage("--shard", path + " is not a regular file (a FIFO or device cannot seek)");
    std::ifstream in(path, std::ios::binary);
    char head[4] = {};
    in.read(head, sizeof head);
    if (detail::sniff_compression(std::string_view(head, static_cast<std::size_t>(in.gcount()))) !=
        detail::compression::none)
        return usage("--shard", path + " is compressed: a shard needs an uncompressed file");
    return {};
}

// The CSV inputs in order (--csv, then --csv-list's lines) and the shard of the one input.
result<void> resolve_inputs(const cli_args& a, run_options& o) {
    o.csv_paths = a.csv;
    if (!a.csv_list.empty()) {
        auto listed = read_csv_list(a.csv_list);
        if (!listed) return listed.error();
        o.csv_paths.insert(o.csv_paths.end(), listed->begin(), listed->end());
    }
    if (std::count(o.csv_paths.begin(), o.csv_paths.end(), "-") > 1)
        return usage("--csv -", "stdin can be read only once");
    if (!a.shard_start.empty() && a.shard.empty())
        return usage("--shard-start", "needs --shard K/N");
    if (!a.shard.empty()) {
        o.shard = parse_shard(a.shard);
        o.shard->start_quoted = a.shard_start == "quoted";
        if (auto ok = check_shard_input(o.csv_paths); !ok) return ok.error();
    }
    return {};
}

// An output that names an input (or another output) would destroy it: refused before any file
// is opened.
result<void> check_clashes(const cli_args& a, const run_options& o) {
    std::vector<named_path> inputs;
    for (const auto& p : o.csv_paths)
        inputs.push_back({"--csv", p});
    if (!a.csv_list.empty()) inputs.push_back({"--csv-list", a.csv_list});
    if (o.config_path) inputs.push_back({"--config", *o.config_path});
    if (!a.urls_file.empty()) inputs.push_back({"--urls-file", a.urls_file});
    if (!o.fetch.cacert.empty()) inputs.push_back({"--cacert", o.fetch.cacert});
    std::vector<named_path> outputs{{"--out", o.out_path}};
    if (!a.rejects.empty()) outputs.push_back({"--rejects", a.rejects});
    if (!a.metrics.empty()) outputs.push_back({"--metrics", a.metrics});
    for (const auto& [flag, path] : o.views.asked())
        outputs.push_back({flag, path});
    return check_output_clashes(inputs, outputs);
}

// The API half: URLs, headers, times, limits, pages. make_app() checked the form of every value
// parsed here.
result<void> resolve_api(const cli_args& a, run_options& o) {
    std::vector<std::string> urls = a.api_urls;
    if (!a.urls_file.empty()) {
        auto lines = read_url_lines(a.urls_file);
        if (!lines) return lines.error();
        urls.insert(urls.end(), lines->begin(), lines->end());
    }
    for (const auto& text : urls) {
        auto url = parse_http_url(text);
        if (!url) return url.error();  // errc::invalid_argument, naming the URL
        o.urls.push_back(std::move(*url));
    }
    auto headers = parse_headers(a);
    if (!headers) return headers.error();
    o.fetch.headers = std::move(*headers);
    o.fetch.retry.backoff_base = *parse_duration(a.backoff_base);
    o.fetch.retry.backoff_max = *parse_duration(a.backoff_max);
    o.fetch.timeout = *parse_duration(a.timeout);
    if (!a.deadline.empty()) o.fetch.deadline = parse_duration(a.deadline);
    o.fetch.max_body = *parse_size(a.max_body);
    o.fetch.max_record_size = static_cast<std::size_t>(*parse_size(a.max_record_size));
    o.fetch.format = parse_api_format(a.api_format).value_or(api_format::automatic);
    if (a.s3_addressing != "auto") o.s3.addressing = parse_s3_addressing(a.s3_addressing).value();
    o.fetch.proxy = proxy_settings_from_env();
    // Past 4 I/O threads the API fetch only gets slower (see the README's API section).
    o.fetch.io_threads = std::min(o.threads, 4U);
    if (!a.records_pointer.empty()) o.records_pointer = a.records_pointer;
    if (!a.next_pointer.empty()) o.next_pointer = a.next_pointer;
    if (a.max_pages != 0) o.max_pages = a.max_pages;
    return {};
}

// Outputs, gates, rules, sizes, fields and logging.
result<void> resolve_rest(const cli_args& a, run_options& o) {
    if (!a.rejects.empty()) o.rejects_path = a.rejects;
    if (!a.metrics.empty()) o.metrics_path = a.metrics;
    if (is_remote_output(a.metrics))
        return usage("--metrics", a.metrics +
                                      ": metrics stay a local file, for node_exporter's textfile "
                                      "collector");
    auto labels = parse_metrics_labels(a.metrics_labels);
    if (!labels) return labels.error();
    o.metrics_labels = std::move(*labels);
    if (!a.max_invalid.empty()) o.gates.max_invalid = parse_count(a.max_invalid);
    if (!a.max_invalid_ratio.empty()) o.gates.max_invalid_ratio = parse_ratio(a.max_invalid_ratio);
    if (!a.min_price.empty()) o.min_price = parse_fixed(a.min_price);
    o.chunk_size = a.chunk_size.empty() ? default_chunk_size(o.threads) : *parse_size(a.chunk_size);
    o.max_row_size = *parse_size(a.max_row_size);
    if (!a.delimiter.empty()) o.delimiter = parse_delimiter(a.delimiter);
    if (!a.decimal_separator.empty())
        o.decimal_separator = parse_decimal_separator(a.decimal_separator);
    if (!a.thousands_separator.empty())
        o.thousands_separator = parse_thousands_separator(a.thousands_separator);
    if (!a.encoding.empty()) {
        if (!detail::is_utf8_name(a.encoding) && !detail::is_known_encoding(a.encoding))
            return usage("--encoding " + a.encoding,
                         "not an encoding iconv knows (iconv -l lists them; e.g. cp1252, latin1, "
                         "utf-16le)");
        if (!a.shard.empty() && !detail::is_utf8_name(a.encoding))
            return usage("--shard",
                         "cannot read a transcoded input (--encoding): a shard enters "
                         "the file in the middle of its bytes");
        o.encoding = a.encoding;
    }
    if (!a.skip_lines.empty()) o.skip_lines = parse_count(a.skip_lines);
    for (const auto& f : a.fields) {
        const auto eq = f.find('=');
        o.field_columns.emplace_back(*rule_field_named(std::string_view(f).substr(0, eq)),
                                     f.substr(eq + 1));
    }
    o.level = a.quiet ? verbosity::quiet : (a.verbose ? verbosity::verbose : verbosity::normal);
    o.format = a.log_format == "json" ? log_format::json : log_format::text;
    return {};
}

}  // namespace

result<run_options> to_run_options(const cli_args& a) {
    run_options o = a.direct;
    if (auto r = resolve_inputs(a, o); !r) return r.error();
    if (auto r = check_clashes(a, o); !r) return r.error();
    if (auto r = resolve_api(a, o); !r) return r.error();
    if (auto r = resolve_rest(a, o); !r) return r.error();
    return o;
}

int exit_code_for(const error& e) noexcept {
    return e.code == make_error_code(errc::invalid_argument) ? exit_usage : exit_failure;
}

}  // namespace salesproc
