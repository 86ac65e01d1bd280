#include "part_sources.hpp"

#include "salesproc/api/s3.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace salesproc {
namespace {

// What a part holds, to put listed parts in order: its (first) input and its shard index.
std::tuple<std::string, std::uint64_t> content_key(const std::string& text) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("csv") || !doc["csv"].is_object()) return {"", 0};
    const auto& csv = doc["csv"];
    std::string path;
    if (csv.contains("path") && csv["path"].is_string()) path = csv["path"];
    if (csv.contains("inputs") && csv["inputs"].is_array() && !csv["inputs"].empty() &&
        csv["inputs"][0].contains("path") && csv["inputs"][0]["path"].is_string())
        path = csv["inputs"][0]["path"];
    std::uint64_t index = 0;
    if (csv.contains("shard") && csv["shard"].is_object() && csv["shard"].contains("index") &&
        csv["shard"]["index"].is_number_unsigned())
        index = csv["shard"]["index"];
    return {path, index};
}

// The parts under a listing, read now and put in the order of what they hold.
result<void> add_listing(const std::string& url, output_objects& client, part_sources& out) {
    auto keys = client.expand(url);
    if (!keys) return keys.error();
    std::vector<std::pair<std::tuple<std::string, std::uint64_t>, std::string>> listed;
    for (const auto& key : *keys) {
        auto text = client.read(key);
        if (!text) return text.error();
        listed.emplace_back(content_key(*text), key);
        out.fetched[key] = std::move(*text);
    }
    std::stable_sort(listed.begin(), listed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, url_of_part] : listed)
        out.paths.push_back(std::move(url_of_part));
    return {};
}

}  // namespace

result<void> resolve_parts(const std::vector<std::string>& given, output_opener& opener,
                           part_sources& out) {
    output_objects* client = nullptr;
    for (const auto& path : given) {
        if (!is_s3_url(path)) {
            out.paths.push_back(path);
            continue;
        }
        if (client == nullptr) {
            auto made = opener.objects();
            if (!made) return made.error();
            client = *made;
        }
        auto u = parse_s3_url(path);
        if (!u) return u.error();
        if (is_listing(*u)) {
            out.listed = true;
            if (auto r = add_listing(path, *client, out); !r) return r;
        } else {
            out.paths.push_back(path);
        }
    }
    if (client == nullptr) return {};
    out.load = [client, &out](const std::string& path) -> result<std::string> {
        if (!is_s3_url(path)) return read_part_text(path);
        if (auto it = out.fetched.find(path); it != out.fetched.end()) {
            std::string text = std::move(it->second);
            out.fetched.erase(it);
            return text;
        }
        return client->read(path);
    };
    return {};
}

}  // namespace salesproc
