#include "salesproc/run.hpp"

#include "salesproc/atomic_file.hpp"
#include "salesproc/config.hpp"
#include "salesproc/pipeline.hpp"
#include "salesproc/rejects.hpp"
#include "salesproc/report.hpp"
#include "salesproc/write_behind.hpp"

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

namespace salesproc {
namespace asio = boost::asio;

void print_error(std::string_view message) {
    std::string line = "salesproc: error: ";
    line.append(message);
    // One line, whatever the message carries.
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

namespace {

nlohmann::ordered_json api_section(const fetch_summary& f) {
    nlohmann::ordered_json failures = nlohmann::ordered_json::array();
    std::uint64_t ok = 0, records = 0;
    for (const auto& u : f.urls) {
        if (u.ok) {
            ++ok;
            records += u.records;
        } else {
            failures.push_back({{"url", u.url},
                                {"attempts", u.attempts},
                                {"error", u.error},
                                {"code", failure_code(u.code)}});
        }
    }
    return {{"requested", f.urls.size()},   {"succeeded", ok},
            {"failed", f.urls.size() - ok}, {"retries", f.retries},
            {"records", records},           {"retry_budget_exhausted", f.retry_budget_exhausted},
            {"failures", failures}};
}

result<rules> resolve_rules(const run_options& o) {
    rules r;
    std::string context = "defaults";
    if (o.config_path) {
        auto loaded = load_rules(*o.config_path);
        if (!loaded) return loaded.error();
        r = std::move(*loaded);
        context = *o.config_path;
    }
    if (o.product_prefix) r.product_prefix = *o.product_prefix;
    if (o.min_price) r.min_price = *o.min_price;
    if (o.max_quantity) r.max_quantity = *o.max_quantity;
    if (o.max_decimals) r.max_decimals = *o.max_decimals;
    if (auto ok = validate_rules(r, context); !ok) return ok.error();
    return r;
}

}  // namespace

int run(const run_options& o) {
    const auto started = std::chrono::steady_clock::now();
    logger log(o.level, o.format);

    auto rule_set = resolve_rules(o);
    if (!rule_set) {
        print_error(rule_set.error().message());
        return exit_failure;
    }
    auto output = atomic_output::prepare(o.out_path);
    if (!output) {
        print_error(output.error().message());
        return exit_failure;
    }
    std::optional<atomic_output> rejects_output;
    if (o.rejects_path) {
        auto prepared = atomic_output::prepare(*o.rejects_path);
        if (!prepared) {
            print_error(prepared.error().message());
            return exit_failure;
        }
        rejects_output.emplace(std::move(*prepared));
    }
    reject_options reject_opts;
    reject_opts.samples = o.samples;
    reject_opts.all = o.rejects_path.has_value();
    if (o.rejects_path) reject_opts.format = rejects_format_for(*o.rejects_path);
    // The rejects file is written on a thread of its own, so the reducer never waits for it.
    std::optional<write_behind> rejects_writer;
    if (rejects_output)
        rejects_writer.emplace(
            [&](std::string_view bytes) { return rejects_output->write(bytes); });
    reject_log rejects(reject_opts, [&](std::string_view bytes) -> result<void> {
        if (!rejects_writer) return {};
        return rejects_writer->write(bytes);
    });
    // Every way out of a failed or interrupted run leaves no rejects file either.
    auto discard_outputs = [&] {
        output->discard();
        if (rejects_writer) (void)rejects_writer->close();
        if (rejects_output) rejects_output->discard();
    };

    csv_job job;
    job.path = o.csv_path;
    job.rule_set = *rule_set;
    job.chunk_size = o.chunk_size;
    job.max_row_size = o.max_row_size;
    // Enough chunks to keep every worker busy while the strand reads ahead, and no more, so
    // memory stays flat in the file size.
    job.in_flight = o.threads + 2;
    job.rejects = reject_opts;

    asio::io_context io;
    std::unique_ptr<api_fetcher> fetcher;
    if (!o.urls.empty()) {
        fetch_settings fetch = o.fetch;
        fetch.rejects = reject_opts;
        auto created = api_fetcher::create(io.get_executor(), std::move(fetch), *rule_set);
        if (!created) {
            print_error(created.error().message());
            return exit_failure;
        }
        fetcher = std::move(*created);
        if (o.fetch.insecure)
            log.warn("--insecure: TLS certificates and host names are NOT verified for any URL");
    }
    asio::thread_pool workers(o.threads);
    std::atomic<bool> stop{false};
    bool finished = false;
    int stop_signal = 0;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        stop_signal = sig;
        stop.store(true);
        if (fetcher) fetcher->cancel();
        // Work notices `stop` between chunks; a read blocked on a FIFO or a terminal never
        // returns, so after a short grace period the run ends here: no report, no temp file.
        grace.expires_after(std::chrono::milliseconds(300));
        grace.async_wait([&, sig](const boost::system::error_code& wait_ec) {
            if (wait_ec || finished) return;
            // The pipeline may still be handing the writer data, so nothing that both threads
            // touch is closed here: the temp files go, and the process ends.
            output->discard();
            if (rejects_output) rejects_output->remove_temp();
            log.finish_progress();
            log.warn("interrupted", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
            std::_Exit(sig == SIGINT ? exit_sigint : exit_sigterm);
        });
    });

    // process_csv takes the callbacks by value, so the decision to show progress lives in these
    // locals, which `opened` sets and `progress` reads.
    std::uint64_t progress_total = 0;  // 0: no progress line
    csv_events events;
    events.opened = [&](const std::string& name, std::optional<std::uint64_t> size,
                        std::size_t columns) {
        log.info("input opened", {{"path", name},
                                  {"bytes", size ? nlohmann::ordered_json(*size) : nullptr},
                                  {"columns", columns},
                                  {"threads", o.threads},
                                  {"chunk_size", o.chunk_size}});
        // A progress line is only worth it for inputs that take a noticeable time.
        if (log.progress_enabled() && size && *size > (std::uint64_t{8} << 20))
            progress_total = *size;
    };
    events.progress = [&](std::uint64_t bytes, std::uint64_t rows) {
        if (progress_total != 0) log.progress(bytes, progress_total, rows);
    };

    std::optional<result<csv_outcome>> csv_result;
    std::optional<fetch_summary> api;
    std::exception_ptr bug;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            // The chunker runs on a strand of the worker pool and validation on the pool; this
            // (I/O) thread runs the API fetches meanwhile. Neither waits for the other.
            auto csv =
                asio::co_spawn(asio::make_strand(workers),
                               process_csv(job, workers.get_executor(), stop, events, &rejects),
                               asio::use_awaitable);
            if (!fetcher) {
                csv_result = co_await std::move(csv);
                co_return;
            }
            log.info("api fetch started",
                     {{"urls", o.urls.size()}, {"concurrency", o.fetch.concurrency}});
            auto [c, a] = co_await (std::move(csv) && fetcher->run(o.urls));
            csv_result = std::move(c);
            api = std::move(a);
        },
        [&](std::exception_ptr e) {
            bug = e;
            finished = true;
            grace.cancel();
            signals.cancel();
        });
    io.run();
    workers.join();
    log.finish_progress();

    if (bug) std::rethrow_exception(bug);
    if (stop_signal != 0) {
        discard_outputs();
        log.warn("interrupted", {{"signal", stop_signal == SIGINT ? "SIGINT" : "SIGTERM"}});
        return stop_signal == SIGINT ? exit_sigint : exit_sigterm;
    }
    if (!*csv_result) {
        print_error(csv_result->error().message());
        return exit_failure;
    }
    csv_outcome& csv = **csv_result;
    if (csv.totals.oversized_rows() != 0)
        log.warn("rows over --max-row-size counted as malformed_row",
                 {{"rows", csv.totals.oversized_rows()}, {"max_row_size", o.max_row_size}});
    log.info("csv done", {{"chunks", csv.chunks},
                          {"rows", csv.totals.rows()},
                          {"valid", csv.totals.valid()},
                          {"invalid", csv.totals.invalid()}});

    const std::uint64_t csv_rows = csv.totals.rows();
    sales_aggregate& totals = csv.totals;
    bool api_failed = false;
    if (api) {
        // API sales follow the CSV's, in URL order, so the report stays deterministic.
        std::uint64_t failed = 0;
        for (const auto& u : api->urls) {
            if (!u.ok) {
                ++failed;
                log.warn("api source failed",
                         {{"url", u.url}, {"attempts", u.attempts}, {"error", u.error}});
                continue;
            }
            if (!totals.merge(u.sales)) {
                print_error(u.url + ": the total of product '" + totals.overflowed_product() +
                            "' exceeds the exact 128-bit fixed-point range");
                return exit_failure;
            }
            // Line 1 is the URL's first record.
            if (auto taken = rejects.take(u.rejects, u.url, 1); !taken) {
                print_error(taken.error().message());
                return exit_failure;
            }
        }
        api_failed = failed != 0;
        log.info("api done", {{"requested", api->urls.size()},
                              {"failed", failed},
                              {"retries", api->retries},
                              {"connections", api->connections_opened},
                              {"tls_resumed", api->tls_resumed}});
        if (api->retry_budget_exhausted)
            log.warn("retry budget exhausted: later failures were final");
    }

    if (auto flushed = rejects.flush(); !flushed) {
        print_error(flushed.error().message());
        return exit_failure;
    }
    if (rejects_writer) {
        if (auto closed = rejects_writer->close(); !closed) {
            print_error(closed.error().message());
            return exit_failure;
        }
    }
    if (rejects_output)
        log.info("rejects written", {{"path", *o.rejects_path}, {"rejects", totals.invalid()}});

    const auto gates = check_quality(o.gates, totals.invalid(), totals.rows());
    bool gate_failed = false;
    nlohmann::ordered_json quality = nlohmann::ordered_json::object();
    for (const auto& g : gates) {
        quality[g.name] = {{"limit", exact_number(g.limit)},
                           {"actual", exact_number(g.actual)},
                           {"passed", g.passed}};
        if (!g.passed) {
            gate_failed = true;
            log.warn("quality gate exceeded",
                     {{"gate", g.flag}, {"limit", g.limit}, {"actual", g.actual}});
        }
    }

    report_input in;
    in.totals = &totals;
    if (o.samples != 0) in.samples = &rejects.samples();
    if (o.gates.any()) in.quality = std::move(quality);
    in.scale = job.rule_set.max_decimals;
    in.csv_path = o.csv_path;
    in.csv_rows = csv_rows;
    if (api) {
        in.api = api_section(*api);
        for (const auto& u : api->urls)
            in.api_records += u.ok ? u.records : 0;
    }
    in.csv_bytes = csv.bytes;
    in.csv_chunks = csv.chunks;
    in.generated_at = std::chrono::system_clock::now();
    in.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    // Both outputs are complete and durable before either becomes visible, so a failure leaves
    // the previous report and rejects file as they were.
    if (rejects_output) {
        if (auto finished_rejects = rejects_output->finish(); !finished_rejects) {
            discard_outputs();
            print_error(finished_rejects.error().message());
            return exit_failure;
        }
    }
    if (auto written = output->commit(serialize_report(build_report(in))); !written) {
        discard_outputs();
        if (is_broken_pipe(written.error())) return exit_failure;
        print_error(written.error().message());
        return exit_failure;
    }
    if (rejects_output) {
        if (auto published = rejects_output->publish(); !published) {
            print_error(published.error().message());
            return exit_failure;
        }
    }
    log.info("report written", {{"path", o.out_path}});
    if (gate_failed) return exit_quality;
    return api_failed ? exit_api_failed : exit_ok;
}

}  // namespace salesproc
