// salesproc entry point: parse the command line, run, map the outcome to an exit code.
#include "salesproc/csv.hpp"
#include "salesproc/output_paths.hpp"
#include "salesproc/quality.hpp"
#include "salesproc/run.hpp"
#include "salesproc/units.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <thread>

namespace {

constexpr const char* exit_codes_help = R"(Exit codes:
  0    report written (rejected rows are normal business data, not an error)
  1    fatal error: unreadable CSV, missing required column, bad config, unwritable --out
       or --rejects; no report or rejects file is written and previous ones are left
       byte-for-byte untouched
  2    usage error: unknown flag, bad value, or an output naming an input (or another output)
  3    report written but some API sources failed
  4    report (and --rejects file) written, but a --max-invalid or --max-invalid-ratio
       gate was exceeded; takes precedence over 3
  130  interrupted by SIGINT; 143 by SIGTERM (no report written)

Errors are one stderr line: salesproc: error: <context>: <reason>)";

// CLI11 validators report "<flag>: <reason>"; keep their text and our one-line format.
// A CLI11 check from one of salesproc's parsers: the value is accepted when `parse` accepts it.
template <class Parse>
CLI::Validator parsed_by(Parse parse, const char* kind, const char* examples, const char* name) {
    return CLI::Validator(
        [=](std::string& s) {
            return parse(s) ? std::string()
                            : "'" + s + "' is not a " + kind + " (e.g. " + examples + ")";
        },
        name);
}

CLI::Validator size_validator() {
    return parsed_by(salesproc::parse_size, "size", "65536, 64KiB, 4MiB", "SIZE");
}

CLI::Validator duration_validator() {
    return parsed_by(salesproc::parse_duration, "duration", "250ms, 10s, 2m", "DUR");
}

// Reads --urls-file: one URL per line; blank lines and '#' comments are skipped.
std::vector<std::string> read_url_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        const auto t = salesproc::csv::trim(line);
        if (!t.empty() && t.front() != '#') out.emplace_back(t);
    }
    return out;
}

