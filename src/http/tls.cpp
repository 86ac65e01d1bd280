#include "http/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace salesproc::http_detail {
namespace {

// The SSL ex_data slot that leads from an SSL to its session_target (Asio uses app_data).
int target_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL's client-side new-session callback: TLS 1.2 sessions at the end of the handshake,
// TLS 1.3 tickets when they arrive after it. Returning 1 keeps the reference.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* t = static_cast<session_target*>(SSL_get_ex_data(ssl, target_index()));
    if (t == nullptr || t->cache == nullptr || SSL_SESSION_is_resumable(session) == 0) return 0;
    t->cache->put(t->key, session);
    return 1;
}

// The system trust store exactly as set_default_verify_paths defines it (SSL_CERT_FILE or the
// default bundle file, SSL_CERT_DIR or the default hashed directory), but read lazily. OpenSSL 3
// parses the whole bundle (~140 roots) up front, a noticeable part of a short run (see the README),
// even when
// --cacert already anchors every chain. The hashed directory is looked up one issuer at a time,
// and the bundle goes in through an OSSL_STORE lookup, which is only searched (and the match
// cached) when an issuer is found nowhere else.
void use_system_trust_store(ssl::context& ctx) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
    const char* dir_env = std::getenv(X509_get_default_cert_dir_env());
    const char* file_env = std::getenv(X509_get_default_cert_file_env());
    const char* dirs = dir_env != nullptr ? dir_env : X509_get_default_cert_dir();
    const char* file = file_env != nullptr ? file_env : X509_get_default_cert_file();
    if (X509_LOOKUP* by_dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()))
        X509_LOOKUP_add_dir(by_dir, dirs, X509_FILETYPE_PEM);
    if (::access(file, R_OK) == 0)
        if (X509_LOOKUP* by_store = X509_STORE_add_lookup(store, X509_LOOKUP_store()))
            X509_LOOKUP_add_store_ex(by_store, file, nullptr, nullptr);
    ERR_clear_error();  // a missing directory is not an error, as with the default paths
}

}  // namespace

void attach_session_target(SSL* ssl, session_target* target) {
    SSL_set_ex_data(ssl, target_index(), target);
}

result<ssl::context> make_tls_context(const fetch_settings& settings) {
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    use_system_trust_store(ctx);
    if (!settings.cacert.empty()) {
        if (!std::ifstream(settings.cacert))
            return errno_error("--cacert " + settings.cacert, errno);
        ctx.load_verify_file(settings.cacert, ec);
        if (ec)
            return make_error(errc::bad_config, "--cacert " + settings.cacert,
                              "no usable PEM certificate (" + ec.message() + ")");
    }
    ctx.set_verify_mode(settings.insecure ? ssl::verify_none : ssl::verify_peer);
    // Sessions are kept by tls_sessions, keyed by origin; OpenSSL only hands them over.
    SSL_CTX_set_session_cache_mode(ctx.native_handle(),
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx.native_handle(), on_new_session);
    return ctx;
}

}  // namespace salesproc::http_detail
