#include "salesproc/merge/merge.hpp"

#include "salesproc/http/remote_objects.hpp"

#include "part_sources.hpp"

#include "salesproc/base/exit_codes.hpp"
#include "salesproc/merge/detail/merge_parts.hpp"
#include "salesproc/merge/detail/merge_rejects.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/metrics.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"

#include <chrono>

namespace salesproc {
namespace {

using detail::merged_parts;

int fail(const error& e) {
    print_error(e.message());
    return exit_failure;
}

// The merged report, and the merged rejects file published before it.
struct merge_outputs {
    std::unique_ptr<output_opener> opener;  // s3:// outputs' client: outlives them
    atomic_output report;
    std::optional<atomic_output> rejects;
};

result<merge_outputs> prepare_outputs(const merge_options& o) {
    auto opener = std::make_unique<output_opener>(fetch_settings{}, s3_flags{});
    auto report = opener->open(o.out_path);
    if (!report) return report.error();
    merge_outputs out{std::move(opener), std::move(*report), std::nullopt};
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

result<void> publish(const merge_options& o, const part_sources& from, merged_parts& m,
                     const reject_samples& samples, const std::vector<gate_outcome>& gates,
                     merge_outputs& out, std::chrono::steady_clock::time_point started) {
    if (out.rejects) {
        auto merged = detail::merge_rejects(
            o.part_rejects, rejects_format_for(*o.rejects_path), *o.rejects_path, m.parts,
            [&](std::string_view b) { return out.rejects->write(b); },
            from.open_rejects ? &from.open_rejects : nullptr);
        if (!merged) return merged;
        if (auto r = out.rejects->finish(); !r) return r;
    }
    report_input in;
    in.totals = &m.totals;
    in.products = &m.products;
    in.scale = m.scale;
    in.csv_inputs = detail::merged_inputs(m.parts);
    if (m.api) in.api = &*m.api;
    if (o.samples != 0) in.samples = &samples;
    if (o.gates.any()) in.quality = &gates;
    in.rules_section = &m.rules;
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    auto written = write_report(in, [&](std::string_view b) { return out.report.write(b); });
    if (written) written = out.report.finish();
    // The rejects file first: a reader who sees the new report can trust its rejects are there.
    if (written && out.rejects) written = out.rejects->publish();
    if (written) written = out.report.publish();
    return written;
}

int merge_steps(const merge_options& o, std::chrono::steady_clock::time_point started,
                run_metrics& metrics) {
    logger log(o.level, o.format);
    auto out = prepare_outputs(o);
    if (!out) return fail(out.error());
    part_sources from;
    if (auto r = resolve_parts(o.parts, o.part_rejects, *out->opener, from); !r)
        return fail(r.error());
    if (from.listed && o.rejects_path)
        return fail(make_error(errc::invalid_argument, "--rejects",
                               "parts from a listing are put in the order of what they hold, "
                               "which --part-rejects cannot follow yet: give the parts one by "
                               "one"));
    merged_parts m;
    reject_samples samples;
    if (auto r = merge_parts(o, from, m, samples, log); !r) return fail(r.error());
    for (const auto& in : detail::merged_inputs(m.parts))
        metrics.input_bytes += in.bytes;
    note_outcome(metrics, m.totals, m.scale, m.api ? &*m.api : nullptr);
    const auto gates = check_quality(o.gates, m.totals.invalid(), m.totals.rows());
    const bool gate_failed = warn_failed_gates(gates, log);
    if (auto r = publish(o, from, m, samples, gates, *out, started); !r) return fail(r.error());
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
