#include "salesproc/output/output_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>
#include <variant>

namespace salesproc {
namespace {

struct file_id {
    dev_t device;
    ino_t inode;
    bool operator==(const file_id&) const = default;
};
// A file that exists is known by its inode; one that does not yet by its resolved path.
using identity = std::variant<file_id, std::string>;

bool never_clashes(const std::string& path) {
    return path == "-" || output_descriptor(path).has_value();
}

// The number after `prefix`, when that is all the rest of `path` holds.
std::optional<int> number_after(const std::string& path, std::string_view prefix) {
    if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0)
        return std::nullopt;
    int n = 0;
    const char* first = path.data() + prefix.size();
    const char* last = path.data() + path.size();
    const auto [end, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || end != last || n < 0) return std::nullopt;
    return n;
}

std::string resolved(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    char buf[PATH_MAX];
    if (::realpath(dir.c_str(), buf) == nullptr) return path;  // the write fails later, clearly
    std::string out(buf);
    if (out.back() != '/') out += '/';
    return out + name;
}

std::optional<identity> identify(const std::string& path) {
    if (never_clashes(path)) return std::nullopt;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return identity(file_id{st.st_dev, st.st_ino});
    return identity(resolved(path));
}

}  // namespace

namespace {

std::optional<int> descriptor_named(const std::string& path) {
    if (path == "/dev/stdout") return STDOUT_FILENO;
    if (path == "/dev/stderr") return STDERR_FILENO;
    if (auto n = number_after(path, "/dev/fd/")) return n;
    if (auto n = number_after(path, "/proc/self/fd/")) return n;
    return number_after(path, "/proc/" + std::to_string(::getpid()) + "/fd/");
}

}  // namespace

std::string recorded_path(const std::string& path) {
    if (path == "-" || path.empty() || output_descriptor(path)) return {};
    if (path.starts_with("s3://")) return path;
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    return ec ? path : absolute.lexically_normal().string();
}

std::optional<int> output_descriptor(const std::string& path) {
    // A symlink to such a name (as /dev/stdout is to /proc/self/fd/1) stands for it too; the
    // links are followed by their text, since following them in the kernel would reach the
    // file behind the descriptor instead.
    std::string name = path;
    for (int depth = 0; depth < 8; ++depth) {
        if (auto n = descriptor_named(name)) return n;
        char target[PATH_MAX];
        const ssize_t len = ::readlink(name.c_str(), target, sizeof target);
        if (len <= 0 || static_cast<std::size_t>(len) >= sizeof target) return std::nullopt;
        std::string next(target, static_cast<std::size_t>(len));
        if (next.front() != '/') {
            const auto slash = name.rfind('/');
            next = (slash == std::string::npos ? std::string() : name.substr(0, slash + 1)) + next;
        }
        name = std::move(next);
    }
    return std::nullopt;
}

bool is_system_directory(const std::string& dir) {
    char buf[PATH_MAX];
    const std::string real = ::realpath(dir.c_str(), buf) != nullptr ? buf : dir;
    auto under = [&](std::string_view top) {
        return real.compare(0, top.size(), top) == 0 &&
               (real.size() == top.size() || real[top.size()] == '/');
    };
    if (under("/dev/shm")) return false;
    return under("/dev") || under("/proc") || under("/sys");
}

std::optional<std::pair<std::size_t, std::size_t>> first_repeated(
    const std::vector<std::string>& paths) {
    std::vector<std::optional<identity>> ids;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        ids.push_back(identify(paths[i]));
        for (std::size_t k = 0; k < i; ++k)
            if (paths[k] == paths[i] || (ids[k] && ids[i] && *ids[k] == *ids[i]))
                return std::make_pair(k, i);
    }
    return std::nullopt;
}

result<void> check_output_clashes(const std::vector<named_path>& inputs,
                                  const std::vector<named_path>& outputs) {
    std::vector<std::optional<identity>> input_ids, output_ids;
    for (const auto& p : inputs)
        input_ids.push_back(identify(p.path));
    for (const auto& p : outputs)
        output_ids.push_back(identify(p.path));
    auto clash = [](const named_path& out, const named_path& other, const char* what) {
        return make_error(errc::invalid_argument, out.flag + " and " + other.flag,
                          "'" + out.path + "' and '" + other.path + "' are the same file; " + what);
    };
    for (std::size_t o = 0; o < outputs.size(); ++o) {
        if (!output_ids[o]) continue;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (input_ids[i] && *input_ids[i] == *output_ids[o])
                return clash(outputs[o], inputs[i],
                             "the input would be overwritten; choose another output path");
        for (std::size_t k = 0; k < o; ++k)
            if (output_ids[k] && *output_ids[k] == *output_ids[o])
                return clash(outputs[o], outputs[k], "each output needs its own path");
    }
    return {};
}

}  // namespace salesproc
