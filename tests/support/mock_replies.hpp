// What the mock server answers on its object-store and credential paths (mock_objects.cpp),
// apart from the session loop in mock_server.cpp. Test support only.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace salesproc::test {

struct reply {
    unsigned status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type = "application/json";
};

using query_params = std::unordered_map<std::string, std::string>;
using mock_request = boost::beast::http::request<boost::beast::http::string_body>;

// /objects/NAME: returns how many payload bytes go out before a reset, if the query asks for one.
std::optional<std::size_t> object_reply(query_params& q, const mock_request& req, unsigned nth,
                                        reply& r);
// /sts and /container-credentials.
void credentials_reply(const std::string& path, query_params& q, const mock_request& req, reply& r);

}  // namespace salesproc::test
