// s3rver (npm) for the tests that read and write s3:// objects: a store that is not ours, its
// objects written by the AWS SDK for JavaScript (tests/s3/s3_server.mjs); and the environment a
// test gives salesproc for it.
#pragma once

#include "cli/cli_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace salesproc::test {

using namespace std::chrono_literals;

inline const std::string tests_dir = SALESPROC_TESTS_DIR;
inline const std::string node = "/usr/bin/node";

// s3rver with the objects of `manifest`, for the life of the object.
class s3_store {
  public:
    s3_store(const temp_dir& dir, const nlohmann::json& manifest) {
        const auto manifest_file = dir.file("manifest.json");
        const auto port_file = dir.file("s3.port");
        write_file(manifest_file, manifest.dump());
        spawn_options o;
        // Not the test's own streams: a server left behind must not hold ctest's pipe open.
        o.stdout_path = dir.file("s3.out");
        o.stderr_path = dir.file("s3.log");
        // s3rver encrypts its continuation tokens with DES, which Node's OpenSSL 3 keeps in the
        // legacy provider: without it, every listing past 1000 keys is a 500.
        pid_ = spawn_process({node, "--openssl-legacy-provider", tests_dir + "/s3/s3_server.mjs",
                              manifest_file, port_file},
                             o);
        for (int i = 0; i < 1200 && !std::filesystem::exists(port_file); ++i)
            std::this_thread::sleep_for(50ms);
        if (!std::filesystem::exists(port_file))
            ADD_FAILURE() << "s3rver did not start: " << read_file(dir.file("s3.log"));
        else {
            const auto started = nlohmann::json::parse(read_file(port_file));
            port_ = started["port"];
            directory_ = started["directory"];
        }
    }
    ~s3_store() {
        ::kill(pid_, SIGTERM);
        wait_process(pid_);
    }
    s3_store(const s3_store&) = delete;
    s3_store& operator=(const s3_store&) = delete;
    [[nodiscard]] std::string endpoint() const {
        return "http://127.0.0.1:" + std::to_string(port_);
    }

    // Where s3rver keeps objects and the parts of uploads in progress.
    [[nodiscard]] const std::string& directory() const { return directory_; }

  private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::string directory_;
};

inline nlohmann::json object(const std::string& key, const std::string& content) {
    return {{"bucket", "sales"}, {"key", key}, {"content", content}};
}

struct S3 : ::testing::Test {
    temp_dir dir;
    void SetUp() override {
        // Nothing of this machine's AWS setup may leak in.
        for (const char* v :
             {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
              "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
              "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL_STS",
              "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"})
            ::unsetenv(v);
        ::setenv("HOME", dir.path().c_str(), 1);
    }
    static void use_keys(const std::string& endpoint) {
        // s3rver knows one key id, and does not check the secret.
        ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
        ::setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/SECRET+KEY", 1);
        ::setenv("AWS_SESSION_TOKEN", "SESSIONTOKEN123", 1);
        ::setenv("AWS_ENDPOINT_URL", endpoint.c_str(), 1);
    }
};

}  // namespace salesproc::test
