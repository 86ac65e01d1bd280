#include "salesproc/api/aws_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace salesproc {
namespace {

using section = std::map<std::string, std::string>;

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// An AWS shared file: "[name]" sections of "key = value" lines; an indented line after a
// "key =" with no value belongs to that key's sub-section, kept as "key.sub"
// ("s3.addressing_style").
std::map<std::string, section> parse_ini(std::string_view text) {
    std::map<std::string, section> out;
    section* current = nullptr;
    std::string parent;
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        const std::string t = trimmed(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t.front() == '[' && t.back() == ']') {
            current = &out[trimmed(std::string_view(t).substr(1, t.size() - 2))];
            parent.clear();
            continue;
        }
        const auto eq = t.find('=');
        if (current == nullptr || eq == std::string::npos) continue;
        const std::string key = trimmed(std::string_view(t).substr(0, eq));
        const std::string value = trimmed(std::string_view(t).substr(eq + 1));
        const bool indented = line[0] == ' ' || line[0] == '\t';
        if (indented && !parent.empty()) {
            (*current)[parent + "." + key] = value;
            continue;
        }
        parent = value.empty() ? key : std::string();
        (*current)[key] = value;
    }
    return out;
}

struct profile {
    std::string name;
    bool named = false;  // AWS_PROFILE was set: a profile no file defines is an error
    std::optional<section> credentials;  // from the credentials file
    std::optional<section> config;       // from the config file ("[profile name]")
    std::string credentials_path;
    std::string config_path;

    [[nodiscard]] std::string get(const std::string& key) const {
        if (credentials) {
            if (auto it = credentials->find(key); it != credentials->end()) return it->second;
        }
        if (config) {
            if (auto it = config->find(key); it != config->end()) return it->second;
        }
        return {};
    }
};

std::string env_or(const aws_environment& e, const std::string& name, std::string fallback) {
    auto v = e.env(name);
    return v ? *v : std::move(fallback);
}

profile load_profile(const aws_environment& e) {
    profile p;
    const auto named = e.env("AWS_PROFILE");
    p.named = named.has_value();
    p.name = named.value_or("default");
    const std::string home = env_or(e, "HOME", "");
    p.credentials_path = env_or(e, "AWS_SHARED_CREDENTIALS_FILE", home + "/.aws/credentials");
    p.config_path = env_or(e, "AWS_CONFIG_FILE", home + "/.aws/config");
    if (auto text = e.read_file(p.credentials_path)) {
        auto all = parse_ini(*text);
        if (auto it = all.find(p.name); it != all.end()) p.credentials = it->second;
    }
    if (auto text = e.read_file(p.config_path)) {
        auto all = parse_ini(*text);
        auto it = all.find("profile " + p.name);
        if (it == all.end() && p.name == "default") it = all.find("default");
        if (it != all.end()) p.config = it->second;
    }
    return p;
}

result<std::optional<http_url>> endpoint_from(const std::string& value, const std::string& where) {
    if (value.empty()) return std::optional<http_url>();
    auto u = parse_http_url(value);
    if (!u) return make_error(errc::bad_config, where, u.error().reason);
    return std::optional<http_url>(std::move(*u));
}

