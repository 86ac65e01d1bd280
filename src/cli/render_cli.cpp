// `salesproc render REPORT [--html P] [--summary P] [--junit P]`, and the three view flags that a
// run and merge share with it.
#include "salesproc/cli/cli.hpp"

#include "cli_checks.hpp"

#include "salesproc/output/output_paths.hpp"

#include <CLI/CLI.hpp>

namespace salesproc {

void cli_checks::add_view_flags(CLI::App& app, view_paths& views) {
    app.add_option("--html", views.html,
                   "A self-contained HTML page of the report (charts, tables), written\n"
                   "atomically with it; s3://bucket/key too")
        ->type_name("PATH");
    app.add_option("--summary", views.summary,
                   "The report as GitHub-flavoured Markdown for a CI job summary\n"
                   "($GITHUB_STEP_SUMMARY), under 1 MiB at any size")
        ->type_name("PATH");
    app.add_option("--junit", views.junit,
                   "JUnit XML for GitLab and Jenkins: a test case per quality gate, per\n"
                   "API URL, per input and per part of a merged report")
        ->type_name("PATH");
}

void cli_checks::add_log_flags(CLI::App& app, bool& quiet, bool& verbose, std::string& log_format) {
    auto* q = app.add_flag("-q,--quiet", quiet, "Only warnings and errors on stderr");
    auto* v = app.add_flag("-v,--verbose", verbose, "Also debug detail on stderr");
    q->excludes(v);
    app.add_option("--log-format", log_format, "Log lines as text or JSON objects")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

std::unique_ptr<CLI::App> make_render_app(render_args& a) {
    auto app = std::make_unique<CLI::App>(
        "salesproc render: the HTML page, CI summary and JUnit XML of a saved report (a run's or\n"
        "merge's), equal to those the run would have written with the same flags.",
        "salesproc render");
    app->footer(R"(Exit codes:
  0    every view asked for written
  1    the report is unreadable or not a salesproc report, or a view is unwritable;
       nothing is written, previous files are untouched
  2    usage error: no view asked for, or a view naming the report or another view)");
    app->get_formatter()->column_width(34);
    app->add_option("report", a.direct.report_path, "The report (sales_results.json)")
        ->type_name("REPORT")
        ->required();
    cli_checks::add_view_flags(*app, a.direct.views);
    cli_checks::add_log_flags(*app, a.quiet, a.verbose, a.log_format);
    return app;
}

result<render_options> to_render_options(const render_args& a) {
    render_options o = a.direct;
    if (!o.views.any())
        return cli_checks::usage("render", "give at least one of --html, --summary, --junit");
    std::vector<named_path> outputs;
    for (const auto& [flag, path] : o.views.asked())
        outputs.push_back({flag, path});
    if (auto ok = check_output_clashes({{"REPORT", o.report_path}}, outputs); !ok)
        return ok.error();
    o.level = a.quiet ? verbosity::quiet : (a.verbose ? verbosity::verbose : verbosity::normal);
    o.format = a.log_format == "json" ? log_format::json : log_format::text;
    return o;
}

}  // namespace salesproc
