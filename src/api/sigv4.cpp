#include "salesproc/api/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <map>

namespace salesproc {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

std::string to_hex(const unsigned char* data, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(hex_digits[data[i] >> 4]);
        out.push_back(hex_digits[data[i] & 0xF]);
    }
    return out;
}

using digest = std::array<unsigned char, 32>;

digest hmac(std::string_view key, std::string_view data) {
    digest out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
    return out;
}

std::string_view as_view(const digest& d) {
    return {reinterpret_cast<const char*>(d.data()), d.size()};
}

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

// RFC 3986 section 5.2.4, and empty segments dropped: what the generic services sign.
std::string normalized(std::string_view path) {
    std::vector<std::string_view> kept;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t end = std::min(path.find('/', pos), path.size());
        const std::string_view seg = path.substr(pos, end - pos);
        if (seg == "..") {
            if (!kept.empty()) kept.pop_back();
        } else if (!seg.empty() && seg != ".") {
            kept.push_back(seg);
        }
        pos = end + 1;
    }
    std::string out;
    for (auto seg : kept) {
        out += '/';
        out += seg;
    }
    // A trailing slash (or a last segment that was "." or "..") stays a directory.
    const bool directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if (out.empty() || (directory && !kept.empty())) out += '/';
    return out;
}

// Leading and trailing blanks removed, inner runs of blanks (a folded line's break included)
// collapsed to one space.
std::string trimmed_value(std::string_view v) {
    std::string out;
    bool blank = false;
    for (char c : v) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            blank = !out.empty();
            continue;
        }
        if (blank) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query)
        encoded.emplace_back(aws_uri_encode(k, false), aws_uri_encode(v, false));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

}  // namespace

std::string aws_uri_encode(std::string_view text, bool keep_slash) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += static_cast<char>(std::toupper(hex_digits[c >> 4]));
            out += static_cast<char>(std::toupper(hex_digits[c & 0xF]));
        }
    }
    return out;
}

std::string amz_date(std::int64_t unix_time) {
    const auto t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 20> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
    return {buf.data(), n};
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
    return to_hex(out.data(), len);
}

sigv4_signed sign_v4(const sigv4_request& request, const aws_credentials& credentials,
                     const sigv4_scope& scope, const sigv4_options& options) {
    sigv4_signed out;
    const std::string date_time = amz_date(scope.unix_time);
    const std::string date = date_time.substr(0, 8);
    out.fields.emplace_back("X-Amz-Date", date_time);
    if (options.content_sha256_header)
        out.fields.emplace_back("X-Amz-Content-Sha256", request.payload_sha256);
    const bool token = !credentials.session_token.empty();
    if (token && options.sign_security_token)
        out.fields.emplace_back("X-Amz-Security-Token", credentials.session_token);

    // Names lower-cased and sorted; repeated names' values joined by commas in the order sent.
    std::map<std::string, std::string> headers;
    auto add = [&headers](std::string_view name, std::string_view value) {
        auto [it, fresh] = headers.try_emplace(lower(name));
        if (!fresh) it->second += ',';
        it->second += trimmed_value(value);
    };
    for (const auto& [k, v] : request.headers)
        add(k, v);
    for (const auto& [k, v] : out.fields)
        add(k, v);
    std::string canonical_headers;
    std::string signed_headers;
    for (const auto& [k, v] : headers) {
        canonical_headers += k + ':' + v + '\n';
        if (!signed_headers.empty()) signed_headers += ';';
        signed_headers += k;
    }

    const std::string path =
        aws_uri_encode(options.normalize_path ? normalized(request.path) : request.path, true);
    const std::string query = canonical_query(request.query);
    out.target = query.empty() ? path : path + '?' + query;
    out.canonical_request = request.method + '\n' + path + '\n' + query + '\n' + canonical_headers +
                            '\n' + signed_headers + '\n' + request.payload_sha256;

    const std::string credential_scope =
        date + '/' + scope.region + '/' + scope.service + "/aws4_request";
    out.string_to_sign = "AWS4-HMAC-SHA256\n" + date_time + '\n' + credential_scope + '\n' +
                         sha256_hex(out.canonical_request);

    const digest k_date = hmac("AWS4" + credentials.secret_access_key, date);
    const digest k_region = hmac(as_view(k_date), scope.region);
    const digest k_service = hmac(as_view(k_region), scope.service);
    const digest k_signing = hmac(as_view(k_service), "aws4_request");
    const digest sig = hmac(as_view(k_signing), out.string_to_sign);
    out.signature = to_hex(sig.data(), sig.size());

    if (token && !options.sign_security_token)
        out.fields.emplace_back("X-Amz-Security-Token", credentials.session_token);
    out.fields.emplace_back("Authorization",
                            "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + '/' +
                                credential_scope + ", SignedHeaders=" + signed_headers +
                                ", Signature=" + out.signature);
    return out;
}

}  // namespace salesproc