result<void> resolve_place(const aws_environment& e, const profile& p, const s3_flags& flags,
                           aws_resolution& r) {
    r.config.region = env_or(e, "AWS_REGION", env_or(e, "AWS_DEFAULT_REGION", p.get("region")));
    if (r.config.region.empty()) r.config.region = "us-east-1";
    const char* names[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"};
    for (const char* name : names) {
        if (r.config.endpoint) break;
        auto ep = endpoint_from(env_or(e, name, ""), name);
        if (!ep) return ep.error();
        r.config.endpoint = std::move(*ep);
    }
    if (!r.config.endpoint) {
        const std::string where = p.config_path + ": profile " + p.name + ": endpoint_url";
        auto ep = endpoint_from(
            p.get("s3.endpoint_url").empty() ? p.get("endpoint_url") : p.get("s3.endpoint_url"),
            where);
        if (!ep) return ep.error();
        r.config.endpoint = std::move(*ep);
    }
    r.config.addressing = s3_addressing::automatic;
    if (flags.addressing) {
        r.config.addressing = *flags.addressing;
    } else if (const std::string style = p.get("s3.addressing_style"); !style.empty()) {
        auto a = parse_s3_addressing(style == "virtual" || style == "path" ? style : "auto");
        if (a) r.config.addressing = *a;
    }
    return {};
}

// The environment's keys: none, both, or an error for half a pair.
result<bool> from_environment(const aws_environment& e, aws_resolution& r) {
    auto id = e.env("AWS_ACCESS_KEY_ID");
    auto secret = e.env("AWS_SECRET_ACCESS_KEY");
    if (!id && !secret) return false;
    if (!id || !secret)
        return make_error(errc::bad_config, id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                          "is not set, but " +
                              std::string(id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                              " is");
    r.config.credentials =
        aws_credentials{*id, *secret, env_or(e, "AWS_SESSION_TOKEN", ""), "the environment"};
    return true;
}

result<bool> from_web_identity(const aws_environment& e, aws_resolution& r) {
    auto file = e.env("AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role = e.env("AWS_ROLE_ARN");
    if (!file || !role) return false;
    auto token = e.read_file(*file);
    if (!token)
        return make_error(errc::bad_config, "AWS_WEB_IDENTITY_TOKEN_FILE",
                          "cannot read '" + *file + "'");
    r.waiting = aws_resolution::pending::web_identity;
    r.role_arn = *role;
    r.web_identity_token = trimmed(*token);
    r.session_name = env_or(e, "AWS_ROLE_SESSION_NAME", "salesproc");
    auto ep = endpoint_from(env_or(e, "AWS_ENDPOINT_URL_STS", env_or(e, "AWS_ENDPOINT_URL", "")),
                            "AWS_ENDPOINT_URL_STS");
    if (!ep) return ep.error();
    r.sts_endpoint = std::move(*ep);
    return true;
}

result<bool> from_profile(const profile& p, aws_resolution& r) {
    const std::string id = p.get("aws_access_key_id");
    const std::string secret = p.get("aws_secret_access_key");
    if (id.empty() && secret.empty()) return false;
    if (id.empty() || secret.empty())
        return make_error(errc::bad_config, p.credentials_path + ": profile " + p.name,
                          "has only one of aws_access_key_id and aws_secret_access_key");
    r.config.credentials =
        aws_credentials{id, secret, p.get("aws_session_token"), "profile " + p.name};
    return true;
}

result<bool> from_container(const aws_environment& e, aws_resolution& r) {
    std::string uri = env_or(e, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
    if (uri.empty()) {
        const std::string relative = env_or(e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
        if (relative.empty()) return false;
        uri = "http://169.254.170.2" + relative;
    }
    auto ep = endpoint_from(uri, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!ep) return ep.error();
    r.container_uri = std::move(*ep);
    r.container_token = env_or(e, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "");
    if (auto file = e.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        auto token = e.read_file(*file);
        if (!token)
            return make_error(errc::bad_config, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                              "cannot read '" + *file + "'");
        r.container_token = trimmed(*token);
    }
    r.waiting = aws_resolution::pending::container;
    return true;
}

}  // namespace

aws_environment process_environment() {
    aws_environment e;
    e.env = [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (v == nullptr || *v == '\0') return std::nullopt;
        return std::string(v);
    };
    e.read_file = [](const std::string& path) -> std::optional<std::string> {
        std::ifstream in(path, std::ios::binary);
        if (!in) return std::nullopt;
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    return e;
}

result<aws_resolution> resolve_aws(const aws_environment& e, const s3_flags& flags) {
    aws_resolution r;
    const profile p = load_profile(e);
    if (p.named && !p.credentials && !p.config)
        return make_error(
            errc::bad_config, "AWS_PROFILE",
            "no profile '" + p.name + "' in " + p.credentials_path + " or " + p.config_path);
    if (auto placed = resolve_place(e, p, flags, r); !placed) return placed.error();
    if (flags.no_sign_request) return r;
    using step = result<bool> (*)(const aws_environment&, const profile&, aws_resolution&);
    const step chain[] = {
        [](const aws_environment& env, const profile&, aws_resolution& out) {
            return from_environment(env, out);
        },
        [](const aws_environment& env, const profile&, aws_resolution& out) {
            return from_web_identity(env, out);
        },
        [](const aws_environment&, const profile& prof, aws_resolution& out) {
            return from_profile(prof, out);
        },
        [](const aws_environment& env, const profile&, aws_resolution& out) {
            return from_container(env, out);
        },
    };
    for (const step s : chain) {
        auto found = s(e, p, r);
        if (!found) return found.error();
        if (*found) return r;
    }
    return make_error(errc::no_credentials, "s3://",
                      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                      "or AWS_PROFILE, or use --no-sign-request for a public bucket");
}

http_url web_identity_request(const aws_resolution& r) {
    http_url u;
    if (r.sts_endpoint) {
        u = *r.sts_endpoint;
    } else {
        u.tls = true;
        u.host = "sts." + r.config.region + ".amazonaws.com";
        u.port = "443";
    }
    std::string base = u.target.substr(0, u.target.find('?'));
    if (base.empty()) base = "/";
    u.target = base + "?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
               aws_uri_encode(r.role_arn, false) +
               "&RoleSessionName=" + aws_uri_encode(r.session_name, false) +
               "&WebIdentityToken=" + aws_uri_encode(r.web_identity_token, false);
    // The token is a secret: what may be printed stops before it.
    u.redacted = u.origin() + base + "?Action=AssumeRoleWithWebIdentity";
    return u;
}

result<aws_credentials> parse_sts_credentials(std::string_view xml, std::string source) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size()))
        return make_error(errc::bad_response, source, "STS's answer is not XML");
    const pugi::xml_node c = doc.child("AssumeRoleWithWebIdentityResponse")
                                 .child("AssumeRoleWithWebIdentityResult")
                                 .child("Credentials");
    aws_credentials out{c.child_value("AccessKeyId"), c.child_value("SecretAccessKey"),
                        c.child_value("SessionToken"), std::move(source)};
    if (out.access_key_id.empty() || out.secret_access_key.empty())
        return make_error(errc::bad_response, out.source,
                          "STS's answer holds no AccessKeyId and SecretAccessKey");
    return out;
}

result<aws_credentials> parse_container_credentials(std::string_view json, std::string source) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(json, ec);
    const auto* o = ec ? nullptr : v.if_object();
    auto field = [o](const char* name) -> std::string {
        if (o == nullptr) return {};
        const auto* f = o->if_contains(name);
        return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
    };
    aws_credentials out{field("AccessKeyId"), field("SecretAccessKey"), field("Token"),
                        std::move(source)};
    if (out.access_key_id.empty() || out.secret_access_key.empty())
        return make_error(errc::bad_response, out.source,
                          "the container endpoint's answer holds no AccessKeyId and "
                          "SecretAccessKey");
    return out;
}

}  // namespace salesproc
