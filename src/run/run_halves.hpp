// Both halves of a run: the CSV pipeline on the worker pool and the API fetch on the
// io_context, concurrently until both end; then the API's sales and rejects merged after the
// CSV's. Internal to salesproc_core.
#pragma once

#include "signal_watch.hpp"

#include "salesproc/base/log.hpp"
#include "salesproc/http/http_client.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/run/pipeline.hpp"
#include "salesproc/run/run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace salesproc {

// The CSV pipeline and the API fetch, concurrently, until both end. The chunker runs on a strand
// of the worker pool and validation on the pool; the io_context's thread runs the fetch.
struct phase_results {
    std::optional<result<csv_run>> csv;
    std::optional<fetch_summary> api;
};

phase_results run_phases(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                         const csv_job& job, const std::vector<std::string>& paths,
                         const std::atomic<bool>& stop, csv_events events, reject_log& rejects,
                         api_fetcher* fetcher, const std::vector<http_url>& urls,
                         signal_watch& watch);

// Progress and the "input opened" line. process_csv takes the callbacks by value, so the state
// they share lives here.
struct csv_progress {
    logger& log;
    const run_options& o;
    std::uint64_t total = 0;  // 0: no progress line

    csv_events events() {
        csv_events e;
        e.opened = [this](const std::string& name, std::optional<std::uint64_t> size,
                          const header_layout& layout) {
            log.info("input opened", {{"path", name},
                                      {"bytes", size ? nlohmann::ordered_json(*size) : nullptr},
                                      {"columns", layout.columns},
                                      {"threads", o.threads},
                                      {"chunk_size", o.chunk_size}});
            for (const auto& m : layout.loose)
                log.info("column matched loosely", {{"path", name},
                                                    {"field", m.field},
                                                    {"column", m.column},
                                                    {"position", m.position}});
            // A progress line is only worth it for inputs that take a noticeable time.
            if (log.progress_enabled() && size && *size > (std::uint64_t{8} << 20)) total = *size;
        };
        e.progress = [this](std::uint64_t bytes, std::uint64_t rows) {
            if (total != 0) log.progress(bytes, total, rows);
        };
        return e;
    }
};

// The report's "api" section, counted once from the fetch outcomes.
api_summary summarize(const fetch_summary& f);

// API sales and rejects follow the CSV's, in URL order, so the report stays deterministic; their
// products go to the catalog after the CSV's, with first-seen keys after every CSV key. Errors:
// an exact-total overflow naming the URL, a failed write of the rejects.
result<void> merge_api(const fetch_summary& api, csv_run& csv, reject_log& rejects, logger& log);

}  // namespace salesproc
