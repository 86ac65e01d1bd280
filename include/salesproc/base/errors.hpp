// Project error codes and the error value that expected failures travel in.
// Thread-safety: everything here is immutable or a value type.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace salesproc {

// Expected failures. Bugs and setup failures are exceptions instead.
enum class errc {
    io_error = 1,        // open/read/write failed; the reason carries strerror
    is_directory,        // a path that must be a file names a directory
    missing_column,      // a required header column is absent
    empty_input,         // the CSV has no header row
    row_too_large,       // the header row exceeds --max-row-size
    input_changed,       // the file shrank while being read
    bad_config,          // YAML config is unreadable or invalid
    money_overflow,      // an exact total left the 128-bit range
    invalid_argument,    // a flag value that parsing could not catch
    interrupted,         // SIGINT/SIGTERM arrived
    http_status,         // non-2xx HTTP status
    timeout,             // an attempt or the API phase ran out of time
    tls_verify,          // certificate verification failed
    body_too_large,      // response body exceeded --max-body
    bad_json,            // 2xx body is not JSON
    bad_redirect,        // redirect loop, downgrade or missing Location
    connect_failed,      // DNS, refused, unreachable
    connection_lost,     // reset or truncated response
    proxy_error,         // CONNECT tunnel refused
    bad_encoding,        // unsupported or corrupt Content-Encoding
    dns_failed,          // a host name did not resolve
    connection_refused,  // nothing listens at the address
    corrupt_input,       // a gzip or zstd input is corrupt or truncated
    bad_pagination,      // a next-page link loops, leaves the origin, or passes --max-pages
    bad_report,          // merge: a part that is not a salesproc report, or truncated
    parts_mismatch,      // merge: parts computed under different rules, or a broken shard chain
    record_too_large,    // an API record larger than --max-record-size
    bad_response,        // a response that is not what was asked: a listing's XML, a range
    no_match,            // an s3:// listing or glob that names no object
    no_credentials,      // an s3:// input and no AWS credentials anywhere in the chain
};

const boost::system::error_category& category() noexcept;

// A stable, machine-readable name for a failure, as the report's API failures carry it:
// "timeout", "tls", "http_status", "dns", "refused", "connect", "reset", "body_too_large",
// "bad_json", "bad_encoding", "redirect", "pagination", "proxy", "cancelled", "overflow",
// "record_too_large"; "other"
// for codes that are not salesproc's. Scripts may rely on these names.
std::string_view failure_code(const boost::system::error_code& code) noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), category()};
}

// A failure a user can act on: the code for programs, the context (file, column, flag or URL)
// and a one-line reason for people. message() is "<context>: <reason>".
struct error {
    boost::system::error_code code;
    std::string context;
    std::string reason;

    [[nodiscard]] std::string message() const;
};

template <class T>
using result = boost::system::result<T, error>;

inline error make_error(errc e, std::string context, std::string reason) {
    return error{make_error_code(e), std::move(context), std::move(reason)};
}

// Lets result<T>::value() throw when a caller treats an expected failure as a bug.
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

// "<what>: <strerror(errno_value)>" helper for POSIX failures.
error errno_error(std::string context, int errno_value);

}  // namespace salesproc

template <>
struct boost::system::is_error_code_enum<salesproc::errc> : std::true_type {};
