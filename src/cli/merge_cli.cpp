// `salesproc merge`'s command line: its flags and their meaning (see merge.hpp).
#include "salesproc/cli/cli.hpp"

#include "cli_checks.hpp"

#include "salesproc/output/metrics.hpp"
#include "salesproc/output/output_paths.hpp"
#include "salesproc/output/remote_output.hpp"
#include "salesproc/totals/quality.hpp"

#include <CLI/CLI.hpp>

namespace salesproc {

using cli_checks::parse_count;
using cli_checks::parsed_by;
using cli_checks::usage;

std::unique_ptr<CLI::App> make_merge_app(merge_args& a) {
    auto app = std::make_unique<CLI::App>(
        "salesproc merge: partial reports (shards of one file, or separate files, from any\n"
        "number of machines) into the one report a single run over the same inputs writes,\n"
        "byte for byte apart from generated_at, duration_ms and csv.chunks.",
        "salesproc merge");
    app->footer(R"(Exit codes:
  0    merged report written
  1    a part is unreadable, truncated, not a salesproc report, or computed under other
       rules; shards are missing, out of order, or assumed the wrong quote state at their
       start (the message names each shard and the flags to re-run it with); an output is
       unwritable. Nothing is written, previous files are untouched
  2    usage error, or an output naming a part or another output
  4    merged report written, but a --max-invalid or --max-invalid-ratio gate was exceeded)");
    app->get_formatter()->column_width(34);
    app->add_option("parts", a.direct.parts, "Partial reports, in input order")
        ->type_name("PART")
        ->required();
    app->add_option("--out", a.direct.out_path, "Merged report, replaced atomically; '-' is stdout")
        ->type_name("PATH")
        ->required();
    app->add_option("--rejects", a.rejects,
                    "Merged rejects file (CSV, or JSON Lines for .jsonl/.ndjson), from the files\n"
                    "each part's report names (or --part-rejects), shard lines made global")
        ->type_name("PATH");
    // One value an occurrence: the parts are positional and must not be taken for more.
    app->add_option("--part-rejects", a.direct.part_rejects,
                    "The rejects file of each part, in the parts' order, instead of the one\n"
                    "its report names; repeatable")
        ->type_name("PATH")
        ->allow_extra_args(false);
    cli_checks::add_view_flags(*app, a.direct.views);
    app->add_option("--samples", a.direct.samples,
                    "The --samples the parts ran with (rejected_samples keeps the first N)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{10000}))
        ->capture_default_str();
    app->add_option("--metrics", a.metrics, "Prometheus textfile metrics of the merge")
        ->type_name("PATH");
    app->add_option("--metrics-label", a.metrics_labels, "key=value label on every metric")
        ->allow_extra_args(false)
        ->check(CLI::Validator(
            [](std::string& s) {
                const auto eq = s.find('=');
                return eq != std::string::npos && is_label_name(std::string_view(s).substr(0, eq))
                           ? std::string()
                           : "'" + s + "' is not key=value with a Prometheus label name";
            },
            "KEY=VALUE"));
    app->add_option("--max-invalid", a.max_invalid, "Most rejected rows and records tolerated")
        ->check(parsed_by(parse_count, "non-negative integer", "0, 100", "N"));
    app->add_option("--max-invalid-ratio", a.max_invalid_ratio,
                    "Most tolerated as a fraction of all rows and records, 0..1")
        ->check(parsed_by(parse_ratio, "ratio from 0 to 1", "0.05, 0, 1", "R"));
    cli_checks::add_log_flags(*app, a.quiet, a.verbose, a.log_format);
    return app;
}

result<merge_options> to_merge_options(const merge_args& a) {
    merge_options o = a.direct;
    if (!a.rejects.empty()) o.rejects_path = a.rejects;
    if (!a.metrics.empty()) o.metrics_path = a.metrics;
    if (is_remote_output(a.metrics))
        return usage("--metrics", a.metrics +
                                      ": metrics stay a local file, for node_exporter's textfile "
                                      "collector");
    if (o.rejects_path && !o.part_rejects.empty() && o.part_rejects.size() != o.parts.size())
        return usage("--part-rejects", "--rejects needs one --part-rejects file per part (" +
                                           std::to_string(o.parts.size()) + " parts, " +
                                           std::to_string(o.part_rejects.size()) + " given)");
    if (!o.rejects_path && !o.part_rejects.empty())
        return usage("--part-rejects", "needs --rejects, the merged file to write");
    auto labels = parse_metrics_labels(a.metrics_labels);
    if (!labels) return labels.error();
    o.metrics_labels = std::move(*labels);
    if (!a.max_invalid.empty()) o.gates.max_invalid = parse_count(a.max_invalid);
    if (!a.max_invalid_ratio.empty()) o.gates.max_invalid_ratio = parse_ratio(a.max_invalid_ratio);
    if (const auto twice = first_repeated(o.parts))
        return usage("PART " + o.parts[twice->second], "given twice (also as '" +
                                                           o.parts[twice->first] +
                                                           "'): its counts would be added twice");
    std::vector<named_path> inputs;
    for (const auto& p : o.parts)
        inputs.push_back({"PART", p});
    for (const auto& p : o.part_rejects)
        inputs.push_back({"--part-rejects", p});
    std::vector<named_path> outputs{{"--out", o.out_path}};
    if (o.rejects_path) outputs.push_back({"--rejects", *o.rejects_path});
    if (o.metrics_path) outputs.push_back({"--metrics", *o.metrics_path});
    for (const auto& [flag, path] : o.views.asked())
        outputs.push_back({flag, path});
    if (auto ok = check_output_clashes(inputs, outputs); !ok) return ok.error();
    o.level = a.quiet ? verbosity::quiet : (a.verbose ? verbosity::verbose : verbosity::normal);
    o.format = a.log_format == "json" ? log_format::json : log_format::text;
    return o;
}

}  // namespace salesproc
