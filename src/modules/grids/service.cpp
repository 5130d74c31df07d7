// Rules of grid shapes: what a valid import is, who may shape which grid, and the
// in-memory index that answers "which grid is this point in".
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/grids/geometry.hpp"
#include "modules/grids/grids.hpp"
#include "modules/grids/store.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::grids {

class Index {
 public:
  explicit Index(std::vector<geo::Tree::Item> items) : tree_(std::move(items)) {}
  std::optional<int64_t> grid_at(double lon, double lat) const { return tree_.covering(lon, lat); }
  size_t size() const { return tree_.size(); }

 private:
  geo::Tree tree_;
};

namespace {

std::vector<std::string> scopes_of(const Principal& who) {
  std::vector<std::string> s;
  for (const auto& g : who.grants) s.push_back(g.scope);
  return outermost_scopes(std::move(s));
}

// Where one feature of an import lands.
struct Target {
  std::optional<territory::Node> grid;       // an existing grid
  std::optional<territory::Node> community;  // its community (or the one a new grid goes under)
  std::string name;                          // the grid's name
  bool valid = false;
};

std::string key_of(const Target& t) {
  return t.grid ? "id:" + std::to_string(t.grid->id) : "new:" + std::to_string(t.community->id) + ":" + t.name;
}

// Resolves a feature's grid and checks the caller may shape it; "" or the problem.
std::string resolve(store::Conn& c, const FeatureIn& f, const Principal& who, Target& t) {
  if (f.node_id) {
    auto g = territory::find_in(c, *f.node_id);
    if (!g || !territory::can_see(who, g->path) || g->kind != "grid")
      return "no grid you may see has node_id " + std::to_string(*f.node_id);
    auto p = territory::find_in(c, *g->parent_id);
    if (!territory::can_manage_children(who, *p)) return "you may not reshape grids of " + p->name;
    t.grid = std::move(g);
    t.community = std::move(p);
    t.name = t.grid->name;
    return "";
  }
  if (!f.parent_id || f.name.empty())
    return "name the grid: properties.node_id, or properties.parent_id (its community) and properties.name";
  auto p = territory::find_in(c, *f.parent_id);
  if (!p || !territory::can_see(who, p->path)) return "no node you may see has node_id " + std::to_string(*f.parent_id);
  if (p->kind != "community") return p->name + " is a " + p->kind + "; grids belong to communities";
  if (!territory::can_manage_children(who, *p)) return "you may not add or reshape grids of " + p->name;
  if (!text::plain_line(f.name, territory::kNodeNameBytesMax))
    return "properties.name must be 1 to 64 bytes of text without control characters";
  if (auto g = territory::child_named(c, p->id, f.name)) {
    if (g->kind != "grid") return p->name + " has a " + g->kind + " named " + f.name;
    t.grid = std::move(g);
  }
  t.community = std::move(p);
  t.name = f.name;
  return "";
}

}  // namespace

Service::Service(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}
Service::~Service() = default;

bool Service::affects_index(std::string_view type) { return type == kShapeEvent || type == "territory.node_renamed"; }

bool can_shape_grids(const Principal& who) {
  for (const auto& g : who.grants)
    if (g.role == "district_admin" || g.role == "street_staff" || g.role == "community_staff") return true;
  return false;
}

