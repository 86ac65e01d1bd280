// Which way a request travels: straight to its origin, through an HTTP proxy in absolute form
// (http:// URLs), or through a CONNECT tunnel (https:// URLs). Proxies come from the environment
// as curl and requests take them: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lowercase
// forms). Only http:// proxy URLs are supported; their userinfo becomes Proxy-Authorization,
// sent to the proxy only. Pure; thread-safe once built.
#pragma once

#include "salesproc/api/url.hpp"
#include "salesproc/base/errors.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

struct proxy_settings {
    std::string https;     // for https:// URLs, a CONNECT tunnel
    std::string http;      // for http:// URLs, absolute-form requests
    std::string no_proxy;  // comma list of host names or domain suffixes, or "*"
};

// Reads HTTPS_PROXY, HTTP_PROXY, NO_PROXY (an empty upper-case variable falls back to the
// lower-case one).
proxy_settings proxy_settings_from_env();

// NO_PROXY matching: an entry matches the host itself and its subdomains ("example.com" and
// ".example.com" both match "api.example.com"); "*" matches every host.
bool bypasses_proxy(std::string_view host, std::string_view no_proxy);

// How one request for a URL travels.
struct route {
    const http_url* proxy = nullptr;  // nullptr: straight to the origin
    bool tunnel = false;              // CONNECT through the proxy, then TLS end to end
    bool absolute_form = false;       // the request line carries the whole URL
    // Where a pooled connection leads; TLS sessions are kept by it too.
    std::string pool_key;

    // The host and port to open a TCP connection to.
    [[nodiscard]] const http_url& dial(const http_url& url) const noexcept {
        return proxy != nullptr ? *proxy : url;
    }
};

class proxy_config {
  public:
    // Errors (errc::bad_config) name the variable and the redacted proxy URL: unparseable, or
    // not http://. A proxy given without a scheme is taken as http://.
    static result<proxy_config> parse(const proxy_settings& settings);

    // The route for `url`; it points into this object.
    [[nodiscard]] route route_for(const http_url& url) const;

  private:
    std::optional<http_url> https_;
    std::optional<http_url> http_;
    std::string no_proxy_;
};

}  // namespace salesproc
