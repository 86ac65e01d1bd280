#include "support/test_support.hpp"

#include <zlib.h>
#include <zstd.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace salesproc::test {

temp_dir::temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "salesproc-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

temp_dir::~temp_dir() {
    std::error_code ec;
    // Tests may leave read-only directories behind; make them removable first.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
    if (!f) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

pid_t spawn_process(const std::vector<std::string>& argv, const spawn_options& o) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // Tests talk to loopback servers only: a proxy configured on the host must not reroute them.
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view v(*e);
        const auto name = v.substr(0, v.find('='));
        const bool proxy =
            name.size() >= 6 && (name.ends_with("_proxy") || name.ends_with("_PROXY"));
        if (!proxy) env.push_back(*e);
    }
    env.push_back(nullptr);
    // fork, not posix_spawn: a vfork-style child shares this process's memory map until exec and
    // inherits its peak RSS, which would hide the child's own peak that memory tests assert on.
    // Only async-signal-safe calls run between fork and exec.
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed for " + argv[0]);
    if (pid != 0) return pid;
    auto redirect = [](const std::string& path, int flags, int target) {
        if (path.empty()) return true;
        const int fd = ::open(path.c_str(), flags, 0644);
        return fd >= 0 && ::dup2(fd, target) >= 0;
    };
    if (!redirect(o.stdin_path, O_RDONLY, 0) ||
        !redirect(o.stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 1) ||
        !redirect(o.stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 2))
        ::_exit(126);
    if (o.stdout_fd >= 0 && ::dup2(o.stdout_fd, 1) < 0) ::_exit(126);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) ::_exit(126);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
}

exit_status wait_process(pid_t pid) {
    int status = 0;
    struct rusage usage {};
    while (::wait4(pid, &status, 0, &usage) < 0) {
    }
    exit_status r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.max_rss_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
    return r;
}

process_result run_process(const std::vector<std::string>& argv, const std::string& input,
                           const std::string& cwd) {
    temp_dir io;
    spawn_options o;
    o.stdin_path = io.file("stdin");
    o.stdout_path = io.file("stdout");
    o.stderr_path = io.file("stderr");
    o.cwd = cwd;
    write_file(o.stdin_path, input);
    const auto status = wait_process(spawn_process(argv, o));
    process_result r;
    r.exit_code = status.code;
    r.max_rss_kib = status.max_rss_kib;
    r.out = read_file(o.stdout_path);
    r.err = read_file(o.stderr_path);
    return r;
}

void expect_one_error_line(const process_result& r, const std::string& needle) {
    const auto at = r.err.find("salesproc: error: ");
    ASSERT_NE(at, std::string::npos) << r.err;
    EXPECT_TRUE(at == 0 || r.err[at - 1] == '\n') << r.err;
    EXPECT_EQ(r.err.find("salesproc: error: ", at + 1), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n', at), r.err.size() - 1) << r.err;
    EXPECT_NE(r.err.find(needle, at), std::string::npos) << r.err;
}

std::string generate_sales_csv(std::size_t rows, unsigned seed) {
    std::mt19937_64 rng(seed);
    const char* names[] = {"Halal Laptop",
                           "Halal Mouse",
                           "\"Halal Rug, Large\"",
                           "\"Halal \"\"Premium\"\" Dates\"",
                           "\"Halal Multi\nLine\"",
                           "Halal Desk",
                           "Monitor",
                           "halal lowercase",
                           "",
                           "  Halal Padded  "};
    const char* prices[] = {"999.99", "24.99",  "10",          "10.00", "9.99", "-5.00",
                            "1e3",    "10.005", "\"1234.50\"", "abc",   "0",    "+15.5"};
    const char* quantities[] = {"1", "2",   "10", "100", "101",
                                "0", "2.0", "x",  "-3",  "99999999999999999999999"};
    std::string out = "id,product,price,quantity,note\r\n";
    for (std::size_t i = 0; i < rows; ++i) {
        const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
        if (pick(50) == 0) out += "\n";          // blank line
        if (pick(200) == 0) out += "bad,row\n";  // malformed
        out += std::to_string(i) + "," + names[pick(std::size(names))] + "," +
               prices[pick(std::size(prices))] + "," + quantities[pick(std::size(quantities))] +
               (pick(3) == 0 ? ",\"a, \"\"note\"\"\"" : ",plain") + (pick(4) == 0 ? "\r\n" : "\n");
    }
    return out;
}

std::string gzip_compress(std::string_view data) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    return out;
}

std::string gzip_bomb(std::string_view head, char fill, std::uint64_t count,
                      std::string_view tail) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out;
    std::string block(std::size_t{1} << 20, fill);
    char buffer[1 << 16];
    auto feed = [&](std::string_view in, int flush) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(in.size());
        do {
            z.next_out = reinterpret_cast<Bytef*>(buffer);
            z.avail_out = sizeof buffer;
            deflate(&z, flush);
            out.append(buffer, sizeof buffer - z.avail_out);
        } while (z.avail_out == 0);
    };
    feed(head, Z_NO_FLUSH);
    for (std::uint64_t left = count; left != 0;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
        feed(std::string_view(block).substr(0, n), Z_NO_FLUSH);
        left -= n;
    }
    feed(tail, Z_FINISH);
    deflateEnd(&z);
    return out;
}

std::string zstd_compress(std::string_view data, int level) {
    // With a content checksum, as the zstd tool writes by default.
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(n) != 0U) throw std::runtime_error(ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

}  // namespace salesproc::test
