// Part 8's documents kept honest: the man pages and the completions list exactly the options
// --help lists, the man pages pass groff's warnings, and the operating examples (crontab line,
// CI smoke-test script, systemd units) run against the built binaries.
#include "cli/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace salesproc {
namespace {

using test::read_file;
using test::run_process;
using test::salesproc;
using test::temp_dir;
using test::write_file;

const std::string source_dir = SALESPROC_SOURCE_DIR;
const std::string share_dir = SALESPROC_SHARE_DIR;
const std::string mock_bin = SALESPROC_MOCK_BIN;

std::set<std::string> long_options(const std::string& text, const std::regex& line_filter) {
    std::set<std::string> out;
    std::istringstream in(text);
    const std::regex option("--[a-z][a-z0-9-]*");
    for (std::string line; std::getline(in, line);) {
        if (!std::regex_search(line, line_filter)) continue;
        for (std::sregex_iterator it(line.begin(), line.end(), option), end; it != end; ++it)
            out.insert(it->str());
    }
    return out;
}

// The options of --help: the first column of its option lines.
std::set<std::string> help_options(const std::string& help) {
    std::set<std::string> out;
    std::istringstream in(help);
    const std::regex option("--[a-z][a-z0-9-]*");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("  -", 0) != 0) continue;
        const std::string first = line.substr(0, line.find("  ", 2));
        for (std::sregex_iterator it(first.begin(), first.end(), option), end; it != end; ++it)
            out.insert(it->str());
    }
    return out;
}

// The options a man page defines: its item lines, which start with the option in bold.
std::set<std::string> man_options(const std::string& scd) {
    return long_options(scd, std::regex("^\\*-"));
}

TEST(Docs, ManPagesDefineExactlyTheOptionsOfHelp) {
    const auto help = salesproc({"--help"});
    ASSERT_EQ(help.exit_code, 0);
    auto from_help = help_options(help.out);
    ASSERT_GT(from_help.size(), 40U);
    // salesproc merge has a section of its own in the same page.
    const auto merge_help = salesproc({"merge", "--help"});
    ASSERT_EQ(merge_help.exit_code, 0);
    const auto from_merge = help_options(merge_help.out);
    ASSERT_GT(from_merge.size(), 8U);
    from_help.insert(from_merge.begin(), from_merge.end());
    const auto from_man = man_options(read_file(source_dir + "/docs/man/salesproc.1.scd"));
    for (const auto& o : from_help)
        EXPECT_TRUE(from_man.count(o)) << o << " is in --help but not in salesproc(1)";
    for (const auto& o : from_man)
        EXPECT_TRUE(from_help.count(o)) << o << " is in salesproc(1) but not in --help";

    const auto mock_help = run_process({mock_bin, "--help"});
    ASSERT_EQ(mock_help.exit_code, 0);
    const auto mock_options = long_options(mock_help.out, std::regex("^usage:"));
    const auto mock_man = man_options(read_file(source_dir + "/docs/man/salesproc-mock-api.1.scd"));
    for (const auto& o : mock_options)
        EXPECT_TRUE(mock_man.count(o)) << o << " is not in salesproc-mock-api(1)";
}

TEST(Docs, ManPagesHaveNoGroffWarnings) {
    for (const char* page : {"salesproc.1", "salesproc-mock-api.1"}) {
        const std::string path = share_dir + "/man/man1/" + page;
        ASSERT_FALSE(read_file(path).empty()) << path;
        const auto r = run_process({"/usr/bin/groff", "-man", "-ww", "-z", path});
        EXPECT_EQ(r.exit_code, 0) << page;
        EXPECT_EQ(r.err, "") << page;
    }
}

TEST(Docs, CompletionsOfferEveryOptionAndParse) {
    auto from_help = help_options(salesproc({"--help"}).out);
    const auto from_merge = help_options(salesproc({"merge", "--help"}).out);
    from_help.insert(from_merge.begin(), from_merge.end());
    for (const char* file : {"salesproc.bash", "_salesproc", "salesproc.fish"}) {
        const std::string text = read_file(share_dir + "/completions/" + file);
        for (const auto& o : from_help) {
            // fish names long options without their dashes: -l csv.
            const std::string needle =
                std::string(file).ends_with(".fish") ? "-l " + o.substr(2) + " " : o;
            EXPECT_NE(text.find(needle), std::string::npos) << o << " missing from " << file;
        }
    }
    // Path options complete file names; fixed lists offer their values.
    const std::string bash = read_file(share_dir + "/completions/salesproc.bash");
    EXPECT_NE(bash.find("--csv|--csv-list|--out|--rejects|--html|--summary|--junit|--metrics"),
              std::string::npos);
    EXPECT_NE(bash.find("compgen -W 'text json'"), std::string::npos);
    EXPECT_NE(bash.find("compgen -W 'product= price= quantity='"), std::string::npos);
    EXPECT_EQ(run_process({"/bin/bash", "-n", share_dir + "/completions/salesproc.bash"}).exit_code,
              0);
    // Completing "--de" in bash offers --delimiter, --decimal-separator and --deadline.
    const auto r =
        run_process({"/bin/bash", "-c",
                     "source " + share_dir +
                         "/completions/salesproc.bash; COMP_WORDS=(salesproc --de); COMP_CWORD=1; "
                         "_salesproc; printf '%s\\n' \"${COMPREPLY[@]}\""});
    EXPECT_EQ(r.out, "--delimiter\n--decimal-separator\n--deadline\n") << r.err;
    for (const char* shell : {"/usr/bin/zsh", "/usr/bin/fish"}) {
        if (::access(shell, X_OK) != 0) continue;  // checked where installed
        const std::string file =
            std::string(shell).ends_with("zsh") ? "_salesproc" : "salesproc.fish";
        EXPECT_EQ(run_process({shell, "-n", share_dir + "/completions/" + file}).exit_code, 0)
            << file;
    }
}

