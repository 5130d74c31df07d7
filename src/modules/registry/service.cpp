// Rules of the registry: addresses, people, personal data sealed and masked, reveals audited.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/idcard.hpp"
#include "core/personal.hpp"
#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/registry/permissions.hpp"
#include "modules/registry/registry.hpp"
#include "modules/registry/store.hpp"

namespace mashang::registry {
namespace {

Error forbidden() { return make_error(Errc::forbidden, "your roles do not include the population registry"); }
Error no_household() { return make_error(Errc::not_found, "no such household"); }

int64_t today_days(const Clock& clock) { return clock.now_ms() / 86'400'000; }

// "YYYY-MM-DD", a real date, not after today.
Result<std::string> valid_date(const std::string& s, const Clock& clock) {
  auto bad = make_error(Errc::invalid_input, "birth_date must be a date YYYY-MM-DD, not in the future", "birth_date");
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return bad;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return bad;
  if (y < 1900 || !idcard::is_civil_date(y, m, d)) return bad;
  if (idcard::days_from_civil(y, m, d) > today_days(clock)) return bad;
  return s;
}

std::string date_of(const idcard::IdCard& c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.birth_year, c.birth_month, c.birth_day);
  return buf;
}

void audit_write(store::Conn& c, const char* action, std::string target, const Caller& who, std::string details,
                 int64_t now) {
  audit::record(c, {action, std::move(target), who.who.account_id, who.ip, "", std::move(details)}, now);
}

// Records a refusal (403 or 404) in the audit log, in a transaction of its own (the refused
// operation's, if any, is rolled back), and passes the result on.
template <class T>
Result<T> audit_refusal(store::Db& db, const Clock& clock, const Caller& c, const std::string& target, Result<T> r) {
  if (r.ok() || (r.error().code != Errc::forbidden && r.error().code != Errc::not_found)) return r;
  std::string details = std::string("{\"status\":") + (r.error().code == Errc::forbidden ? "403" : "404") + "}";
  // Its body cannot answer an error; a broken database throws, as everywhere.
  static_cast<void>(db.write([&](store::Conn& conn) -> Status {
    audit::record(conn, {"registry.access_refused", target, c.who.account_id, c.ip, "", details}, clock.now_ms());
    return ok_status();
  }));
  return r;
}

}  // namespace

