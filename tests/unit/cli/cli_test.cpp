#include "salesproc/cli/cli.hpp"

#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <cstdlib>

namespace salesproc {
namespace {

// Parses `line` (without the program name) as main() does, up to run_options.
result<run_options> options(const std::string& line) {
    cli_args args;
    auto app = make_app(args);
    app->parse(line, false);
    return to_run_options(args);
}

const std::string csv = std::string(SALESPROC_TEST_DATA_DIR) + "/sales.csv";

TEST(CliOptions, DefaultsAndTheChunkSizeThatDependsOnThreads) {
    test::temp_dir dir;
    const auto plain = options("--csv " + csv + " --out " + dir.file("r.json"));
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_EQ(plain->chunk_size, default_chunk_size(plain->threads));
    EXPECT_EQ(plain->samples, 3U);
    EXPECT_FALSE(plain->rejects_path);
    EXPECT_FALSE(plain->gates.any());
    EXPECT_EQ(plain->fetch.io_threads, std::min(plain->threads, 4U));
    const auto with_rejects =
        options("--csv " + csv + " --out - --rejects " + dir.file("x.csv") + " --threads 9");
    ASSERT_TRUE(with_rejects);
    EXPECT_EQ(with_rejects->chunk_size, std::size_t{512} << 10);
    // In-flight input stays within 16 MiB however many threads run.
    EXPECT_EQ(default_chunk_size(2), std::size_t{512} << 10);
    EXPECT_EQ(default_chunk_size(62), std::size_t{256} << 10);
    EXPECT_EQ(default_chunk_size(1000), std::size_t{64} << 10);
    EXPECT_EQ(with_rejects->fetch.io_threads, 4U);
    const auto chosen = options("--csv " + csv + " --out - --rejects - --chunk-size 64KiB");
    ASSERT_TRUE(chosen);
    EXPECT_EQ(chosen->chunk_size, std::size_t{64} << 10);
}

TEST(CliOptions, ValuesGetTheirMeaning) {
    ::setenv("SALESPROC_CLI_TEST_TOKEN", "secret", 1);
    const auto o =
        options("--csv " + csv +
                " --out - --max-invalid 7 --max-invalid-ratio 0.25 --min-price 9.5 "
                "--timeout 250ms --deadline 2m --max-body 1KiB -q --log-format json "
                "--header 'X-A:  b ' --header-env Authorization=SALESPROC_CLI_TEST_TOKEN "
                "--api-url https://example.com/x");
    ASSERT_TRUE(o) << o.error().message();
    EXPECT_EQ(o->gates.max_invalid, 7U);
    EXPECT_EQ(format_units(o->gates.max_invalid_ratio->units, o->gates.max_invalid_ratio->scale),
              "0.25");
    EXPECT_EQ(format_units(o->min_price->units, o->min_price->scale), "9.5");
    EXPECT_EQ(o->fetch.timeout, milliseconds(250));
    EXPECT_EQ(o->fetch.deadline, milliseconds(120000));
    EXPECT_EQ(o->fetch.max_body, 1024U);
    EXPECT_EQ(o->level, verbosity::quiet);
    EXPECT_EQ(o->format, log_format::json);
    ASSERT_EQ(o->fetch.headers.size(), 2U);
    EXPECT_EQ(o->fetch.headers[0], (std::pair<std::string, std::string>{"X-A", "b"}));
    EXPECT_EQ(o->fetch.headers[1].second, "secret");
    ASSERT_EQ(o->urls.size(), 1U);
    EXPECT_EQ(o->urls[0].host, "example.com");
}

TEST(CliOptions, UsageErrorsNameTheFlagAndMapToExitTwo) {
    for (const char* bad : {" --api-url ftp://x/y", " --header novalue",
                            " --header-env A=SALESPROC_CLI_TEST_UNSET", " --out " /* below */}) {
        std::string line = "--csv " + csv + " --out -" + bad;
        if (std::string(bad) == " --out ") line = "--csv " + csv + " --out " + csv;
        const auto o = options(line);
        ASSERT_FALSE(o) << line;
        EXPECT_EQ(exit_code_for(o.error()), exit_usage) << o.error().message();
    }
    EXPECT_EQ(options("--csv " + csv + " --out - --header-env A=SALESPROC_CLI_TEST_UNSET")
                  .error()
                  .message(),
              "--header-env 'A=SALESPROC_CLI_TEST_UNSET': environment variable "
              "SALESPROC_CLI_TEST_UNSET is not set");
}

TEST(CliOptions, UrlsFileIsReadWithCommentsAndBlankLines) {
    test::temp_dir dir;
    test::write_file(dir.file("urls.txt"), "# sources\n\n  https://a.example/1  \nhttp://b/2\n");
    const auto o = options("--csv " + csv + " --out - --urls-file " + dir.file("urls.txt") +
                           " --api-url https://first/");
    ASSERT_TRUE(o) << o.error().message();
    ASSERT_EQ(o->urls.size(), 3U);
    EXPECT_EQ(o->urls[0].host, "first");
    EXPECT_EQ(o->urls[1].redacted, "https://a.example/1");
    EXPECT_EQ(o->urls[2].port, "80");
}

}  // namespace
}  // namespace salesproc
