#include "salesproc/api/detail/http_request.hpp"

#include <openssl/evp.h>

namespace salesproc::detail {

std::string basic_auth(std::string_view userinfo) {
    std::string out(4 * ((userinfo.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(userinfo.data()),
                                  static_cast<int>(userinfo.size()));
    out.resize(static_cast<std::size_t>(n));
    return "Basic " + out;
}

request_head make_get(const http_url& url, const route& r, bool send_credentials,
                      const get_options& o) {
    request_head h;
    h.method = std::string(o.method);
    h.target = r.absolute_form ? "http://" + url.authority() + url.target : url.target;
    if (r.absolute_form && !r.proxy->userinfo.empty())
        h.fields.emplace_back("Proxy-Authorization", basic_auth(r.proxy->userinfo));
    h.fields.emplace_back("Host", url.host_header());
    h.fields.emplace_back("User-Agent", std::string(o.user_agent));
    h.fields.emplace_back("Accept", "application/json");
    h.fields.emplace_back("Accept-Encoding", std::string(o.accept_encoding));
    if (send_credentials) {
        if (!url.userinfo.empty()) h.fields.emplace_back("Authorization", basic_auth(url.userinfo));
        if (o.headers != nullptr)
            for (const auto& [name, value] : *o.headers)
                h.fields.emplace_back(name, value);
    }
    return h;
}

request_head make_connect(const http_url& url, const http_url& proxy) {
    request_head h;
    h.method = "CONNECT";
    h.target = url.authority();
    h.fields.emplace_back("Host", url.authority());
    if (!proxy.userinfo.empty())
        h.fields.emplace_back("Proxy-Authorization", basic_auth(proxy.userinfo));
    return h;
}

}  // namespace salesproc::detail
