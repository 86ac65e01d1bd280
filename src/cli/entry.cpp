// The command line to an exit code: salesproc (a run) or salesproc merge, parsed, checked and
// run; fatal errors and bugs alike end as one error line (see cli/cli.hpp).
#include "salesproc/cli/cli.hpp"
#include "salesproc/run/run.hpp"

#include <CLI/CLI.hpp>

#include <malloc.h>

#include <csignal>
#include <cstring>
#include <exception>

namespace salesproc {
namespace {

// One command line: parse (what was typed), check (to options), run. `Args` is what CLI11
// fills; `make` declares its flags, `check` gives them meaning, `go` runs.
template <class Args, class Make, class Check, class Go>
int command_main(int argc, char** argv, Make make, Check check, Go go) {
    Args args;
    const auto app = make(args);
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(e);
        print_error(unknown_option(*app, argc, argv).value_or(e.what()));
        return exit_usage;
    }
    const auto options = check(args);
    if (!options) {
        print_error(options.error().message());
        return exit_code_for(options.error());
    }
    return go(*options);
}

// salesproc merge PART... (see merge.hpp)
int merge_main(int argc, char** argv) {
    return command_main<merge_args>(argc, argv, make_merge_app, to_merge_options, run_merge);
}

// salesproc render REPORT (see render.hpp)
int render_main(int argc, char** argv) {
    return command_main<render_args>(argc, argv, make_render_app, to_render_options, run_render);
}

// A run.
int run_main(int argc, char** argv) {
    return command_main<cli_args>(argc, argv, make_app, to_run_options,
                                  [](const run_options& o) { return run(o); });
}

}  // namespace

int cli_main(int argc, char** argv) {
    // A closed stdout pipe becomes an EPIPE error that the writer handles quietly.
    std::signal(SIGPIPE, SIG_IGN);
    // API body pieces and their rejects are buffers of about 512 KiB made on one thread and freed
    // on another. glibc's default trim threshold grows with such frees (up to 64 MiB), so freed
    // memory stayed in the heaps: a 129 MB body with --rejects peaked at 57 MiB, 32 MiB with a
    // fixed 1 MiB threshold. CSV runs are unchanged (their buffers are reused).
    mallopt(M_TRIM_THRESHOLD, 1 << 20);
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
