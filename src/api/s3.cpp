#include "salesproc/api/s3.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <charconv>

namespace salesproc {
namespace {

constexpr std::string_view scheme = "s3://";

bool is_glob_char(char c) noexcept {
    return c == '*' || c == '?' || c == '[';
}

bool has_glob(std::string_view key) noexcept {
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\') {
            ++i;
            continue;
        }
        if (is_glob_char(key[i])) return true;
    }
    return false;
}

// One pattern position against one key byte: a "[...]" set starting at pattern[p] ('[').
// Returns where the set ends (past ']') and whether `c` is in it; npos for an unclosed set,
// which then matches a literal '['.
std::pair<std::size_t, bool> match_set(std::string_view pattern, std::size_t p, char c) {
    std::size_t i = p + 1;
    const bool negated = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
    if (negated) ++i;
    bool in = false;
    bool first = true;
    for (; i < pattern.size() && (first || pattern[i] != ']'); first = false) {
        char lo = pattern[i];
        if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
        char hi = lo;
        if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
            hi = pattern[i + 2];
            i += 2;
        }
        in = in || (c >= lo && c <= hi);
        ++i;
    }
    if (i >= pattern.size()) return {std::string_view::npos, false};
    return {i + 1, (in != negated) && c != '/'};
}

std::string quoted_etag(std::string s) {
    // ETags are quoted in XML as in headers; both forms must compare equal.
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s;
    return '"' + s + '"';
}

std::string one_line(std::string_view text, std::size_t max) {
    std::string out;
    for (char c : text.substr(0, max))
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (text.size() > max) out += "...";
    return out;
}

http_url aws_endpoint(const s3_config& c) {
    http_url u;
    u.tls = true;
    u.host = "s3." + c.region + ".amazonaws.com";
    u.port = "443";
    u.target = "/";
    return u;
}

s3_request make_request(const s3_config& c, std::string_view bucket, std::string_view path,
                        std::vector<std::pair<std::string, std::string>> query,
                        std::string_view method, std::int64_t unix_time) {
    s3_request out;
    out.url = c.endpoint ? *c.endpoint : aws_endpoint(c);
    std::string base = out.url.target.substr(0, out.url.target.find('?'));
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    if (uses_virtual_host(c, bucket)) {
        out.url.host = std::string(bucket) + "." + out.url.host;
    } else {
        base += "/" + std::string(bucket);
    }
    sigv4_request r;
    r.method = std::string(method);
    r.path = base;
    r.path += path;
    r.query = std::move(query);
    r.headers = {{"Host", out.url.host_header()}};
    r.payload_sha256 = std::string(unsigned_payload);
    const sigv4_options s3_rules{false, true, true};
    if (c.credentials) {
        sigv4_signed s = sign_v4(r, *c.credentials, {c.region, "s3", unix_time}, s3_rules);
        out.url.target = std::move(s.target);
        out.fields = std::move(s.fields);
    } else {
        // Unsigned, but encoded as a signed request would be.
        out.url.target = sign_v4(r, {}, {c.region, "s3", unix_time}, s3_rules).target;
    }
    out.url.userinfo.clear();
    out.url.redacted = out.url.origin() + out.url.target;
    return out;
}

}  // namespace

bool is_s3_url(std::string_view text) noexcept {
    return text.starts_with(scheme);
}

result<s3_url> parse_s3_url(std::string_view text) {
    const std::string shown(text);
    if (!is_s3_url(text))
        return make_error(errc::invalid_argument, shown, "not an s3://bucket/key URL");
    text.remove_prefix(scheme.size());
    const std::size_t slash = text.find('/');
    s3_url u;
    u.bucket = std::string(text.substr(0, slash));
    if (slash != std::string_view::npos) u.key = std::string(text.substr(slash + 1));
    if (u.bucket.empty()) return make_error(errc::invalid_argument, shown, "the URL has no bucket");
    const bool valid = std::all_of(u.bucket.begin(), u.bucket.end(), [](unsigned char ch) {
        return std::isalnum(ch) != 0 || ch == '.' || ch == '-' || ch == '_';
    });
    if (!valid || u.bucket.size() > 255)
        return make_error(errc::invalid_argument, shown,
                          "'" + u.bucket + "' is not a bucket name (letters, digits, '.', '-')");
    return u;
}

bool is_listing(const s3_url& u) noexcept {
    return u.key.empty() || u.key.back() == '/' || has_glob(u.key);
}

std::string list_prefix(const s3_url& u) {
    std::string out;
    for (std::size_t i = 0; i < u.key.size(); ++i) {
        if (u.key[i] == '\\' && i + 1 < u.key.size()) {
            out += u.key[++i];
            continue;
        }
        if (is_glob_char(u.key[i])) break;
        out += u.key[i];
    }
    return out;
}

bool listing_matches(const s3_url& u, std::string_view key) {
    if (key.empty() || key.back() == '/') return false;  // a "folder" marker is not data
    if (has_glob(u.key)) return glob_match(u.key, key);
    if (!key.starts_with(u.key)) return false;
    return key.find('/', u.key.size()) == std::string_view::npos;
}

