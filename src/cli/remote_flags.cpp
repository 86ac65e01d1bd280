// Flags of the CSV's remote inputs (s3://, http(s)://); the rest of their settings are the API's
// (--timeout, --retries, --cacert, --insecure, proxies) and the AWS environment's.
#include "salesproc/cli/cli.hpp"

#include <CLI/CLI.hpp>

namespace salesproc {

void add_remote_flags(CLI::App& app, cli_args& a) {
    constexpr const char* group = "Remote inputs (s3:// and http(s):// --csv)";
    app.add_flag("--no-sign-request", a.direct.s3.no_sign_request,
                 "Read s3:// inputs unsigned (a public bucket): no credentials are looked up")
        ->group(group);
    app.add_option("--s3-addressing", a.s3_addressing,
                   "path, virtual or auto: virtual-hosted on AWS for bucket names without dots,\n"
                   "path-style on any other endpoint (AWS_ENDPOINT_URL, a profile's endpoint_url)")
        ->check(CLI::IsMember({"auto", "path", "virtual"}))
        ->capture_default_str()
        ->group(group);
}

}  // namespace salesproc
