// HTTP(S) URLs: parsing, redirect resolution and redaction for display. Pure; thread-safe.
#pragma once

#include "salesproc/base/errors.hpp"

#include <string>
#include <string_view>

namespace salesproc {

struct http_url {
    bool tls = false;
    std::string host;      // name or address, without IPv6 brackets
    std::string port;      // explicit or the scheme's default
    std::string target;    // path and query, at least "/"
    std::string userinfo;  // decoded "user:pass", empty if none; never printed
    std::string redacted;  // the URL as it may be printed: userinfo replaced by "***"

    // scheme://host:port, the key that pooled connections and header scoping use.
    [[nodiscard]] std::string origin() const;
    // host:port, an IPv6 address in brackets: what CONNECT and an absolute-form target name.
    [[nodiscard]] std::string authority() const;
    // The Host header: the bracketed host, with ":port" unless it is the scheme's default.
    [[nodiscard]] std::string host_header() const;
};

// Accepts absolute http:// and https:// URLs only. The error's context is the redacted URL.
result<http_url> parse_http_url(std::string_view text);

// Resolves a Location header against the URL that answered.
result<http_url> resolve_location(const http_url& base, std::string_view location);

// Best-effort redaction of userinfo for text that may not even parse.
std::string redact_url(std::string_view text);

// A URL as messages and reports may show it: userinfo redacted, and the values of query
// parameters that carry secrets (a presigned URL's X-Amz-Signature, X-Amz-Credential and
// X-Amz-Security-Token, and the like) replaced by "REDACTED".
std::string display_url(std::string_view text);

}  // namespace salesproc
