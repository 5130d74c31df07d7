// Meals 助餐: a community's menu a day, orders before the cut-off (pick-up or delivery), each
// dish's count moved by a conditional UPDATE so no dish is sold past its portions, and the
// kitchen's count of what to cook.
#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "modules/care/internal.hpp"

namespace mashang::care {

using namespace detail;

namespace {

constexpr int64_t kCutoffDefault = 9 * 60 * kMinuteMs;  //!< 09:00 of the day
constexpr size_t kItemsMax = 20, kLinesMax = 10;
constexpr int64_t kQtyMax = 5, kRangeDaysMax = 31;

constexpr const char* kMenuColumns =
    "id, community_id, path, day, cutoff_at, pickup, delivery, note, created_at, updated_at";

Menu menu_of(const store::Row& r, int64_t now) {
  Menu m;
  m.id = r.integer(0);
  m.community_id = r.integer(1);
  m.path = r.text(2);
  m.date = r.text(3);
  m.cutoff_at = r.integer(4);
  m.pickup = r.integer(5) != 0;
  m.delivery = r.integer(6) != 0;
  m.note = r.text(7);
  m.created_at = r.integer(8);
  m.updated_at = r.integer(9);
  m.open = now < m.cutoff_at;
  return m;
}

//! A menu with its dishes on sale (withdrawn ones left out).
std::optional<Menu> menu_in(store::Conn& c, int64_t id, int64_t now) {
  auto r = c.query_one(std::string("SELECT ") + kMenuColumns + " FROM care_menus WHERE id = $1", {id});
  if (!r) return std::nullopt;
  Menu m = menu_of(*r, now);
  for (const auto& i : c.query("SELECT id, name, price_fen, portions, ordered FROM care_menu_items WHERE menu_id = $1 "
                               "AND removed_at IS NULL ORDER BY position, id",
                               {id}))
    m.items.push_back({i.integer(0), i.text(1), i.integer(2), i.integer(3), i.integer(4)});
  return m;
}

constexpr const char* kMealColumns =
    "m.id, m.menu_id, u.day, m.person_id, m.placed_by, m.mode, m.note, m.status, m.created_at, m.cancelled_at, "
    "m.served_at";

//! The meal orders a `tail` ("WHERE … ORDER BY … LIMIT …" on care_meals m joined to its menu u)
//! picks, each with its dishes: two queries, whatever the count.
std::vector<Meal> meals_where(store::Conn& c, const std::string& tail, const std::vector<store::Value>& args) {
  const std::string from = " FROM care_meals m JOIN care_menus u ON u.id = m.menu_id " + tail;
  std::vector<Meal> out;
  std::map<int64_t, size_t> at;
  for (const auto& r : c.query(std::string("SELECT ") + kMealColumns + from, args)) {
    Meal m;
    m.id = r.integer(0);
    m.menu_id = r.integer(1);
    m.date = r.text(2);
    m.person_id = r.integer(3);
    m.placed_by = r.integer(4);
    m.mode = r.text(5);
    m.note = r.text(6);
    m.status = r.text(7);
    m.created_at = r.integer(8);
    m.cancelled_at = r.opt_integer(9);
    m.served_at = r.opt_integer(10);
    at[m.id] = out.size();
    out.push_back(std::move(m));
  }
  if (out.empty()) return out;
  for (const auto& l : c.query("SELECT l.meal_id, l.item_id, l.qty, i.name, l.price_fen FROM care_meal_lines l JOIN "
                               "care_menu_items i ON i.id = l.item_id WHERE l.meal_id IN (SELECT m.id" +
                                   from + ") ORDER BY l.meal_id, i.position, i.id",
                               args)) {
    auto it = at.find(l.integer(0));
    if (it == at.end()) continue;
    Meal& m = out[it->second];
    m.items.push_back({l.integer(1), l.integer(2), l.text(3), l.integer(4)});
    m.total_fen += l.integer(2) * l.integer(4);
  }
  return out;
}

//! A meal order with its person's name.
std::optional<Meal> meal_in(store::Conn& c, const Directory& dir, int64_t id) {
  auto found = meals_where(c, "WHERE m.id = $1", {id});
  if (found.empty()) return std::nullopt;
  Meal m = std::move(found.front());
  if (auto home = dir.home ? dir.home(c, m.person_id) : std::nullopt) m.person_name = home->name;
  return m;
}

//! The checks of a menu's fields (not its date or community).
Status valid_menu(const MenuChange& in) {
  if (!in.pickup && !in.delivery) return make_error(Errc::invalid_input, "offer pick-up, delivery or both", "pickup");
  if (in.note.size() > 500 || !text::valid_utf8(in.note) || in.note.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "note must be at most 500 bytes of text", "note");
  if (in.items.empty() || in.items.size() > kItemsMax)
    return make_error(Errc::invalid_input, "a menu has 1 to 20 dishes", "items");
  std::set<std::string> names;
  std::set<int64_t> ids;
  for (const auto& i : in.items) {
    if (i.name.empty() || text::utf8_chars(i.name) > 60 || !text::plain_line(i.name, 240))
      return make_error(Errc::invalid_input, "a dish's name is one line of 1 to 60 characters", "items");
    if (!names.insert(i.name).second)
      return make_error(Errc::invalid_input, "the dish " + i.name + " is on the menu twice", "items");
    if (i.id != 0 && !ids.insert(i.id).second)
      return make_error(Errc::invalid_input, "a dish's id is given twice", "items");
    if (i.price_fen < 0 || i.price_fen > 100'000)
      return make_error(Errc::invalid_input, "price_fen must be 0 to 100000", "items");
    if (i.portions < 1 || i.portions > 2'000)
      return make_error(Errc::invalid_input, "portions must be 1 to 2000", "items");
  }
  return ok_status();
}

std::string meal_event(const Meal& m) {
  return "{\"menu_id\":" + std::to_string(m.menu_id) + ",\"meal_id\":" + std::to_string(m.id) + ",\"status\":\"" +
         m.status + "\"}";
}

void emit_meal(store::Conn& c, const Meal& m, const std::string& path) {
  c.emit({"care.meal_changed", "care_meal:" + std::to_string(m.id), path, std::nullopt, meal_event(m)});
}

}  // namespace

Result<Menu> Service::add_menu(int64_t community_id, const MenuChange& in, const Principal& who) {
  int64_t now = clock_.now_ms();
  auto day = day_of(in.date);
  if (!day) return make_error(Errc::invalid_input, "date must be YYYY-MM-DD", "date");
  if (*day < local_day_start(now)) return make_error(Errc::invalid_input, "the day has passed", "date");
  int64_t cutoff = in.cutoff_at.value_or(*day + kCutoffDefault);
  if (cutoff > *day + kDayMs)
    return make_error(Errc::invalid_input, "the cut-off must be before the end of the day", "cutoff_at");
  if (auto s = valid_menu(in); !s.ok()) return s.error();
  if (std::any_of(in.items.begin(), in.items.end(), [](const MenuItem& i) { return i.id != 0; }))
    return make_error(Errc::invalid_input, "a new menu's dishes have no id", "items");
  Result<Menu> out = make_error(Errc::internal, "not added");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto path = dir_.node_path ? dir_.node_path(c, community_id, "community") : std::nullopt;
    if (!path || !staff_over(who, *path)) return make_error(Errc::not_found, "no such community", "community_id");
    if (!manager_over(who, *path)) return make_error(Errc::forbidden, "community or street staff keep the menus");
    auto id = c.query_unique(
        "INSERT INTO care_menus (community_id, path, day, cutoff_at, pickup, delivery, note, created_by, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        {community_id, *path, in.date, cutoff, int64_t{in.pickup}, int64_t{in.delivery}, in.note, who.account_id, now});
    if (!id.ok()) return make_error(Errc::conflict, "the community has a menu that day already", "date");
    int64_t menu_id = id->at(0).integer(0), position = 0;
    for (const auto& i : in.items)
      c.exec("INSERT INTO care_menu_items (menu_id, position, name, price_fen, portions) VALUES ($1, $2, $3, $4, $5)",
             {menu_id, position++, i.name, i.price_fen, i.portions});
    out = *menu_in(c, menu_id, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Menu> Service::change_menu(int64_t id, const MenuChange& in, const Principal& who) {
  if (auto s = valid_menu(in); !s.ok()) return s.error();
  int64_t now = clock_.now_ms();
  Result<Menu> out = make_error(Errc::internal, "not changed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto menu = menu_in(c, id, now);
    if (!menu || !staff_over(who, menu->path)) return make_error(Errc::not_found, "no such menu");
    if (!manager_over(who, menu->path)) return make_error(Errc::forbidden, "community or street staff keep the menus");
    int64_t day = *day_of(menu->date), cutoff = in.cutoff_at.value_or(menu->cutoff_at);
    if (cutoff > day + kDayMs)
      return make_error(Errc::invalid_input, "the cut-off must be before the end of the day", "cutoff_at");
    std::map<int64_t, const MenuItem*> kept;
    for (const auto& i : in.items)
      if (i.id != 0) kept[i.id] = &i;
    for (const auto& [item_id, item] : kept) {
      auto now_item =
          std::find_if(menu->items.begin(), menu->items.end(), [&](const MenuItem& m) { return m.id == item_id; });
      if (now_item == menu->items.end())
        return make_error(Errc::invalid_input, "dish " + std::to_string(item_id) + " is not on this menu", "items");
      if (item->portions < now_item->ordered)
        return make_error(Errc::conflict,
                          now_item->name + " has " + std::to_string(now_item->ordered) + " portions ordered already",
                          "items");
    }
    for (const auto& m : menu->items)
      if (!kept.contains(m.id) && m.ordered > 0)
        return make_error(Errc::conflict, m.name + " has orders: it cannot be taken off the menu", "items");
    for (auto [mode, offered] : {std::pair{"pickup", in.pickup}, std::pair{"delivery", in.delivery}})
      if (!offered && c.query_one("SELECT 1 FROM care_meals WHERE menu_id = $1 AND mode = $2 AND status <> 'cancelled'",
                                  {id, std::string(mode)}))
        return make_error(Errc::conflict, std::string("orders use ") + mode + ": it stays offered", mode);
    c.exec("UPDATE care_menus SET cutoff_at = $2, pickup = $3, delivery = $4, note = $5, updated_at = $6 WHERE id = $1",
           {id, cutoff, int64_t{in.pickup}, int64_t{in.delivery}, in.note, now});
    for (const auto& m : menu->items)
      if (!kept.contains(m.id))
        c.exec("UPDATE care_menu_items SET removed_at = $2 WHERE id = $1 AND ordered = 0", {m.id, now});
    int64_t position = 0;
    for (const auto& i : in.items) {
      if (i.id != 0) {
        // The count may have moved since it was read: the CHECK (ordered <= portions) holds.
        if (c.query("UPDATE care_menu_items SET position = $2, name = $3, price_fen = $4, portions = $5 WHERE id = $1 "
                    "AND ordered <= $5 RETURNING id",
                    {i.id, position++, i.name, i.price_fen, i.portions})
                .empty())
          return make_error(Errc::conflict, i.name + " has more portions ordered than that", "items");
      } else {
        c.exec("INSERT INTO care_menu_items (menu_id, position, name, price_fen, portions) VALUES ($1, $2, $3, $4, $5)",
               {id, position++, i.name, i.price_fen, i.portions});
      }
    }
    out = *menu_in(c, id, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Menu>> Service::menus(std::optional<int64_t> community_id, const std::string& from,
                                         const std::string& to, const Principal& who) {
  int64_t now = clock_.now_ms(), today = local_day_start(now);
  auto first = from.empty() ? std::optional(today) : day_of(from);
  if (!first) return make_error(Errc::invalid_input, "from must be YYYY-MM-DD", "from");
  auto last = to.empty() ? std::optional(*first + 6 * kDayMs) : day_of(to);
  if (!last || *last < *first) return make_error(Errc::invalid_input, "to must be a day from `from` on", "to");
  if (*last - *first >= kRangeDaysMax * kDayMs) return make_error(Errc::invalid_input, "at most 31 days", "to");
  std::vector<Menu> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::optional<std::string> path;
    if (community_id) {
      path = dir_.node_path ? dir_.node_path(c, *community_id, "community") : std::nullopt;
      if (!path) {
        st = make_error(Errc::not_found, "no such community", "community_id");
        return;
      }
    }
    if (!path || !staff_at(who, *path)) {
      // A resident: their own community's.
      auto own = own_community(dir_, c, who);
      if (!own || (path && *path != *own)) {
        st = make_error(Errc::not_found, "no such community", "community_id");
        return;
      }
      path = own;
    }
    for (const auto& r : c.query("SELECT id FROM care_menus WHERE path = $1 AND day >= $2 AND day <= $3 ORDER BY day",
                                 {*path, date_of(*first), date_of(*last)}))
      out.push_back(*menu_in(c, r.integer(0), now));
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Menu> Service::menu(int64_t id, const Principal& who) {
  std::optional<Menu> out;
  db_.read([&](store::Conn& c) {
    out = menu_in(c, id, clock_.now_ms());
    if (!out || staff_at(who, out->path)) return;
    if (own_community(dir_, c, who) != out->path) out.reset();
  });
  if (!out) return make_error(Errc::not_found, "no such menu");
  return *out;
}

Result<Kitchen> Service::kitchen(int64_t menu_id, const Principal& who) {
  Kitchen k;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    auto m = menu_in(c, menu_id, clock_.now_ms());
    if (!m || !staff_over(who, m->path)) {
      st = make_error(Errc::not_found, "no such menu");
      return;
    }
    k.menu_id = m->id;
    k.date = m->date;
    // A cancelled order's lines join no meal here, so they count nowhere.
    for (const auto& r :
         c.query("SELECT i.id, i.name, i.portions, COALESCE(SUM(CASE WHEN m.mode = 'pickup' THEN l.qty END), 0), "
                 "COALESCE(SUM(CASE WHEN m.mode = 'delivery' THEN l.qty END), 0) FROM care_menu_items i "
                 "LEFT JOIN care_meal_lines l ON l.item_id = i.id LEFT JOIN care_meals m ON m.id = l.meal_id AND "
                 "m.status <> 'cancelled' WHERE i.menu_id = $1 AND i.removed_at IS NULL GROUP BY i.id, i.name, "
                 "i.portions, i.position ORDER BY i.position, i.id",
                 {menu_id})) {
      KitchenLine l{r.integer(0), r.text(1), r.integer(2), r.integer(3) + r.integer(4), r.integer(3), r.integer(4)};
      k.items.push_back(std::move(l));
    }
    auto t = c.query_one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN mode = 'pickup' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN mode = 'delivery' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'served' THEN 1 ELSE 0 END), 0) FROM care_meals WHERE menu_id = $1 AND "
        "status <> 'cancelled'",
        {menu_id});
    k.orders = t->integer(0);
    k.pickup = t->integer(1);
    k.delivery = t->integer(2);
    k.served = t->integer(3);
  });
  if (!st.ok()) return st.error();
  return k;
}

Result<Meal> Service::order_meal(const NewMeal& in, const Principal& who) {
  if (in.mode != "pickup" && in.mode != "delivery")
    return make_error(Errc::invalid_input, "mode must be pickup or delivery", "mode");
  if (in.items.empty() || in.items.size() > kLinesMax)
    return make_error(Errc::invalid_input, "order 1 to 10 dishes", "items");
  std::set<int64_t> ids;
  for (const auto& l : in.items) {
    if (!ids.insert(l.item_id).second) return make_error(Errc::invalid_input, "each dish once", "items");
    if (l.qty < 1 || l.qty > kQtyMax) return make_error(Errc::invalid_input, "qty must be 1 to 5", "items");
  }
  if (in.note.size() > 200 || !text::valid_utf8(in.note) || in.note.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "note must be at most 200 bytes of text", "note");
  int64_t now = clock_.now_ms();
  Result<Meal> out = make_error(Errc::internal, "not ordered");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto home = subject_in(dir_, c, who, in.person_id);
    if (!home.ok()) return home.error();
    auto menu = menu_in(c, in.menu_id, now);
    if (!menu || community_path(home->path) != menu->path)
      return make_error(Errc::not_found, "no such menu in the community", "menu_id");
    if (!menu->open) return make_error(Errc::conflict, "the cut-off has passed: orders are closed", "menu_id");
    if ((in.mode == "pickup" && !menu->pickup) || (in.mode == "delivery" && !menu->delivery))
      return make_error(Errc::invalid_input, "no " + in.mode + " that day", "mode");
    std::vector<const MenuItem*> dishes;
    for (const auto& l : in.items) {
      auto d =
          std::find_if(menu->items.begin(), menu->items.end(), [&](const MenuItem& m) { return m.id == l.item_id; });
      if (d == menu->items.end())
        return make_error(Errc::invalid_input, "dish " + std::to_string(l.item_id) + " is not on this menu", "items");
      dishes.push_back(&*d);
    }
    if (c.query_one("SELECT 1 FROM care_meals WHERE menu_id = $1 AND person_id = $2 AND status <> 'cancelled'",
                    {menu->id, home->person_id}))
      return make_error(Errc::conflict, "ordered from this menu already: cancel that order first", "menu_id");
    // Each dish's count: never past its portions, however many order at once.
    for (size_t i = 0; i < dishes.size(); ++i)
      if (c.query("UPDATE care_menu_items SET ordered = ordered + $2 WHERE id = $1 AND ordered + $2 <= portions "
                  "RETURNING id",
                  {dishes[i]->id, in.items[i].qty})
              .empty()) {
        auto left = c.query_one("SELECT portions - ordered FROM care_menu_items WHERE id = $1", {dishes[i]->id});
        return make_error(Errc::conflict,
                          dishes[i]->name + " is sold out (" + std::to_string(left ? left->integer(0) : 0) + " left)",
                          "items");
      }
    auto id = c.query_unique(
        "INSERT INTO care_meals (menu_id, person_id, placed_by, mode, note, status, created_at) VALUES ($1, $2, $3, "
        "$4, "
        "$5, 'ordered', $6) RETURNING id",
        {menu->id, home->person_id, who.account_id, in.mode, in.note, now});
    if (!id.ok())
      return make_error(Errc::conflict, "ordered from this menu already: cancel that order first", "menu_id");
    int64_t meal_id = id->at(0).integer(0);
    for (size_t i = 0; i < dishes.size(); ++i)
      c.exec("INSERT INTO care_meal_lines (meal_id, item_id, qty, price_fen) VALUES ($1, $2, $3, $4)",
             {meal_id, dishes[i]->id, in.items[i].qty, dishes[i]->price_fen});
    out = *meal_in(c, dir_, meal_id);
    emit_meal(c, *out, menu->path);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Meal> Service::cancel_meal(int64_t id, const Principal& who) {
  int64_t now = clock_.now_ms();
  Result<Meal> out = make_error(Errc::internal, "not cancelled");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto meal = meal_in(c, dir_, id);
    auto menu = meal ? menu_in(c, meal->menu_id, now) : std::nullopt;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (!meal || !menu ||
        (mine != meal->person_id && meal->placed_by != who.account_id && !staff_over(who, menu->path)))
      return make_error(Errc::not_found, "no such meal order");
    if (meal->status != "ordered") return make_error(Errc::conflict, "the order is " + meal->status + " already");
    if (!menu->open) return make_error(Errc::conflict, "the cut-off has passed: the kitchen is cooking it");
    if (c.query("UPDATE care_meals SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 AND status = 'ordered' "
                "RETURNING id",
                {id, now})
            .empty())
      return make_error(Errc::conflict, "the order changed meanwhile");
    for (const auto& l : meal->items)
      c.exec("UPDATE care_menu_items SET ordered = ordered - $2 WHERE id = $1 AND ordered >= $2", {l.item_id, l.qty});
    out = *meal_in(c, dir_, id);
    emit_meal(c, *out, menu->path);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Meal> Service::serve_meal(int64_t id, const Principal& who) {
  int64_t now = clock_.now_ms();
  Result<Meal> out = make_error(Errc::internal, "not served");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto meal = meal_in(c, dir_, id);
    auto path = meal ? c.query_one("SELECT path FROM care_menus WHERE id = $1", {meal->menu_id}) : std::nullopt;
    if (!meal || !path || !staff_over(who, path->text(0))) return make_error(Errc::not_found, "no such meal order");
    if (c.query("UPDATE care_meals SET status = 'served', served_at = $2 WHERE id = $1 AND status = 'ordered' "
                "RETURNING id",
                {id, now})
            .empty())
      return make_error(Errc::conflict, "the order is " + meal->status + " already");
    out = *meal_in(c, dir_, id);
    emit_meal(c, *out, path->text(0));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Meal>> Service::meals(std::optional<int64_t> menu_id, const Principal& who) {
  std::vector<Meal> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    auto named = [&](std::vector<Meal> list, bool staff) {
      for (auto& m : list) {
        if (auto home = dir_.home ? dir_.home(c, m.person_id) : std::nullopt) {
          m.person_name = home->name;
          if (staff && m.mode == "delivery") {
            m.address = home->address;
            m.floor = home->floor;
          }
        }
        out.push_back(std::move(m));
      }
    };
    if (menu_id) {
      auto path = c.query_one("SELECT path FROM care_menus WHERE id = $1", {*menu_id});
      if (!path || !staff_over(who, path->text(0))) {
        st = make_error(Errc::not_found, "no such menu", "menu_id");
        return;
      }
      named(meals_where(c, "WHERE m.menu_id = $1 ORDER BY m.id LIMIT 5000", {*menu_id}), true);
      return;
    }
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    named(meals_where(c, "WHERE m.person_id = $1 OR m.placed_by = $2 ORDER BY m.id DESC LIMIT 100",
                      {mine.value_or(-1), who.account_id}),
          false);
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::care