// A count: digits only, so "-1" and "1e3" are refused rather than wrapped or truncated.
std::optional<std::uint64_t> parse_count(const std::string& s) {
    std::uint64_t v = 0;
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

CLI::Validator decimal_validator() {
    return CLI::Validator(
        [](std::string& s) {
            const auto v = salesproc::parse_fixed(s);
            if (!v) return "'" + s + "' is not a plain decimal number (e.g. 10.00)";
            if (v->units < 0) return "'" + s + "' must not be negative";
            return std::string();
        },
        "DEC");
}

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout pipe becomes an EPIPE error that the writer handles quietly.
    std::signal(SIGPIPE, SIG_IGN);

    salesproc::run_options o;
    std::string chunk_size = "4MiB";
    std::string max_row_size = "64MiB";
    std::string min_price;
    std::string log_format = "text";
    bool quiet = false;
    bool verbose = false;
    o.threads = std::max(1U, std::thread::hardware_concurrency());

    CLI::App app{
        "salesproc: validate a sales CSV against Halal-only business rules and total it exactly,\n"
        "streaming the file in chunks validated concurrently, while fetching JSON API sources\n"
        "concurrently with retries; writes one merged JSON report atomically.",
        "salesproc"};
    app.set_version_flag("--version", "salesproc " SALESPROC_VERSION);
    app.footer(exit_codes_help);
    app.get_formatter()->column_width(34);

    app.add_option("--csv", o.csv_path, "Sales CSV to process; '-' reads stdin")->required();
    app.add_option("--out", o.out_path, "Report path, replaced atomically; '-' writes to stdout")
        ->required();
    std::string rejects_path, max_invalid, max_invalid_ratio;
    app.add_option("--rejects", rejects_path,
                   "Every rejected row and record: CSV, or JSON Lines when the path ends\n"
                   "in .jsonl or .ndjson; replaced atomically; '-' writes to stdout");
    app.add_option("--samples", o.samples,
                   "First N rejects per reason in the report's rejected_samples;\n0 leaves it out")
        ->check(CLI::Range(std::size_t{0}, std::size_t{10000}))
        ->capture_default_str();
    app.add_option("--config", o.config_path, "YAML rules (format of data/config.yaml)")
        ->check(CLI::ExistingFile);
    auto* rules = "Rules (override --config)";
    app.add_option("--product-prefix", o.product_prefix, "Required product name prefix")
        ->group(rules);
    app.add_option("--min-price", min_price, "Minimum unit price, exact decimal")
        ->check(decimal_validator())
        ->group(rules);
    app.add_option("--max-quantity", o.max_quantity, "Maximum quantity per row")
        ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX - 1))
        ->group(rules);
    app.add_option("--max-decimals", o.max_decimals, "Maximum fraction digits of a price")
        ->check(CLI::Range(0U, 18U))
        ->group(rules);
    app.add_option(
           "--threads", o.threads,
           "Worker threads; the API fetch uses up to 4 of them\n(default: hardware concurrency)")
        ->check(CLI::Range(1U, 1024U))
        ->capture_default_str();
    auto* chunk_option =
        app.add_option("--chunk-size", chunk_size,
                       "Bytes per chunk: 65536, 64KiB, 4MiB\n(default: 4MiB; 1MiB with --rejects)")
            ->check(size_validator());
    app.add_option("--max-row-size", max_row_size,
                   "Longest row kept; longer rows count as malformed_row")
        ->check(size_validator())
        ->capture_default_str();
    auto* gates = "Data-quality gates (exit 4 when exceeded; report still written)";
    app.add_option("--max-invalid", max_invalid, "Most rejected rows and records tolerated")
        ->check(parsed_by(parse_count, "non-negative integer", "0, 100", "N"))
        ->group(gates);
    app.add_option("--max-invalid-ratio", max_invalid_ratio,
                   "Most tolerated as a fraction of all rows and records, 0..1")
        ->check(parsed_by(salesproc::parse_ratio, "ratio from 0 to 1", "0.05, 0, 1", "R"))
        ->group(gates);
    auto* q = app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr");
    auto* v = app.add_flag("-v,--verbose", verbose, "Also debug detail on stderr");
    q->excludes(v);
    app.add_option("--log-format", log_format, "Log lines as text or JSON objects")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();

    std::vector<std::string> api_urls, header_args, header_env_args;
    std::string urls_file, backoff_base = "500ms", backoff_max = "30s", timeout = "10s", deadline;
    std::string max_body = "64MiB";
    auto* api = "API sources (fetched concurrently with the CSV)";
    app.add_option("--api-url", api_urls, "JSON API URL, http:// or https://; repeatable")
        ->group(api);
    app.add_option("--urls-file", urls_file, "One URL per line; blank lines and # comments ignored")
        ->check(CLI::ExistingFile)
        ->group(api);
    app.add_option("--concurrency", o.fetch.concurrency, "Requests in flight across all hosts")
        ->check(CLI::Range(1U, 10000U))
        ->capture_default_str()
        ->group(api);
    app.add_option("--retries", o.fetch.retry.max_retries, "Retries after the first attempt")
        ->check(CLI::Range(0U, 100U))
        ->capture_default_str()
        ->group(api);
    app.add_option("--backoff-base", backoff_base, "First backoff ceiling (full jitter)")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--backoff-max", backoff_max,
                   "Largest backoff, and largest Retry-After honoured")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--timeout", timeout, "Per attempt: connect, TLS, request and response")
        ->check(duration_validator())
        ->capture_default_str()
        ->group(api);
    app.add_option("--deadline", deadline, "Whole API phase; cancels attempts in flight")
        ->check(duration_validator())
        ->group(api);
    app.add_option("--cacert", o.fetch.cacert,
                   "Extra trust anchors (PEM), added to the system store")
        ->check(CLI::ExistingFile)
        ->group(api);
    app.add_option("--header", header_args, "'Name: value' sent to each URL's own host; repeatable")
        ->group(api);
    app.add_option("--header-env", header_env_args,
                   "'Name=ENVVAR': header value from the environment, kept out of argv")
        ->group(api);
    app.add_option("--max-body", max_body, "Largest response body")
        ->check(size_validator())
        ->capture_default_str()
        ->group(api);
    app.add_flag("--insecure", o.fetch.insecure, "Do not verify TLS certificates (warns every run)")
        ->group(api);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
        salesproc::print_error(e.what());
        return salesproc::exit_usage;
    }

    auto usage = [](const std::string& message) {
        salesproc::print_error(message);
        return salesproc::exit_usage;
    };
    // An output that names an input (or another output) would destroy it: refuse before any
    // file is opened.
    {
        std::vector<salesproc::named_path> inputs{{"--csv", o.csv_path}};
        if (o.config_path) inputs.push_back({"--config", *o.config_path});
        if (!urls_file.empty()) inputs.push_back({"--urls-file", urls_file});
        if (!o.fetch.cacert.empty()) inputs.push_back({"--cacert", o.fetch.cacert});
        std::vector<salesproc::named_path> outputs{{"--out", o.out_path}};
        if (!rejects_path.empty()) outputs.push_back({"--rejects", rejects_path});
        if (auto ok = salesproc::check_output_clashes(inputs, outputs); !ok)
            return usage(ok.error().message());
    }
    if (!urls_file.empty())
        for (auto& u : read_url_lines(urls_file))
            api_urls.push_back(std::move(u));
    for (const auto& text : api_urls) {
        auto url = salesproc::parse_http_url(text);
        if (!url) return usage(url.error().message());
        o.urls.push_back(std::move(*url));
    }
    // Header values may be secrets: messages name the header, never its value.
    for (const auto& h : header_args) {
        const auto colon = h.find(':');
        const auto name = salesproc::csv::trim(std::string_view(h).substr(0, colon));
        if (colon == std::string::npos || name.empty())
            return usage("--header: expected 'Name: value', got a value without a name or ':'");
        o.fetch.headers.emplace_back(name,
                                     salesproc::csv::trim(std::string_view(h).substr(colon + 1)));
    }
    for (const auto& h : header_env_args) {
        const auto eq = h.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == h.size())
            return usage("--header-env '" + h + "': expected 'Name=ENVVAR'");
        const std::string var = h.substr(eq + 1);
        const char* value = std::getenv(var.c_str());
        if (value == nullptr)
            return usage("--header-env '" + h + "': environment variable " + var + " is not set");
        o.fetch.headers.emplace_back(h.substr(0, eq), value);
    }
    o.fetch.retry.backoff_base = *salesproc::parse_duration(backoff_base);
    o.fetch.retry.backoff_max = *salesproc::parse_duration(backoff_max);
    o.fetch.timeout = *salesproc::parse_duration(timeout);
    if (!deadline.empty()) o.fetch.deadline = salesproc::parse_duration(deadline);
    o.fetch.max_body = *salesproc::parse_size(max_body);
    o.fetch.proxy = salesproc::proxy_settings_from_env();
    // One thread keeps up with a few thousand requests a second; a second one halves the TLS
    // handshake storm at start and each burst of responses. Beyond 4 it only costs.
    o.fetch.io_threads = std::min(o.threads, 4U);

    if (!rejects_path.empty()) o.rejects_path = rejects_path;
    if (!max_invalid.empty()) o.gates.max_invalid = parse_count(max_invalid);
    if (!max_invalid_ratio.empty())
        o.gates.max_invalid_ratio = salesproc::parse_ratio(max_invalid_ratio);
    if (!min_price.empty()) o.min_price = salesproc::parse_fixed(min_price);
    o.chunk_size = *salesproc::parse_size(chunk_size);
    // A chunk's formatted rejects wait in memory until the chunks before it are written, and
    // can take more room than the chunk itself: smaller chunks keep peak memory flat.
    if (chunk_option->count() == 0 && o.rejects_path) o.chunk_size = std::size_t{1} << 20;
    o.max_row_size = *salesproc::parse_size(max_row_size);
    o.level = quiet ? salesproc::verbosity::quiet
                    : (verbose ? salesproc::verbosity::verbose : salesproc::verbosity::normal);
    o.format = log_format == "json" ? salesproc::log_format::json : salesproc::log_format::text;

    try {
        return salesproc::run(o);
    } catch (const std::exception& e) {
        salesproc::print_error(std::string("internal error: ") + e.what());
    } catch (...) {
        salesproc::print_error("internal error: unknown exception");
    }
    return salesproc::exit_failure;
}
