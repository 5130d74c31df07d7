#pragma once
//! Open311 GeoReport v2 (docs/reference/open311.md): outside tools (FixMyStreet and the like)
//! read our categories as services, post service requests that become reports (随手拍), and
//! follow them. This header holds the client applications and their API keys, and the pieces
//! of the format (W3C datetimes in +08:00, the JSON and XML trees) the routes use.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::open311 {

//! A client application allowed to post: its key is shown once, at issue, and kept hashed.
struct Client {
  int64_t id = 0;
  std::string name, contact, key_hint;
  std::optional<int64_t> created_by;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

class Clients {
 public:
  Clients(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}
  //! A new client and its key (district administrators; audited).
  Result<std::pair<Client, std::string>> issue(const std::string& name, const std::string& contact,
                                               const Principal& who, const std::string& ip);
  Result<std::vector<Client>> list(const Principal& who);
  //! The key stops working at once (audited).
  Result<Client> revoke(int64_t id, const Principal& who, const std::string& ip);
  //! The active client holding `key`, if any.
  std::optional<Client> by_key(std::string_view key);

 private:
  store::Db& db_;
  const Clock& clock_;
};

//! "2026-07-01T20:15:00+08:00": the district's local time (UTC+8, no daylight saving).
std::string w3c_datetime(int64_t ms);
//! A W3C datetime with a zone (Z or ±hh:mm), seconds optional; nullopt otherwise.
std::optional<int64_t> parse_w3c(std::string_view text);

//! A response as a tree that writes itself as JSON or as the spec's XML.
struct Node {
  enum class Kind { text, number, boolean, null, object, list };
  std::string_view tag;  //!< XML element (and the JSON key inside an object); always a literal
  Kind kind = Kind::null;
  std::string value;
  std::vector<Node> kids;

  static Node text(std::string_view tag, std::string v) { return {tag, Kind::text, std::move(v), {}}; }
  static Node opt_text(std::string_view tag, const std::optional<std::string>& v) {
    return v ? text(tag, *v) : null(tag);
  }
  static Node number(std::string_view tag, double v);
  static Node integer(std::string_view tag, int64_t v) { return {tag, Kind::number, std::to_string(v), {}}; }
  static Node boolean(std::string_view tag, bool v) { return {tag, Kind::boolean, v ? "true" : "false", {}}; }
  static Node null(std::string_view tag) { return {tag, Kind::null, "", {}}; }
  static Node object(std::string_view tag, std::vector<Node> kids = {}) {
    return {tag, Kind::object, "", std::move(kids)};
  }
  static Node list(std::string_view tag, std::vector<Node> kids = {}) { return {tag, Kind::list, "", std::move(kids)}; }

  std::string json() const;
  std::string xml() const;  //!< with the XML declaration
};

}  // namespace mashang::open311
