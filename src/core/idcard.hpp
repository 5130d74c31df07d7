#pragma once
//! Resident identity card numbers (居民身份证号码, GB 11643-1999): 6 digits of area, 8 of
//! birth date, 3 of sequence (odd = male), and a check character (0-9 or X) over the other 17.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mashang::idcard {

struct IdCard {
  std::string number;  //!< normalised: 18 characters, upper-case X
  int birth_year = 0;
  int birth_month = 0;
  int birth_day = 0;
  char gender = 'M';  //!< 'M' or 'F', from the sequence's last digit
};

//! Validates and normalises a number: 18 characters, digits (a final x/X allowed), a real
//! birth date between 1900-01-01 and `today` (UTC, days since 1970-01-01), the check
//! character. The error says which part is wrong (field "id_number").
Result<IdCard> parse(std::string_view in, int64_t today_days);

//! The check character (0-9 or 'X') for the first 17 digits.
char check_char(std::string_view first17);

//! "152701198001011234" → "152701********1234"; anything not 18 long → "******".
std::string mask(std::string_view number);

//! True when y-m-d is a date of the (proleptic Gregorian) calendar.
bool is_civil_date(int y, int m, int d);

//! Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t days_from_civil(int y, int m, int d);

}  // namespace mashang::idcard
