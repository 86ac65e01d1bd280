#include "salesproc/base/errors.hpp"

#include "salesproc/base/detail/text.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace salesproc {
namespace {

class category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "salesproc"; }
    std::string message(int ev) const override {
        // In the order of errc, which starts at 1.
        static constexpr std::string_view names[] = {
            "I/O error",
            "is a directory",
            "missing required column",
            "empty input",
            "row too large",
            "input changed while reading",
            "invalid configuration",
            "exact total overflow",
            "invalid argument",
            "interrupted",
            "HTTP error status",
            "timeout",
            "certificate verify failed",
            "response body too large",
            "invalid JSON",
            "bad redirect",
            "connect failed",
            "connection lost",
            "proxy error",
            "bad content encoding",
            "host name did not resolve",
            "connection refused",
            "corrupt compressed input",
            "bad pagination",
            "not a salesproc report",
            "parts do not fit together",
            "record too large",
            "unexpected response",
            "no object matches",
            "no credentials",
        };
        static_assert(std::size(names) == static_cast<std::size_t>(errc::no_credentials));
        if (ev < 1 || static_cast<std::size_t>(ev) > std::size(names))
            return "unknown salesproc error";
        return std::string(names[ev - 1]);
    }
};

}  // namespace

std::string_view failure_code(const boost::system::error_code& code) noexcept {
    if (code.category() != category()) return "other";
    switch (static_cast<errc>(code.value())) {
        case errc::timeout:
            return "timeout";
        case errc::tls_verify:
            return "tls";
        case errc::http_status:
            return "http_status";
        case errc::dns_failed:
            return "dns";
        case errc::connection_refused:
            return "refused";
        case errc::connect_failed:
            return "connect";
        case errc::connection_lost:
            return "reset";
        case errc::body_too_large:
            return "body_too_large";
        case errc::bad_json:
            return "bad_json";
        case errc::bad_encoding:
            return "bad_encoding";
        case errc::bad_redirect:
            return "redirect";
        case errc::bad_pagination:
            return "pagination";
        case errc::proxy_error:
            return "proxy";
        case errc::interrupted:
            return "cancelled";
        case errc::money_overflow:
            return "overflow";
        case errc::record_too_large:
            return "record_too_large";
        default:
            return "other";
    }
}

const boost::system::error_category& category() noexcept {
    static const category_impl instance;
    return instance;
}

namespace {

// Messages quote input (column names, products, URLs, paths), which may hold newlines, control
// bytes, bytes that are not UTF-8 or megabytes: keep every message one bounded line of valid,
// printable UTF-8 (for a terminal and for JSON logs) whatever the input holds. Every byte that
// is not printable UTF-8 is shown as \xNN.
void append_printable(std::string& out, std::string_view s, std::size_t limit) {
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t shown = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (shown >= limit) {
            out += "... (" + std::to_string(s.size()) + " bytes)";
            return;
        }
        if (c >= 0x80U) {
            const std::size_t n = detail::utf8_sequence(s, i);
            // C1 controls (U+0080..U+009F) print nothing either.
            const bool c1 = n == 2 && c == 0xC2U && static_cast<unsigned char>(s[i + 1]) < 0xA0U;
            if (n != 0 && !c1) {
                out.append(s.substr(i, n));
                i += n - 1;
                ++shown;
                continue;
            }
            for (std::size_t k = 0; k < std::max<std::size_t>(n, 1); ++k) {
                const auto b = static_cast<unsigned char>(s[i + k]);
                out += "\\x";
                out += hex[b >> 4];
                out += hex[b & 0xFU];
            }
            i += std::max<std::size_t>(n, 1) - 1;
            shown += 4;
            continue;
        }
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xFU];
        } else {
            out += static_cast<char>(c);
            ++shown;
            continue;
        }
        shown += 2;
    }
}

}  // namespace

std::string error::message() const {
    std::string out;
    append_printable(out, context, 400);
    if (!out.empty()) out += ": ";
    // A broken shard chain names every shard to re-run, each a bounded line of salesproc's
    // own: a merge of hundreds of shards must not lose the end of that list.
    const std::size_t limit = code == make_error_code(errc::parts_mismatch) ? 65536 : 800;
    append_printable(out, reason.empty() ? code.message() : reason, limit);
    return out;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
    throw std::runtime_error(e.message());
}

error errno_error(std::string context, int errno_value) {
    const errc code = errno_value == EISDIR ? errc::is_directory : errc::io_error;
    return make_error(code, std::move(context), std::strerror(errno_value));
}

}  // namespace salesproc
