#include "salesproc/run/run.hpp"

#include "run_outputs.hpp"
#include "signal_watch.hpp"

#include "salesproc/http/http_client.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/metrics.hpp"
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

#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>

namespace salesproc {
namespace asio = boost::asio;

namespace {

// The rules, and the API input options of fetch, from defaults, the config file and the flags.
result<rules> resolve_rules(const run_options& o, fetch_settings& fetch) {
    rules r;
    std::string context = "defaults";
    api_input_options api;
    if (o.config_path) {
        auto loaded = load_config(*o.config_path);
        if (!loaded) return loaded.error();
        r = std::move(loaded->rule_set);
        api = std::move(loaded->api);
        context = *o.config_path;
    }
    if (o.records_pointer) api.records_pointer = o.records_pointer;
    if (o.next_pointer) api.next_pointer = o.next_pointer;
    if (o.max_pages) api.max_pages = o.max_pages;
    if (o.follow_cross_origin) api.follow_cross_origin = true;
    fetch.layout.records_pointer = api.records_pointer.value_or("");
    fetch.layout.next_pointer = api.next_pointer.value_or("");
    if (api.max_pages) fetch.pages.max_pages = *api.max_pages;
    fetch.pages.follow_cross_origin = api.follow_cross_origin.value_or(false);
    if (o.product_prefix) r.product_prefix = *o.product_prefix;
    if (o.min_price) r.min_price = *o.min_price;
    if (o.max_quantity) r.max_quantity = *o.max_quantity;
    if (o.max_decimals) r.max_decimals = *o.max_decimals;
    if (o.delimiter) r.delimiter = *o.delimiter;
    for (const auto& [field, column] : o.field_columns)
        r.columns[static_cast<std::size_t>(field)] = column;
    if (auto ok = validate_rules(r, context, o.field_columns.empty() ? "" : "--field"); !ok)
        return ok.error();
    return r;
}

api_summary summarize(const fetch_summary& f) {
    api_summary a;
    a.requested = f.urls.size();
    a.retries = f.retries;
    a.retry_budget_exhausted = f.retry_budget_exhausted;
    for (const auto& u : f.urls) {
        a.records += u.records;
        if (u.ok || u.pages != 0) {  // merge_api counts the sales of exactly these
            a.valid_sales += u.sales.valid();
            a.invalid_sales += u.sales.invalid();
        }
        a.pages += u.pages;
        if (u.pages > 1 || (!u.ok && u.pages != 0)) a.paginated = true;
        if (u.ok)
            ++a.succeeded;
        else
            a.failures.push_back(
                {u.url, u.attempts, u.error, std::string(failure_code(u.code)), u.pages});
    }
    return a;
}

reject_options reject_options_for(const run_options& o) {
    reject_options r;
    r.samples = o.samples;
    r.all = o.rejects_path.has_value();
    if (o.rejects_path) r.format = rejects_format_for(*o.rejects_path);
    return r;
}

const char* signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

int signal_exit_code(int sig) {
    return sig == SIGINT ? exit_sigint : exit_sigterm;
}

// The CSV pipeline and the API fetch, concurrently, until both end. The chunker runs on a strand
// of the worker pool and validation on the pool; the io_context's thread runs the fetch.
struct phase_results {
    std::optional<result<csv_run>> csv;
    std::optional<fetch_summary> api;
};

phase_results run_phases(asio::io_context& io, asio::thread_pool& workers, const csv_job& job,
                         const std::vector<std::string>& paths, const std::atomic<bool>& stop,
                         csv_events events, reject_log& rejects, api_fetcher* fetcher,
                         const std::vector<http_url>& urls, signal_watch& watch) {
    phase_results out;
    std::exception_ptr bug;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            auto csv = asio::co_spawn(asio::make_strand(workers),
                                      process_csv_files(job, paths, workers.get_executor(), stop,
                                                        std::move(events), &rejects),
                                      asio::use_awaitable);
            if (fetcher == nullptr) {
                out.csv = co_await std::move(csv);
                co_return;
            }
            auto [c, a] = co_await (std::move(csv) && fetcher->run(urls));
            out.csv = std::move(c);
            out.api = std::move(a);
        },
        [&](std::exception_ptr e) {
            bug = e;
            watch.finished();
        });
    io.run();
    workers.join();
    if (bug) std::rethrow_exception(bug);
    return out;
}

// Progress and the "input opened" line. process_csv takes the callbacks by value, so the state
// they share lives here.
struct csv_progress {
    logger& log;
    const run_options& o;
    std::uint64_t total = 0;  // 0: no progress line

    csv_events events() {
        csv_events e;
        e.opened = [this](const std::string& name, std::optional<std::uint64_t> size,
                          std::size_t columns) {
            log.info("input opened", {{"path", name},
                                      {"bytes", size ? nlohmann::ordered_json(*size) : nullptr},
                                      {"columns", columns},
                                      {"threads", o.threads},
                                      {"chunk_size", o.chunk_size}});
            // A progress line is only worth it for inputs that take a noticeable time.
            if (log.progress_enabled() && size && *size > (std::uint64_t{8} << 20)) total = *size;
        };
        e.progress = [this](std::uint64_t bytes, std::uint64_t rows) {
            if (total != 0) log.progress(bytes, total, rows);
        };
        return e;
    }
};

