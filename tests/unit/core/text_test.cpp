#include <gtest/gtest.h>

#include "core/principal.hpp"
#include "core/text.hpp"

using namespace mashang;

TEST(Utf8, AcceptsWellFormedAndRejectsBroken) {
  struct Case { std::string in; bool ok; };
  const Case cases[] = {
      {"", true}, {"ascii", true}, {"康巴什", true}, {"😀", true},
      {"\xC3\x28", false},          // bad continuation
      {"\xC0\xAF", false},          // overlong '/'
      {"\xED\xA0\x80", false},      // surrogate
      {"\xF4\x90\x80\x80", false},  // above U+10FFFF
      {"\xE5\xBA", false},          // truncated
  };
  for (const auto& c : cases) EXPECT_EQ(text::valid_utf8(c.in), c.ok) << c.in;
}

TEST(Utf8, PrefixEndsOnACharacterBoundary) {
  const std::string s = "ab康巴什";  // 2 + 3×3 bytes
  EXPECT_EQ(text::utf8_prefix(s, 100), s);
  EXPECT_EQ(text::utf8_prefix(s, 5), "ab康");
  EXPECT_EQ(text::utf8_prefix(s, 6), "ab康");
  EXPECT_EQ(text::utf8_prefix(s, 7), "ab康");
  EXPECT_EQ(text::utf8_prefix(s, 8), "ab康巴");
  EXPECT_EQ(text::utf8_prefix("😀", 3), "");
  for (size_t n = 0; n <= s.size(); ++n) EXPECT_TRUE(text::valid_utf8(text::utf8_prefix(s, n))) << n;
}

TEST(Phone, NormalisesMainlandMobilesOnly) {
  EXPECT_EQ(text::normalize_phone("13812345678"), "13812345678");
  EXPECT_EQ(text::normalize_phone("+86 138-1234-5678"), "13812345678");
  EXPECT_EQ(text::normalize_phone("12812345678"), std::nullopt);
  EXPECT_EQ(text::normalize_phone("1381234567"), std::nullopt);
  EXPECT_EQ(text::normalize_phone("138a2345678"), std::nullopt);
}

TEST(Phone, MasksTheMiddle) {
  EXPECT_EQ(text::mask_phone("13812345678"), "138****5678");
  EXPECT_EQ(text::mask_phone("123"), "****");
}

TEST(Json, EscapesControlCharactersAndQuotes) {
  std::string out;
  text::append_json_string(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST(Scope, CoversItsSubtreeOnly) {
  EXPECT_TRUE(scope_covers("/", "/1/2"));
  EXPECT_TRUE(scope_covers("/1/2", "/1/2"));
  EXPECT_TRUE(scope_covers("/1/2", "/1/2/5"));
  EXPECT_FALSE(scope_covers("/1/2", "/1/23"));
  EXPECT_FALSE(scope_covers("/1/2", "/1"));
}

TEST(Principal, SeesOwnPrivateEventsAndScopedOnes) {
  Principal p;
  p.account_id = 7;
  p.grants = {{"grid_worker", "/1/2"}};
  EXPECT_TRUE(p.can_see_event("/", 7));
  EXPECT_FALSE(p.can_see_event("/", 8));
  EXPECT_TRUE(p.can_see_event("/1/2/9", std::nullopt));
  EXPECT_FALSE(p.can_see_event("/1/3", std::nullopt));
  Principal admin;
  admin.account_id = 1;
  admin.grants = {{"district_admin", "/"}};
  EXPECT_TRUE(admin.can_see_event("/", 8));
}