// Dynamic programming over the pattern's positions against the key's: linear in both, with no
// backtracking whatever the stars.
bool glob_match(std::string_view pattern, std::string_view key) noexcept {
    // reach[j]: the pattern read so far can match key[0, j).
    std::vector<char> reach(key.size() + 1, 0);
    std::vector<char> next(key.size() + 1, 0);
    reach[0] = 1;
    std::size_t p = 0;
    while (p < pattern.size()) {
        std::fill(next.begin(), next.end(), 0);
        const char c = pattern[p];
        if (c == '*') {
            const bool globstar = p + 1 < pattern.size() && pattern[p + 1] == '*';
            bool open = false;
            for (std::size_t j = 0; j <= key.size(); ++j) {
                if (reach[j]) open = true;
                next[j] = open ? 1 : 0;
                if (j < key.size() && key[j] == '/' && !globstar) open = false;
            }
            p += globstar ? 2 : 1;
        } else {
            std::size_t width = 1;
            for (std::size_t j = 0; j < key.size(); ++j) {
                if (!reach[j]) continue;
                bool ok = false;
                if (c == '?') {
                    ok = key[j] != '/';
                } else if (c == '[') {
                    const auto [end, in] = match_set(pattern, p, key[j]);
                    if (end == std::string_view::npos) {
                        ok = key[j] == '[';
                    } else {
                        ok = in;
                        width = end - p;
                    }
                } else if (c == '\\' && p + 1 < pattern.size()) {
                    ok = key[j] == pattern[p + 1];
                    width = 2;
                } else {
                    ok = key[j] == c;
                }
                if (ok) next[j + 1] = 1;
            }
            p += width;
        }
        reach.swap(next);
    }
    return reach[key.size()] != 0;
}

result<s3_addressing> parse_s3_addressing(std::string_view text) {
    if (text == "auto") return s3_addressing::automatic;
    if (text == "path") return s3_addressing::path;
    if (text == "virtual") return s3_addressing::virtual_host;
    return make_error(errc::invalid_argument, "--s3-addressing",
                      "'" + std::string(text) + "' is not one of auto, path, virtual");
}

bool uses_virtual_host(const s3_config& c, std::string_view bucket) {
    if (c.addressing == s3_addressing::path) return false;
    if (c.addressing == s3_addressing::virtual_host) return true;
    return !c.endpoint && bucket.find('.') == std::string_view::npos &&
           bucket.find('_') == std::string_view::npos;
}

s3_request object_request(const s3_config& c, const s3_url& object, std::string_view method,
                          std::int64_t unix_time,
                          std::vector<std::pair<std::string, std::string>> query) {
    return make_request(c, object.bucket, "/" + object.key, std::move(query), method, unix_time);
}

s3_request list_request(const s3_config& c, std::string_view bucket, std::string_view prefix,
                        std::string_view continuation, std::int64_t unix_time) {
    std::vector<std::pair<std::string, std::string>> query{{"list-type", "2"},
                                                           {"prefix", std::string(prefix)}};
    if (!continuation.empty()) query.emplace_back("continuation-token", std::string(continuation));
    return make_request(c, bucket, "/", std::move(query), "GET", unix_time);
}

result<s3_list_page> parse_list_page(std::string_view xml) {
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size());
    if (!parsed)
        return make_error(errc::bad_response, "ListObjectsV2",
                          std::string("the listing is not XML (") + parsed.description() + ")");
    const pugi::xml_node root = doc.child("ListBucketResult");
    if (!root)
        return make_error(errc::bad_response, "ListObjectsV2",
                          "the response is not a ListBucketResult");
    s3_list_page page;
    for (const pugi::xml_node n : root.children("Contents")) {
        s3_listed_object o;
        o.key = n.child_value("Key");
        const std::string_view size = n.child_value("Size");
        const auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), o.size);
        if (o.key.empty() || ec != std::errc() || ptr != size.data() + size.size())
            return make_error(errc::bad_response, "ListObjectsV2",
                              "an entry without a key or a size: '" + one_line(o.key, 80) + "'");
        const std::string etag = n.child_value("ETag");
        if (!etag.empty()) o.etag = quoted_etag(etag);
        page.objects.push_back(std::move(o));
    }
    page.truncated = std::string_view(root.child_value("IsTruncated")) == "true";
    page.next_token = root.child_value("NextContinuationToken");
    if (page.truncated && page.next_token.empty())
        return make_error(errc::bad_response, "ListObjectsV2",
                          "a truncated listing without a NextContinuationToken");
    return page;
}

s3_failure describe_s3_error(unsigned status, std::string_view reason, std::string_view body,
                             std::string_view bucket_region, const s3_config& c) {
    pugi::xml_document doc;
    std::string code;
    std::string message;
    std::string region(bucket_region);
    if (doc.load_buffer(body.data(), body.size())) {
        const pugi::xml_node e = doc.child("Error");
        code = e.child_value("Code");
        message = one_line(e.child_value("Message"), 200);
        if (region.empty()) region = e.child_value("Region");
    }
    std::string head = "HTTP " + std::to_string(status) + " " + std::string(reason);
    if (!code.empty()) head += ": " + code;
    if (!message.empty()) head += ": " + message;
    s3_failure f;
    f.transient = status >= 500 || status == 429 || code == "SlowDown" ||
                  code == "RequestTimeout" || code == "InternalError";
    const std::string creds =
        c.credentials ? "credentials from " + c.credentials->source : "--no-sign-request";
    if (!region.empty() && region != c.region) {
        f.message = head + " (the bucket is in " + region + ", not " + c.region +
                    ": set AWS_REGION=" + region + ")";
    } else if (code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
               code == "InvalidToken" || code == "ExpiredToken") {
        f.message = head + " (" + creds + "; check the key, the secret, the clock and the region)";
    } else if (code == "RequestTimeTooSkewed") {
        f.message =
            head + " (this machine's clock is more than 15 minutes off S3's; fix the clock)";
    } else if (code == "AccessDenied" || (code.empty() && status == 403)) {
        f.message = head + " (" + creds + ")";
    } else {
        f.message = head;
    }
    return f;
}

}  // namespace salesproc
