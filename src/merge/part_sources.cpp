#include "part_sources.hpp"

#include "salesproc/api/s3.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <streambuf>
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
    // Under a prefix, the parts are its .json objects: their rejects files may lie beside them.
    if (url.ends_with('/'))
        std::erase_if(*keys, [](const std::string& k) { return !k.ends_with(".json"); });
    if (keys->empty())
        return make_error(errc::invalid_argument, url,
                          "holds no .json object: the parts are the reports under the prefix");
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

// A remote object read as an istream, 64 KiB at a time; a failed transfer ends it early and
// is kept for failure().
class object_rejects final : public detail::rejects_stream, std::streambuf {
  public:
    explicit object_rejects(std::unique_ptr<remote_stream> s)
        : stream_(std::move(s)), buffer_(std::size_t{1} << 16), in_(this) {}
    std::istream& in() override { return in_; }
    [[nodiscard]] std::optional<error> failure() const override { return failure_; }

  private:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        auto got = stream_->read(buffer_.data(), buffer_.size());
        if (!got) failure_ = got.error();
        if (!got || *got == 0) return traits_type::eof();
        setg(buffer_.data(), buffer_.data(), buffer_.data() + *got);
        return traits_type::to_int_type(*gptr());
    }

    std::unique_ptr<remote_stream> stream_;
    std::vector<char> buffer_;
    std::istream in_;
    std::optional<error> failure_;
};

class file_rejects final : public detail::rejects_stream {
  public:
    explicit file_rejects(const std::string& path) : in_(path, std::ios::binary) {}
    std::istream& in() override { return in_; }
    [[nodiscard]] std::optional<error> failure() const override { return std::nullopt; }

  private:
    std::ifstream in_;
};

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

result<void> prepare_rejects(const std::vector<std::string>& files, output_opener& opener,
                             part_sources& out) {
    if (std::none_of(files.begin(), files.end(), [](const std::string& p) { return is_s3_url(p); }))
        return {};
    auto made = opener.objects();
    if (!made) return made.error();
    output_objects* client = *made;
    out.open_rejects =
        [client](const std::string& path) -> result<std::unique_ptr<detail::rejects_stream>> {
        if (!is_s3_url(path)) {
            auto file = std::make_unique<file_rejects>(path);
            if (!file->in()) return errno_error(path, errno);
            return std::unique_ptr<detail::rejects_stream>(std::move(file));
        }
        auto stream = client->stream(path);
        if (!stream) return stream.error();
        return std::unique_ptr<detail::rejects_stream>(
            std::make_unique<object_rejects>(std::move(*stream)));
    };
    return {};
}

}  // namespace salesproc
