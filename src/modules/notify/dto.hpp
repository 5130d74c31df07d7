#pragma once
// JSON shapes of notifications (docs/openapi.yaml: Notification, NotificationDelivery).
#include <string>

#include "core/text.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::notify::dto {

inline std::string message_json(const Stored& m) {
  std::string o = "{\"id\":" + std::to_string(m.id) + ",\"kind\":";
  text::append_json_string(o, m.message.kind);
  o += ",\"subject\":";
  text::append_json_string(o, m.message.subject);
  o += ",\"title\":";
  text::append_json_string(o, m.message.title);
  o += ",\"body\":";
  text::append_json_string(o, m.message.body);
  o += std::string(",\"urgent\":") + (m.message.urgent ? "true" : "false");
  o += ",\"payload\":" + m.message.payload;  // a JSON object written by the server
  o += ",\"created_at\":" + std::to_string(m.created_at) +
       ",\"read_at\":" + (m.read_at ? std::to_string(*m.read_at) : std::string("null")) + "}";
  return o;
}

inline std::string delivery_json(const Delivery& d) {
  std::string o = "{\"id\":" + std::to_string(d.id) + ",\"message_id\":" + std::to_string(d.message_id) +
                  ",\"channel\":\"" + d.channel + "\",\"status\":\"" + d.status +
                  "\",\"attempts\":" + std::to_string(d.attempts) + ",\"next_at\":" + std::to_string(d.next_at) +
                  ",\"last_error\":";
  if (d.last_error)
    text::append_json_string(o, *d.last_error);
  else
    o += "null";
  o += ",\"sent_at\":" + (d.sent_at ? std::to_string(*d.sent_at) : std::string("null")) +
       ",\"created_at\":" + std::to_string(d.created_at) + "}";
  return o;
}

}  // namespace mashang::notify::dto