Result<HouseholdPage> Service::list(std::optional<int64_t> node, int64_t after, int64_t limit, const Caller& c) {
  const Principal& who = c.who;
  auto refused = [&](Error e) {
    return audit_refusal<HouseholdPage>(db_, clock_, c, node ? "node:" + std::to_string(*node) : "households", e);
  };
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (node && *node <= 0) return make_error(Errc::invalid_input, "node must be a positive node id", "node");
  if (!is_reader(who)) return refused(forbidden());
  std::vector<std::string> scopes;
  if (node) {
    auto n = territory_.find(*node);
    if (!n) return refused(make_error(Errc::not_found, "no such node"));
    if (can_read(who, n->path)) {
      scopes = {n->path};
    } else {
      for (const auto& s : read_scopes(who))
        if (scope_covers(n->path, s)) scopes.push_back(s);
      if (scopes.empty()) return refused(make_error(Errc::not_found, "no such node"));
    }
  } else {
    scopes = read_scopes(who);
  }
  std::vector<Household> items;
  db_.read([&](store::Conn& c) {
    for (const auto& s : scopes) {
      auto part = sql::households_under(c, s, after, limit + 1);
      items.insert(items.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
  });
  std::sort(items.begin(), items.end(), [](const Household& a, const Household& b) { return a.id < b.id; });
  HouseholdPage page;
  if (static_cast<int64_t>(items.size()) > limit) {
    items.resize(limit);
    page.next_after = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

Result<Household> Service::create_household(const NewHousehold& in, const Caller& c) {
  if (in.building_id <= 0) return make_error(Errc::invalid_input, "building_id must be a node id", "building_id");
  if (!text::plain_line(in.unit, 16))
    return make_error(Errc::invalid_input, "unit must be 1 to 16 bytes of text", "unit");
  if (!text::plain_line(in.room, 16))
    return make_error(Errc::invalid_input, "room must be 1 to 16 bytes of text", "room");
  if (in.floor < -5 || in.floor > 200) return make_error(Errc::invalid_input, "floor must be -5 to 200", "floor");
  auto refused = [&](Error e) {
    return audit_refusal<Household>(db_, clock_, c, "node:" + std::to_string(in.building_id), e);
  };
  if (!is_reader(c.who)) return refused(forbidden());
  auto b = territory_.find(in.building_id);
  if (!b || !can_read(c.who, b->path)) return refused(make_error(Errc::not_found, "no such building"));
  if (!can_write(c.who, b->path)) return refused(make_error(Errc::forbidden, "you may not add households here"));
  if (b->kind != "building")
    return make_error(Errc::invalid_input, "building_id names a " + b->kind + ", not a building", "building_id");
  Result<Household> out = make_error(Errc::internal, "not created");
  Status st = db_.write([&](store::Conn& conn) -> Status {
    int64_t now = clock_.now_ms();
    auto id = sql::insert_household(conn, in, b->path, now);
    if (!id.ok()) {
      if (id.error().code == Errc::conflict)
        return make_error(Errc::conflict, b->name + " already has unit " + in.unit + " room " + in.room, "room");
      return id.error();
    }
    std::string payload = "{\"household_id\":" + std::to_string(*id) + "}";
    conn.emit({"registry.household_created", "household:" + std::to_string(*id), b->path, std::nullopt, payload});
    audit_write(conn, "registry.household_created", "household:" + std::to_string(*id), c, payload, now);
    out = sql::household(conn, *id).value();
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::pair<Household, std::vector<Person>>> Service::household(int64_t id, const Caller& c) {
  using Detail = std::pair<Household, std::vector<Person>>;
  const Principal& who = c.who;
  auto refused = [&](Error e) { return audit_refusal<Detail>(db_, clock_, c, "household:" + std::to_string(id), e); };
  if (!is_reader(who)) return refused(forbidden());
  std::optional<Household> h;
  std::vector<Person> persons;
  db_.read([&](store::Conn& c) {
    h = sql::household(c, id);
    if (h && can_read(who, h->path)) persons = sql::persons_of(c, id);
  });
  if (!h || !can_read(who, h->path)) return refused(no_household());
  return std::make_pair(std::move(*h), std::move(persons));
}

Result<sql::PersonInsert> Service::prepare(const NewPerson& in_raw) const {
  sql::PersonInsert row{in_raw, {}, {}, {}, {}, {}, {}, "[", ""};
  NewPerson& in = row.in;
  if (!text::plain_line(in.name, 64))
    return make_error(Errc::invalid_input, "name must be 1 to 64 bytes of text", "name");
  if (in.gender != "M" && in.gender != "F") return make_error(Errc::invalid_input, "gender must be M or F", "gender");
  if (in.birth_date) {
    auto d = valid_date(*in.birth_date, clock_);
    if (!d.ok()) return d.error();
  }
  if (in.id_number) {
    auto card = idcard::parse(*in.id_number, today_days(clock_));
    if (!card.ok()) return card.error();
    std::string born = date_of(*card);
    if (in.birth_date && *in.birth_date != born)
      return make_error(Errc::invalid_input, "the ID card number says born " + born + ", not " + *in.birth_date,
                        "id_number");
    if (std::string(1, card->gender) != in.gender)
      return make_error(Errc::invalid_input, "the ID card number's gender differs from gender", "id_number");
    in.birth_date = born;
    auto sealed = personal::seal_id_card(keys_, card->number);
    row.id_index = sealed.index;
    row.id_sealed = sealed.sealed;
    row.id_masked = sealed.masked;
  }
  if (in.phone) {
    auto phone = personal::seal_phone(keys_, *in.phone);
    if (!phone.ok()) return phone.error();
    row.phone_index = phone->index;
    row.phone_sealed = phone->sealed;
    row.phone_masked = phone->masked;
  }
  if (std::none_of(std::begin(kRelations), std::end(kRelations), [&](const char* r) { return in.relation == r; }))
    return make_error(Errc::invalid_input,
                      "relation must be one of head, spouse, child, parent, grandchild, sibling, other", "relation");
  std::set<std::string> seen;
  for (const auto& t : in.tags) {
    if (std::none_of(std::begin(kTags), std::end(kTags), [&](const char* k) { return t == k; }) ||
        !seen.insert(t).second)
      return make_error(Errc::invalid_input, "tags must be distinct known tags", "tags");
    row.tags_json += (row.tags_json.size() > 1 ? ",\"" : "\"") + t + "\"";
  }
  row.tags_json += "]";
  return row;
}

Result<Person> Service::add_person(int64_t household_id, const NewPerson& in, const Caller& c) {
  auto prepared = prepare(in);
  if (!prepared.ok()) return prepared.error();
  sql::PersonInsert& row = *prepared;
  auto refused = [&](Error e) {
    return audit_refusal<Person>(db_, clock_, c, "household:" + std::to_string(household_id), e);
  };
  if (!is_reader(c.who)) return refused(forbidden());
  Result<Person> out = make_error(Errc::internal, "not added");
  Status st = db_.write([&](store::Conn& conn) -> Status {
    auto h = sql::household(conn, household_id);
    if (!h || !can_read(c.who, h->path)) return no_household();
    if (!can_write(c.who, h->path)) return make_error(Errc::forbidden, "you may not add persons here");
    row.path = h->path;
    int64_t now = clock_.now_ms();
    auto id = sql::insert_person(conn, household_id, row, now);
    if (!id.ok()) {
      if (id.error().code == Errc::conflict)
        return make_error(Errc::conflict, "a person with this ID card number is registered already", "id_number");
      return id.error();
    }
    std::string payload =
        "{\"person_id\":" + std::to_string(*id) + ",\"household_id\":" + std::to_string(household_id) + "}";
    conn.emit({"registry.person_added", "person:" + std::to_string(*id), h->path, std::nullopt, payload});
    audit_write(conn, "registry.person_added", "person:" + std::to_string(*id), c, payload, now);
    out = sql::person(conn, *id).value().person;
    return ok_status();
  });
  if (!st.ok()) return refused(st.error());
  return out;
}

Result<Revealed> Service::reveal(int64_t person_id, const std::string& reason, const Caller& c) {
  if (auto st = valid_reason(reason); !st.ok()) return st.error();
  auto refused = [&](Error e) {
    return audit_refusal<Revealed>(db_, clock_, c, "person:" + std::to_string(person_id), e);
  };
  if (!is_reader(c.who)) return refused(forbidden());
  Result<Revealed> out = make_error(Errc::internal, "not revealed");
  Status st = db_.write([&](store::Conn& conn) -> Status {
    auto p = sql::person(conn, person_id);
    if (!p || !can_read(c.who, p->path)) return make_error(Errc::not_found, "no such person");
    if (!can_reveal(c.who, p->path)) return make_error(Errc::forbidden, "you may not see this person's personal data");
    Revealed r{person_id, std::nullopt, std::nullopt};
    for (auto [sealed, dest] : {std::pair{&p->id_sealed, &r.id_number}, std::pair{&p->phone_sealed, &r.phone}}) {
      if (!*sealed) continue;
      auto plain = keys_.open(**sealed);
      if (!plain.ok()) throw Fault(Errc::internal, "a sealed field does not open with this key file");
      *dest = std::move(*plain);
    }
    audit::record(conn,
                  {"registry.person_revealed", "person:" + std::to_string(person_id), c.who.account_id, c.ip, reason,
                   "{\"fields\":[\"id_number\",\"phone\"]}"},
                  clock_.now_ms());
    out = std::move(r);
    return ok_status();
  });
  if (!st.ok()) return refused(st.error());
  return out;
}

Result<BatchCounts> Service::write_batch(const std::vector<BatchHousehold>& batch, const Caller& c) {
  if (!is_reader(c.who)) return forbidden();
  // Everything that can be checked without the database first: a bad row writes nothing.
  std::vector<std::vector<sql::PersonInsert>> rows(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& a = batch[i].address;
    if (!text::plain_line(a.unit, 16) || !text::plain_line(a.room, 16) || a.floor < -5 || a.floor > 200)
      return make_error(Errc::invalid_input, "household " + std::to_string(i + 1) + ": a bad address", "address");
    for (const auto& p : batch[i].persons) {
      auto r = prepare(p);
      if (!r.ok()) return r.error();
      rows[i].push_back(std::move(*r));
    }
  }
  BatchCounts n;
  Status st = db_.write([&](store::Conn& conn) -> Status {
    int64_t now = clock_.now_ms();
    std::map<int64_t, std::optional<territory::Node>> buildings;
    std::map<int64_t, std::pair<int64_t, int64_t>> per_building;  // households, persons written
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& a = batch[i].address;
      auto& b = buildings[a.building_id];
      if (!b) b = territory::find_in(conn, a.building_id);
      if (!b || !can_read(c.who, b->path) || b->kind != "building")
        return make_error(Errc::not_found, "no building you may see has node_id " + std::to_string(a.building_id));
      if (!can_write(c.who, b->path)) return make_error(Errc::forbidden, "you may not write households in " + b->name);
      auto hid = sql::household_at(conn, a.building_id, a.unit, a.room);
      if (hid) {
        ++n.households_matched;
      } else {
        auto id = sql::insert_household(conn, a, b->path, now);
        if (!id.ok()) return id.error();
        hid = *id;
        ++n.households_created;
        audit_write(conn, "registry.household_created", "household:" + std::to_string(*hid), c,
                    "{\"household_id\":" + std::to_string(*hid) + ",\"via\":\"batch\"}", now);
      }
      auto& counts = per_building[a.building_id];
      ++counts.first;
      for (auto& row : rows[i]) {
        row.path = b->path;
        auto pid =
            row.id_index ? sql::person_by_index(conn, *row.id_index) : sql::person_named(conn, *hid, row.in.name);
        std::string details = "{\"household_id\":" + std::to_string(*hid) + ",\"via\":\"batch\"}";
        if (pid) {
          // A person registered outside the caller's area is not moved into it by a roster.
          if (auto old = sql::person(conn, *pid); !old || !can_write(c.who, old->path))
            return make_error(Errc::conflict,
                              row.in.name +
                                  ": this ID card number is registered in another area; the district "
                                  "office can move the person",
                              "id_number");
          sql::update_person(conn, *pid, *hid, row, now);
          ++n.persons_updated;
          audit_write(conn, "registry.person_updated", "person:" + std::to_string(*pid), c, details, now);
        } else {
          auto id = sql::insert_person(conn, *hid, row, now);
          if (!id.ok()) {
            if (id.error().code == Errc::conflict)
              return make_error(Errc::conflict, "an ID card number appears twice in the batch", "id_number");
            return id.error();
          }
          ++n.persons_created;
          audit_write(conn, "registry.person_added", "person:" + std::to_string(*id), c, details, now);
        }
        ++counts.second;
      }
    }
    // One live event per building rather than one per row: a roster is thousands of rows.
    for (const auto& [id, counts] : per_building) {
      std::string payload = "{\"building_id\":" + std::to_string(id) +
                            ",\"households\":" + std::to_string(counts.first) +
                            ",\"persons\":" + std::to_string(counts.second) + "}";
      conn.emit({"registry.batch_written", "node:" + std::to_string(id), buildings[id]->path, std::nullopt, payload});
    }
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return n;
}

bool may_write(const Principal& who, std::string_view path) { return can_write(who, path); }

std::map<std::string, std::string> Service::registered_paths(const std::vector<std::string>& id_numbers) {
  std::map<std::string, std::string> out;
  db_.read([&](store::Conn& conn) {
    for (const auto& id : id_numbers) {
      auto pid = sql::person_by_index(conn, personal::id_card_index(keys_, id));
      if (!pid) continue;
      if (auto p = sql::person(conn, *pid)) out.emplace(id, p->path);
    }
  });
  return out;
}

Status Service::check(const NewPerson& in) const {
  auto r = prepare(in);
  if (!r.ok()) return r.error();
  return ok_status();
}

Status Service::each_person(std::optional<int64_t> node, const Caller& c,
                            const std::function<void(const Household&, const Person&, const Revealed*)>& fn,
                            const std::optional<std::string>& reveal_reason) {
  if (reveal_reason)
    if (auto st = valid_reason(*reveal_reason); !st.ok()) return st.error();
  if (!is_reader(c.who)) return forbidden();
  std::vector<std::string> scopes;
  if (node) {
    auto n = territory_.find(*node);
    if (!n || !can_read(c.who, n->path)) return make_error(Errc::not_found, "no such node");
    scopes = {n->path};
  } else {
    scopes = outermost_scopes(read_scopes(c.who));
  }
  if (reveal_reason)
    for (const auto& s : scopes)
      if (!can_reveal(c.who, s))
        return make_error(Errc::forbidden, "you may not see personal data of everyone here unmasked");
  // Page by page: the rows of a page are read, the connection given back, then `fn` runs
  // (which may itself read, e.g. node names) without holding a reader.
  std::vector<int64_t> revealed;
  struct Item {
    Household h;
    Person p;
    std::optional<Revealed> raw;
  };
  for (const auto& s : scopes)
    for (int64_t after = 0;;) {
      std::vector<Item> items;
      size_t households = 0;
      db_.read([&](store::Conn& conn) {
        auto page = sql::households_under(conn, s, after, 500);
        households = page.size();
        if (!page.empty()) after = page.back().id;
        for (const auto& h : page) {
          if (!reveal_reason) {
            for (auto& p : sql::persons_of(conn, h.id)) items.push_back({h, std::move(p), std::nullopt});
            continue;
          }
          for (auto& row : sql::person_rows_of(conn, h.id)) {
            Revealed r{row.person.id, std::nullopt, std::nullopt};
            for (auto [sealed, dest] :
                 {std::pair{&row.id_sealed, &r.id_number}, std::pair{&row.phone_sealed, &r.phone}}) {
              if (!*sealed) continue;
              auto plain = keys_.open(**sealed);
              if (!plain.ok()) throw Fault(Errc::internal, "a sealed field does not open with this key file");
              *dest = std::move(*plain);
            }
            items.push_back({h, std::move(row.person), std::move(r)});
          }
        }
      });
      for (const auto& it : items) {
        fn(it.h, it.p, it.raw ? &*it.raw : nullptr);
        if (it.raw) revealed.push_back(it.p.id);
      }
      if (households < 500) break;
    }
  if (!revealed.empty()) {  // every unmasked read is on record, person by person
    static_cast<void>(db_.write([&](store::Conn& conn) -> Status {
      int64_t now = clock_.now_ms();
      for (int64_t id : revealed)
        audit::record(conn,
                      {"registry.person_revealed", "person:" + std::to_string(id), c.who.account_id, c.ip,
                       *reveal_reason, "{\"fields\":[\"id_number\",\"phone\"],\"via\":\"export\"}"},
                      now);
      return ok_status();
    }));
  }
  return ok_status();
}

Result<PersonPage> Service::search(const PersonQuery& q, const Caller& c) {
  if (q.limit < 1 || q.limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (q.after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (q.node && *q.node <= 0) return make_error(Errc::invalid_input, "node must be a positive node id", "node");
  if (q.q.empty() && q.tag.empty())
    return make_error(Errc::invalid_input, "give q (a name, an ID card number or a phone) or a tag", "q");
  if (!q.q.empty() && !text::plain_line(q.q, 64))
    return make_error(Errc::invalid_input, "q must be 1 to 64 bytes of text", "q");
  if (!q.tag.empty() && std::none_of(std::begin(kTags), std::end(kTags), [&](const char* t) { return q.tag == t; }))
    return make_error(Errc::invalid_input, "tag must be one of the registry's tags", "tag");
  auto refused = [&](Error e) {
    return audit_refusal<PersonPage>(db_, clock_, c, q.node ? "node:" + std::to_string(*q.node) : "persons", e);
  };
  if (!is_reader(c.who)) return refused(forbidden());
  std::vector<std::string> scopes;
  if (q.node) {
    auto n = territory_.find(*q.node);
    if (!n || !can_read(c.who, n->path)) return refused(make_error(Errc::not_found, "no such node"));
    scopes = {n->path};
  } else {
    scopes = read_scopes(c.who);
  }
  PersonPage page;
  sql::PersonFilter f;
  if (!q.q.empty()) {
    std::string digits = q.q;
    if (!digits.empty() && digits.back() == 'x') digits.back() = 'X';
    if (auto card = idcard::parse(digits, today_days(clock_)); card.ok()) {
      f.id_index = personal::id_card_index(keys_, card->number);
      page.matched_by = "id_number";
    } else if (auto phone = text::normalize_phone(q.q)) {
      f.phone_index = personal::phone_index(keys_, *phone);
      page.matched_by = "phone";
    } else {
      std::string like;
      for (char ch : q.q) {
        if (ch == '%' || ch == '_' || ch == '\\') like += '\\';
        like += ch;
      }
      f.name_like = like + "%";
      page.matched_by = "name";
    }
  }
  if (!q.tag.empty()) {
    f.tag_like = "%\"" + q.tag + "\"%";
    if (page.matched_by.empty()) page.matched_by = "tag";
  }
  std::vector<std::pair<Person, std::string>> rows;
  db_.read([&](store::Conn& conn) {
    for (const auto& s : outermost_scopes(scopes)) {
      auto part = sql::persons_under(conn, s, f, q.after, q.limit + 1);
      rows.insert(rows.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first.id < b.first.id; });
  if (static_cast<int64_t>(rows.size()) > q.limit) {
    rows.resize(q.limit);
    page.next_after = rows.back().first.id;
  }
  for (auto& [p, address] : rows) page.items.push_back({std::move(p), std::move(address)});
  if (f.id_index || f.phone_index) {  // looking someone up by personal data leaves a trace
    static_cast<void>(db_.write([&](store::Conn& conn) -> Status {
      audit::record(conn,
                    {"registry.person_searched", "persons", c.who.account_id, c.ip, "",
                     "{\"by\":\"" + page.matched_by + "\",\"found\":" + std::to_string(page.items.size()) + "}"},
                    clock_.now_ms());
      return ok_status();
    }));
  }
  return page;
}

Result<Person> Service::link_account(int64_t person_id, int64_t account_id, const Caller& c) {
  if (account_id <= 0) return make_error(Errc::invalid_input, "account_id must be an account id", "account_id");
  auto refused = [&](Error e) {
    return audit_refusal<Person>(db_, clock_, c, "person:" + std::to_string(person_id), e);
  };
  if (!is_reader(c.who)) return refused(forbidden());
  Result<Person> out = make_error(Errc::internal, "not linked");
  Status st = db_.write([&](store::Conn& conn) -> Status {
    auto p = sql::person(conn, person_id);
    if (!p || !can_read(c.who, p->path)) return make_error(Errc::not_found, "no such person");
    if (!can_write(c.who, p->path)) return make_error(Errc::forbidden, "you may not link accounts here");
    if (!conn.query_one("SELECT id FROM accounts WHERE id = $1", {account_id}))
      return make_error(Errc::invalid_input, "no account has this id", "account_id");
    if (sql::account_of_person(conn, person_id))
      return make_error(Errc::conflict, "this person is linked to an account already; unlink it first");
    if (!sql::insert_link(conn, account_id, person_id, clock_.now_ms()).ok())
      return make_error(Errc::conflict, "this account is linked to another person already", "account_id");
    audit_write(conn, "registry.account_linked", "person:" + std::to_string(person_id), c,
                "{\"account_id\":" + std::to_string(account_id) + "}", clock_.now_ms());
    out = p->person;
    return ok_status();
  });
  if (!st.ok()) return refused(st.error());
  return out;
}

Status Service::unlink_account(int64_t person_id, const Caller& c) {
  auto refused = [&](Error e) { return audit_refusal<Ok>(db_, clock_, c, "person:" + std::to_string(person_id), e); };
  if (!is_reader(c.who)) return refused(forbidden());
  Status st = db_.write([&](store::Conn& conn) -> Status {
    auto p = sql::person(conn, person_id);
    if (!p || !can_read(c.who, p->path)) return make_error(Errc::not_found, "no such person");
    if (!can_write(c.who, p->path)) return make_error(Errc::forbidden, "you may not unlink accounts here");
    if (!sql::delete_link(conn, person_id)) return make_error(Errc::not_found, "this person is linked to no account");
    audit_write(conn, "registry.account_unlinked", "person:" + std::to_string(person_id), c, "{}", clock_.now_ms());
    return ok_status();
  });
  if (!st.ok()) return refused(st.error());
  return ok_status();
}

Result<std::pair<Household, std::vector<Person>>> Service::my_household(const Principal& who) {
  std::optional<Household> h;
  std::vector<Person> persons;
  db_.read([&](store::Conn& conn) {
    auto pid = sql::person_of_account(conn, who.account_id);
    if (!pid) return;
    auto p = sql::person(conn, *pid);
    if (!p) return;
    h = sql::household(conn, p->person.household_id);
    if (h) persons = sql::persons_of(conn, h->id);
  });
  if (!h)
    return make_error(Errc::not_found,
                      "your account is not linked to a registered resident; your community office can link it");
  return std::make_pair(std::move(*h), std::move(persons));
}

// A reason: 4 to 200 characters: 4 to 200 characters (not bytes: "家访核实" is a reason of 4), one line.
Status valid_reason(const std::string& reason) {
  size_t chars = text::utf8_chars(reason);
  if (chars < 4 || chars > 200 || !text::plain_line(reason, 800))
    return make_error(Errc::invalid_input, "give a reason of 4 to 200 characters; it goes into the audit log",
                      "reason");
  return ok_status();
}

bool may_read(const Principal& who, std::string_view path) { return can_read(who, path); }

std::optional<Household> household_in(store::Conn& c, int64_t id) { return sql::household(c, id); }

std::optional<int64_t> household_of_account(store::Conn& c, int64_t account_id) {
  auto pid = sql::person_of_account(c, account_id);
  if (!pid) return std::nullopt;
  auto p = sql::person(c, *pid);
  if (!p) return std::nullopt;
  return p->person.household_id;
}

std::vector<Household> households_under(store::Conn& c, const std::string& path, int64_t after, int64_t limit) {
  return sql::households_under(c, path, after, limit);
}

int64_t count_households(store::Conn& c, const std::string& path) {
  auto r = c.query_one("SELECT COUNT(*) FROM households WHERE path = $1 OR path LIKE $2",
                       {path, (path == "/" ? "" : path) + "/%"});
  return r ? r->integer(0) : 0;
}

std::vector<Person> persons_in(store::Conn& c, int64_t household_id) { return sql::persons_of(c, household_id); }

std::optional<std::pair<std::string, std::string>> person_place(store::Conn& c, int64_t person_id) {
  auto p = sql::person(c, person_id);
  if (!p) return std::nullopt;
  return std::pair{p->path, p->person.name};
}

std::optional<PersonHome> person_home(store::Conn& c, int64_t person_id) {
  auto p = sql::person(c, person_id);
  if (!p) return std::nullopt;
  auto h = sql::household(c, p->person.household_id);
  if (!h) return std::nullopt;
  return PersonHome{p->person.id, h->id,          h->building_id,         h->floor,       p->person.name, h->address,
                    p->path,      p->person.tags, p->person.phone_masked, p->phone_sealed};
}

std::optional<int64_t> person_of_account(store::Conn& c, int64_t account_id) {
  return sql::person_of_account(c, account_id);
}

std::optional<int64_t> account_of_person(store::Conn& c, int64_t person_id) {
  return sql::account_of_person(c, person_id);
}

}  // namespace mashang::registry
