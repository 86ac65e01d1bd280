#include "salesproc/run/run.hpp"

#include "run_halves.hpp"
#include "run_outputs.hpp"
#include "run_setup.hpp"
#include "signal_watch.hpp"

#include "salesproc/http/http_client.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/metrics.hpp"
#include "salesproc/output/output_paths.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/output/write_behind.hpp"
#include "salesproc/rules/config.hpp"
#include "salesproc/run/pipeline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>

namespace salesproc {
namespace asio = boost::asio;

namespace {

const char* signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

int signal_exit_code(int sig) {
    return sig == SIGINT ? exit_sigint : exit_sigterm;
}

int fail(const error& e) {
    print_error(e.message());
    return exit_failure;
}

// The CSV half failed (an unreadable input, mostly): with --junit, the JUnit alone is written,
// the input the error names an <error>, so that CI shows which one.
int fail_on_input(const run_options& o, const error& e, run_outputs& out,
                  std::chrono::steady_clock::time_point started) {
    print_error(e.message());
    if (o.views.junit.empty()) return exit_failure;
    const auto named = std::find(o.csv_paths.begin(), o.csv_paths.end(), e.context);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    const std::string junit = render_failed_junit(
        o.csv_paths, static_cast<std::size_t>(named - o.csv_paths.begin()), e.message(),
        std::chrono::system_clock::now(), static_cast<std::uint64_t>(ms.count()));
    if (auto r = out.publish_failed_junit(junit); !r) print_error(r.error().message());
    return exit_failure;
}

void log_csv_done(const csv_run& csv, const run_options& o, logger& log) {
    if (csv.totals.oversized_rows() != 0)
        log.warn("rows over --max-row-size counted as malformed_row",
                 {{"rows", csv.totals.oversized_rows()}, {"max_row_size", o.max_row_size}});
    std::uint64_t chunks = 0;
    for (const auto& in : csv.inputs)
        chunks += in.chunks;
    log.info("csv done", {{"inputs", csv.inputs.size()},
                          {"chunks", chunks},
                          {"rows", csv.totals.rows()},
                          {"valid", csv.totals.valid()},
                          {"invalid", csv.totals.invalid()}});
}

}  // namespace

namespace {

// What --metrics reports of the outcome, filled in as the run learns it.
void note_csv(run_metrics& m, const csv_run& csv) {
    for (const auto& in : csv.inputs)
        m.input_bytes += in.bytes;
}

// Loud, even with --quiet, when most of a file's rows fail for one reason (a whole export read
// with the wrong number format, say), or when it holds no rows at all: the exit code stays 0,
// gates exist for failing a run.
void warn_about_inputs(const csv_run& csv, const reject_log& rejects, logger& log) {
    for (std::size_t i = 0; i < csv.inputs.size(); ++i) {
        const csv_input_summary& in = csv.inputs[i];
        if (in.invalid_utf8 != 0)
            log.warn_line(in.path + ": " + std::to_string(in.invalid_utf8) +
                              (in.invalid_utf8 == 1 ? " byte is" : " bytes are") +
                              " not UTF-8 (the first on line " +
                              std::to_string(in.first_invalid_utf8_line) +
                              "); names holding them are shown with their bytes. If the file is "
                              "Windows-1252 or Latin-1, try --encoding cp1252",
                          {{"path", in.path},
                           {"bytes", in.invalid_utf8},
                           {"line", in.first_invalid_utf8_line}});
        if (in.rows == 0) {
            log.warn_line(in.path + ": no data rows after the header", {{"path", in.path}});
            continue;
        }
        const auto& by_reason = csv.rejected[i];
        const auto worst = std::max_element(by_reason.begin(), by_reason.end());
        if (*worst * 2 <= in.rows) continue;
        const auto why = static_cast<reject_reason>(worst - by_reason.begin());
        std::string line = in.path + ": " + std::to_string(*worst) + " of " +
                           std::to_string(in.rows) + " rows (" +
                           std::to_string(*worst * 100 / in.rows) + "%) rejected as " +
                           std::string(to_string(why));
        const reject_sample* first = rejects.first(in.path, why);
        if (first != nullptr)
            line += ", e.g. line " + std::to_string(first->line) + ": " + first->detail;
        log.warn_line(line, {{"path", in.path},
                             {"rows", in.rows},
                             {"rejected", *worst},
                             {"reason", to_string(why)},
                             {"line", first != nullptr ? nlohmann::ordered_json(first->line)
                                                       : nlohmann::ordered_json()}});
    }
}

// The report, with its inputs, rules, samples and gates, published with the rejects file.
struct report_parts {
    const run_options& o;
    const csv_job& job;
    csv_run& csv;
    const std::optional<api_summary>& api;
    const reject_log& rejects;
    const std::vector<gate_outcome>& gates;
};

result<void> publish(const report_parts& p, run_outputs& out,
                     std::chrono::steady_clock::time_point started) {
    report_input in;
    in.totals = &p.csv.totals;
    in.products = p.csv.products.get();
    in.rule_set = &p.job.rule_set;
    in.scale = p.job.rule_set.max_decimals;
    in.csv_inputs = std::move(p.csv.inputs);
    if (p.api) in.api = &*p.api;
    if (p.o.samples != 0) in.samples = &p.rejects.samples();
    if (p.o.gates.any()) in.quality = &p.gates;
    if (p.o.rejects_path) in.rejects_path = recorded_path(*p.o.rejects_path);
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return out.publish(in);
}

// Once both halves ended well: the API's sales after the CSV's, the rejects closed, the gates
// judged, the report published; the exit code.
int finish_run(const run_options& o, const csv_job& job, phase_results& results,
               reject_log& rejects, run_outputs& out, run_metrics& metrics, logger& log,
               std::chrono::steady_clock::time_point started) {
    csv_run& csv = **results.csv;
    log_csv_done(csv, o, log);
    warn_about_inputs(csv, rejects, log);
    note_csv(metrics, csv);
    std::optional<api_summary> api;
    if (results.api) {
        if (auto merged = merge_api(*results.api, csv, rejects, log); !merged)
            return fail(merged.error());
        api = summarize(*results.api);
        log.info("api done", {{"requested", api->requested},
                              {"failed", api->requested - api->succeeded},
                              {"retries", api->retries},
                              {"connections", results.api->connections_opened},
                              {"tls_resumed", results.api->tls_resumed}});
    }
    csv.products->finish();
    note_outcome(metrics, csv.totals, job.rule_set.max_decimals, api ? &*api : nullptr);
    if (auto flushed = rejects.flush(); !flushed) return fail(flushed.error());
    if (auto closed = out.close_rejects(); !closed) return fail(closed.error());
    if (o.rejects_path)
        log.info("rejects written", {{"path", *o.rejects_path}, {"rejects", csv.totals.invalid()}});
    const auto gates = check_quality(o.gates, csv.totals.invalid(), csv.totals.rows());
    const bool gate_failed = warn_failed_gates(gates, log);
    if (auto written = publish({o, job, csv, api, rejects, gates}, out, started); !written)
        return is_broken_pipe(written.error()) ? static_cast<int>(exit_failure)
                                               : fail(written.error());
    log.info("report written", {{"path", o.out_path}});
    if (gate_failed) return exit_quality;
    return api && api->succeeded != api->requested ? exit_api_failed : exit_ok;
}

// One run, in the order things happen; each step is a room above. `exit_now` ends the process
// from the signal path (after the metrics are written).
int run_steps(const run_options& o, std::chrono::steady_clock::time_point started,
              run_metrics& metrics, const std::function<void(int)>& exit_now) {
    logger log(o.level, o.format);
    fetch_settings fetch = o.fetch;
    auto rule_set = resolve_rules(o, fetch);
    if (!rule_set) {
        // A flag's own contradiction (--field) is a usage error; a config file's is fatal.
        const bool usage = rule_set.error().code == make_error_code(errc::invalid_argument);
        return usage ? (print_error(rule_set.error().message()), static_cast<int>(exit_usage))
                     : fail(rule_set.error());
    }
    auto outputs = run_outputs::prepare(o);
    if (!outputs) return fail(outputs.error());
    run_outputs& out = **outputs;
    const reject_options reject_opts = reject_options_for(o);
    reject_log rejects(reject_opts, out.rejects_sink());
    csv_job job = make_job(o, *rule_set, reject_opts);
    asio::io_context io;
    auto remote = make_remote(o, io);
    if (!remote) return fail(remote.error());
    if (*remote) job.remote = (*remote)->access();
    auto fetcher = make_fetcher(o, std::move(fetch), io, rule_set->rule_set, reject_opts, log);
    if (!fetcher) return fail(fetcher.error());
    asio::thread_pool workers(o.threads);
    // Large API bodies are validated on the same pool as CSV chunks.
    if (*fetcher) (*fetcher)->read_bodies_on(workers.get_executor(), o.threads);
    std::atomic<bool> stop{false};
    signal_watch watch(
        io, stop,
        [&] {
            if (*fetcher) (*fetcher)->cancel();
            if (*remote) (*remote)->cancel("interrupted");
        },
        [&](int sig) {
            out.remove_temps();
            log.finish_progress();
            log.warn("interrupted", {{"signal", signal_name(sig)}});
            exit_now(signal_exit_code(sig));
        });
    csv_progress progress{log, o};
    auto results = run_phases(io, workers, job, o.csv_paths, stop, progress.events(), rejects,
                              fetcher->get(), o.urls, watch);
    log.finish_progress();
    if (watch.signal() != 0) {
        out.discard();
        log.warn("interrupted", {{"signal", signal_name(watch.signal())}});
        return signal_exit_code(watch.signal());
    }
    if (!*results.csv) return fail_on_input(o, results.csv->error(), out, started);
    return finish_run(o, job, results, rejects, out, metrics, log, started);
}

}  // namespace

int run(const run_options& o) {
    const auto started = std::chrono::steady_clock::now();
    // Prepared first, so that an unwritable --metrics fails before any work and every later
    // failure is still reported through it.
    std::optional<atomic_output> metrics_out;
    if (o.metrics_path) {
        auto prepared = atomic_output::prepare(*o.metrics_path);
        if (!prepared) return fail(prepared.error());
        metrics_out.emplace(std::move(*prepared));
    }
    run_metrics metrics;
    metrics.labels = o.metrics_labels;
    logger log(o.level, o.format);
    auto finish = [&](int code) {
        if (!metrics_out) return code;
        metrics.exit_code = code;
        metrics.finished = std::chrono::system_clock::now();
        metrics.duration_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (auto written = commit_metrics(*metrics_out, *o.metrics_path, metrics, log); !written) {
            print_error(written.error().message());
            return code == exit_ok ? static_cast<int>(exit_failure) : code;
        }
        return code;
    };
    return finish(run_steps(o, started, metrics, [&](int code) { std::_Exit(finish(code)); }));
}

}  // namespace salesproc
