// Certificates generated at test time (OpenSSL API): a private CA and leaves it signs, including
// wrong-host and expired ones. Nothing is checked in, nothing is a demo root.
#pragma once

#include <string>
#include <vector>

namespace salesproc::test {

struct cert_pair {
    std::string cert_pem;
    std::string key_pem;
};

class test_pki {
  public:
    test_pki();  // a fresh CA (P-256)

    [[nodiscard]] const cert_pair& ca() const noexcept { return ca_; }

    // A leaf for `names` ("DNS:localhost", "IP:127.0.0.1"), valid from `from_days` to `to_days`
    // relative to now (negative `to_days` gives an expired certificate).
    [[nodiscard]] cert_pair issue(const std::vector<std::string>& names, long from_days = -1,
                                  long to_days = 30) const;

    // A self-signed certificate that no trust store knows.
    static cert_pair self_signed(const std::vector<std::string>& names);

  private:
    cert_pair ca_;
};

}  // namespace salesproc::test
