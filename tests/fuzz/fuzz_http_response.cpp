// The HTTP response path: arbitrary bytes as a server's reply, delivered in pieces of an
// arbitrary size to a Beast parser with the client's own limits (detail/http_response.hpp), then
// through what the client does with a parsed response: gzip decoding and JSON records for a 2xx
// (streamed, as the client reads them),
// Location for a redirect, Retry-After otherwise. Oracles: no crash, no unbounded buffering (a
// message, and a decoded body, only completes within its limits), and the split points never
// change the parsed response.
#include "fuzz_support.hpp"
#include "salesproc/api/body_records.hpp"
#include "salesproc/api/content_coding.hpp"
#include "salesproc/api/detail/http_response.hpp"
#include "salesproc/api/retry_policy.hpp"
#include "salesproc/api/url.hpp"

#include <boost/asio/buffer.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {
using namespace salesproc;
namespace http = boost::beast::http;

struct parsed {
    detail::http_response head;
    std::string body;
};

// Parses `reply` as it would arrive in reads of `step` bytes, the body taken through a small
// buffer as the client takes it through its own; nullopt when it does not form a complete
// response (any parse error, a limit, or end of input first).
std::optional<parsed> parse(std::string_view reply, std::size_t step, std::uint64_t max_body) {
    detail::http_response_parser parser;
    detail::apply_limits(parser, max_body);
    parser.eager(true);  // as http::async_read_some does
    std::string pending;
    std::string body;
    char piece[97];
    const auto collect = [&] {
        auto& b = parser.get().body();
        if (b.data != nullptr) body.append(piece, sizeof piece - b.size);
        b.data = piece;
        b.size = sizeof piece;
    };
    collect();
    std::size_t fed = 0;
    boost::system::error_code ec;
    while (!parser.is_done()) {
        if (fed == reply.size()) {
            parser.put_eof(ec);
            collect();
            if (ec || detail::over_body_limit(parser, body.size(), max_body)) return std::nullopt;
            break;
        }
        const std::size_t n = std::min(step, reply.size() - fed);
        pending.append(reply.substr(fed, n));
        fed += n;
        // Consume as much as the parser takes, as Beast's read loop does, before reading more.
        for (;;) {
            const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
            pending.erase(0, used);
            collect();
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec == http::error::need_buffer) {
                ec = {};
                continue;
            }
            if (ec) return std::nullopt;
            // As the client does, before it reads more.
            if (detail::over_body_limit(parser, body.size(), max_body)) return std::nullopt;
            if (parser.is_done() || used == 0) break;
        }
        // Nothing the parser holds on to may exceed its limits.
        FUZZ_CHECK(pending.size() <= reply.size());
    }
    if (!parser.is_done()) return std::nullopt;
    FUZZ_CHECK(body.size() <= max_body);
    return parsed{detail::take_head(parser), std::move(body)};
}

// A 2xx body as the client reads it: decoded and its records read as the pieces arrive.
void read_records(const parsed& r, std::size_t step, std::uint64_t max_body) {
    auto decoder = body_decoder::make(r.head.content_encoding, max_body, "u");
    if (!decoder) return;
    body_records reader(body_format(api_format::automatic, r.head.content_type, "/"), rules{}, {},
                        "https://fuzz.invalid/");
    const body_decoder::sink to_reader = [&](std::string_view b) { return reader.feed(b); };
    for (std::size_t at = 0; at < r.body.size(); at += step)
        if (!decoder->feed(std::string_view(r.body).substr(at, step), to_reader)) return;
    // The decoded body is capped like the raw one (a gzip bomb stops at --max-body).
    FUZZ_CHECK(decoder->decoded() <= max_body);
    if (decoder->finish()) (void)reader.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t step = 1 + data[0] % 64;
    const std::uint64_t max_body = data[1] == 0 ? std::uint64_t{64} << 20 : data[1];
    const std::string_view reply(reinterpret_cast<const char*>(data + 2), size - 2);

    const auto whole = parse(reply, reply.size() + 1, max_body);
    const auto pieces = parse(reply, step, max_body);
    FUZZ_CHECK(whole.has_value() == pieces.has_value());
    if (!whole) return 0;
    FUZZ_CHECK(whole->body == pieces->body);
    const auto& h = whole->head;
    const auto& p = pieces->head;
    FUZZ_CHECK(h.status == p.status && h.location == p.location && h.retry_after == p.retry_after &&
               h.content_encoding == p.content_encoding && h.content_type == p.content_type &&
               h.keep_alive == p.keep_alive);

    if (h.status >= 200 && h.status < 300) {
        read_records(*whole, step, max_body);
    } else if (!h.location.empty()) {
        const auto base = parse_http_url("https://user:secret@fuzz.invalid:8443/a/b?c=d");
        FUZZ_CHECK(base.has_value());
        if (const auto next = resolve_location(*base, h.location)) {
            FUZZ_CHECK(next->redacted.find("secret") == std::string::npos ||
                       h.location.find("secret") != std::string_view::npos);
            FUZZ_CHECK(next->target.starts_with("/"));
        }
    }
    if (!h.retry_after.empty()) {
        const auto now = std::chrono::system_clock::now();
        if (const auto d = parse_retry_after(h.retry_after, now)) FUZZ_CHECK(d->count() >= 0);
    }
    return 0;
}
