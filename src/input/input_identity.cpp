#include "salesproc/input/input_identity.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <stdexcept>

namespace salesproc {
namespace {

constexpr std::uint64_t window = std::uint64_t{64} << 10;

}  // namespace

result<input_identity> identify_file(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_error(name, errno);
    input_identity id;
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                  static_cast<std::int64_t>(st.st_mtim.tv_nsec);
    const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                 &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: SHA-256 is not available");
    const std::string size_text = std::to_string(id.size) + "\n";
    EVP_DigestUpdate(ctx.get(), size_text.data(), size_text.size());
    std::array<char, 16384> block{};
    auto hash_range = [&](std::uint64_t from, std::uint64_t to) -> result<void> {
        while (from < to) {
            const auto want =
                static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), to - from));
            const ssize_t got = ::pread(fd, block.data(), want, static_cast<off_t>(from));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return errno_error(name, errno);
            if (got == 0) break;  // shrank meanwhile: the reader's own check says so
            EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(got));
            from += static_cast<std::uint64_t>(got);
        }
        return {};
    };
    const std::uint64_t head_end = std::min(id.size, window);
    if (auto r = hash_range(0, head_end); !r) return r.error();
    if (auto r = hash_range(std::max(head_end, id.size - std::min(id.size, window)), id.size); !r)
        return r.error();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
    static constexpr char hex[] = "0123456789abcdef";
    id.fingerprint = "sha256:";
    for (unsigned i = 0; i < length; ++i) {
        id.fingerprint += hex[digest[i] >> 4];
        id.fingerprint += hex[digest[i] & 15];
    }
    return id;
}

std::string identity_difference(const input_identity& a, const input_identity& b) {
    if (a.size != b.size)
        return "size " + std::to_string(a.size) + " and " + std::to_string(b.size) + " bytes";
    if (a.fingerprint != b.fingerprint)
        return "content (fingerprint " + a.fingerprint + " and " + b.fingerprint + ")";
    if (a.mtime_ns != b.mtime_ns)
        return "mtime_ns " + std::to_string(a.mtime_ns) + " and " + std::to_string(b.mtime_ns);
    return {};
}

}  // namespace salesproc
