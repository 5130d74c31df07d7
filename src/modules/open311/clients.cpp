// Open311 client applications and their keys; the format helpers.
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/open311/open311.hpp"

namespace mashang::open311 {
namespace {

bool is_admin(const Principal& who) { return who.has_role("district_admin", "/"); }

Client client_of(const store::Row& r) {
  return {r.integer(0), r.text(1), r.text(2), r.text(3), r.opt_integer(4), r.integer(5), r.opt_integer(6)};
}

constexpr const char* kColumns =
    "SELECT id, name, contact, key_hint, created_by, created_at, revoked_at FROM open311_clients ";

Error admins_only() { return make_error(Errc::forbidden, "only district administrators manage Open311 clients"); }

void append_xml_escaped(std::string& o, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        o += c;
    }
  }
}

void write_json(std::string& o, const Node& n) {
  switch (n.kind) {
    case Node::Kind::text: text::append_json_string(o, n.value); return;
    case Node::Kind::number:
    case Node::Kind::boolean: o += n.value; return;
    case Node::Kind::null: o += "null"; return;
    case Node::Kind::object:
      o += '{';
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i) o += ',';
        text::append_json_string(o, n.kids[i].tag);
        o += ':';
        write_json(o, n.kids[i]);
      }
      o += '}';
      return;
    case Node::Kind::list:
      o += '[';
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i) o += ',';
        write_json(o, n.kids[i]);
      }
      o += ']';
      return;
  }
}

void write_xml(std::string& o, const Node& n) {
  o += '<';
  o += n.tag;
  if (n.kind == Node::Kind::null) {
    o += "/>";
    return;
  }
  o += '>';
  if (n.kind == Node::Kind::object || n.kind == Node::Kind::list)
    for (const auto& k : n.kids) write_xml(o, k);
  else
    append_xml_escaped(o, n.value);
  o += "</";
  o += n.tag;
  o += '>';
}

constexpr int64_t kOffsetMs = 8LL * 3600 * 1000;  // UTC+8

}  // namespace

Node Node::number(std::string_view tag, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", std::isfinite(v) ? v : 0.0);
  return {tag, Kind::number, buf, {}};
}

std::string Node::json() const {
  std::string o;
  o.reserve(256 + 512 * kids.size());
  write_json(o, *this);
  return o;
}

std::string Node::xml() const {
  std::string o = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
  o.reserve(256 + 768 * kids.size());
  write_xml(o, *this);
  return o;
}

std::string w3c_datetime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>((ms + kOffsetMs) / 1000 - ((ms + kOffsetMs) % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // room for any int the format could be given (GCC checks)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_w3c(std::string_view s) {
  auto num = [&](size_t at, size_t n) -> std::optional<int> {
    if (s.size() < at + n) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2);
  if (!y || !mo || !d || !h || !mi || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
    return std::nullopt;
  size_t at = 16;
  int sec = 0;
  if (s.size() > at && s[at] == ':') {
    auto v = num(at + 1, 2);
    if (!v) return std::nullopt;
    sec = *v;
    at += 3;
    if (s.size() > at && s[at] == '.') {  // a fraction of a second: dropped
      ++at;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    }
  }
  int64_t zone_ms = 0;
  std::string_view zone = s.substr(at);
  if (zone == "Z") {
    zone_ms = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto zh = num(at + 1, 2), zm = num(at + 4, 2);
    if (!zh || !zm || *zh > 14 || *zm > 59) return std::nullopt;
    zone_ms = (zone[0] == '-' ? -1 : 1) * ((*zh * 60LL + *zm) * 60'000);
  } else {
    return std::nullopt;  // the spec wants a zone
  }
  if (*mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != *d) return std::nullopt;  // 2026-02-30
  return static_cast<int64_t>(t) * 1000 - zone_ms;
}

Result<std::pair<Client, std::string>> Clients::issue(const std::string& name, const std::string& contact,
                                                      const Principal& who, const std::string& ip) {
  if (!is_admin(who)) return admins_only();
  size_t chars = text::utf8_chars(name);
  if (chars < 2 || chars > 100 || !text::valid_utf8(name))
    return make_error(Errc::invalid_input, "the name must be 2 to 100 characters", "name");
  if (text::utf8_chars(contact) > 200 || !text::valid_utf8(contact))
    return make_error(Errc::invalid_input, "the contact is at most 200 characters", "contact");
  std::string key = crypto::random_token(24);
  Client out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    int64_t id = c.query_one(
                      "INSERT INTO open311_clients (name, contact, key_hash, key_hint, created_by, created_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                      {name, contact, crypto::token_hash(key), key.substr(0, 4), who.account_id, now})
                     ->integer(0);
    out = client_of(*c.query_one(std::string(kColumns) + "WHERE id = $1", {id}));
    std::string details = "{\"name\":";
    text::append_json_string(details, name);
    audit::record(
        c, {"open311.client_issued", "open311_client:" + std::to_string(id), who.account_id, ip, "", details + "}"},
        now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return std::make_pair(out, key);
}

Result<std::vector<Client>> Clients::list(const Principal& who) {
  if (!is_admin(who)) return admins_only();
  std::vector<Client> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query(std::string(kColumns) + "ORDER BY id")) out.push_back(client_of(r));
  });
  return out;
}

Result<Client> Clients::revoke(int64_t id, const Principal& who, const std::string& ip) {
  if (!is_admin(who)) return admins_only();
  Result<Client> out = make_error(Errc::not_found, "no such client");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto r = c.query_one(std::string(kColumns) + "WHERE id = $1", {id});
    if (!r) return make_error(Errc::not_found, "no such client");
    if (!r->is_null(6)) return make_error(Errc::conflict, "the key is revoked already");
    int64_t now = clock_.now_ms();
    c.exec("UPDATE open311_clients SET revoked_at = $2 WHERE id = $1", {id, now});
    out = client_of(*c.query_one(std::string(kColumns) + "WHERE id = $1", {id}));
    audit::record(c, {"open311.client_revoked", "open311_client:" + std::to_string(id), who.account_id, ip}, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

std::optional<Client> Clients::by_key(std::string_view key) {
  if (key.empty() || key.size() > 128) return std::nullopt;
  std::optional<Client> out;
  db_.read([&](store::Conn& c) {
    static const std::string sql = std::string(kColumns) + "WHERE key_hash = $1 AND revoked_at IS NULL";
    if (auto r = c.query_one(sql, {crypto::token_hash(key)})) out = client_of(*r);
  });
  return out;
}

}  // namespace mashang::open311