// API sales and rejects follow the CSV's, in URL order, so the report stays deterministic; their
// products go to the catalog after the CSV's, with first-seen keys after every CSV key.
result<void> merge_api(const fetch_summary& api, csv_run& csv, reject_log& rejects, logger& log) {
    for (const auto& u : api.urls) {
        if (!u.ok) {
            log.warn("api source failed",
                     {{"url", u.url}, {"attempts", u.attempts}, {"error", u.error}});
            if (u.pages == 0) continue;  // pages that succeeded before the failure count
        }
        if (!csv.totals.merge_counts(u.sales)) return overflow_error(u.url, u.sales, *csv.products);
        csv.products->add(u.sales, csv.next_key);
        csv.next_key += u.sales.products().size();
        // Line 1 is the URL's first record; later pages go on counting.
        std::uint64_t first_line = 1;
        for (const auto& page : u.rejects) {
            if (auto taken = rejects.take(page, u.url, first_line); !taken) return taken;
            first_line += page.lines();
        }
    }
    if (api.retry_budget_exhausted) log.warn("retry budget exhausted: later failures were final");
    return {};
}

int fail(const error& e) {
    print_error(e.message());
    return exit_failure;
}

csv_job make_job(const run_options& o, const rules& rule_set, const reject_options& rejects) {
    csv_job job;
    job.rule_set = rule_set;
    job.chunk_size = o.chunk_size;
    job.max_row_size = o.max_row_size;
    // Enough chunks to keep every worker busy while the strand reads ahead, and no more, so
    // memory stays flat in the file size.
    job.in_flight = o.threads + 2;
    job.rejects = rejects;
    job.shard = o.shard;
    return job;
}

// The fetcher for --api-url, or none without URLs.
result<std::unique_ptr<api_fetcher>> make_fetcher(const run_options& o, fetch_settings fetch,
                                                  asio::io_context& io, const rules& rule_set,
                                                  const reject_options& rejects, logger& log) {
    if (o.urls.empty()) return std::unique_ptr<api_fetcher>();
    fetch.rejects = rejects;
    auto created = api_fetcher::create(io.get_executor(), std::move(fetch), rule_set);
    if (!created) return created.error();
    if (o.fetch.insecure)
        log.warn("--insecure: TLS certificates and host names are NOT verified for any URL");
    log.info("api fetch started", {{"urls", o.urls.size()}, {"concurrency", o.fetch.concurrency}});
    return created;
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

// Warns about every gate that failed; true when one did.
bool report_gates(const std::vector<gate_outcome>& gates, logger& log) {
    bool failed = false;
    for (const auto& g : gates)
        if (!g.passed) {
            failed = true;
            log.warn("quality gate exceeded",
                     {{"gate", g.flag}, {"limit", g.limit}, {"actual", g.actual}});
        }
    return failed;
}

}  // namespace

namespace {

// What --metrics reports of the outcome, filled in as the run learns it.
void note_csv(run_metrics& m, const csv_run& csv) {
    for (const auto& in : csv.inputs)
        m.input_bytes += in.bytes;
}

void note_totals(run_metrics& m, const sales_aggregate& t, unsigned scale,
                 const std::optional<api_summary>& api) {
    run_metrics::counts c;
    c.valid = t.valid();
    c.invalid = t.invalid();
    for (const auto why : all_reject_reasons)
        c.rejected[static_cast<std::size_t>(why)] = t.rejected(why);
    c.total_sales = format_units(t.total(), scale);
    m.rows = std::move(c);
    if (api)
        m.api =
            run_metrics::api_counts{api->succeeded, api->requested - api->succeeded, api->retries};
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
    const csv_job job = make_job(o, *rule_set, reject_opts);

    asio::io_context io;
    auto fetcher = make_fetcher(o, std::move(fetch), io, *rule_set, reject_opts, log);
    if (!fetcher) return fail(fetcher.error());
    asio::thread_pool workers(o.threads);
    std::atomic<bool> stop{false};
    signal_watch watch(
        io, stop,
        [&] {
            if (*fetcher) (*fetcher)->cancel();
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
    if (!*results.csv) return fail(results.csv->error());
    csv_run& csv = **results.csv;
    log_csv_done(csv, o, log);
    note_csv(metrics, csv);
    sales_aggregate& totals = csv.totals;

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
    note_totals(metrics, totals, job.rule_set.max_decimals, api);
    if (auto flushed = rejects.flush(); !flushed) return fail(flushed.error());
    if (auto closed = out.close_rejects(); !closed) return fail(closed.error());
    if (o.rejects_path)
        log.info("rejects written", {{"path", *o.rejects_path}, {"rejects", totals.invalid()}});
    const auto gates = check_quality(o.gates, totals.invalid(), totals.rows());
    const bool gate_failed = report_gates(gates, log);

    report_input in;
    in.totals = &totals;
    in.products = csv.products.get();
    in.rule_set = &job.rule_set;
    in.scale = job.rule_set.max_decimals;
    in.csv_inputs = std::move(csv.inputs);
    if (api) in.api = &*api;
    if (o.samples != 0) in.samples = &rejects.samples();
    if (o.gates.any()) in.quality = &gates;
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (auto written = out.publish([&](const report_sink& sink) { return write_report(in, sink); });
        !written) {
        if (is_broken_pipe(written.error())) return exit_failure;
        return fail(written.error());
    }
    log.info("report written", {{"path", o.out_path}});
    if (gate_failed) return exit_quality;
    return api && api->succeeded != api->requested ? exit_api_failed : exit_ok;
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
