#include "support/mock_replies.hpp"
#include "support/mock_server.hpp"

#include <boost/beast/http.hpp>

namespace salesproc::test {
namespace http = boost::beast::http;

// A CSV object as an object store serves it: rows=N sales rows (default 20000, every tenth a
// "Pork" row that is rejected), version=2 (or changed=1 after the first request) a different
// content with another ETag. Range "bytes=N-" or "bytes=N-M" gives a 206 unless no_range=1;
// If-Match with another ETag a 412 (unless ignore_if_match=1, as s3rver does); no_etag=1 drops the
// ETag; cut_every=N cuts each response after N body bytes (a reset), so a reader resumes again and
// again; cut_once=N only the first.
std::string mock_object_csv(std::size_t rows, unsigned version) {
    std::string out = "product,price,quantity\n";
    for (std::size_t i = 0; i < rows; ++i) {
        out += i % 10 == 9 ? "Pork " : "Halal Item ";
        out += std::to_string(i % 97) + "," + std::to_string(1 + i % 50) + "." +
               std::to_string(10 + i % 90) + "," + std::to_string(version + i % 7) + "\n";
    }
    return out;
}

std::optional<std::size_t> object_reply(query_params& q, const mock_request& req, unsigned nth,
                                        reply& r) {
    const unsigned version = q.count("version") ? 2U : (q.count("changed") && nth > 0 ? 2U : 1U);
    const std::string etag = "\"v" + std::to_string(version) + "\"";
    const std::string body =
        mock_object_csv(q.count("rows") ? std::stoul(q["rows"]) : 20'000, version);
    r.content_type = "text/csv";
    if (!q.count("no_etag")) r.headers.emplace_back("ETag", etag);
    const std::string if_match(req[http::field::if_match]);
    if (!if_match.empty() && if_match != etag && !q.count("ignore_if_match")) {
        r.status = 412;
        r.body = "precondition failed";
        return std::nullopt;
    }
    std::size_t from = 0;
    std::size_t last = body.size() - 1;
    const std::string range(req[http::field::range]);
    if (!q.count("no_range") && range.rfind("bytes=", 0) == 0) {
        std::size_t used = 0;
        from = std::stoul(range.substr(6), &used);
        const std::string to = range.substr(6 + used + 1);
        if (!to.empty()) last = std::min(last, std::stoul(to));
        if (from > last) {
            r.status = 416;
            r.body = "range not satisfiable";
            return std::nullopt;
        }
        r.status = 206;
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string(from) + "-" +
                                                    std::to_string(last) + "/" +
                                                    std::to_string(body.size()));
    }
    r.body = body.substr(std::min(from, body.size()), last + 1 - std::min(from, last + 1));
    if (q.count("cut_every") && r.body.size() > std::stoul(q["cut_every"]))
        return std::stoul(q["cut_every"]);
    if (q.count("cut_once") && nth == 0) return std::stoul(q["cut_once"]);
    return std::nullopt;
}

// AWS credentials as STS answers AssumeRoleWithWebIdentity (for WebIdentityToken=web-token and
// RoleArn=arn:aws:iam::1:role/test), and as a container endpoint does (for the Authorization
// container-token); the key id is s3rver's, "S3RVER".
void credentials_reply(const std::string& path, query_params& q, const mock_request& req,
                       reply& r) {
    if (path == "/sts") {
        r.content_type = "text/xml";
        if (q["Action"] != "AssumeRoleWithWebIdentity" || q["WebIdentityToken"] != "web-token" ||
            q["RoleArn"] != "arn:aws:iam::1:role/test") {
            r.status = 403;
            r.body = "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>";
            return;
        }
        r.body =
            "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
            "<Credentials><AccessKeyId>S3RVER</AccessKeyId>"
            "<SecretAccessKey>STS/SECRET+KEY</SecretAccessKey>"
            "<SessionToken>STSSESSIONTOKEN</SessionToken></Credentials>"
            "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        return;
    }
    if (std::string(req[http::field::authorization]) != "container-token") {
        r.status = 401;
        r.body = "{}";
        return;
    }
    r.body = R"({"AccessKeyId": "S3RVER", "SecretAccessKey": "CONTAINER/SECRET",)"
             R"( "Token": "CONTAINERTOKEN", "Expiration": "2099-01-01T00:00:00Z"})";
}

}  // namespace salesproc::test
