#include "salesproc/output/output_paths.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace salesproc {
namespace {

using test::temp_dir;

result<void> check(const std::string& csv, const std::string& out,
                   const std::string& rejects = {}) {
    std::vector<named_path> outputs{{"--out", out}};
    if (!rejects.empty()) outputs.push_back({"--rejects", rejects});
    return check_output_clashes({{"--csv", csv}}, outputs);
}

struct cwd_guard {
    std::filesystem::path saved = std::filesystem::current_path();
    explicit cwd_guard(const std::filesystem::path& p) { std::filesystem::current_path(p); }
    ~cwd_guard() { std::filesystem::current_path(saved); }
};

TEST(OutputPaths, SamePathAndOtherSpellingsClash) {
    temp_dir dir;
    std::filesystem::create_directory(dir.path() / "sub");
    test::write_file(dir.file("sales.csv"), "product,price,quantity\n");
    cwd_guard cwd(dir.path() / "sub");
    for (const char* out : {"../sales.csv", "./../sales.csv", "../sub/../sales.csv"}) {
        const auto r = check("../sales.csv", out);
        ASSERT_FALSE(r) << out;
        EXPECT_EQ(r.error().context, "--out and --csv");
        EXPECT_NE(r.error().reason.find(std::string("'") + out + "'"), std::string::npos);
        EXPECT_NE(r.error().reason.find("the input would be overwritten"), std::string::npos);
    }
    EXPECT_FALSE(check(dir.file("sales.csv"), "../sales.csv"));
    EXPECT_TRUE(check("../sales.csv", "../report.json"));
}

TEST(OutputPaths, SymlinksEachWayAndHardLinksClash) {
    temp_dir dir;
    const auto target = dir.file("target.csv");
    test::write_file(target, "product,price,quantity\n");
    std::filesystem::create_symlink(target, dir.file("link.csv"));
    std::filesystem::create_hard_link(target, dir.file("hard.csv"));
    EXPECT_FALSE(check(dir.file("link.csv"), target));
    EXPECT_FALSE(check(target, dir.file("link.csv")));
    EXPECT_FALSE(check(target, dir.file("hard.csv")));
    EXPECT_FALSE(check(dir.file("hard.csv"), dir.file("link.csv")));
}

TEST(OutputPaths, OutputsMustDifferFromEachOtherEvenBeforeTheyExist) {
    temp_dir dir;
    test::write_file(dir.file("in.csv"), "x\n");
    const auto r = check(dir.file("in.csv"), dir.file("r.json"), dir.path().string() + "/./r.json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "--rejects and --out");
    EXPECT_TRUE(check(dir.file("in.csv"), dir.file("r.json"), dir.file("r.rejects.csv")));
    // A directory symlink is resolved for paths that do not exist yet.
    std::filesystem::create_directory_symlink(dir.path(), dir.file("alias"));
    EXPECT_FALSE(check(dir.file("in.csv"), dir.file("r.json"), dir.file("alias/r.json")));
}

TEST(OutputPaths, StdoutAndStderrClashWithNothing) {
    temp_dir dir;
    test::write_file(dir.file("in.csv"), "x\n");
    EXPECT_TRUE(check("-", "-", "-"));
    EXPECT_TRUE(check(dir.file("in.csv"), "/dev/stdout", "/dev/stdout"));
    EXPECT_TRUE(check(dir.file("in.csv"), "/dev/stderr", "-"));
}

}  // namespace
}  // namespace salesproc
