#include "salesproc/merge/merge.hpp"

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

int merge_steps(const merge_options& o, std::chrono::steady_clock::time_point started,
                run_metrics& metrics) {
    logger log(o.level, o.format);
    auto report_out = atomic_output::prepare(o.out_path);
    if (!report_out) return fail(report_out.error());
    std::optional<atomic_output> rejects_out;
    if (o.rejects_path) {
        auto prepared = atomic_output::prepare(*o.rejects_path);
        if (!prepared) return fail(prepared.error());
        rejects_out.emplace(std::move(*prepared));
    }
    merged_parts m;
    if (auto r = detail::read_parts(o.parts, m, log); !r) return fail(r.error());
    if (auto r = detail::check_same_inputs(m.parts); !r) return fail(r.error());
    if (auto r = detail::check_shards(m.parts); !r) return fail(r.error());
    reject_samples samples;
    if (o.samples != 0)
        if (auto r = detail::merge_samples(m.parts, o.samples, samples); !r) return fail(r.error());
    m.products.finish();
    const auto inputs = detail::merged_inputs(m.parts);
    for (const auto& in : inputs)
        metrics.input_bytes += in.bytes;
    run_metrics::counts c;
    c.valid = m.totals.valid();
    c.invalid = m.totals.invalid();
    for (const auto why : all_reject_reasons)
        c.rejected[static_cast<std::size_t>(why)] = m.totals.rejected(why);
    c.total_sales = format_units(m.totals.total(), m.scale);
    metrics.rows = c;
    if (m.api)
        metrics.api = run_metrics::api_counts{m.api->succeeded, m.api->requested - m.api->succeeded,
                                              m.api->retries};

    if (rejects_out) {
        auto merged = detail::merge_rejects(
            o.part_rejects, rejects_format_for(*o.rejects_path), *o.rejects_path, m.parts,
            [&](std::string_view b) { return rejects_out->write(b); });
        if (!merged) return fail(merged.error());
        if (auto r = rejects_out->finish(); !r) return fail(r.error());
    }
    const auto gates = check_quality(o.gates, m.totals.invalid(), m.totals.rows());
    bool gate_failed = false;
    for (const auto& g : gates)
        if (!g.passed) {
            gate_failed = true;
            log.warn("quality gate exceeded",
                     {{"gate", g.flag}, {"limit", g.limit}, {"actual", g.actual}});
        }
    report_input in;
    in.totals = &m.totals;
    in.products = &m.products;
    in.scale = m.scale;
    in.csv_inputs = inputs;
    if (m.api) in.api = &*m.api;
    if (o.samples != 0) in.samples = &samples;
    if (o.gates.any()) in.quality = &gates;
    in.rules_section = &m.rules;
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    auto written = write_report(in, [&](std::string_view b) { return report_out->write(b); });
    if (written) written = report_out->finish();
    // The rejects file first: a reader who sees the new report can trust its rejects are there.
    if (written && rejects_out) written = rejects_out->publish();
    if (written) written = report_out->publish();
    if (!written) return fail(written.error());
    log.info("merged",
             {{"parts", o.parts.size()}, {"products", m.products.size()}, {"path", o.out_path}});
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
