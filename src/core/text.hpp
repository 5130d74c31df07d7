#pragma once
//! Small text helpers shared by every layer: UTF-8 checks, masking, JSON string escaping.
#include <optional>
#include <string>
#include <string_view>

namespace mashang::text {

//! True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool valid_utf8(std::string_view s);
//! The number of characters (code points) in valid UTF-8 `s`.
size_t utf8_chars(std::string_view s);
//! The longest prefix of valid UTF-8 `s` of at most `bytes` bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view s, size_t bytes);

//! Mainland mobile number normalised to 11 digits ("+86 138-0013-8000" → "13800138000"),
//! or nullopt when it is not one.
std::optional<std::string> normalize_phone(std::string_view s);

//! "13812345678" → "138****5678". Anything shorter than 7 characters becomes "****".
std::string mask_phone(std::string_view phone);

//! One line of text as people type it into a form: 1..max_bytes of valid UTF-8, no control
//! characters, not only spaces.
bool plain_line(std::string_view s, size_t max_bytes);

//! Appends `s` to `out` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

//! Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace mashang::text

namespace mashang::text {
//! Constant-time comparison of a presented secret with the expected one (false when empty).
bool equal_ct_header(std::string_view presented, std::string_view expected);
//! "2026-11-29 19:40": a time in the district's time zone (UTC+8), to the minute, for exports.
std::string local_minute(int64_t utc_ms);

}  // namespace mashang::text
