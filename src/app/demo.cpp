#include "app/demo.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "app/demo_plan.hpp"
#include "core/idcard.hpp"
#include "core/text.hpp"

namespace mashang::app {
namespace {

using demo::kFirstBuilding;
using demo::kFirstCompound;
using demo::kFirstGrid;

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
    {"grid", "13900000004", "网格员李强", "grid_worker", "grid worker", kFirstGrid},
    {"steward", "13900000005", "楼栋管家张敏", "steward", "building steward", kFirstBuilding},
    {"elder", "13900000006", "空巢老人刘桂兰", "resident", "elder", kFirstBuilding},
    {"committee", "13900000007", "积分评议员", "committee_member", "points committee", "康城社区"},
    // A second member: nobody decides an appeal against what they approved themselves.
    {"committee2", "13900000014", "积分评议员赵敏", "committee_member", "points committee, second member", "康城社区"},
    {"mediator", "13900000008", "调解员", "mediator", "mediator", "滨河街道"},
    {"inspector", "13900000009", "城管队员", "inspector", "city inspector", ""},
    {"vendor", "13900000010", "夜市摊主", "vendor", "vendor", "康城社区"},
    {"volunteer", "13900000011", "志愿者", "volunteer", "volunteer", "康城社区"},
    {"doctor", "13900000012", "社区医生", "doctor", "community doctor", "格德热格社区"},
    // 康城社区's doctor: over 刘桂兰, so her consultations reach a demo account.
    {"doctor2", "13900000015", "康城社区医生", "doctor", "community doctor, 康城社区", "康城社区"},
    {"teacher", "13900000013", "暑期课堂老师", "teacher", "summer class teacher", "康城社区"},
};

Principal district_admin() {
  Principal admin;
  admin.grants = {{"district_admin", "/"}};
  return admin;
}

// Organisations on the tree, each once (a second run finds them by name).
Status build_orgs(System& sys, const demo::Plan& plan, const std::map<std::string, int64_t>& node_of) {
  auto admin = district_admin();
  auto add = [&](int64_t node, const demo::PlanOrg& o) -> Status {
    auto r = sys.orgs->create({node, o.kind, o.name, o.contact, o.phone}, admin, "");
    if (!r.ok() && r.error().code != Errc::conflict) return r.error();
    return ok_status();
  };
  for (const auto& s : plan.streets)
    for (const auto& c : s.communities) {
      for (const auto& o : c.orgs)
        if (auto st = add(node_of.at(c.name), o); !st.ok()) return st;
      for (const auto& g : c.grids)
        for (const auto& cp : g.compounds)
          if (auto st = add(node_of.at(g.name + "/" + cp.name), cp.property); !st.ok()) return st;
    }
  return ok_status();
}

// Places that carry codes in 康城社区 (二维码+): night-market stalls, the elder station's
// rooms, a fire hydrant, a patrol checkpoint. Each once (a second run finds them by name).
Status build_places(System& sys, int64_t community) {
  auto admin = district_admin();
  struct P {
    const char *kind, *name, *op;
  };
  for (auto p :
       {P{"stall", "夜市3号摊位", "老王烧烤"}, P{"stall", "夜市7号摊位", "李记凉皮"},
        P{"function_room", "老年活动室", "康城社区养老服务站"}, P{"function_room", "书画室", "康城社区养老服务站"},
        P{"facility", "康城小区东门消防栓", "康城物业"}, P{"checkpoint", "康城小区北门巡查点", ""}}) {
    auto r = sys.codes->create_place(community, p.kind, p.name, p.op, admin, "");
    if (!r.ok() && r.error().code != Errc::conflict) return r.error();
  }
  return ok_status();
}

struct Built {
  std::map<std::string, std::string> path_of;                 // names the accounts refer to → path
  std::vector<std::pair<int64_t, grids::Shape>> grid_shapes;  // grid node → polygon
  std::vector<std::pair<int64_t, const demo::PlanBuilding*>> buildings;
  int64_t second_building = 0;             // 康城小区 2号楼, where the demo resident lives
  std::map<std::string, int64_t> node_of;  // community name, or "grid/compound" → node id
};

// The tree in one transaction: every node that is not there yet (a second run adds nothing).
Result<Built> build_tree(System& sys, const demo::Plan& plan) {
  Built out;
  auto root = sys.territory->find_path("/");
  if (!root) {
    auto r = sys.territory->create_root("康巴什区");
    if (!r.ok()) return r.error();
    root = *r;
  }
  out.path_of[""] = root->path;
  Status st = sys.db->write([&](store::Conn& c) -> Status {
    int64_t now = sys.clock.now_ms();
    auto ensure = [&](const territory::Node& parent, const char* kind,
                      const std::string& name) -> Result<territory::Node> {
      if (auto n = territory::child_named(c, parent.id, name)) return *n;
      return territory::add_child(c, parent, kind, name, nullptr, "", now);
    };
    for (const auto& s : plan.streets) {
      auto street = ensure(*root, "street", s.name);
      if (!street.ok()) return street.error();
      out.path_of[s.name] = street->path;
      for (const auto& cm : s.communities) {
        auto community = ensure(*street, "community", cm.name);
        if (!community.ok()) return community.error();
        out.path_of[cm.name] = community->path;
        out.node_of[cm.name] = community->id;
        for (const auto& g : cm.grids) {
          auto grid = ensure(*community, "grid", g.name);
          if (!grid.ok()) return grid.error();
          out.path_of[g.name] = grid->path;
          out.grid_shapes.emplace_back(grid->id, g.shape);
          for (const auto& cp : g.compounds) {
            auto compound = ensure(*grid, "compound", cp.name);
            if (!compound.ok()) return compound.error();
            if (g.name == kFirstGrid && cp.name == kFirstCompound) out.path_of[kFirstCompound] = compound->path;
            out.node_of[g.name + "/" + cp.name] = compound->id;
            for (const auto& b : cp.buildings) {
              auto building = ensure(*compound, "building", b.name);
              if (!building.ok()) return building.error();
              if (g.name == kFirstGrid && cp.name == kFirstCompound && b.name == kFirstBuilding)
                out.path_of[kFirstBuilding] = building->path;
              if (g.name == kFirstGrid && cp.name == kFirstCompound && b.name == "2号楼")
                out.second_building = building->id;
              out.buildings.emplace_back(building->id, &b);
            }
          }
        }
      }
    }
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Status shape_grids(System& sys, const Built& built) {
  std::vector<grids::FeatureIn> features;
  for (const auto& [id, shape] : built.grid_shapes) {
    grids::FeatureIn f;
    f.node_id = id;
    f.shape = shape;
    features.push_back(std::move(f));
  }
  auto rep = sys.grids->import(std::move(features), false, district_admin(), "");
  if (!rep.ok()) return rep.error();
  if (!rep->problems.empty())
    return make_error(Errc::internal,
                      "demo grid " + std::to_string(rep->problems[0].feature) + ": " + rep->problems[0].message);
  return ok_status();
}

int64_t id_of(const std::string& path) { return std::stoll(path.substr(path.rfind('/') + 1)); }

// Households building by building, each in one transaction; a building that has households
// already is left as it is, so a second run (or one after an interruption) adds only what
// is missing.
Status build_households(System& sys, const Built& built) {
  auto admin = district_admin();
  registry::Caller caller{admin, ""};
  for (const auto& [id, plan] : built.buildings) {
    if (plan->households.empty()) continue;
    auto existing = sys.registry->list(id, 0, 2, caller);
    if (!existing.ok()) return existing.error();
    if (existing->items.size() > (id == id_of(built.path_of.at(kFirstBuilding)) ? 1u : 0u)) continue;
    std::vector<registry::BatchHousehold> batch = plan->households;
    for (auto& h : batch) h.address.building_id = id;
    auto n = sys.registry->write_batch(batch, caller);
    if (!n.ok()) return n.error();
  }
  return ok_status();
}

// 王芳 (the demo resident) and her family in 2号楼 3单元2001室.
std::string resident_id_number() {
  std::string body = "15060319880415062";
  return body + idcard::check_char(body);
}

Status build_resident(System& sys, int64_t building) {
  auto admin = district_admin();
  registry::Caller caller{admin, ""};
  auto with_check = [](std::string body) { return body + idcard::check_char(body); };
  std::vector<registry::NewPerson> family = {
      {"王芳", "F", std::nullopt, resident_id_number(), "13800138000", "head", {}},
      {"张军", "M", std::nullopt, with_check("15060319860921071"), "13800138001", "spouse", {}},
      {"张子涵", "F", std::nullopt, with_check("15060320160608122"), std::nullopt, "child", {"child"}},
  };
  auto n = sys.registry->write_batch({{{building, "3", 20, "2001"}, family}}, caller);
  if (!n.ok()) return n.error();
  return ok_status();
}

// The elder's household in 1号楼: an empty-nest elder living alone, whom the steward visits.
Status build_elder(System& sys, int64_t building) {
  auto admin = district_admin();
  registry::Caller caller{admin, ""};
  registry::NewPerson elder{"刘桂兰",
                            "F",
                            std::nullopt,
                            demo::elder_id_number(),
                            "13900000006",
                            "head",
                            {"empty_nest_elder", "living_alone", "elder"}};
  auto n = sys.registry->write_batch({{{building, "1", 1, "101"}, {elder}}}, caller);
  if (!n.ok()) return n.error();
  return ok_status();
}

// Points in 康城社区: the committee's budget, two awards to the resident (proposed by the
// community's staff, approved by the committee member) and a stocked shop. Keys make a second
// run find what the first wrote.
Status build_points(System& sys, int64_t community_id, const std::string& community_path) {
  auto staff_account = sys.accounts->find_by_login("community");
  auto committee_account = sys.accounts->find_by_login("committee");
  auto resident_account = sys.accounts->find_by_login("resident");
  if (!staff_account || !committee_account || !resident_account) return ok_status();
  Principal staff, committee, resident, admin = district_admin();
  staff.account_id = staff_account->id;
  staff.grants = {{"community_staff", community_path}};
  committee.account_id = committee_account->id;
  committee.grants = {{"committee_member", community_path}};
  resident.account_id = resident_account->id;
  auto home = sys.registry->my_household(resident);
  if (!home.ok() || home->second.empty()) return ok_status();
  int64_t person = home->second.front().id;
  auto budget = sys.points->grant_budget("demo-budget", community_id, 5000, "年度积分预算", admin, "");
  if (!budget.ok()) return budget.error();
  struct Award {
    const char *key, *item, *reason;
  };
  for (const auto& a : {Award{"demo-award-1", "bonus.volunteer_service", "参加社区环境整治志愿服务"},
                        Award{"demo-award-2", "bonus.elder_assistance", "帮助独居老人刘桂兰买菜"}}) {
    points::NewProposal in{a.key, a.item, a.reason, person, std::nullopt, {"demo:活动照片"}};
    auto p = sys.points->propose(in, staff);
    if (!p.ok()) return p.error();
    if (p->status == "pending")
      if (auto v = sys.points->vote(p->id, true, "", committee); !v.ok()) return v.error();
  }
  auto goods = sys.points->goods(community_id, staff);
  if (!goods.ok()) return goods.error();
  if (goods->empty()) {
    struct Item {
      const char *name, *description;
      int64_t price, stock;
    };
    for (const auto& g : {Item{"大米 5kg", "积分超市·社区服务站领取", 30, 20}, Item{"洗衣液 2kg", "", 20, 30},
                          Item{"毛巾", "纯棉", 5, 100}, Item{"理发券", "社区便民理发一次", 10, 50}})
      if (auto r = sys.points->add_goods(community_id, g.name, g.description, g.price, g.stock, staff); !r.ok())
        return r.error();
  }
  return ok_status();
}

// Care in 1号楼: the steward answers 刘桂兰's one-key alarm first and the grid worker backs
// them up; 康城社区's and 滨河街道's staff are on duty (for 30 days from the latest demo run);
// her profile names her son. A second run keeps what the first wrote.
Status build_care(System& sys, int64_t building, int64_t community, int64_t street) {
  auto steward = sys.accounts->find_by_login("steward"), grid = sys.accounts->find_by_login("grid"),
       staff = sys.accounts->find_by_login("community"), street_staff = sys.accounts->find_by_login("street"),
       elder = sys.accounts->find_by_login("elder");
  if (!steward || !grid || !staff || !street_staff || !elder) return ok_status();
  auto admin = district_admin();
  if (auto a = sys.care->assign(building, steward->id, grid->id, admin); !a.ok()) return a.error();
  int64_t now = sys.clock.now_ms(), month = 30LL * 86'400'000;
  for (auto [node, account] : {std::pair{community, staff->id}, std::pair{street, street_staff->id}}) {
    auto on = sys.care->duties(node, now + month - 86'400'000, now + month, admin);
    if (!on.ok()) return on.error();
    bool covered = std::any_of(on->begin(), on->end(), [&](const care::Duty& d) { return d.node_id == node; });
    if (!covered)
      if (auto d = sys.care->add_duty(node, account, now, now + month, admin); !d.ok()) return d.error();
  }
  Principal self;
  self.account_id = elder->id;
  auto home = sys.registry->my_household(self);
  if (!home.ok() || home->second.empty()) return ok_status();
  int64_t person = home->second.front().id;
  // The station's rooms, bookable and checked in by their codes (build_places made them).
  auto existing = sys.care->rooms(community, admin);
  if (existing.ok() && existing->empty()) {
    auto places = sys.codes->places(community, "function_room", 0, 50, admin);
    if (!places.ok()) return places.error();
    for (const auto& p : places->items) {
      bool big = p.name == "老年活动室";
      care::RoomChange r{
          p.name, big ? 20 : 8, big ? 60 : 90, big ? 480 : 510, big ? 1260 : 1050, big ? "1234567" : "12345",
          p.id,   true};
      if (auto room = sys.care->add_room(community, r, admin); !room.ok()) return room.error();
    }
  }
  // The station's kitchen: menus for tomorrow and the day after (UTC+8), ordered until 09:00.
  int64_t tomorrow = (now + 8 * 3'600'000) / 86'400'000 + 1;  // days since the epoch, UTC+8
  for (int64_t d = 0; d < 2; ++d) {
    std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{tomorrow + d}}};
    char date[48];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    care::MenuChange m;
    m.date = date;
    m.pickup = m.delivery = true;
    m.note = "少盐少油，软烂易嚼";
    m.items = {{0, "番茄炒蛋套餐", 1200, 60, 0}, {0, "清蒸鱼套餐", 1800, 40, 0}, {0, "小米粥", 300, 80, 0}};
    auto made = sys.care->add_menu(community, m, admin);
    if (!made.ok() && made.error().code != Errc::conflict) return made.error();
  }
  if (!sys.care->profile(person, std::nullopt, admin, "").ok()) {
    care::ProfileChange p{"高血压，每日早晚服降压药；膝关节不好，上下楼需搀扶。", {{"刘伟", "儿子", "13900000016"}}, 7};
    if (auto r = sys.care->put_profile(person, p, admin, ""); !r.ok()) return r.error();
  }
  return ok_status();
}

}  // namespace

Result<std::vector<DemoLogin>> build_demo(System& sys, const DemoOptions& opt) {
  auto plan = demo::make_plan(opt.seed, opt.size);
  auto built = build_tree(sys, plan);
  if (!built.ok()) return built.error();
  const auto& paths = built->path_of;
  if (auto st = shape_grids(sys, *built); !st.ok()) return st.error();
  if (auto st = build_orgs(sys, plan, built->node_of); !st.ok()) return st.error();
  if (auto st = build_elder(sys, id_of(paths.at(kFirstBuilding))); !st.ok()) return st.error();
  if (auto st = build_households(sys, *built); !st.ok()) return st.error();
  if (auto st = build_resident(sys, built->second_building); !st.ok()) return st.error();
  // Every door and place carries its code from the start (一户一码).
  if (auto st = build_places(sys, built->node_of.at("康城社区")); !st.ok()) return st.error();
  auto root = sys.territory->find_path("/");
  if (!root) return make_error(Errc::internal, "the demo district has no root");
  if (auto issued = sys.codes->issue_all(root->id, district_admin()); !issued.ok()) return issued.error();
  std::vector<DemoLogin> out;
  for (const auto& d : kAccounts) {
    std::string password = std::string("mashang-") + d.login;
    std::string scope = paths.at(d.at);
    if (auto existing = sys.accounts->find_by_login(d.login)) {
      if (auto st = sys.accounts->set_password(existing->id, password); !st.ok()) return st.error();
    } else {
      accounts::NewAccount in{d.login, d.phone, d.display_name, password, {{d.role, scope}}};
      if (auto a = sys.accounts->create_account(in, nullptr); !a.ok()) return a.error();
    }
    out.push_back({d.role, d.label, scope, d.login, password, d.display_name});
  }
  // The elder and the resident sign in as themselves: their accounts are linked to their
  // persons, so "my household" shows their homes.
  for (const auto& [login, id_number] :
       {std::pair<std::string, std::string>{"elder", demo::elder_id_number()}, {"resident", resident_id_number()}}) {
    auto account = sys.accounts->find_by_login(login);
    if (!account) continue;
    Principal self;
    self.account_id = account->id;
    if (sys.registry->my_household(self).ok()) continue;  // linked on an earlier run
    auto admin = district_admin();
    registry::Caller caller{admin, ""};
    auto found = sys.registry->search({id_number, "", std::nullopt, 0, 1}, caller);
    if (!found.ok()) return found.error();
    if (found->items.empty()) return make_error(Errc::internal, "demo person of " + login + " missing");
    auto linked = sys.registry->link_account(found->items[0].person.id, account->id, caller);
    if (!linked.ok()) return linked.error();
  }
  int64_t first_community = built->node_of.at(demo::kFirstCommunity);
  if (auto st = build_points(sys, first_community, paths.at(demo::kFirstCommunity)); !st.ok()) return st.error();
  if (auto st = build_care(sys, id_of(paths.at(kFirstBuilding)), first_community, id_of(paths.at("滨河街道")));
      !st.ok())
    return st.error();
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
