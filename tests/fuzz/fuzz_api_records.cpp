// The JSON record merger: arbitrary bytes as a 2xx body. Oracles: what we accept is JSON
// (nlohmann agrees); the record count and the sales' totals do not depend on whitespace the
// body carries between tokens.
#include "fuzz_support.hpp"
#include "salesproc/api/api_records.hpp"
#include "salesproc/output/rejects.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace salesproc;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const rules r;
    const auto got = parse_api_records(body, r, "https://fuzz.invalid/");
    if (!got) {
        FUZZ_CHECK(!got.error().reason.empty());
        return 0;
    }
    FUZZ_CHECK(nlohmann::json::accept(body));
    FUZZ_CHECK(got->sales.rows() <= got->records);

    // Every rejected sale is listed once, in record order, its row a JSON value again.
    reject_options all;
    all.all = true;
    all.format = rejects_format::jsonl;
    const auto listed = parse_api_records(body, r, "https://fuzz.invalid/", all);
    FUZZ_CHECK(listed.has_value());
    std::string lines;
    reject_log log(all, [&](std::string_view b) -> result<void> {
        lines.append(b);
        return {};
    });
    FUZZ_CHECK(log.take(listed->rejects, "https://fuzz.invalid/", 1).has_value());
    FUZZ_CHECK(log.flush().has_value());
    std::uint64_t count = 0, previous = 0;
    for (std::size_t at = 0; at < lines.size();) {
        const std::size_t end = lines.find('\n', at);
        FUZZ_CHECK(end != std::string::npos);
        const auto j = nlohmann::json::parse(lines.substr(at, end - at), nullptr, false);
        FUZZ_CHECK(j.is_object());
        const std::uint64_t line = j["line"];
        FUZZ_CHECK(line > previous && line <= got->records);
        previous = line;
        FUZZ_CHECK(nlohmann::json::accept(std::string(j["row"])));
        ++count;
        at = end + 1;
    }
    FUZZ_CHECK(count == got->sales.invalid());

    // The same document re-serialised compactly must give the same records. Only where nlohmann
    // keeps every number's value exactly (no float), so the prices are unchanged.
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    bool has_float = false;
    auto walk = [&](auto&& self, const nlohmann::json& j) -> void {
        if (j.is_number_float()) has_float = true;
        if (j.is_structured())
            for (const auto& e : j)
                self(self, e);
    };
    walk(walk, doc);
    if (has_float) return 0;
    const auto again = parse_api_records(doc.dump(), r, "https://fuzz.invalid/");
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->records == got->records);
    FUZZ_CHECK(again->sales.rows() == got->sales.rows());
    FUZZ_CHECK(again->sales.valid() == got->sales.valid());
    FUZZ_CHECK(again->sales.total() == got->sales.total());
    return 0;
}
