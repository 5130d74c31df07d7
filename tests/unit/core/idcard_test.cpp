#include <gtest/gtest.h>

#include "core/idcard.hpp"

using namespace mashang;

namespace {
const int64_t kToday = idcard::days_from_civil(2026, 11, 28);

// A valid number with the given first 17 digits.
std::string with_check(const std::string& first17) { return first17 + idcard::check_char(first17); }
}  // namespace

TEST(IdCard, CheckCharacterFollowsGb11643) {
  // The standard's own example: 11010519491231002X.
  EXPECT_EQ(idcard::check_char("11010519491231002"), 'X');
  auto ok = idcard::parse("11010519491231002X", kToday);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->birth_year, 1949);
  EXPECT_EQ(ok->birth_month, 12);
  EXPECT_EQ(ok->birth_day, 31);
  EXPECT_EQ(ok->gender, 'F');  // sequence 002: even
}

TEST(IdCard, NormalisesALowerCaseX) {
  auto ok = idcard::parse("11010519491231002x", kToday);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->number, "11010519491231002X");
}

TEST(IdCard, EverySingleDigitTypoIsCaught) {
  const std::string good = with_check("15270119800101123");
  ASSERT_TRUE(idcard::parse(good, kToday).ok());
  for (size_t i = 0; i < 17; ++i)
    for (char d = '0'; d <= '9'; ++d) {
      if (d == good[i]) continue;
      std::string typo = good;
      typo[i] = d;
      auto r = idcard::parse(typo, kToday);
      // a changed date digit may make the date invalid instead; either way it is refused
      EXPECT_FALSE(r.ok()) << typo;
    }
}

TEST(IdCard, RefusesImpossibleAndFutureBirthDates) {
  EXPECT_FALSE(idcard::parse(with_check("15270119800230123"), kToday).ok());  // 30 February
  EXPECT_FALSE(idcard::parse(with_check("15270119000229123"), kToday).ok());  // 1900 is not leap
  EXPECT_TRUE(idcard::parse(with_check("15270120000229123"), kToday).ok());   // 2000 is
  EXPECT_FALSE(idcard::parse(with_check("15270118991231123"), kToday).ok());  // before 1900
  EXPECT_FALSE(idcard::parse(with_check("15270120261129123"), kToday).ok());  // tomorrow
  EXPECT_TRUE(idcard::parse(with_check("15270120261128123"), kToday).ok());   // today
  EXPECT_FALSE(idcard::parse(with_check("15270119801301123"), kToday).ok());  // month 13
}

TEST(IdCard, RefusesWrongShapes) {
  for (std::string_view s : {"", "1527011980010112", "1527011980010112345", "15270119800101123Y",
                             "1527011980O101123X", "１５２７０１１９８００１０１１２３４"}) {
    auto r = idcard::parse(s, kToday);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().field, "id_number");
  }
}

TEST(IdCard, MasksAllButAreaAndLastFour) {
  EXPECT_EQ(idcard::mask("152701198001011234"), "152701********1234");
  EXPECT_EQ(idcard::mask("short"), "******");
}

TEST(IdCard, DaysFromCivil) {
  EXPECT_EQ(idcard::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(idcard::days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(idcard::days_from_civil(1969, 12, 31), -1);
}
