// Planar geometry for grid polygons, on Boost.Geometry. The only file that includes it.
#include "modules/grids/geometry.hpp"

#include <algorithm>
#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/algorithms/envelope.hpp>
#include <boost/geometry/algorithms/intersection.hpp>
#include <boost/geometry/algorithms/intersects.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace mashang::grids::geo {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Pt = bg::model::d2::point_xy<double>;
using BPoly = bg::model::polygon<Pt, /*clockwise=*/false, /*closed=*/true>;
using BMulti = bg::model::multi_polygon<BPoly>;
using BBox = bg::model::box<Pt>;

// Twice the signed area of a closed ring: positive when counterclockwise.
double signed_area2(const Ring& r) {
  double a = 0;
  for (size_t i = 0; i + 1 < r.size(); ++i) a += r[i].lon * r[i + 1].lat - r[i + 1].lon * r[i].lat;
  return a;
}

BMulti to_bg(const Shape& s) {
  BMulti m;
  m.reserve(s.size());
  for (const auto& p : s) {
    BPoly bp;
    for (size_t i = 0; i < p.size(); ++i) {
      auto& ring = i == 0 ? bp.outer() : bp.inners().emplace_back();
      ring.reserve(p[i].size());
      for (const auto& q : p[i]) ring.emplace_back(q.lon, q.lat);
    }
    m.push_back(std::move(bp));
  }
  return m;
}

std::string where(size_t poly, size_t ring, const Shape& s) {
  std::string w = ring == 0 ? "the exterior ring" : "hole " + std::to_string(ring);
  if (s.size() > 1) w += " of polygon " + std::to_string(poly + 1);
  return w;
}

std::string fmt_num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Boost's message ends in detail we do not show; the point it names is worth showing.
std::string at_point(const std::string& boost_message) {
  auto at = boost_message.find(" at (");
  if (at == std::string::npos) return "";
  auto end = boost_message.find(')', at);
  if (end == std::string::npos) return "";
  return " near " + boost_message.substr(at + 4, end - at - 3);
}

std::string validity_message(bg::validity_failure_type f, const std::string& detail) {
  switch (f) {
    case bg::failure_few_points: return "a ring has fewer than 3 distinct positions";
    case bg::failure_wrong_topological_dimension: return "a ring has no area (its positions lie on one line)";
    case bg::failure_spikes: return "a ring has a spike (the boundary goes out and straight back)" + at_point(detail);
    case bg::failure_not_closed: return "a ring is not closed";
    case bg::failure_self_intersections: return "the boundary crosses or touches itself" + at_point(detail);
    case bg::failure_interior_rings_outside: return "a hole lies outside its polygon's exterior ring";
    case bg::failure_nested_interior_rings: return "a hole lies inside another hole";
    case bg::failure_disconnected_interior: return "the holes cut the polygon's interior into pieces";
    case bg::failure_intersecting_interiors: return "two polygons of the MultiPolygon overlap" + at_point(detail);
    case bg::failure_invalid_coordinate: return "a coordinate is not a finite number";
    default: return "the geometry is not a valid polygon: " + detail.substr(0, 200);
  }
}

// ---- reading back what to_geojson wrote -------------------------------------------------

struct Reader {
  std::string_view s;
  size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool number(double& v) {
    ws();
    auto r = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (r.ec != std::errc()) return false;
    i = static_cast<size_t>(r.ptr - s.data());
    return true;
  }
  template <class F>
  bool list(F&& item) {
    if (!eat('[')) return false;
    if (eat(']')) return true;
    do {
      if (!item()) return false;
    } while (eat(','));
    return eat(']');
  }
  bool position(Position& p) {
    if (!eat('[') || !number(p.lon) || !eat(',') || !number(p.lat)) return false;
    double z;
    if (eat(',') && !number(z)) return false;
    return eat(']');
  }
  bool ring(Ring& r) {
    return list([&] { return position(r.emplace_back()); });
  }
  bool polygon(Polygon& p) {
    return list([&] { return ring(p.emplace_back()); });
  }
};

}  // namespace

std::string problem(const Shape& s) {
  if (s.empty()) return "the geometry has no polygons";
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i].empty()) return "polygon " + std::to_string(i + 1) + " has no rings";
    for (size_t j = 0; j < s[i].size(); ++j) {
      const Ring& r = s[i][j];
      if (r.size() < 4)
        return where(i, j, s) + " has " + std::to_string(r.size()) + " positions; a ring needs at least 4";
      for (size_t k = 0; k < r.size(); ++k) {
        const auto& q = r[k];
        std::string pos = "position " + std::to_string(k + 1) + " of " + where(i, j, s);
        if (!std::isfinite(q.lon) || !std::isfinite(q.lat)) return pos + " is not a finite number";
        if (q.lon < -180 || q.lon > 180) return pos + ": longitude " + fmt_num(q.lon) + " is outside -180..180";
        if (q.lat < -90 || q.lat > 90) return pos + ": latitude " + fmt_num(q.lat) + " is outside -90..90";
      }
      if (!(r.front() == r.back())) return where(i, j, s) + " is not closed: its last position must repeat the first";
    }
  }
  BMulti m = to_bg(oriented(s));
  std::string detail;
  if (!bg::is_valid(m, detail)) {
    bg::validity_failure_type f;
    bg::is_valid(m, f);
    // After oriented(), a ring still "wrongly oriented" has no signed area: a figure eight.
    if (f == bg::failure_wrong_orientation)
      return bg::intersects(m) ? "the boundary crosses itself" : "a ring has no area";
    return validity_message(f, detail);
  }
  if (!(bg::area(m) > 0)) return "the geometry has no area";
  return "";
}

