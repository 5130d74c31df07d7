#include "app/demo.hpp"

#include <map>

#include "core/idcard.hpp"
#include "core/text.hpp"

namespace mashang::app {
namespace {

// Kangbashi's four streets and nineteen communities.
struct DemoStreet {
  const char* name;
  std::vector<const char*> communities;
};
const DemoStreet kStreets[] = {
    {"滨河街道", {"康城社区", "宁馨社区", "神华康城社区", "滨河社区", "书香社区"}},
    {"青春山街道", {"格德热格社区", "青春山社区", "阳光社区", "安泰社区", "和谐社区"}},
    {"哈巴格希街道", {"哈巴格希社区", "康馨社区", "园丁社区", "景泰社区", "惠民社区"}},
    {"康新街道", {"康新社区", "新城社区", "康和社区", "福源社区"}},
};
// One branch down to a building, where the grid worker, the steward and the elder live.
const char* kGrid = "康城社区第一网格";
const char* kCompound = "康城小区";
const char* kBuilding = "1号楼";

// Where each demo account's grant sits: a node named in the tree above ("" = the district).
struct DemoAccount {
  const char* login;
  const char* phone;
  const char* display_name;
  const char* role;
  const char* label;
  const char* at;
};
// Passwords are "mashang-<login>" and public (README): a demo is not for real data.
const DemoAccount kAccounts[] = {
    {"admin", "13900000001", "区管理员", "district_admin", "admin", ""},
    {"resident", "13800138000", "居民王芳", "resident", "resident", ""},
    {"street", "13900000002", "滨河街道干部", "street_staff", "street staff", "滨河街道"},
    {"community", "13900000003", "康城社区干部", "community_staff", "community staff", "康城社区"},
    {"grid", "13900000004", "网格员李强", "grid_worker", "grid worker", kGrid},
    {"steward", "13900000005", "楼栋管家张敏", "steward", "building steward", kBuilding},
    {"elder", "13900000006", "空巢老人刘桂兰", "resident", "elder", kBuilding},
    {"committee", "13900000007", "积分评议员", "committee_member", "points committee", "康城社区"},
    {"mediator", "13900000008", "调解员", "mediator", "mediator", "滨河街道"},
    {"inspector", "13900000009", "城管队员", "inspector", "city inspector", ""},
    {"vendor", "13900000010", "夜市摊主", "vendor", "vendor", "康城社区"},
    {"volunteer", "13900000011", "志愿者", "volunteer", "volunteer", "康城社区"},
    {"doctor", "13900000012", "社区医生", "doctor", "community doctor", "格德热格社区"},
    {"teacher", "13900000013", "暑期课堂老师", "teacher", "summer class teacher", "康城社区"},
};

// Adds `name` under `parent` unless it is there; returns the node either way.
Result<territory::Node> ensure(territory::Service& t, const Principal& admin, int64_t parent, const char* kind,
                               const char* name) {
  for (int64_t after = 0;;) {
    auto page = t.list(parent, after, territory::kPageSizeMax, admin);
    if (!page.ok()) return page.error();
    for (auto& n : page->items)
      if (n.name == name) return n;
    if (!page->next_after) break;
    after = *page->next_after;
  }
  return t.create(parent, kind, name, nullptr);
}

Result<std::map<std::string, std::string>> build_tree(territory::Service& t) {
  Principal admin;
  admin.grants = {{"district_admin", "/"}};
  std::map<std::string, std::string> path_of;
  auto top = t.list(std::nullopt, 0, 1, admin);
  if (!top.ok()) return top.error();
  territory::Node root;
  if (top->items.empty()) {
    auto r = t.create_root("康巴什区");
    if (!r.ok()) return r.error();
    root = *r;
  } else {
    root = top->items.front();
  }
  path_of[""] = root.path;
  for (const auto& street : kStreets) {
    auto s = ensure(t, admin, root.id, "street", street.name);
    if (!s.ok()) return s.error();
    path_of[street.name] = s->path;
    for (const char* name : street.communities) {
      auto c = ensure(t, admin, s->id, "community", name);
      if (!c.ok()) return c.error();
      path_of[name] = c->path;
      if (std::string_view(name) != "康城社区") continue;
      auto g = ensure(t, admin, c->id, "grid", kGrid);
      if (!g.ok()) return g.error();
      auto cp = ensure(t, admin, g->id, "compound", kCompound);
      if (!cp.ok()) return cp.error();
      auto b = ensure(t, admin, cp->id, "building", kBuilding);
      if (!b.ok()) return b.error();
      path_of[kGrid] = g->path;
      path_of[kCompound] = cp->path;
      path_of[kBuilding] = b->path;
    }
  }
  return path_of;
}

}  // namespace

// The elder's household in 1号楼: an empty-nest elder living alone, whom the steward visits.
Status build_households(System& sys, const std::string& building_path) {
  Principal admin;
  admin.grants = {{"district_admin", "/"}};
  auto existing = sys.registry->list(std::nullopt, 0, 1, {admin, ""});
  if (!existing.ok()) return existing.error();
  if (!existing->items.empty()) return ok_status();
  int64_t building = std::stoll(building_path.substr(building_path.rfind('/') + 1));
  registry::Caller caller{admin, ""};
  auto h = sys.registry->create_household({building, "1", 1, "101"}, caller);
  if (!h.ok()) return h.error();
  registry::NewPerson elder{"刘桂兰",
                            "F",
                            std::nullopt,
                            std::string("15270119480312") + "124",
                            "13900000006",
                            "head",
                            {"empty_nest_elder", "living_alone", "elder"}};
  *elder.id_number += idcard::check_char(*elder.id_number);
  auto p = sys.registry->add_person(h->id, elder, caller);
  if (!p.ok()) return p.error();
  return ok_status();
}

Result<std::vector<DemoLogin>> build_demo(System& sys) {
  auto paths = build_tree(*sys.territory);
  if (!paths.ok()) return paths.error();
  if (auto st = build_households(sys, paths->at(kBuilding)); !st.ok()) return st.error();
  std::vector<DemoLogin> out;
  for (const auto& d : kAccounts) {
    std::string password = std::string("mashang-") + d.login;
    std::string scope = paths->at(d.at);
    if (auto existing = sys.accounts->find_by_login(d.login)) {
      if (auto st = sys.accounts->set_password(existing->id, password); !st.ok()) return st.error();
    } else {
      accounts::NewAccount in{d.login, d.phone, d.display_name, password, {{d.role, scope}}};
      if (auto a = sys.accounts->create_account(in, nullptr); !a.ok()) return a.error();
    }
    out.push_back({d.role, d.label, scope, d.login, password, d.display_name});
  }
  return out;
}

std::string demo_json(const std::vector<DemoLogin>& logins) {
  std::string j = "[";
  for (const auto& d : logins) {
    if (j.size() > 1) j += ",";
    j += "{\"role\":";
    text::append_json_string(j, d.role);
    j += ",\"label\":";
    text::append_json_string(j, d.label);
    j += ",\"scope\":";
    text::append_json_string(j, d.scope);
    j += ",\"login\":";
    text::append_json_string(j, d.login);
    j += ",\"password\":";
    text::append_json_string(j, d.password);
    j += ",\"display_name\":";
    text::append_json_string(j, d.display_name);
    j += "}";
  }
  return j + "]";
}

}  // namespace mashang::app
