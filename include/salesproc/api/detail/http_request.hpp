// The requests the client sends, as plain data: the GET for a URL (with credentials scoped to
// its own origin) and the CONNECT that opens a tunnel through a proxy. Pure; thread-safe.
#pragma once

#include "salesproc/api/proxy.hpp"
#include "salesproc/api/url.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salesproc::detail {

struct request_head {
    std::string method;  // "GET" (or PUT, POST, DELETE) or "CONNECT"
    std::string target;  // origin form, absolute form or authority form
    std::vector<std::pair<std::string, std::string>> fields;  // in the order they are sent
};

// "Basic " + base64(userinfo), for Authorization and Proxy-Authorization.
std::string basic_auth(std::string_view userinfo);

struct get_options {
    std::string_view method = "GET";  // or an upload's PUT, POST, DELETE
    std::string_view user_agent;
    std::string_view accept_encoding;
    // Sent, like the URL's userinfo, only when `send_credentials` (the URL's own origin).
    const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
};

// The GET for `url` along `r`. Through an http proxy the target is the absolute URL (without
// userinfo) and the proxy's userinfo becomes Proxy-Authorization; a CONNECT tunnel carries
// the proxy's credentials instead (make_connect).
request_head make_get(const http_url& url, const route& r, bool send_credentials,
                      const get_options& o);

// The CONNECT to `url`'s authority through `proxy`.
request_head make_connect(const http_url& url, const http_url& proxy);

}  // namespace salesproc::detail
