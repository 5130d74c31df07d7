// Tokens and printed numbers. A token is 8 random bytes and a 10-byte keyed MAC of them,
// base64url: 24 characters that say nothing about their target. A number is the code's id
// in Crockford base32 with its mod-37 check symbol, for people.
#include "modules/codes/detail.hpp"

namespace mashang::codes {
namespace {
constexpr std::string_view kSymbols = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";  // 32 digits + 5 check symbols
constexpr size_t kRandomBytes = 8, kMacBytes = 10, kDigits = 6;

std::string mac_of(const crypto::Keyring& keys, std::string_view random) {
  return keys.mac("codes", random, 16).substr(0, kMacBytes);
}
}  // namespace

std::string mint_token(const crypto::Keyring& keys) {
  std::string raw = crypto::random_bytes(kRandomBytes);
  return crypto::base64url(raw + mac_of(keys, raw));
}

bool token_verifies(const crypto::Keyring& keys, std::string_view token) {
  if (token.size() != kTokenChars) return false;
  auto raw = crypto::from_base64url(token);
  if (!raw || raw->size() != kRandomBytes + kMacBytes) return false;
  std::string_view bytes(*raw);
  return crypto::equal_ct(mac_of(keys, bytes.substr(0, kRandomBytes)), bytes.substr(kRandomBytes));
}

std::string number_of(int64_t id) {
  std::string digits(kDigits, '0');
  uint64_t v = static_cast<uint64_t>(id);
  for (size_t i = kDigits; i-- > 0; v /= 32) digits[i] = kSymbols[v % 32];
  std::string out = digits.substr(0, 4) + "-" + digits.substr(4);
  out += kSymbols[static_cast<uint64_t>(id) % 37];
  return out;
}

std::optional<int64_t> id_of_number(std::string_view number) {
  std::string s;
  for (char ch : number) {
    if (ch == '-' || ch == ' ') continue;
    char u = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    s += u;
  }
  if (s.size() != kDigits + 1) return std::nullopt;
  int64_t id = 0;
  for (size_t i = 0; i < kDigits; ++i) {
    auto at = kSymbols.substr(0, 32).find(s[i]);
    if (at == std::string_view::npos) return std::nullopt;
    id = id * 32 + static_cast<int64_t>(at);
  }
  auto check = kSymbols.find(s[kDigits]);
  if (check == std::string_view::npos || static_cast<int64_t>(check) != id % 37 || id == 0) return std::nullopt;
  return id;
}

}  // namespace mashang::codes
