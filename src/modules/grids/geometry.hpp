#pragma once
// Internal to the grids module: planar geometry over longitude/latitude. RFC 7946 §3.1.1
// defines an edge between two positions as a straight Cartesian line in lon/lat, so
// Cartesian predicates on degrees are the format's own semantics, not an approximation.
// Boost.Geometry stays inside geometry.cpp.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "modules/grids/grids.hpp"

namespace mashang::grids::geo {

struct Box {
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
};

//! What is wrong with a shape as GeoJSON describes it ("" when nothing): ranges, ring
//! sizes, closed rings, self-intersections, holes outside their shell, overlapping parts.
//! Ring orientation is not a fault (RFC 7946 §3.1.6 says parsers must not reject it).
std::string problem(const Shape& s);
//! The shape with exterior rings counterclockwise and holes clockwise (RFC 7946 §3.1.6).
Shape oriented(Shape s);
Box bounds(const Shape& s);
size_t positions(const Shape& s);
//! The GeoJSON geometry object: Polygon when `multi` is false and there is one polygon.
std::string to_geojson(const Shape& s, bool multi);
//! Reads back a geometry written by to_geojson.
Result<Shape> from_geojson(std::string_view json);

//! An R-tree over shapes, for point lookups and overlap checks. Immutable once built.
class Tree {
 public:
  struct Item {
    int64_t id = 0;
    Shape shape;
  };
  explicit Tree(std::vector<Item> items);
  ~Tree();
  //! The id of a shape covering the point (boundary included), if any.
  std::optional<int64_t> covering(double lon, double lat) const;
  //! The id of a shape other than `self` whose interior overlaps `s` by more than a
  //! sliver (shared edges are fine), if any.
  std::optional<int64_t> overlapping(const Shape& s, int64_t self) const;
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mashang::grids::geo
