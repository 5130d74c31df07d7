#pragma once
//! Writing JSON objects field by field, for modules' dto.hpp: each helper appends
//! `,"key":value` (the object's first field is written by hand), strings escaped by
//! text::append_json_string, absent optionals as null.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace mashang::http::json {

inline void key(std::string& o, const char* k) {
  o += ",\"";
  o += k;
  o += "\":";
}
inline void str(std::string& o, const char* k, std::string_view v) {
  key(o, k);
  text::append_json_string(o, v);
}
inline void num(std::string& o, const char* k, int64_t v) {
  key(o, k);
  o += std::to_string(v);
}
inline void opt(std::string& o, const char* k, const std::optional<int64_t>& v) {
  key(o, k);
  o += v ? std::to_string(*v) : std::string("null");
}
inline void opt_str(std::string& o, const char* k, const std::optional<std::string>& v) {
  key(o, k);
  if (v)
    text::append_json_string(o, *v);
  else
    o += "null";
}
inline void flag(std::string& o, const char* k, bool v) {
  key(o, k);
  o += v ? "true" : "false";
}
inline void opt_flag(std::string& o, const char* k, const std::optional<bool>& v) {
  key(o, k);
  o += v ? (*v ? "true" : "false") : "null";
}
inline void strings(std::string& o, const char* k, const std::vector<std::string>& v) {
  key(o, k);
  o += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) o += ',';
    text::append_json_string(o, v[i]);
  }
  o += ']';
}

//! The JSON texts `f(x)` of a list's elements, comma-separated.
template <class T, class F>
std::string elements(const std::vector<T>& list, F f) {
  std::string o;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) o += ',';
    o += f(list[i]);
  }
  return o;
}

//! `{"items":[…]}`.
template <class T, class F>
std::string items(const std::vector<T>& list, F f) {
  return "{\"items\":[" + elements(list, f) + "]}";
}

//! `{"items":[…],"next_before":…}`: a page of a list read newest first, `limit` at most; when
//! it is full, the last element's id is where the next (older) page starts, else null.
template <class T, class F>
std::string page(const std::vector<T>& list, int64_t limit, F f) {
  std::string o = "{\"items\":[" + elements(list, f) + "],\"next_before\":";
  o += static_cast<int64_t>(list.size()) == limit && !list.empty() ? std::to_string(list.back().id) : "null";
  return o + "}";
}

}  // namespace mashang::http::json
