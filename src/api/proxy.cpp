#include "salesproc/api/proxy.hpp"

#include "salesproc/input/csv.hpp"

#include <cstdlib>

namespace salesproc {

proxy_settings proxy_settings_from_env() {
    auto get = [](const char* upper, const char* lower) {
        const char* v = std::getenv(upper);
        if (v == nullptr || *v == '\0') v = std::getenv(lower);
        return std::string(v ? v : "");
    };
    return {get("HTTPS_PROXY", "https_proxy"), get("HTTP_PROXY", "http_proxy"),
            get("NO_PROXY", "no_proxy")};
}

bool bypasses_proxy(std::string_view host, std::string_view no_proxy) {
    while (!no_proxy.empty()) {
        const auto comma = no_proxy.find(',');
        std::string_view entry = csv::trim(no_proxy.substr(0, comma));
        no_proxy =
            comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (entry.front() == '.') entry.remove_prefix(1);
        if (host == entry) return true;
        if (host.size() > entry.size() && host.substr(host.size() - entry.size()) == entry &&
            host[host.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

result<proxy_config> proxy_config::parse(const proxy_settings& settings) {
    auto one = [](const std::string& text, const char* var) -> result<std::optional<http_url>> {
        if (text.empty()) return std::optional<http_url>();
        auto u = parse_http_url(text.find("://") == std::string::npos ? "http://" + text : text);
        if (!u)
            return make_error(errc::bad_config, std::string(var) + " " + redact_url(text),
                              u.error().reason);
        if (u->tls)
            return make_error(errc::bad_config, std::string(var) + " " + u->redacted,
                              "only http:// proxies are supported");
        return std::optional<http_url>(std::move(*u));
    };
    auto https = one(settings.https, "HTTPS_PROXY");
    if (!https) return https.error();
    auto http = one(settings.http, "HTTP_PROXY");
    if (!http) return http.error();
    proxy_config c;
    c.https_ = std::move(*https);
    c.http_ = std::move(*http);
    c.no_proxy_ = settings.no_proxy;
    return c;
}

route proxy_config::route_for(const http_url& url) const {
    route r;
    const auto& p = url.tls ? https_ : http_;
    if (p && !bypasses_proxy(url.host, no_proxy_)) r.proxy = &*p;
    r.tunnel = r.proxy != nullptr && url.tls;
    r.absolute_form = r.proxy != nullptr && !url.tls;
    if (r.proxy == nullptr)
        r.pool_key = url.origin();
    else if (url.tls)
        r.pool_key = url.origin() + " via " + r.proxy->origin();
    else
        r.pool_key = "http via " + r.proxy->origin();  // one proxy connection serves every origin
    return r;
}

}  // namespace salesproc
