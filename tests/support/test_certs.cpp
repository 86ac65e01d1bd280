#include "support/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace salesproc::test {
namespace {

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const { BIO_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test cert generation failed: ") + what);
}

pkey_ptr new_key() {
    pkey_ptr k(EVP_EC_gen("P-256"));
    check(k != nullptr, "EVP_EC_gen");
    return k;
}

std::string pem(X509* cert) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

pkey_ptr read_key(const std::string& text) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    pkey_ptr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    check(k != nullptr, "PEM_read_bio_PrivateKey");
    return k;
}

x509_ptr read_cert(const std::string& text) {
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    x509_ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    check(c != nullptr, "PEM_read_bio_X509");
    return c;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// Builds a certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
x509_ptr build(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, bool is_ca,
               const std::vector<std::string>& names, long from_days, long to_days) {
    x509_ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to_days * 86400L);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509* iss = issuer ? issuer : cert.get();
    if (is_ca) {
        add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth");
    }
    std::string san;
    for (const auto& n : names)
        san += (san.empty() ? "" : ",") + n;
    if (!san.empty()) add_ext(cert.get(), iss, NID_subject_alt_name, san);
    check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

}  // namespace

test_pki::test_pki() {
    auto key = new_key();
    auto cert = build(key.get(), "salesproc test CA", nullptr, key.get(), true, {}, -1, 30);
    ca_ = {pem(cert.get()), pem(key.get())};
}

cert_pair test_pki::issue(const std::vector<std::string>& names, long from_days,
                          long to_days) const {
    auto ca_key = read_key(ca_.key_pem);
    auto ca_cert = read_cert(ca_.cert_pem);
    auto key = new_key();
    auto cert = build(key.get(), "salesproc test server", ca_cert.get(), ca_key.get(), false, names,
                      from_days, to_days);
    return {pem(cert.get()), pem(key.get())};
}

cert_pair test_pki::self_signed(const std::vector<std::string>& names) {
    auto key = new_key();
    auto cert = build(key.get(), "self-signed", nullptr, key.get(), false, names, -1, 30);
    return {pem(cert.get()), pem(key.get())};
}

}  // namespace salesproc::test
