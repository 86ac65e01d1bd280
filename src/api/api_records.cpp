#include "salesproc/api/api_records.hpp"

#include "salesproc/api/body_records.hpp"

namespace salesproc {

result<api_records> parse_api_records(std::string_view body, const rules& r,
                                      const std::string& context, const reject_options& rejects,
                                      const body_layout& layout) {
    body_options options;
    options.layout = layout;
    options.rejects = rejects;
    body_records reader(api_format::json, r, options, context);
    if (auto fed = reader.feed(body); !fed) return fed.error();
    if (auto done = reader.finish(); !done) return done.error();
    return std::move(reader.records());
}

}  // namespace salesproc
