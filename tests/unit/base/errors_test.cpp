#include "salesproc/base/errors.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <set>
#include <string>

namespace salesproc {
namespace {

TEST(Errors, MessagesNameTheContextAndTheReason) {
    const auto e = make_error(errc::missing_column, "in.csv: column 'product'", "missing");
    EXPECT_EQ(e.message(), "in.csv: column 'product': missing");
    EXPECT_EQ(e.code.category().name(), std::string("salesproc"));
}

// Whatever the input holds, a message is printable UTF-8: control bytes, bytes that are not
// UTF-8 (a zstd magic read as text: 0xB5, 0xFD) and C1 controls are \xNN; valid UTF-8 stays.
TEST(Errors, EveryByteThatIsNotPrintableUtf8IsEscaped) {
    using namespace std::string_literals;
    const auto e = make_error(errc::missing_column, "in.csv",
                              "found: \xB5/\xFD\x00 caf\xC3\xA9 \xC2\x85|\xE2\x82"s);
    EXPECT_EQ(e.message(), "in.csv: found: \\xb5/\\xfd\\x00 caf\xC3\xA9 \\xc2\\x85|\\xe2\\x82");
}

TEST(Errors, FailureCodesAreStableNames) {
    const std::pair<errc, const char*> names[] = {
        {errc::timeout, "timeout"},
        {errc::tls_verify, "tls"},
        {errc::http_status, "http_status"},
        {errc::dns_failed, "dns"},
        {errc::connection_refused, "refused"},
        {errc::connect_failed, "connect"},
        {errc::connection_lost, "reset"},
        {errc::body_too_large, "body_too_large"},
        {errc::bad_json, "bad_json"},
        {errc::bad_encoding, "bad_encoding"},
        {errc::bad_redirect, "redirect"},
        {errc::proxy_error, "proxy"},
        {errc::interrupted, "cancelled"},
        {errc::money_overflow, "overflow"},
    };
    for (const auto& [e, name] : names)
        EXPECT_EQ(failure_code(make_error_code(e)), name);
    EXPECT_EQ(failure_code(make_error_code(errc::io_error)), "other");
    EXPECT_EQ(failure_code(boost::asio::error::make_error_code(boost::asio::error::eof)), "other");
    EXPECT_EQ(failure_code({}), "other");
}

TEST(Errors, EveryCodeHasItsOwnMessage) {
    std::set<std::string> seen;
    for (int e = 1; e <= static_cast<int>(errc::no_credentials); ++e) {
        const std::string m = category().message(e);
        EXPECT_NE(m, "unknown salesproc error") << e;
        EXPECT_TRUE(seen.insert(m).second) << m;
    }
    EXPECT_EQ(make_error_code(errc::bad_pagination).message(), "bad pagination");
    EXPECT_EQ(make_error_code(errc::no_credentials).message(), "no credentials");
    EXPECT_EQ(category().message(0), "unknown salesproc error");
}

}  // namespace
}  // namespace salesproc
