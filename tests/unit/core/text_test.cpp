#include "core/text.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "core/principal.hpp"

using namespace mashang;

TEST(Utf8, AcceptsWellFormedAndRejectsBroken) {
  struct Case {
    std::string in;
    bool ok;
  };
  const Case cases[] = {
      {"", true},
      {"ascii", true},
      {"康巴什", true},
      {"😀", true},
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

TEST(Text, IequalsFoldsAsciiLettersOnly) {
  EXPECT_TRUE(text::iequals("Content-Type", "content-type"));
  EXPECT_FALSE(text::iequals("content-type", "content_type"));
  EXPECT_FALSE(text::iequals("@", "`"));  // differ only in bit 0x20 but are not letters
  EXPECT_FALSE(text::iequals("abc", "abcd"));
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

TEST(Json, EscapesEveryByteWhereverItStands) {
  // The word-at-a-time scan must find a byte to escape at any offset, next to any other byte.
  auto reference = [](std::string_view in) {
    std::string o = "\"";
    for (unsigned char c : in) {
      if (c == '"')
        o += "\\\"";
      else if (c == '\\')
        o += "\\\\";
      else if (c == '\n')
        o += "\\n";
      else if (c == '\r')
        o += "\\r";
      else if (c == '\t')
        o += "\\t";
      else if (c < 0x20) {
        char u[8];
        std::snprintf(u, sizeof u, "\\u%04x", c);
        o += u;
      } else
        o += static_cast<char>(c);
    }
    return o + "\"";
  };
  for (int special : {0x00, 0x01, 0x1f, 0x22, 0x5c, 0x0a, 0x20, 0x7f, 0x80, 0xff})
    for (size_t len = 1; len <= 20; ++len)
      for (size_t at = 0; at < len; ++at) {
        std::string in(len, 'x');
        in[at] = static_cast<char>(special);
        if (at + 1 < len) in[at + 1] = static_cast<char>(0xe5);  // a UTF-8 lead byte next to it
        std::string out;
        text::append_json_string(out, in);
        ASSERT_EQ(out, reference(in)) << "byte " << special << " at " << at << " of " << len;
      }
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
  EXPECT_TRUE(p.can_see_event("x.y", "/", 7));
  EXPECT_FALSE(p.can_see_event("x.y", "/", 8));
  EXPECT_TRUE(p.can_see_event("x.y", "/1/2/9", std::nullopt));
  EXPECT_FALSE(p.can_see_event("x.y", "/1/3", std::nullopt));
  EXPECT_FALSE(p.can_see_event("x.y", "/1", std::nullopt));
  // A work order escalated above the worker's grid is still in their pool: its events too.
  EXPECT_TRUE(p.can_see_event("order.claimed", "/1", std::nullopt));
  EXPECT_TRUE(p.can_see_event("order.claimed", "/", std::nullopt));
  EXPECT_FALSE(p.can_see_event("order.claimed", "/1/3", std::nullopt));
  Principal admin;
  admin.account_id = 1;
  admin.grants = {{"district_admin", "/"}};
  EXPECT_TRUE(admin.can_see_event("x.y", "/", 8));
  // Residents get what is addressed to them, not what happens in the district.
  Principal resident;
  resident.account_id = 9;
  resident.grants = {{"resident", "/"}};
  EXPECT_TRUE(resident.can_see_event("x.y", "/", 9));
  EXPECT_FALSE(resident.can_see_event("x.y", "/1/2", std::nullopt));
  EXPECT_FALSE(resident.can_see_event("order.claimed", "/1/2", std::nullopt));
  // Other roles see orders only where they may claim or dispatch them.
  Principal vendor;
  vendor.grants = {{"vendor", "/1"}};
  EXPECT_FALSE(vendor.can_see_event("order.claimed", "/1/2", std::nullopt));
  EXPECT_TRUE(vendor.can_see_event("place.created", "/1/2", std::nullopt));
  // Elder care's events go to the care roles only: a vendor or volunteer there sees none.
  EXPECT_FALSE(vendor.can_see_event("care.alarm_raised", "/1/2", std::nullopt));
  EXPECT_TRUE(p.can_see_event("care.alarm_raised", "/1/2/9", std::nullopt));
  EXPECT_FALSE(p.can_see_event("care.alarm_raised", "/1", std::nullopt));
  Principal doctor;
  doctor.grants = {{"doctor", "/1"}};
  EXPECT_TRUE(doctor.can_see_event("care.consultation_changed", "/1/2", std::nullopt));
}
