// The HTTP response path: arbitrary bytes as a server's reply, delivered in pieces of an
// arbitrary size to a Beast parser with the client's own limits (detail/http_response.hpp), then
// through what the client does with a parsed response: gzip decoding and JSON records for a 2xx,
// Location for a redirect, Retry-After otherwise. Oracles: no crash, no unbounded buffering (a
// message, and a decoded body, only completes within its limits), and the split points never
// change the parsed response.
#include "fuzz_support.hpp"
#include "salesproc/api/api_records.hpp"
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

// Parses `reply` as it would arrive in reads of `step` bytes; nullopt when it does not form a
// complete response (any parse error, a limit, or end of input first).
std::optional<detail::http_response> parse(std::string_view reply, std::size_t step,
                                           std::uint64_t max_body) {
    detail::http_response_parser parser;
    detail::apply_limits(parser, max_body);
    parser.eager(true);  // as http::async_read does
    std::string pending;
    std::size_t fed = 0;
    boost::system::error_code ec;
    while (!parser.is_done()) {
        if (fed == reply.size()) {
            parser.put_eof(ec);
            if (ec) return std::nullopt;
            break;
        }
        const std::size_t n = std::min(step, reply.size() - fed);
        pending.append(reply.substr(fed, n));
        fed += n;
        // Consume as much as the parser takes, as Beast's read loop does, before reading more.
        for (;;) {
            const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
            pending.erase(0, used);
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) return std::nullopt;
            if (parser.is_done() || used == 0) break;
        }
        // Nothing the parser holds on to may exceed its limits.
        FUZZ_CHECK(pending.size() <= reply.size());
    }
    if (!parser.is_done()) return std::nullopt;
    auto r = detail::take_response(parser);
    FUZZ_CHECK(r.body.size() <= max_body);
    return r;
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
    FUZZ_CHECK(whole->status == pieces->status && whole->body == pieces->body &&
               whole->location == pieces->location && whole->retry_after == pieces->retry_after &&
               whole->content_encoding == pieces->content_encoding &&
               whole->keep_alive == pieces->keep_alive);

    const rules r;
    if (whole->status >= 200 && whole->status < 300) {
        // The decoded body is capped like the raw one (a gzip bomb stops at --max-body).
        auto body = decode_content(whole->body, whole->content_encoding, max_body, "u");
        if (body) {
            FUZZ_CHECK(body->size() <= max_body);
            (void)parse_api_records(*body, r, "https://fuzz.invalid/");
        }
    } else if (!whole->location.empty()) {
        const auto base = parse_http_url("https://user:secret@fuzz.invalid:8443/a/b?c=d");
        FUZZ_CHECK(base.has_value());
        if (const auto next = resolve_location(*base, whole->location)) {
            FUZZ_CHECK(next->redacted.find("secret") == std::string::npos ||
                       whole->location.find("secret") != std::string_view::npos);
            FUZZ_CHECK(next->target.starts_with("/"));
        }
    }
    if (!whole->retry_after.empty()) {
        const auto now = std::chrono::system_clock::now();
        if (const auto d = parse_retry_after(whole->retry_after, now)) FUZZ_CHECK(d->count() >= 0);
    }
    return 0;
}
