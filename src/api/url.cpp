#include "salesproc/api/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>

namespace salesproc {
namespace {

namespace urls = boost::urls;

result<http_url> from_view(const urls::url_view& u, std::string_view original) {
    const std::string shown = redact_url(original);
    if (u.scheme_id() != urls::scheme::http && u.scheme_id() != urls::scheme::https)
        return make_error(errc::invalid_argument, shown,
                          "only http:// and https:// URLs are supported");
    if (!u.has_authority() || u.encoded_host().empty())
        return make_error(errc::invalid_argument, shown, "URL has no host");
    http_url r;
    r.tls = u.scheme_id() == urls::scheme::https;
    r.host = u.host_type() == urls::host_type::ipv6 ? u.host_ipv6_address().to_string()
                                                    : std::string(u.host_address());
    if (u.has_port() && u.port().empty())
        return make_error(errc::invalid_argument, shown, "URL has an empty port");
    r.port = u.has_port() ? std::string(u.port()) : (r.tls ? "443" : "80");
    if (u.has_port() && (u.port_number() == 0))
        return make_error(errc::invalid_argument, shown,
                          "invalid port '" + std::string(u.port()) + "'");
    r.target = std::string(u.encoded_path());
    if (r.target.empty()) r.target = "/";
    // RFC 3986 requires it after an authority; Boost.URL 1.81 accepts "http://h:8x/p" as port
    // "8" with path "x/p" (found by fuzzing), which would put garbage in the request line.
    if (r.target.front() != '/')
        return make_error(errc::invalid_argument, shown,
                          "malformed URL (invalid port or path after the host)");
    if (u.has_query())
        r.target.append("?").append(u.encoded_query().data(), u.encoded_query().size());
    if (u.has_userinfo()) r.userinfo = std::string(u.userinfo());
    urls::url display(u);
    if (display.has_userinfo()) display.set_encoded_userinfo("***");
    display.remove_fragment();
    r.redacted = std::string(display.buffer());
    return r;
}

}  // namespace

std::string http_url::origin() const {
    std::string out = tls ? "https://" : "http://";
    out.append(host).append(":").append(port);
    return out;
}

namespace {

std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string http_url::authority() const {
    return bracketed(host) + ":" + port;
}

std::string http_url::host_header() const {
    const bool default_port = port == (tls ? "443" : "80");
    return default_port ? bracketed(host) : authority();
}

result<http_url> parse_http_url(std::string_view text) {
    auto u = urls::parse_uri(text);
    if (!u)
        return make_error(errc::invalid_argument, redact_url(text),
                          "malformed URL (" + u.error().message() + ")");
    return from_view(*u, text);
}

result<http_url> resolve_location(const http_url& base, std::string_view location) {
    auto ref = urls::parse_uri_reference(location);
    if (!ref)
        return make_error(errc::bad_redirect, base.redacted,
                          "malformed Location '" + redact_url(location) + "'");
    // The base for resolution, rebuilt from its parts (userinfo is not inherited by design).
    std::string base_text = base.tls ? "https://" : "http://";
    base_text.append(base.authority()).append(base.target);
    auto b = urls::parse_uri(base_text);
    if (!b) return make_error(errc::bad_redirect, base.redacted, "cannot resolve Location");
    urls::url dest;
    if (auto rv = urls::resolve(*b, *ref, dest); !rv)
        return make_error(errc::bad_redirect, base.redacted,
                          "cannot resolve Location '" + redact_url(location) + "'");
    return from_view(dest, dest.buffer());
}

std::string redact_url(std::string_view text) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) return std::string(text);
    const auto authority_begin = scheme_end + 3;
    const auto authority_end = text.find_first_of("/?#", authority_begin);
    const auto authority = text.substr(authority_begin, authority_end == std::string_view::npos
                                                            ? std::string_view::npos
                                                            : authority_end - authority_begin);
    const auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    std::string out(text.substr(0, authority_begin));
    out += "***";
    out += text.substr(authority_begin + at);
    return out;
}

namespace {

bool secret_parameter(std::string_view name) {
    static constexpr std::string_view secrets[] = {"x-amz-signature",
                                                   "x-amz-credential",
                                                   "x-amz-security-token",
                                                   "x-goog-signature",
                                                   "x-goog-credential",
                                                   "signature",
                                                   "sig",
                                                   "token",
                                                   "access_token",
                                                   "api_key",
                                                   "apikey"};
    std::string lower(name);
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::find(std::begin(secrets), std::end(secrets), lower) != std::end(secrets);
}

}  // namespace

std::string display_url(std::string_view text) {
    std::string out = redact_url(text.substr(0, text.find('#')));
    const auto q = out.find('?');
    if (q == std::string::npos) return out;
    std::string shown = out.substr(0, q + 1);
    std::string_view query = std::string_view(out).substr(q + 1);
    bool first = true;
    while (true) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (!first) shown += '&';
        first = false;
        if (eq != std::string_view::npos && secret_parameter(pair.substr(0, eq))) {
            shown.append(pair.substr(0, eq + 1)).append("REDACTED");
        } else {
            shown.append(pair);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return shown;
}

}  // namespace salesproc