// The crontab's job line, run as cron would run it (its variables set, through /bin/sh), with
// the directories pointed at a temp dir and the built binaries first on PATH.
TEST(Docs, TheCrontabLineRuns) {
    temp_dir dir;
    const std::string crontab = read_file(source_dir + "/examples/crontab");
    std::istringstream in(crontab);
    std::string job;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#' && line.find('=') > line.find(' ')) job = line;
    ASSERT_FALSE(job.empty());
    // Past the five time fields.
    std::istringstream fields(job);
    std::string skip;
    for (int i = 0; i < 5; ++i)
        fields >> skip;
    std::string command;
    std::getline(fields, command);
    for (const char* sub : {"in", "out", "log", "metrics"})
        ASSERT_EQ(::mkdir(dir.file(sub).c_str(), 0700), 0);
    // Clean data: the line's --max-invalid-ratio gate passes (data/sales.csv would exit 4).
    write_file(dir.file("in/sales.csv"),
               "product,price,quantity\nHalal Dates,12.50,2\nHalal Tea,15.10,3\nHalal Rice,20,1\n");
    const std::string bin_dir = test::salesproc_bin.substr(0, test::salesproc_bin.rfind('/'));
    const auto r =
        run_process({"/bin/sh", "-c",
                     "SALES_DIR='" + dir.path().string() + "' METRICS_DIR='" + dir.file("metrics") +
                         "' PATH='" + bin_dir +
                         ":/usr/bin:/bin'; export SALES_DIR METRICS_DIR PATH; " + command});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto report = nlohmann::json::parse(read_file(dir.file("out/sales_results.json")));
    EXPECT_EQ(report["valid_sales"], 3);
    EXPECT_NE(read_file(dir.file("metrics/salesproc.prom")).find("salesproc_exit_code"),
              std::string::npos);
    EXPECT_NE(read_file(dir.file("out/rejects.csv")).find("source,line,reason"), std::string::npos);
    // The log went to the file, as JSON lines.
    const std::string log = read_file(dir.file("log/salesproc.log"));
    EXPECT_TRUE(log.empty() || log.front() == '{') << log;
}

TEST(Docs, TheCiSmokeScriptRuns) {
    if (::access("/usr/bin/jq", X_OK) != 0) {
        ADD_FAILURE() << "jq is missing: scripts/setup installs it";
        return;
    }
    const std::string bin_dir = test::salesproc_bin.substr(0, test::salesproc_bin.rfind('/'));
    const std::string mock_dir = mock_bin.substr(0, mock_bin.rfind('/'));
    // A port of its own, so that parallel test runs do not collide.
    const std::string port = std::to_string(20000 + ::getpid() % 20000);
    const auto r = run_process({"/bin/sh", "-c",
                                "PATH='" + bin_dir + ":" + mock_dir + ":/usr/bin:/bin' DATA_DIR='" +
                                    test::data_dir + "' MOCK_PORT=" + port + " sh " + source_dir +
                                    "/examples/ci/smoke.sh"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("smoke: ok"), std::string::npos) << r.out << r.err;
    // Both CI files run exactly that script, and show its views.
    for (const char* ci : {"github-actions.yml", "gitlab-ci.yml"})
        EXPECT_NE(read_file(source_dir + "/examples/ci/" + ci).find("sh examples/ci/smoke.sh"),
                  std::string::npos)
            << ci;
    EXPECT_NE(read_file(source_dir + "/examples/ci/github-actions.yml")
                  .find("cat reports/summary.md >> \"$GITHUB_STEP_SUMMARY\""),
              std::string::npos);
    EXPECT_NE(read_file(source_dir + "/examples/ci/gitlab-ci.yml").find("junit: reports/junit.xml"),
              std::string::npos);
}

TEST(Docs, TheSystemdUnitsVerify) {
    if (::access("/usr/bin/systemd-analyze", X_OK) != 0) GTEST_SKIP() << "no systemd-analyze";
    temp_dir dir;
    // The unit as installed, with the binary where this build put it.
    std::string service = read_file(source_dir + "/examples/systemd/salesproc.service");
    service.replace(service.find("/usr/bin/salesproc"), 18, test::salesproc_bin);
    write_file(dir.file("salesproc.service"), service);
    write_file(dir.file("salesproc.timer"),
               read_file(source_dir + "/examples/systemd/salesproc.timer"));
    const auto r =
        run_process({"/usr/bin/env", "MANPATH=" + share_dir + "/man", "/usr/bin/systemd-analyze",
                     "verify", dir.file("salesproc.service"), dir.file("salesproc.timer")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* hardening : {"Type=oneshot", "DynamicUser=yes", "ProtectSystem=strict",
                                  "ReadWritePaths=", "NoNewPrivileges=yes"})
        EXPECT_NE(service.find(hardening), std::string::npos) << hardening;
}

}  // namespace
}  // namespace salesproc
