#include "salesproc/errors.hpp"

#include <cstring>
#include <stdexcept>

namespace salesproc {
namespace {

class category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "salesproc"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::io_error:
                return "I/O error";
            case errc::is_directory:
                return "is a directory";
            case errc::missing_column:
                return "missing required column";
            case errc::empty_input:
                return "empty input";
            case errc::row_too_large:
                return "row too large";
            case errc::input_changed:
                return "input changed while reading";
            case errc::bad_config:
                return "invalid configuration";
            case errc::money_overflow:
                return "exact total overflow";
            case errc::invalid_argument:
                return "invalid argument";
            case errc::interrupted:
                return "interrupted";
            case errc::http_status:
                return "HTTP error status";
            case errc::timeout:
                return "timeout";
            case errc::tls_verify:
                return "certificate verify failed";
            case errc::body_too_large:
                return "response body too large";
            case errc::bad_json:
                return "invalid JSON";
            case errc::bad_redirect:
                return "bad redirect";
            case errc::connect_failed:
                return "connect failed";
            case errc::connection_lost:
                return "connection lost";
            case errc::proxy_error:
                return "proxy error";
        }
        return "unknown salesproc error";
    }
};

}  // namespace

const boost::system::error_category& category() noexcept {
    static const category_impl instance;
    return instance;
}

std::string error::message() const {
    std::string out = context;
    if (!out.empty()) out += ": ";
    out += reason.empty() ? code.message() : reason;
    return out;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
    throw std::runtime_error(e.message());
}

error errno_error(std::string context, int errno_value) {
    const errc code = errno_value == EISDIR ? errc::is_directory : errc::io_error;
    return make_error(code, std::move(context), std::strerror(errno_value));
}

}  // namespace salesproc
