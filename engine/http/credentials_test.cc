// Credential and region lookup with a fake environment and shared files in a temporary
// directory: the machine's own variables and ~/.aws never matter.
#include "engine/http/credentials.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zring-cred-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    home_ = tmpl;
    std::filesystem::create_directories(home_ + "/.aws");
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(home_ + "/" + relative) << text;
  }
  Environment Env(std::map<std::string, std::string> vars = {}) {
    vars["HOME"] = home_;
    return Environment::Fake(std::move(vars));
  }

  std::string home_;
};

constexpr char kCredentials[] =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = DEFAULTID\n"
    "aws_secret_access_key=DEFAULTSECRET  \r\n"
    "\n"
    "; another comment\n"
    "[ work ]\n"
    "  AWS_ACCESS_KEY_ID =  WORKID\n"
    "aws_secret_access_key = WORK/SECRET+=\n"
    "aws_session_token = WORKTOKEN\n";

TEST_F(CredentialsTest, OptionsComeFirst) {
  Write(".aws/credentials", kCredentials);
  StorageOptions o;
  o.access_key_id = "OPTID";
  o.secret_access_key = "OPTSECRET";
  o.session_token = "OPTTOKEN";
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials(
                                   o, Env({{"AWS_ACCESS_KEY_ID", "E"}, {"AWS_SECRET_ACCESS_KEY", "S"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "OPTID");
  EXPECT_EQ(c->secret_access_key, "OPTSECRET");
  EXPECT_EQ(c->session_token, "OPTTOKEN");
  EXPECT_EQ(c->source, "keys from storage options");
}

TEST_F(CredentialsTest, EnvironmentBeforeFile) {
  Write(".aws/credentials", kCredentials);
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials({}, Env({{"AWS_ACCESS_KEY_ID", "ENVID"},
                                                           {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                                                           {"AWS_SESSION_TOKEN", "ENVTOKEN"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "ENVID");
  EXPECT_EQ(c->secret_access_key, "ENVSECRET");
  EXPECT_EQ(c->session_token, "ENVTOKEN");
  EXPECT_EQ(c->source, "keys from environment");
}

TEST_F(CredentialsTest, DefaultProfileFromSharedFile) {
  Write(".aws/credentials", kCredentials);
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials({}, Env()));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "DEFAULTID");
  EXPECT_EQ(c->secret_access_key, "DEFAULTSECRET");
  EXPECT_EQ(c->session_token, "");
  EXPECT_EQ(c->source, "profile default in " + home_ + "/.aws/credentials");
}

TEST_F(CredentialsTest, NamedProfileFromEnvironmentOrOptions) {
  Write(".aws/credentials", kCredentials);
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials({}, Env({{"AWS_PROFILE", "work"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "WORKID");
  EXPECT_EQ(c->secret_access_key, "WORK/SECRET+=");
  EXPECT_EQ(c->session_token, "WORKTOKEN");
  // An explicit profile option wins over environment keys, as in boto3.
  StorageOptions o;
  o.profile = "work";
  ASSERT_OK_AND_ASSIGN(c, LoadAwsCredentials(o, Env({{"AWS_ACCESS_KEY_ID", "E"},
                                                     {"AWS_SECRET_ACCESS_KEY", "S"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "WORKID");
}

TEST_F(CredentialsTest, SharedFilePathFromEnvironment) {
  Write("elsewhere.ini", "[default]\naws_access_key_id=X\naws_secret_access_key=Y\n");
  ASSERT_OK_AND_ASSIGN(
      auto c,
      LoadAwsCredentials({}, Env({{"AWS_SHARED_CREDENTIALS_FILE", home_ + "/elsewhere.ini"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "X");
  EXPECT_EQ(c->source, "profile default in " + home_ + "/elsewhere.ini");
}

TEST_F(CredentialsTest, KeysInConfigFileProfile) {
  Write(".aws/config", "[profile   ci]\nregion = ap-south-1\naws_access_key_id = CI\n"
                       "aws_secret_access_key = CISECRET\n");
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials({}, Env({{"AWS_PROFILE", "ci"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "CI");
  EXPECT_EQ(c->source, "profile ci in " + home_ + "/.aws/config");
}

TEST_F(CredentialsTest, NothingFoundIsNoCredentials) {
  ASSERT_OK_AND_ASSIGN(auto c, LoadAwsCredentials({}, Env()));
  EXPECT_FALSE(c.has_value());
  Write(".aws/credentials", "[other]\naws_access_key_id=A\naws_secret_access_key=B\n");
  ASSERT_OK_AND_ASSIGN(c, LoadAwsCredentials({}, Env()));
  EXPECT_FALSE(c.has_value());
  ASSERT_OK_AND_ASSIGN(c, LoadAwsCredentials({}, Environment::Fake({})));  // no home at all
  EXPECT_FALSE(c.has_value());
}

TEST_F(CredentialsTest, MissingExplicitProfileIsNotFound) {
  Write(".aws/credentials", kCredentials);
  EXPECT_THAT(LoadAwsCredentials({}, Env({{"AWS_PROFILE", "nope"}})),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("'nope'"), HasSubstr(home_ + "/.aws/credentials"),
                             HasSubstr(home_ + "/.aws/config"))));
  StorageOptions o;
  o.profile = "nope";
  EXPECT_THAT(LoadAwsCredentials(o, Env()), StatusIs(absl::StatusCode::kNotFound,
                                                     HasSubstr("profile 'nope' not found")));
}

TEST_F(CredentialsTest, HalfAKeyPairIsAnError) {
  StorageOptions o;
  o.access_key_id = "A";
  EXPECT_THAT(LoadAwsCredentials(o, Env()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("secret_access_key")));
  EXPECT_THAT(LoadAwsCredentials({}, Env({{"AWS_ACCESS_KEY_ID", "A"}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("AWS_SECRET_ACCESS_KEY")));
  Write(".aws/credentials", "[default]\naws_access_key_id = A\n");
  EXPECT_THAT(LoadAwsCredentials({}, Env()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("profile default"), HasSubstr("aws_secret_access_key"))));
}

TEST_F(CredentialsTest, MalformedFileNamesFileAndLine) {
  Write(".aws/credentials", "[default]\naws_access_key_id = A\nthis line is wrong\n");
  EXPECT_THAT(LoadAwsCredentials({}, Env()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(home_ + "/.aws/credentials"), HasSubstr("line 3"))));
  Write(".aws/credentials", "[default\n");
  EXPECT_THAT(LoadAwsCredentials({}, Env()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1")));
  Write(".aws/credentials", "key = before any section\n");
  EXPECT_THAT(LoadAwsCredentials({}, Env()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside any [section]")));
}

TEST(Ini, NestedSettingsAreSkipped) {
  ASSERT_OK_AND_ASSIGN(IniFile ini, ParseIni("[profile a]\ns3 =\n  addressing_style = path\n"
                                             "region = eu-north-1\n",
                                             "config"));
  ASSERT_EQ(ini.count("profile a"), 1u);
  EXPECT_EQ(ini["profile a"]["region"], "eu-north-1");
  EXPECT_EQ(ini["profile a"]["s3"], "");
  EXPECT_EQ(ini["profile a"].count("addressing_style"), 0u);
}

TEST_F(CredentialsTest, RegionOrder) {
  Write(".aws/config", "[default]\nregion = eu-central-1\n[profile work]\nregion = sa-east-1\n");
  StorageOptions o;
  o.region = "opt-region";
  EXPECT_EQ(*ResolveAwsRegion(o, Env({{"AWS_REGION", "env-region"}})), "opt-region");
  EXPECT_EQ(*ResolveAwsRegion({}, Env({{"AWS_REGION", "r1"}, {"AWS_DEFAULT_REGION", "r2"}})),
            "r1");
  EXPECT_EQ(*ResolveAwsRegion({}, Env({{"AWS_DEFAULT_REGION", "r2"}})), "r2");
  EXPECT_EQ(*ResolveAwsRegion({}, Env()), "eu-central-1");
  EXPECT_EQ(*ResolveAwsRegion({}, Env({{"AWS_PROFILE", "work"}})), "sa-east-1");
  EXPECT_EQ(*ResolveAwsRegion({}, Env({{"AWS_CONFIG_FILE", home_ + "/none"}})), "us-east-1");
  EXPECT_EQ(*ResolveAwsRegion({}, Environment::Fake({})), "us-east-1");
}

TEST(Environment, ProcessReadsRealVariables) {
  setenv("ZRING_CREDENTIALS_TEST_VAR", "value", 1);
  EXPECT_EQ(Environment::Process().Get("ZRING_CREDENTIALS_TEST_VAR"), "value");
  unsetenv("ZRING_CREDENTIALS_TEST_VAR");
  EXPECT_EQ(Environment::Process().Get("ZRING_CREDENTIALS_TEST_VAR"), "");
  EXPECT_FALSE(Environment::Process().Home().empty());
}

}  // namespace
}  // namespace zring::engine::http
