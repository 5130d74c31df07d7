// The end of an order's life: the reporter or the staff verify the work, the reporter rates it
// (多多评) and may reopen it for a while; the staff or the claimer transfer an unfinished order
// to another place or category.
#include "core/text.hpp"
#include "modules/orders/internal.hpp"

namespace mashang::orders {
using namespace detail;

namespace {
bool is_reporter(const Principal& who, const Order& o) { return who.account_id && o.reporter == who.account_id; }
}  // namespace

Result<Order> Service::verify(int64_t id, bool ok, const std::string& note, const Principal& who) {
  if (!ok || !note.empty())
    if (auto v = valid_text(note, "note"); !v.ok()) return v.error();
  return transition(id, who, ok ? "verified" : "sent_back", note, [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (o.status != "completed") return make_error(Errc::conflict, "only a completed order can be verified");
    if (!is_reporter(who, o) && !may_dispatch(who, o.path))
      return make_error(Errc::forbidden, "the reporter or the staff over its place verify an order");
    if (ok) {
      c.exec("UPDATE orders SET status = 'verified', version = version + 1, updated_at = $2 WHERE id = $1",
             {o.id, now});
    } else {  // not done: back to the claimer with a new finish deadline
      auto cat = category_by_id(c, o.category_id);
      c.exec(
          "UPDATE orders SET status = 'claimed', completed_at = NULL, due_at = $2, version = version + 1, "
          "updated_at = $3 WHERE id = $1",
          {o.id, now + cat->finish_minutes * 60000, now});
    }
    return ok_status();
  });
}

Result<Order> Service::rate(int64_t id, int64_t stars, const std::string& comment, const Principal& who) {
  if (stars < 1 || stars > 5) return make_error(Errc::invalid_input, "stars must be 1 to 5", "stars");
  if (!text::valid_utf8(comment) || text::utf8_chars(comment) > 500)
    return make_error(Errc::invalid_input, "the comment is at most 500 characters", "comment");
  return transition(
      id, who, "rated", comment,
      [&](store::Conn& c, Order& o, int64_t now) -> Status {
        if (!is_reporter(who, o)) return make_error(Errc::forbidden, "only the reporter rates an order");
        if (o.rating) return make_error(Errc::conflict, "you have rated this order already");
        if (o.status != "completed" && o.status != "verified")
          return make_error(Errc::conflict, "an order is rated once it is completed");
        c.exec(
            "UPDATE orders SET status = 'closed', rating = $2, rating_comment = $3, version = version + 1, "
            "updated_at = $4 WHERE id = $1",
            {o.id, stars, comment, now});
        return ok_status();
      },
      "{\"stars\":" + std::to_string(stars) + "}");
}

Result<Order> Service::reopen(int64_t id, const std::string& reason, const Principal& who) {
  if (auto v = valid_text(reason, "reason"); !v.ok()) return v.error();
  return transition(id, who, "reopened", reason, [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (!is_reporter(who, o)) return make_error(Errc::forbidden, "only the reporter reopens an order");
    if (o.status != "completed" && o.status != "verified" && o.status != "closed")
      return make_error(Errc::conflict, "only a finished order can be reopened");
    if (!o.completed_at || now > *o.completed_at + options_.reopen_hours * 3'600'000)
      return make_error(Errc::conflict,
                        "the time to reopen has passed (" + std::to_string(options_.reopen_hours) + " hours)");
    auto cat = category_by_id(c, o.category_id);
    // Back where it happened, for anyone eligible there, with a new claim deadline.
    c.exec(
        "UPDATE orders SET status = 'open', path = origin_path, level = $2, claimed_by = NULL, claimed_at = NULL, "
        "completed_at = NULL, rating = NULL, rating_comment = '', hold_reason = '', due_at = $3, "
        "reopens = reopens + 1, version = version + 1, updated_at = $4 WHERE id = $1",
        {o.id, std::string(level_of(o.origin_path)), now + cat->claim_minutes * 60000, now});
    return ok_status();
  });
}

Result<Order> Service::transfer(int64_t id, const std::optional<std::string>& path, const std::string& category_code,
                                const std::string& reason, const Principal& who) {
  if (auto v = valid_text(reason, "reason"); !v.ok()) return v.error();
  if (!path && category_code.empty())
    return make_error(Errc::invalid_input, "give the place (node_id) or the category to transfer to", "node_id");
  if (path && !valid_path(*path)) return make_error(Errc::invalid_input, "the place must be a territory path", "path");
  std::string details = "{}";  // filled once the order is read; the step is written after
  return transition(
      id, who, "transferred", reason,
      [&](store::Conn& c, Order& o, int64_t now) -> Status {
        if (o.status != "open" && o.status != "claimed" && o.status != "on_hold")
          return make_error(Errc::conflict, "a finished order is not transferred");
        bool claimer = who.account_id && o.claimed_by == who.account_id;
        if (!claimer && !may_dispatch(who, o.path))
          return make_error(Errc::forbidden, "the staff over its place or its claimer transfer an order");
        auto cat = category_code.empty() ? category_by_id(c, o.category_id) : category_by_code(c, category_code);
        if (!cat || !cat->active) return make_error(Errc::invalid_input, "no such category", "category");
        std::string to = path.value_or(o.path);
        if (to == o.path && cat->id == o.category_id)
          return make_error(Errc::invalid_input, "that is where the order is already", "node_id");
        c.exec(
            "UPDATE orders SET status = 'open', category_id = $2, origin_path = $3, path = $3, level = $4, "
            "claimed_by = NULL, claimed_at = NULL, hold_reason = '', due_at = $5, version = version + 1, "
            "updated_at = $6 WHERE id = $1",
            {o.id, cat->id, to, std::string(level_of(to)), now + cat->claim_minutes * 60000, now});
        details = "{\"from\":";
        text::append_json_string(details, o.path);
        details += ",\"to\":";
        text::append_json_string(details, to);
        details += ",\"from_category\":";
        text::append_json_string(details, o.category_code);
        details += ",\"to_category\":";
        text::append_json_string(details, cat->code);
        details += "}";
        return ok_status();
      },
      details);
}

}  // namespace mashang::orders
