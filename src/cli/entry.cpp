// The command line to an exit code: salesproc (a run) or salesproc merge, parsed, checked and
// run; fatal errors and bugs alike end as one error line (see cli/cli.hpp).
#include "salesproc/cli/cli.hpp"
#include "salesproc/run/run.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <exception>

namespace salesproc {
namespace {

// salesproc merge PART... (see merge.hpp)
int merge_main(int argc, char** argv) {
    merge_args args;
    const auto app = make_merge_app(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        print_error(unknown_option(*app, argc, argv).value_or(e.what()));
        return exit_usage;
    }
    const auto options = to_merge_options(args);
    if (!options) {
        print_error(options.error().message());
        return exit_code_for(options.error());
    }
    return run_merge(*options);
}

// salesproc render REPORT (see render.hpp)
int render_main(int argc, char** argv) {
    render_args args;
    const auto app = make_render_app(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        print_error(unknown_option(*app, argc, argv).value_or(e.what()));
        return exit_usage;
    }
    const auto options = to_render_options(args);
    if (!options) {
        print_error(options.error().message());
        return exit_code_for(options.error());
    }
    return run_render(*options);
}

// A run: parse, check, run.
int run_main(int argc, char** argv) {
    cli_args args;
    const auto app = make_app(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        print_error(unknown_option(*app, argc, argv).value_or(e.what()));
        return exit_usage;
    }
    const auto options = to_run_options(args);
    if (!options) {
        print_error(options.error().message());
        return exit_code_for(options.error());
    }
    return run(*options);
}

}  // namespace

int cli_main(int argc, char** argv) {
    // A closed stdout pipe becomes an EPIPE error that the writer handles quietly.
    std::signal(SIGPIPE, SIG_IGN);
    const bool merge = argc > 1 && std::strcmp(argv[1], "merge") == 0;
    const bool render = argc > 1 && std::strcmp(argv[1], "render") == 0;
    try {
        if (render) return render_main(argc - 1, argv + 1);
        return merge ? merge_main(argc - 1, argv + 1) : run_main(argc, argv);
    } catch (const std::exception& e) {
        print_error(std::string("internal error: ") + e.what());
    } catch (...) {
        print_error("internal error: unknown exception");
    }
    return exit_failure;
}

}  // namespace salesproc
