// What a run needs before it starts: the rules (defaults, config file, flags), what it keeps of
// its rejects, the CSV job, and the fetcher for --api-url. Internal to salesproc_core; one thread.
#pragma once

#include "salesproc/base/log.hpp"
#include "salesproc/http/http_client.hpp"
#include "salesproc/http/remote_objects.hpp"
#include "salesproc/rules/config.hpp"
#include "salesproc/run/pipeline.hpp"
#include "salesproc/run/run.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace salesproc {

struct resolved_rules {
    rules rule_set;
    csv_input_options input;  // how to read the CSV inputs: encoding, lines to skip
};

// The rules, the CSV inputs' reading options and the API input options of `fetch`, from
// defaults, the config file and the flags. Errors: the config file's (errc::bad_config), a
// flag's own contradiction (errc::invalid_argument, naming the flag).
result<resolved_rules> resolve_rules(const run_options& o, fetch_settings& fetch);

reject_options reject_options_for(const run_options& o);

csv_job make_job(const run_options& o, const resolved_rules& resolved,
                 const reject_options& rejects);

// The fetcher for --api-url, on `io`; none without URLs. Errors are api_fetcher::create's.
result<std::unique_ptr<api_fetcher>> make_fetcher(const run_options& o, fetch_settings fetch,
                                                  boost::asio::io_context& io,
                                                  const rules& rule_set,
                                                  const reject_options& rejects, logger& log);

// The CSV's remote inputs (s3://, http(s)://) on `io`, with the API's client settings; none
// when every input is local. Errors are remote_objects::create's.
result<std::unique_ptr<remote_objects>> make_remote(const run_options& o,
                                                    boost::asio::io_context& io);

}  // namespace salesproc
