#include "salesproc/merge/merge.hpp"

#include "salesproc/http/remote_objects.hpp"

#include "part_sources.hpp"

#include "salesproc/base/exit_codes.hpp"
#include "salesproc/merge/detail/merge_parts.hpp"
#include "salesproc/merge/detail/merge_rejects.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/metrics.hpp"
#include "salesproc/output/output_paths.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"

#include <chrono>

namespace salesproc {
namespace {

using detail::merged_parts;

int fail(const error& e, int code = exit_failure) {
    print_error(e.message());
    return code;
}

// The merged report, and the merged rejects file published before it.
struct merge_outputs {
    std::unique_ptr<output_opener> opener;  // s3:// outputs' client: outlives them
    atomic_output report;
    std::optional<atomic_output> rejects;
    view_outputs views;
};

result<merge_outputs> prepare_outputs(const merge_options& o) {
    auto opener = std::make_unique<output_opener>(fetch_settings{}, s3_flags{});
    auto report = opener->open(o.out_path);
    if (!report) return report.error();
    merge_outputs out{std::move(opener), std::move(*report), std::nullopt, {}};
    for (auto& [flag, path] : o.views.asked()) {
        auto view = out.opener->open(path);
        if (!view) return view.error();
        out.views.emplace_back(flag, std::move(*view));
    }
    if (o.rejects_path) {
        auto prepared = out.opener->open(*o.rejects_path);
        if (!prepared) return prepared.error();
        out.rejects.emplace(std::move(*prepared));
    }
    return out;
}

// The parts read and checked against each other.
result<void> merge_parts(const merge_options& o, const part_sources& from, merged_parts& m,
                         reject_samples& samples, logger& log) {
    if (auto r = detail::read_parts(from.paths, m, log, from.load ? &from.load : nullptr); !r)
        return r;
    if (auto r = detail::check_same_inputs(m.parts); !r) return r;
    if (auto r = detail::check_shards(m.parts); !r) return r;
    if (o.samples != 0)
        if (auto r = detail::merge_samples(m.parts, o.samples, samples); !r) return r;
    m.products.finish();
    return {};
}

// The parts' rejects files: --part-rejects, or where each part's report says its rejects went.
// Errors (errc::invalid_argument, a usage error): a part that records none, a file that is also
// an output of this merge.
result<std::vector<std::string>> part_rejects_files(const merge_options& o, const merged_parts& m) {
    if (!o.part_rejects.empty()) return o.part_rejects;
    std::vector<std::string> files;
    std::vector<named_path> inputs;
    for (const auto& part : m.parts) {
        if (part.report.rejects_path.empty())
            return make_error(errc::invalid_argument, part.report.path,
                              "records no rejects file (its run had no --rejects, or wrote them "
                              "to stdout): give every part's file with --part-rejects");
        files.push_back(part.report.rejects_path);
        inputs.push_back({"the rejects file of " + part.report.path, files.back()});
    }
    std::vector<named_path> outputs{{"--out", o.out_path}, {"--rejects", *o.rejects_path}};
    if (o.metrics_path) outputs.push_back({"--metrics", *o.metrics_path});
    if (auto ok = check_output_clashes(inputs, outputs); !ok) return ok.error();
    return files;
}

result<void> write_rejects(const merge_options& o, const std::vector<std::string>& files,
                           part_sources& from, const merged_parts& m, merge_outputs& out) {
    if (auto r = prepare_rejects(files, *out.opener, from); !r) return r;
    auto merged = detail::merge_rejects(
        files, rejects_format_for(*o.rejects_path), *o.rejects_path, m.parts,
        [&](std::string_view b) { return out.rejects->write(b); },
        from.open_rejects ? &from.open_rejects : nullptr);
    if (!merged) return merged;
    return out.rejects->finish();
}

// What publish() writes, besides the parts.
struct merge_results {
    const reject_samples& samples;
    const std::vector<gate_outcome>& gates;
    const std::vector<std::string>& rejects_files;
};

result<void> publish(const merge_options& o, part_sources& from, merged_parts& m,
                     const merge_results& res, merge_outputs& out,
                     std::chrono::steady_clock::time_point started) {
    if (out.rejects)
        if (auto r = write_rejects(o, res.rejects_files, from, m, out); !r) return r;
    report_input in;
    in.totals = &m.totals;
    in.products = &m.products;
    in.scale = m.scale;
    in.csv_inputs = detail::merged_inputs(m.parts);
    if (m.api) in.api = &*m.api;
    if (o.samples != 0) in.samples = &res.samples;
    if (o.gates.any()) in.quality = &res.gates;
    in.rules_section = &m.rules;
    if (o.rejects_path) in.rejects_path = recorded_path(*o.rejects_path);
    for (const auto& part : m.parts) {
        const auto& r = part.report;
        in.parts.push_back({r.path, r.valid_sales, r.invalid_sales,
                            r.inputs.size() == 1 ? shard_label(r.inputs[0]) : std::string()});
    }
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    auto written = write_report(in, [&](std::string_view b) { return out.report.write(b); });
    if (written) written = out.report.finish();
    if (written) written = write_views(out.views, in);
    // The rejects file and the views first: a reader who sees the new report can trust that
    // they are there.
    if (written && out.rejects) written = out.rejects->publish();
    for (auto& [flag, view] : out.views)
        if (written) written = view.publish();
    if (written) written = out.report.publish();
    return written;
}

int merge_steps(const merge_options& o, std::chrono::steady_clock::time_point started,
                run_metrics& metrics) {
    logger log(o.level, o.format);
    auto out = prepare_outputs(o);
    if (!out) return fail(out.error());
    part_sources from;
    if (auto r = resolve_parts(o.parts, *out->opener, from); !r) return fail(r.error());
    if (from.listed && !o.part_rejects.empty())
        return fail(make_error(errc::invalid_argument, "--part-rejects",
                               "parts from a listing are put in the order of what they hold, "
                               "which --part-rejects cannot follow: leave it out, and each "
                               "part's rejects are found where its report says they went"));
    merged_parts m;
    reject_samples samples;
    if (auto r = merge_parts(o, from, m, samples, log); !r) return fail(r.error());
    std::vector<std::string> rejects_files;
    if (o.rejects_path) {
        auto files = part_rejects_files(o, m);
        if (!files) return fail(files.error(), exit_usage);
        rejects_files = std::move(*files);
    }
    for (const auto& in : detail::merged_inputs(m.parts))
        metrics.input_bytes += in.bytes;
    note_outcome(metrics, m.totals, m.scale, m.api ? &*m.api : nullptr);
    const auto gates = check_quality(o.gates, m.totals.invalid(), m.totals.rows());
    const bool gate_failed = warn_failed_gates(gates, log);
    if (auto r = publish(o, from, m, {samples, gates, rejects_files}, *out, started); !r)
        return fail(r.error());
    log.info("merged",
             {{"parts", from.paths.size()}, {"products", m.products.size()}, {"path", o.out_path}});
    return gate_failed ? exit_quality : exit_ok;
}

}  // namespace

int run_merge(const merge_options& o) {
    const auto started = std::chrono::steady_clock::now();
    std::optional<atomic_output> metrics_out;
    if (o.metrics_path) {
        auto prepared = atomic_output::prepare(*o.metrics_path);
        if (!prepared) return fail(prepared.error());
        metrics_out.emplace(std::move(*prepared));
    }
    run_metrics metrics;
    metrics.labels = o.metrics_labels;
    logger log(o.level, o.format);
    const int code = merge_steps(o, started, metrics);
    if (!metrics_out) return code;
    metrics.exit_code = code;
    metrics.finished = std::chrono::system_clock::now();
    metrics.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (code != exit_ok && code != exit_quality) metrics.rows.reset();
    if (auto written = commit_metrics(*metrics_out, *o.metrics_path, metrics, log); !written) {
        print_error(written.error().message());
        return code == exit_ok ? static_cast<int>(exit_failure) : code;
    }
    return code;
}

}  // namespace salesproc
