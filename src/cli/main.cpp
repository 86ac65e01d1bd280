// salesproc entry point: parse the command line, run, map the outcome to an exit code.
#include "salesproc/cli/cli.hpp"
#include "salesproc/run/run.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <exception>

namespace {

// salesproc merge PART... (see merge.hpp)
int merge_main(int argc, char** argv) {
    salesproc::merge_args args;
    const auto app = salesproc::make_merge_app(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        salesproc::print_error(salesproc::unknown_option(*app, argc, argv).value_or(e.what()));
        return salesproc::exit_usage;
    }
    const auto options = salesproc::to_merge_options(args);
    if (!options) {
        salesproc::print_error(options.error().message());
        return salesproc::exit_code_for(options.error());
    }
    return salesproc::run_merge(*options);
}

}  // namespace

int main(int argc, char** argv) {
    // A closed stdout pipe becomes an EPIPE error that the writer handles quietly.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && std::strcmp(argv[1], "merge") == 0) {
        try {
            return merge_main(argc - 1, argv + 1);
        } catch (const std::exception& e) {
            salesproc::print_error(std::string("internal error: ") + e.what());
            return salesproc::exit_failure;
        }
    }
    salesproc::cli_args args;
    const auto app = salesproc::make_app(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        salesproc::print_error(salesproc::unknown_option(*app, argc, argv).value_or(e.what()));
        return salesproc::exit_usage;
    }
    try {
        const auto options = salesproc::to_run_options(args);
        if (!options) {
            salesproc::print_error(options.error().message());
            return salesproc::exit_code_for(options.error());
        }
        return salesproc::run(*options);
    } catch (const std::exception& e) {
        salesproc::print_error(std::string("internal error: ") + e.what());
    } catch (...) {
        salesproc::print_error("internal error: unknown exception");
    }
    return salesproc::exit_failure;
}
