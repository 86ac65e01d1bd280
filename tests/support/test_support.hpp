// Helpers shared by the tests: a temp directory, whole-file I/O, running a program.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace salesproc::test {

// A fresh directory removed with its contents at destruction.
class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const {
        return (path_ / name).string();
    }
    // How many files the directory holds (tests check that nothing was left behind).
    [[nodiscard]] std::size_t entries() const {
        return static_cast<std::size_t>(
            std::distance(std::filesystem::directory_iterator(path_), {}));
    }

  private:
    std::filesystem::path path_;
};

void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

struct process_result {
    int exit_code = -1;             // 128+N when killed by signal N
    std::uint64_t max_rss_kib = 0;  // the child's peak resident set
    std::string out;
    std::string err;
};

// Where a spawned child's standard streams go (empty: inherited) and where it runs.
struct spawn_options {
    std::string stdin_path, stdout_path, stderr_path;
    int stdout_fd = -1;  // instead of stdout_path, e.g. the write end of a pipe
    std::string cwd;
};

// Starts `argv` (argv[0] is a path) without proxy variables in its environment, so that tests
// reach their loopback servers directly; returns its pid.
pid_t spawn_process(const std::vector<std::string>& argv, const spawn_options& o = {});

struct exit_status {
    int code = -1;  // 128+N when killed by signal N
    std::uint64_t max_rss_kib = 0;
};
exit_status wait_process(pid_t pid);

// Runs `argv` (argv[0] is a path) with `input` on stdin, in `cwd` if given; waits for exit.
process_result run_process(const std::vector<std::string>& argv, const std::string& input = {},
                           const std::string& cwd = {});

// The one-line error format: "salesproc: error: <context>: <reason>\n", once, as the last line
// of stderr, containing `needle`.
void expect_one_error_line(const process_result& r, const std::string& needle);

// A deterministic sales CSV of `rows` rows with quoted names, doubled quotes, CRLF, blank lines
// and every reject reason, for determinism and seam tests.
std::string generate_sales_csv(std::size_t rows, unsigned seed);

// `data` compressed as one gzip member (RFC 1952), as a server would send it.
std::string gzip_compress(std::string_view data);
// One gzip member of `head`, then `count` bytes of `fill`, then `tail`: a decompression bomb
// built without holding it in memory.
std::string gzip_bomb(std::string_view head, char fill, std::uint64_t count, std::string_view tail);
// One zstd frame holding `data`, with a content checksum (as the zstd tool writes).
std::string zstd_compress(std::string_view data, int level = 3);

// A report's lines without those a merge or timing may change (generated_at, duration_ms,
// csv.chunks, the "rejects" section naming where its rejects went, a merged report's "parts",
// and any of `more`): what "the merged report equals the single run" compares.
inline std::string comparable_report(const std::string& report,
                                     const std::vector<std::string_view>& more = {}) {
    std::string out;
    std::size_t at = 0;
    while (at < report.size()) {
        std::size_t end = report.find('\n', at);
        if (end == std::string::npos) end = report.size();
        const std::string_view line(report.data() + at, end - at);
        // Where this report's own rejects went, and a merged report's parts: blocks to skip.
        const bool rejects = line == "  \"rejects\": {";
        if (rejects || line == "  \"parts\": [") {
            const std::size_t close = report.find(rejects ? "\n  }" : "\n  ]", end);
            const std::size_t next =
                close == std::string::npos ? std::string::npos : report.find('\n', close + 1);
            at = next == std::string::npos ? report.size() : next + 1;
            continue;
        }
        bool keep = line.find("\"generated_at\"") == std::string_view::npos &&
                    line.find("\"duration_ms\"") == std::string_view::npos &&
                    line.find("\"chunks\"") == std::string_view::npos;
        for (const auto key : more)
            keep = keep && line.find(key) == std::string_view::npos;
        if (keep) {
            out += line;
            out += '\n';
        }
        at = end + 1;
    }
    return out;
}

}  // namespace salesproc::test
