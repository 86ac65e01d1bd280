// The streaming API body reader: arbitrary bytes as a 2xx body. Oracles: the same bytes cut into
// pieces anywhere read the same; a document of the whole body (nlohmann's DOM, as salesproc read
// bodies before part 12) finds the same records, sales and totals, or both readers fail; as
// NDJSON, each line read as its own document adds up to the same; every rejected sale is listed
// once, in order, its row a JSON value again; read in pieces (as large bodies are, on the pool),
// the same records and rejects as read whole, or both fail.
#include "fuzz_support.hpp"
#include "salesproc/api/api_records.hpp"
#include "salesproc/api/body_records.hpp"
#include "salesproc/output/rejects.hpp"
#include "support/document_records.hpp"
#include "support/piece_reading.hpp"

#include <boost/json/parse.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace salesproc;

struct outcome {
    bool ok = false;
    std::uint64_t records = 0, rows = 0, valid = 0;
    int128 total = 0;
    bool operator==(const outcome&) const = default;
};

outcome of(const result<api_records>& r) {
    if (!r) return {};
    return {true, r->records, r->sales.rows(), r->sales.valid(), r->sales.total()};
}

result<api_records> streamed(std::string_view body, api_format format,
                             const std::vector<std::size_t>& cuts,
                             const reject_options& rejects = {},
                             std::size_t max_record_size = default_max_record_size) {
    body_options options;
    options.rejects = rejects;
    options.max_record_size = max_record_size;
    body_records reader(format, rules{}, options, "u");
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        const std::size_t end = i < cuts.size() ? cuts[i] : body.size();
        if (auto fed = reader.feed(body.substr(at, end - at)); !fed) return fed.error();
        at = end;
    }
    if (auto done = reader.finish(); !done) return done.error();
    return std::move(reader.records());
}

// Whether `text` is one JSON value. Not nlohmann's accept(), which refuses a number past a
// double's range (RFC 8259 sets no limit, and a listed row keeps the number's text).
bool is_json(std::string_view text) {
    boost::json::parse_options o;
    o.max_depth = max_json_depth;
    boost::system::error_code ec;
    (void)boost::json::parse(text, ec, {}, o);
    return !ec;
}

void check_rejects_listed(std::string_view body, const outcome& got) {
    reject_options all;
    all.all = true;
    all.format = rejects_format::jsonl;
    const auto listed = streamed(body, api_format::json, {}, all);
    FUZZ_CHECK(listed.has_value());
    std::string lines;
    reject_log log(all, [&](std::string_view b) -> result<void> {
        lines.append(b);
        return {};
    });
    FUZZ_CHECK(log.take(listed->rejects, "u", 1).has_value());
    FUZZ_CHECK(log.flush().has_value());
    std::uint64_t count = 0, previous = 0;
    for (std::size_t at = 0; at < lines.size();) {
        const std::size_t end = lines.find('\n', at);
        FUZZ_CHECK(end != std::string::npos);
        const auto j = nlohmann::json::parse(lines.substr(at, end - at), nullptr, false);
        FUZZ_CHECK(j.is_object());
        const std::uint64_t line = j["line"];
        FUZZ_CHECK(line > previous && line <= got.records);
        previous = line;
        FUZZ_CHECK(is_json(std::string(j["row"])));
        ++count;
        at = end + 1;
    }
    FUZZ_CHECK(count == got.rows - got.valid);
}

std::string full(const result<api_records>& r, const reject_options& o);

// As NDJSON: each line on its own through the document reader.
void check_lines(std::string_view body) {
    const auto lines = streamed(body, api_format::ndjson, {});
    const auto cut = streamed(body, api_format::ndjson, {body.size() / 2});
    FUZZ_CHECK(of(lines) == of(cut));
    // Lines whole in the bytes fed may be read without the parser (plain_record); fed a byte at
    // a time, none is. Both read the same, rejects included.
    if (body.size() <= 4096) {
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < body.size(); ++i)
            every_byte.push_back(i);
        reject_options samples;
        samples.samples = 3;
        const auto plain = streamed(body, api_format::ndjson, {}, samples);
        const auto parsed = streamed(body, api_format::ndjson, every_byte, samples);
        FUZZ_CHECK(plain.has_value() == parsed.has_value());
        if (plain) FUZZ_CHECK(full(plain, samples) == full(parsed, samples));
    }
    outcome sum{true};
    if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);  // the body's BOM, skipped
    for (std::size_t at = 0; at <= body.size() && sum.ok;) {
        const std::size_t end = std::min(body.find('\n', at), body.size());
        std::string_view line = body.substr(at, end - at);
        while (!line.empty() && (line.front() == '\x1e' || line.front() == ' ' ||
                                 line.front() == '\t' || line.front() == '\r'))
            line.remove_prefix(1);
        if (!line.empty()) {
            // Whether the line is one JSON value, then what it holds as one record.
            bool duplicate = false;
            const auto one = testing::document_api_records(line, rules{}, "u", {}, {}, &duplicate);
            const bool syntax = line.find('\0') == std::string_view::npos &&
                                nlohmann::json::accept(line.begin(), line.end());
            if (duplicate) return;
            if (!syntax) {
                if (!one && one.error().reason.find("number overflow") != std::string::npos) return;
                sum.ok = false;
            } else {
                const auto as_record = testing::document_api_records(
                    "[" + std::string(line) + "]", rules{}, "u", {}, {}, &duplicate);
                if (!as_record || duplicate) return;  // too deep once wrapped; a total overflow
                sum.records += as_record->records;
                sum.rows += as_record->sales.rows();
                sum.valid += as_record->sales.valid();
                sum.total += as_record->sales.total();
            }
        }
        at = end + 1;
    }
    FUZZ_CHECK(of(lines).ok == sum.ok);
    if (sum.ok) FUZZ_CHECK(of(lines) == sum);
}

