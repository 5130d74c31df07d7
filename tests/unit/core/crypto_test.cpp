#include <gtest/gtest.h>

#include "core/crypto.hpp"

using namespace mashang;

class Crypto : public ::testing::Test {
 protected:
  void SetUp() override { crypto::init(); }
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'a'));
};

TEST_F(Crypto, PasswordsVerifyOnlyWithTheRightPassword) {
  auto h = crypto::hash_password("correct horse");
  EXPECT_TRUE(h.starts_with("$argon2id$"));
  EXPECT_TRUE(crypto::verify_password(h, "correct horse"));
  EXPECT_FALSE(crypto::verify_password(h, "correct horsE"));
}

TEST_F(Crypto, SealedValuesOpenAndDetectTampering) {
  auto sealed = keys.seal("13812345678");
  EXPECT_EQ(sealed.find("13812345678"), std::string::npos);
  auto opened = keys.open(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "13812345678");
  std::string bad = sealed;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.open(bad).ok());
  auto other = crypto::Keyring::from_hex(std::string(64, 'b'));
  EXPECT_FALSE(other.open(sealed).ok());
}

TEST_F(Crypto, BlindIndexIsDeterministicPerPurposeAndKey) {
  EXPECT_EQ(keys.blind_index("phone", "138"), keys.blind_index("phone", "138"));
  EXPECT_NE(keys.blind_index("phone", "138"), keys.blind_index("login", "138"));
  EXPECT_NE(keys.blind_index("phone", "138"), crypto::Keyring::from_hex(std::string(64, 'b')).blind_index("phone", "138"));
}

TEST_F(Crypto, TokensAreUrlSafeAndDistinct) {
  auto a = crypto::random_token(32), b = crypto::random_token(32);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  EXPECT_EQ(crypto::token_hash(a).size(), 64u);
}
