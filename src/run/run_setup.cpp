// What a run needs before it starts: its rules, what it keeps of rejects, the CSV job and the
// fetcher (see run_setup.hpp).
#include "run_setup.hpp"

#include "salesproc/input/detail/transcoder.hpp"
#include "salesproc/rules/config.hpp"

namespace salesproc {

namespace {

// The flags over the config's input shape and number format; a contradiction between them is
// the flag's (a usage error).
result<void> apply_shape_flags(const run_options& o, rules& r, csv_input_options& input) {
    if (o.delimiter) r.delimiter = *o.delimiter;
    if (o.decimal_separator) r.numbers.decimal = *o.decimal_separator;
    if (o.thousands_separator) r.numbers.thousands = *o.thousands_separator;
    if ((o.decimal_separator || o.thousands_separator) && r.numbers.decimal == r.numbers.thousands)
        return make_error(errc::invalid_argument,
                          o.thousands_separator ? "--thousands-separator" : "--decimal-separator",
                          std::string("'") + r.numbers.decimal +
                              "' cannot be both the decimal and the thousands separator");
    if (o.encoding) input.encoding = o.encoding;
    if (input.encoding && !detail::is_utf8_name(*input.encoding) &&
        !detail::is_known_encoding(*input.encoding))
        return make_error(errc::bad_config, "encoding " + *input.encoding,
                          "not an encoding iconv knows (iconv -l lists them)");
    if (o.skip_lines) input.skip_lines = o.skip_lines;
    for (const auto& [field, column] : o.field_columns)
        r.columns[static_cast<std::size_t>(field)] = column;
    return {};
}

}  // namespace

// The rules, and the API input options of fetch, from defaults, the config file and the flags.
result<resolved_rules> resolve_rules(const run_options& o, fetch_settings& fetch) {
    resolved_rules out;
    rules& r = out.rule_set;
    std::string context = "defaults";
    api_input_options api;
    if (o.config_path) {
        auto loaded = load_config(*o.config_path);
        if (!loaded) return loaded.error();
        r = std::move(loaded->rule_set);
        api = std::move(loaded->api);
        out.input = std::move(loaded->input);
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
    if (auto ok = apply_shape_flags(o, r, out.input); !ok) return ok.error();
    if (auto ok = validate_rules(r, context, o.field_columns.empty() ? "" : "--field"); !ok)
        return ok.error();
    return out;
}

reject_options reject_options_for(const run_options& o) {
    reject_options r;
    r.samples = o.samples;
    r.all = o.rejects_path.has_value();
    if (o.rejects_path) r.format = rejects_format_for(*o.rejects_path);
    return r;
}

csv_job make_job(const run_options& o, const resolved_rules& resolved,
                 const reject_options& rejects) {
    csv_job job;
    job.rule_set = resolved.rule_set;
    job.encoding = resolved.input.encoding.value_or("");
    job.skip_lines = resolved.input.skip_lines.value_or(0);
    job.delimiter_given = o.delimiter.has_value();
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
                                                  boost::asio::io_context& io,
                                                  const rules& rule_set,
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

result<std::unique_ptr<remote_objects>> make_remote(const run_options& o,
                                                    boost::asio::io_context& io) {
    if (!any_remote(o.csv_paths)) return std::unique_ptr<remote_objects>();
    return remote_objects::create(io.get_executor(), o.fetch, o.s3);
}

}  // namespace salesproc