Shape oriented(Shape s) {
  for (auto& p : s)
    for (size_t j = 0; j < p.size(); ++j) {
      double a = signed_area2(p[j]);
      if ((j == 0 && a < 0) || (j > 0 && a > 0)) std::reverse(p[j].begin(), p[j].end());
    }
  return s;
}

Box bounds(const Shape& s) {
  Box b{std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
        std::numeric_limits<double>::lowest()};
  for (const auto& p : s)
    for (const auto& r : p)
      for (const auto& q : r) {
        b.min_lon = std::min(b.min_lon, q.lon);
        b.min_lat = std::min(b.min_lat, q.lat);
        b.max_lon = std::max(b.max_lon, q.lon);
        b.max_lat = std::max(b.max_lat, q.lat);
      }
  return b;
}

size_t positions(const Shape& s) {
  size_t n = 0;
  for (const auto& p : s)
    for (const auto& r : p) n += r.size();
  return n;
}

std::string to_geojson(const Shape& s, bool multi) {
  multi = multi || s.size() != 1;
  std::string o = multi ? "{\"type\":\"MultiPolygon\",\"coordinates\":[" : "{\"type\":\"Polygon\",\"coordinates\":";
  char buf[32];
  auto num = [&](double v) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    o.append(buf, r.ptr);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) o += ',';
    o += '[';
    for (size_t j = 0; j < s[i].size(); ++j) {
      if (j) o += ',';
      o += '[';
      for (size_t k = 0; k < s[i][j].size(); ++k) {
        if (k) o += ',';
        o += '[';
        num(s[i][j][k].lon);
        o += ',';
        num(s[i][j][k].lat);
        o += ']';
      }
      o += ']';
    }
    o += ']';
  }
  o += multi ? "]}" : "}";
  return o;
}

Result<Shape> from_geojson(std::string_view json) {
  auto bad = [] { return make_error(Errc::internal, "a stored grid geometry cannot be read"); };
  bool multi = json.find("\"MultiPolygon\"") != std::string_view::npos;
  auto at = json.find("\"coordinates\":");
  if (at == std::string_view::npos) return bad();
  Reader r{json, at + 14};
  Shape s;
  bool ok = multi ? r.list([&] { return r.polygon(s.emplace_back()); }) : r.polygon(s.emplace_back());
  if (!ok) return bad();
  return s;
}

// ---- the R-tree --------------------------------------------------------------------------

struct Tree::Impl {
  struct Entry {
    int64_t id;
    BMulti shape;
    double area;
  };
  std::vector<Entry> entries;
  bgi::rtree<std::pair<BBox, size_t>, bgi::rstar<16>> tree;
};

Tree::Tree(std::vector<Item> items) : impl_(std::make_unique<Impl>()) {
  std::vector<std::pair<BBox, size_t>> boxes;
  impl_->entries.reserve(items.size());
  for (auto& it : items) {
    BMulti m = to_bg(oriented(std::move(it.shape)));
    double a = bg::area(m);
    boxes.emplace_back(bg::return_envelope<BBox>(m), impl_->entries.size());
    impl_->entries.push_back({it.id, std::move(m), a});
  }
  impl_->tree = decltype(impl_->tree)(boxes.begin(), boxes.end());  // packed bulk load
}

Tree::~Tree() = default;

size_t Tree::size() const { return impl_->entries.size(); }

std::optional<int64_t> Tree::covering(double lon, double lat) const {
  Pt p(lon, lat);
  std::optional<int64_t> best;
  for (auto it = impl_->tree.qbegin(bgi::intersects(p)); it != impl_->tree.qend(); ++it) {
    const auto& e = impl_->entries[it->second];
    if ((!best || e.id < *best) && bg::covered_by(p, e.shape)) best = e.id;
  }
  return best;
}

std::optional<int64_t> Tree::overlapping(const Shape& s, int64_t self) const {
  BMulti m = to_bg(oriented(s));
  double a = bg::area(m);
  BBox box = bg::return_envelope<BBox>(m);
  std::optional<int64_t> best;
  for (auto it = impl_->tree.qbegin(bgi::intersects(box)); it != impl_->tree.qend(); ++it) {
    const auto& e = impl_->entries[it->second];
    if (e.id == self || (best && e.id > *best) || !bg::intersects(m, e.shape)) continue;
    BMulti common;
    bg::intersection(m, e.shape, common);
    // Shared edges leave slivers of rounding error; a real overlap is more than a millionth
    // of the smaller shape (and more than about a square centimetre).
    if (bg::area(common) > std::max(1e-16, 1e-6 * std::min(a, e.area))) best = e.id;
  }
  return best;
}

}  // namespace mashang::grids::geo
