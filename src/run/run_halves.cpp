// Both halves of a run, concurrently (see run_halves.hpp).
#include "run_halves.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace salesproc {
namespace asio = boost::asio;

api_summary summarize(const fetch_summary& f) {
    api_summary a;
    a.requested = f.urls.size();
    a.retries = f.retries;
    a.retry_budget_exhausted = f.retry_budget_exhausted;
    for (const auto& u : f.urls) {
        a.urls.push_back(u.url);
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
        [&](const std::exception_ptr& e) {
            bug = e;
            watch.finished();
        });
    io.run();
    workers.join();
    if (bug) std::rethrow_exception(bug);
    return out;
}

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

}  // namespace salesproc