Result<ImportReport> Service::import(std::vector<FeatureIn> features, bool dry_run, const Principal& who,
                                     const std::string& ip) {
  if (!can_shape_grids(who))
    return make_error(Errc::forbidden, "shaping grids needs the district admin, street staff or community staff role");
  if (features.empty()) return make_error(Errc::invalid_input, "the FeatureCollection has no features", "features");
  if (features.size() > kFeaturesMax)
    return make_error(Errc::invalid_input,
                      "at most " + std::to_string(kFeaturesMax) + " features per import; split the file", "features");
  size_t total = 0;
  for (const auto& f : features) total += geo::positions(f.shape);
  if (total > kPositionsTotalMax)
    return make_error(Errc::invalid_input,
                      "at most " + std::to_string(kPositionsTotalMax) + " positions per import; split the file",
                      "features");

  ImportReport rep;
  rep.dry_run = dry_run;
  rep.features = features.size();
  auto fail = [&](size_t i, std::string message) {
    rep.problems.push_back({i, features[i].node_id, features[i].name, std::move(message)});
  };
  std::vector<bool> ok(features.size(), false);
  for (size_t i = 0; i < features.size(); ++i) {
    auto& f = features[i];
    if (!f.problem.empty()) {
      fail(i, f.problem);
    } else if (geo::positions(f.shape) > kPositionsPerFeatureMax) {
      fail(i, "more than " + std::to_string(kPositionsPerFeatureMax) + " positions; simplify the polygon");
    } else if (auto p = geo::problem(f.shape); !p.empty()) {
      fail(i, p);
    } else {
      f.shape = geo::oriented(std::move(f.shape));
      ok[i] = true;
    }
  }

  bool written = false;
  Status st = db_.write([&](store::Conn& c) -> Status {
    audit::lock(c);  // imports one at a time: the overlap check sees every committed grid
    std::vector<Target> targets(features.size());
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < features.size(); ++i) {
      if (!ok[i]) continue;
      if (auto p = resolve(c, features[i], who, targets[i]); !p.empty()) {
        fail(i, p);
        ok[i] = false;
        continue;
      }
      auto [it, fresh] = seen.emplace(key_of(targets[i]), i);
      if (!fresh) {
        fail(i, "the same grid as feature " + std::to_string(it->second));
        ok[i] = false;
      }
    }
    // Overlaps: against stored grids this import does not replace, and between features.
    std::vector<geo::Tree::Item> items;
    std::set<int64_t> replaced;
    for (size_t i = 0; i < features.size(); ++i)
      if (ok[i] && targets[i].grid) replaced.insert(targets[i].grid->id);
    std::unordered_map<int64_t, std::string> stored_names;
    for (auto& r : sql::shaped(c, {})) {
      if (replaced.count(r.node_id)) continue;
      auto s = geo::from_geojson(r.geometry);
      if (!s.ok()) return s.error();
      // Existence outside the caller's view stays private: such a grid is not named.
      stored_names[r.node_id] = territory::can_see(who, r.path)
                                    ? "grid " + r.name + " (node_id " + std::to_string(r.node_id) + ")"
                                    : "a grid outside your area";
      items.push_back({r.node_id, std::move(*s)});
    }
    for (size_t i = 0; i < features.size(); ++i)
      if (ok[i]) items.push_back({-static_cast<int64_t>(i) - 1, features[i].shape});
    geo::Tree tree(std::move(items));
    for (size_t i = 0; i < features.size(); ++i) {
      if (!ok[i]) continue;
      auto other = tree.overlapping(features[i].shape, -static_cast<int64_t>(i) - 1);
      if (!other) continue;
      fail(i, *other > 0 ? "overlaps " + stored_names[*other] : "overlaps feature " + std::to_string(-*other - 1));
    }
    for (size_t i = 0; i < features.size(); ++i)
      if (ok[i]) ++(targets[i].grid ? rep.updated : rep.created);
    if (!rep.problems.empty() || dry_run) return make_error(Errc::invalid_input, "not applied");

    int64_t now = clock_.now_ms();
    for (size_t i = 0; i < features.size(); ++i) {
      auto& t = targets[i];
      if (!t.grid) {
        auto g = territory::add_child(c, *t.community, "grid", t.name, &who, ip, now);
        if (!g.ok()) return g.error();
        t.grid = std::move(*g);
      }
      const auto& shape = features[i].shape;
      auto b = geo::bounds(shape);
      sql::put(c, t.grid->id, geo::to_geojson(shape, features[i].multi), b, geo::positions(shape), now);
      std::string payload = "{\"node_id\":" + std::to_string(t.grid->id) + ",\"name\":";
      text::append_json_string(payload, t.grid->name);
      payload += '}';
      c.emit({kShapeEvent, "node:" + std::to_string(t.grid->id), t.grid->path, std::nullopt, payload});
      std::string details = "{\"positions\":" + std::to_string(geo::positions(shape)) +
                            ",\"polygons\":" + std::to_string(shape.size()) + "}";
      audit::record(c, {kShapeEvent, "node:" + std::to_string(t.grid->id), who.account_id, ip, "", details}, now);
    }
    written = true;
    return ok_status();
  });
  std::sort(rep.problems.begin(), rep.problems.end(),
            [](const FeatureProblem& a, const FeatureProblem& b) { return a.feature < b.feature; });
  if (written) {
    rep.applied = true;
    invalidate();
    return rep;
  }
  if (!st.ok() && st.error().message != "not applied") return st.error();
  if (!rep.problems.empty()) rep.created = rep.updated = 0;  // nothing was, or would be, written
  return rep;
}

std::vector<StoredGrid> Service::shaped(const Principal& who) {
  std::vector<StoredGrid> out;
  auto scopes = scopes_of(who);
  if (scopes.empty()) return out;
  db_.read([&](store::Conn& c) {
    for (auto& r : sql::shaped(c, scopes))
      out.push_back({r.node_id, r.parent_id, std::move(r.name), std::move(r.path), std::move(r.parent_name),
                     std::move(r.geometry)});
  });
  return out;
}

std::shared_ptr<const Index> Service::index() {
  if (!stale_.load(std::memory_order_acquire)) return index_.load(std::memory_order_acquire);
  std::lock_guard lock(load_mu_);
  if (!stale_.load(std::memory_order_acquire)) return index_.load(std::memory_order_acquire);
  stale_.store(false, std::memory_order_release);  // a change during the load marks it stale again
  std::vector<geo::Tree::Item> items;
  try {
    db_.read([&](store::Conn& c) {
      for (auto& r : sql::shaped(c, {})) {
        auto s = geo::from_geojson(r.geometry);
        if (!s.ok()) throw Fault(Errc::internal, "grid " + std::to_string(r.node_id) + ": unreadable stored geometry");
        items.push_back({r.node_id, std::move(*s)});
      }
    });
  } catch (...) {
    stale_.store(true, std::memory_order_release);
    throw;
  }
  auto idx = std::make_shared<const Index>(std::move(items));
  index_.store(idx, std::memory_order_release);
  return idx;
}

std::optional<int64_t> Service::grid_at(double lon, double lat) { return index()->grid_at(lon, lat); }

std::optional<Hit> Service::locate(double lon, double lat) {
  auto id = grid_at(lon, lat);
  if (!id) return std::nullopt;
  // Names as they are now (a rename needs no rebuild of the index).
  std::optional<Hit> hit;
  db_.read([&](store::Conn& c) {
    auto g = territory::find_in(c, *id);
    if (!g || !g->parent_id) return;
    auto p = territory::find_in(c, *g->parent_id);
    if (p) hit = Hit{g->id, g->name, g->path, p->id, p->name};
  });
  return hit;
}

size_t Service::indexed() { return index()->size(); }

}  // namespace mashang::grids
