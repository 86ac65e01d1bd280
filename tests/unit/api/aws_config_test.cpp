// The credential chain and the S3 settings, on a made-up environment and made-up files.
#include "salesproc/api/aws_config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace salesproc {
namespace {

struct fake {
    std::map<std::string, std::string> vars{{"HOME", "/home/u"}};
    std::map<std::string, std::string> files;
    aws_environment env() const {
        return {[this](const std::string& n) -> std::optional<std::string> {
                    auto it = vars.find(n);
                    return it == vars.end() ? std::nullopt : std::optional(it->second);
                },
                [this](const std::string& p) -> std::optional<std::string> {
                    auto it = files.find(p);
                    return it == files.end() ? std::nullopt : std::optional(it->second);
                }};
    }
};

TEST(AwsConfig, EnvironmentKeysComeFirst) {
    fake f;
    f.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
    f.vars["AWS_SECRET_ACCESS_KEY"] = "SENV";
    f.vars["AWS_SESSION_TOKEN"] = "TENV";
    f.files["/home/u/.aws/credentials"] =
        "[default]\naws_access_key_id = AKFILE\n"
        "aws_secret_access_key = SFILE\n";
    auto r = resolve_aws(f.env(), {});
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->config.credentials);
    EXPECT_EQ(r->config.credentials->access_key_id, "AKENV");
    EXPECT_EQ(r->config.credentials->session_token, "TENV");
    EXPECT_EQ(r->config.credentials->source, "the environment");
    EXPECT_EQ(r->config.region, "us-east-1");
}

TEST(AwsConfig, HalfAPairIsAnErrorNamingTheMissingVariable) {
    fake f;
    f.vars["AWS_ACCESS_KEY_ID"] = "AKENV";
    auto r = resolve_aws(f.env(), {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "AWS_SECRET_ACCESS_KEY: is not set, but AWS_ACCESS_KEY_ID is");
}

TEST(AwsConfig, AProfileFromBothFilesWithRegionEndpointAndAddressing) {
    fake f;
    f.vars["AWS_PROFILE"] = "minio";
    f.vars["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/creds";
    f.vars["AWS_CONFIG_FILE"] = "/etc/config";
    f.files["/etc/creds"] =
        "# comment\n[default]\naws_access_key_id=NO\naws_secret_access_key=NO\n"
        "[minio]\naws_access_key_id = AKMINIO\n"
        "aws_secret_access_key = S/MINIO+=\n";
    f.files["/etc/config"] =
        "[profile minio]\nregion = eu-central-1\n"
        "endpoint_url = http://127.0.0.1:9000\ns3 =\n"
        "  addressing_style = virtual\n";
    auto r = resolve_aws(f.env(), {});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->config.credentials->access_key_id, "AKMINIO");
    EXPECT_EQ(r->config.credentials->secret_access_key, "S/MINIO+=");
    EXPECT_EQ(r->config.credentials->source, "profile minio");
    EXPECT_EQ(r->config.region, "eu-central-1");
    ASSERT_TRUE(r->config.endpoint);
    EXPECT_EQ(r->config.endpoint->port, "9000");
    EXPECT_EQ(r->config.addressing, s3_addressing::virtual_host);
    // The flag wins over the profile; the environment's region and endpoint too.
    f.vars["AWS_REGION"] = "eu-west-3";
    f.vars["AWS_ENDPOINT_URL_S3"] = "https://s3.example:8443";
    r = resolve_aws(f.env(), {false, s3_addressing::path});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->config.region, "eu-west-3");
    EXPECT_EQ(r->config.endpoint->host, "s3.example");
    EXPECT_EQ(r->config.addressing, s3_addressing::path);
}

TEST(AwsConfig, ANamedProfileNoFileDefinesIsAnError) {
    fake f;
    f.vars["AWS_PROFILE"] = "nope";
    auto r = resolve_aws(f.env(), {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().context, "AWS_PROFILE");
    EXPECT_NE(r.error().reason.find("no profile 'nope'"), std::string::npos);
}

TEST(AwsConfig, WebIdentityBeforeTheProfileAndContainerLast) {
    fake f;
    f.files["/home/u/.aws/credentials"] =
        "[default]\naws_access_key_id = AKFILE\n"
        "aws_secret_access_key = SFILE\n";
    f.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/creds";
    auto r = resolve_aws(f.env(), {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->waiting, aws_resolution::pending::none);
    EXPECT_EQ(r->config.credentials->source, "profile default");

    f.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token";
    f.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/r";
    f.files["/var/run/token"] = "eyJ.token.sig\n";
    f.vars["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:1234";
    r = resolve_aws(f.env(), {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->waiting, aws_resolution::pending::web_identity);
    EXPECT_EQ(r->web_identity_token, "eyJ.token.sig");
    const http_url sts = web_identity_request(*r);
    EXPECT_EQ(sts.port, "1234");
    EXPECT_NE(sts.target.find("&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr"), std::string::npos);
    EXPECT_EQ(sts.redacted.find("eyJ"), std::string::npos);  // the token is never shown

    f.files.erase("/home/u/.aws/credentials");
    f.vars.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
    f.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "tok";
    r = resolve_aws(f.env(), {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->waiting, aws_resolution::pending::container);
    EXPECT_EQ(r->container_uri->host, "169.254.170.2");
    EXPECT_EQ(r->container_token, "tok");
}

TEST(AwsConfig, NothingAnywhereSaysWhatToSet) {
    fake f;
    auto r = resolve_aws(f.env(), {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, make_error_code(errc::no_credentials));
    EXPECT_NE(r.error().reason.find("--no-sign-request"), std::string::npos);
    r = resolve_aws(f.env(), {true, std::nullopt});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->config.credentials);
}

TEST(AwsConfig, StsAndContainerAnswers) {
    auto c = parse_sts_credentials(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
        "<AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
        "<SessionToken>T</SessionToken></Credentials></AssumeRoleWithWebIdentityResult>"
        "</AssumeRoleWithWebIdentityResponse>",
        "web identity");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->session_token, "T");
    EXPECT_FALSE(parse_sts_credentials("<Error/>", "web identity"));
    auto j = parse_container_credentials(
        R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"x"})", "container");
    ASSERT_TRUE(j);
    EXPECT_EQ(j->access_key_id, "A");
    EXPECT_FALSE(parse_container_credentials("[]", "container"));
}

}  // namespace
}  // namespace salesproc
