#include "core/idcard.hpp"

namespace mashang::idcard {
namespace {

constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

}  // namespace

bool is_civil_date(int y, int m, int d) { return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m); }

namespace {

int digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

int64_t days_from_civil(int y, int m, int d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

char check_char(std::string_view first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

Result<IdCard> parse(std::string_view in, int64_t today_days) {
  auto bad = [](std::string msg) { return make_error(Errc::invalid_input, std::move(msg), "id_number"); };
  if (in.size() != 18) return bad("an ID card number has 18 characters");
  std::string n(in);
  if (n[17] == 'x') n[17] = 'X';
  for (int i = 0; i < 17; ++i)
    if (n[i] < '0' || n[i] > '9') return bad("an ID card number has digits in its first 17 places");
  if (!((n[17] >= '0' && n[17] <= '9') || n[17] == 'X')) return bad("an ID card number ends in a digit or X");
  IdCard card;
  card.birth_year = digits(std::string_view(n).substr(6, 4));
  card.birth_month = digits(std::string_view(n).substr(10, 2));
  card.birth_day = digits(std::string_view(n).substr(12, 2));
  if (card.birth_year < 1900 || !is_civil_date(card.birth_year, card.birth_month, card.birth_day))
    return bad("the birth date in the ID card number is not a date");
  if (days_from_civil(card.birth_year, card.birth_month, card.birth_day) > today_days)
    return bad("the birth date in the ID card number is in the future");
  if (check_char(n) != n[17]) return bad("the ID card number's check character does not match (mistyped?)");
  card.gender = (n[16] - '0') % 2 ? 'M' : 'F';
  card.number = std::move(n);
  return card;
}

std::string mask(std::string_view number) {
  if (number.size() != 18) return "******";
  return std::string(number.substr(0, 6)) + "********" + std::string(number.substr(14));
}

}  // namespace mashang::idcard