// Everything a reading comes to, error text and every listed reject included.
std::string full(const result<api_records>& r, const reject_options& o) {
    if (!r) return "error: " + r.error().message();
    std::string s = std::to_string(r->records) + " " + std::to_string(r->sales.rows()) + " " +
                    std::to_string(r->sales.valid()) + " " +
                    std::to_string(static_cast<long long>(r->sales.total())) + "\n";
    for (const auto& p : r->sales.products())
        s += std::string(p.product) + "\n";
    reject_log log(o, [&](std::string_view b) -> result<void> {
        s.append(b);
        return {};
    });
    FUZZ_CHECK(log.take(r->rejects, "u", 1).has_value());
    FUZZ_CHECK(log.flush().has_value());
    for (const auto& reason : log.samples())
        for (const auto& sample : reason)
            s += std::to_string(sample.line) + sample.detail + sample.row + "\n";
    return s;
}

// Pieces of a few bytes, fed a few bytes at a time: the whole body's reading exactly, with every
// reject listed (rows from a tape) and with samples only (rows from a record's own text).
void check_pieces(std::string_view body, api_format format) {
    for (const bool all : {true, false}) {
        body_options options;
        options.rejects.all = all;
        options.rejects.format = rejects_format::jsonl;
        options.max_record_size = 512;
        const auto read = streamed(body, format, {}, options.rejects, options.max_record_size);
        const std::string whole = full(read, options.rejects);
        for (const std::size_t piece : {1UL, 7UL, 64UL}) {
            const auto cut = testing::read_in_pieces(body, format, rules{}, options, piece, 5);
            // Both fail, or read the same. Which error, and its words, may differ: a streaming
            // reader meets errors in the order its bytes arrive, and Boost.JSON 1.81 words some by
            // where the bytes it was given ended ("   ng -": byte 3 whole, byte 4 fed five bytes
            // at a time; a long key fed in parts is too large before its invalid UTF-8 is seen
            // whole). The pieces are fed differently from the whole; BodyPieces.* pin the error
            // texts of cut bodies.
            if (!read || !cut) {
                FUZZ_CHECK(!read && !cut);
                continue;
            }
            FUZZ_CHECK(full(cut, options.rejects) == whole);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto got = streamed(body, api_format::json, {});
    if (!got)
        FUZZ_CHECK(!got.error().reason.empty() &&
                   got.error().reason.find("exception") == std::string::npos);
    const outcome whole = of(got);
    FUZZ_CHECK(
        (of(streamed(body, api_format::json, {size / 3, size / 2, size - (size > 0)})) == whole));
    if (size <= 256) {
        std::vector<std::size_t> every_byte;
        for (std::size_t i = 1; i < size; ++i)
            every_byte.push_back(i);
        FUZZ_CHECK(of(streamed(body, api_format::json, every_byte)) == whole);
    }
    bool duplicate = false;
    const auto doc = testing::document_api_records(body, rules{}, "u", {}, {}, &duplicate);
    // RFC 8259 sets no limit on a number's exponent; nlohmann refuses one past a double's range.
    // Such a price is text to salesproc (and not plain notation, so a bad_price).
    const bool overflow = !doc && doc.error().reason.find("number overflow") != std::string::npos;
    if (whole.ok && !overflow) FUZZ_CHECK(doc.has_value());
    if (!duplicate && !overflow) FUZZ_CHECK(of(doc) == whole);
    if (whole.ok) check_rejects_listed(body, whole);
    check_lines(body);
    check_pieces(body, api_format::json);
    check_pieces(body, api_format::ndjson);
    return 0;
}
