// salesproc entry point: parse the command line, run, map the outcome to an exit code.
#include "salesproc/run.hpp"
#include "salesproc/units.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <exception>
#include <string>
#include <thread>

namespace {

constexpr const char* exit_codes_help = R"(Exit codes:
  0    report written (rejected rows are normal business data, not an error)
  1    fatal error: unreadable CSV, missing required column, bad config, unwritable --out;
       no report is written and a previous report at --out is left byte-for-byte untouched
  2    usage error: unknown flag or bad value
  3    report written but some API sources failed
  130  interrupted by SIGINT; 143 by SIGTERM (no report written)

Errors are one stderr line: salesproc: error: <context>: <reason>)";

// CLI11 validators report "<flag>: <reason>"; keep their text and our one-line format.
CLI::Validator size_validator() {
    return CLI::Validator(
        [](std::string& s) {
            return salesproc::parse_size(s) ? std::string()
                                            : "'" + s + "' is not a size (e.g. 65536, 64KiB, 4MiB)";
        },
        "SIZE");
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
        "streaming the file in chunks validated concurrently; writes one JSON report atomically.",
        "salesproc"};
    app.set_version_flag("--version", "salesproc " SALESPROC_VERSION);
    app.footer(exit_codes_help);
    app.get_formatter()->column_width(34);

    app.add_option("--csv", o.csv_path, "Sales CSV to process; '-' reads stdin")->required();
    app.add_option("--out", o.out_path, "Report path, replaced atomically; '-' writes to stdout")
        ->required();
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
    app.add_option("--threads", o.threads, "Worker threads (default: hardware concurrency)")
        ->check(CLI::Range(1U, 1024U))
        ->capture_default_str();
    app.add_option("--chunk-size", chunk_size, "Bytes per chunk: 65536, 64KiB, 4MiB")
        ->check(size_validator())
        ->capture_default_str();
    app.add_option("--max-row-size", max_row_size,
                   "Longest row kept; longer rows count as malformed_row")
        ->check(size_validator())
        ->capture_default_str();
    auto* q = app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr");
    auto* v = app.add_flag("-v,--verbose", verbose, "Also debug detail on stderr");
    q->excludes(v);
    app.add_option("--log-format", log_format, "Log lines as text or JSON objects")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
        salesproc::print_error(e.what());
        return salesproc::exit_usage;
    }

    if (!min_price.empty()) o.min_price = salesproc::parse_fixed(min_price);
    o.chunk_size = *salesproc::parse_size(chunk_size);
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
