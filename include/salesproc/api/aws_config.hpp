// Where S3 settings and credentials come from, in the AWS CLI's order: the environment, web
// identity, the shared credentials and config files, the container endpoint. Pure: the
// environment and the files are read through `aws_environment`, so the chain is tested
// without the process's own. The two sources that need a request (web identity, container)
// are returned as pending; the http stage makes the request and parse_*_credentials reads it.
#pragma once

#include "salesproc/api/s3.hpp"
#include "salesproc/api/sigv4.hpp"
#include "salesproc/base/errors.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace salesproc {

struct aws_environment {
    std::function<std::optional<std::string>(const std::string& name)>
        env;  // unset or empty: nullopt
    std::function<std::optional<std::string>(const std::string& path)>
        read_file;  // missing: nullopt
};
// The process's environment and files.
aws_environment process_environment();

struct s3_flags {
    bool no_sign_request = false;             // --no-sign-request
    std::optional<s3_addressing> addressing;  // --s3-addressing; else the profile's, else auto
};

struct aws_resolution {
    s3_config config;  // credentials filled in unless pending
    enum class pending { none, web_identity, container } waiting = pending::none;
    // Web identity: the role, the token read from AWS_WEB_IDENTITY_TOKEN_FILE, the session name,
    // and STS's endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else AWS's for the region).
    std::string role_arn;
    std::string web_identity_token;
    std::string session_name;
    std::optional<http_url> sts_endpoint;
    // Container: the full URI and the Authorization value (from the variable or its file).
    std::optional<http_url> container_uri;
    std::string container_token;
};

// Walks the chain. Errors: errc::no_credentials when no source has any (naming the variables
// to set), errc::bad_config for an AWS_PROFILE that no file defines, a half-set pair of keys,
// an unreadable token file or a malformed endpoint URL, each naming the variable or the file.
result<aws_resolution> resolve_aws(const aws_environment& e, const s3_flags& flags);

// STS AssumeRoleWithWebIdentity for a pending web identity (an unsigned GET).
http_url web_identity_request(const aws_resolution& r);
// The credentials in STS's XML answer, or in the container endpoint's JSON; `source` names
// them in messages. Errors (errc::bad_response) say what is missing.
result<aws_credentials> parse_sts_credentials(std::string_view xml, std::string source);
result<aws_credentials> parse_container_credentials(std::string_view json, std::string source);

}  // namespace salesproc
