#include "salesproc/output_paths.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <optional>
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
    return path == "-" || path == "/dev/stdout" || path == "/dev/stderr";
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
