#pragma once
//! Grid polygons: import and export as GeoJSON (RFC 7946, WGS84), validation per feature,
//! and the point → grid lookup that reports and maps use. Public API of the module; other
//! modules use only this header.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::grids {

//! A position: longitude then latitude, in degrees (RFC 7946 §3.1.1).
struct Position {
  double lon = 0, lat = 0;
  bool operator==(const Position&) const = default;
};
using Ring = std::vector<Position>;  //!< closed: the last position repeats the first
using Polygon = std::vector<Ring>;   //!< the exterior ring, then holes
using Shape = std::vector<Polygon>;  //!< a MultiPolygon; a Polygon is a Shape of one

inline constexpr size_t kFeaturesMax = 2000;  //!< per import
inline constexpr size_t kPositionsPerFeatureMax = 20000;
inline constexpr size_t kPositionsTotalMax = 1000000;  //!< per import
inline constexpr int64_t kImportBytesMax = 16 << 20;

//! One feature of an import, as the HTTP layer parsed it. It names its grid either by
//! `node_id` (an existing grid) or by `parent_id` (a community) and `name` (the grid is
//! created when the community has no grid of that name).
struct FeatureIn {
  std::optional<int64_t> node_id, parent_id;
  std::string name;
  bool multi = false;  //!< written as a MultiPolygon
  Shape shape;
  std::string problem;  //!< set when the feature could not be read at all
};

struct FeatureProblem {
  size_t feature = 0;  //!< index in the FeatureCollection's `features`
  std::optional<int64_t> node_id;
  std::string name;
  std::string message;
};

struct ImportReport {
  bool dry_run = false;
  bool applied = false;  //!< false when there were problems (nothing was written) or on a dry run
  size_t features = 0;
  size_t created = 0, updated = 0;  //!< on a dry run without problems: what the import would do
  std::vector<FeatureProblem> problems;
};

//! Where a point falls.
struct Hit {
  int64_t grid_id = 0;
  std::string grid_name, path;
  int64_t community_id = 0;
  std::string community_name;
};

//! The geometry of one stored grid with the names an export carries.
struct StoredGrid {
  int64_t node_id = 0, parent_id = 0;
  std::string name, path, community_name, geometry_json;
};

class Index;  // the in-memory R-tree (grids/index.hpp)

class Service {
 public:
  Service(store::Db& db, const Clock& clock);
  ~Service();

  //! Validates every feature (closed rings, ranges, no self-intersection, no overlap with
  //! another grid) and, when all are valid and `dry_run` is false, stores them in one
  //! transaction. Problems come back in the report, one per feature.
  Result<ImportReport> import(std::vector<FeatureIn> features, bool dry_run, const Principal& who,
                              const std::string& ip);
  //! The shaped grids the caller may see, by id.
  std::vector<StoredGrid> shaped(const Principal& who);
  //! The grid containing the point (its boundary included), if any: from memory only.
  std::optional<int64_t> grid_at(double lon, double lat);
  //! The same with the grid's and its community's current names.
  std::optional<Hit> locate(double lon, double lat);
  //! Number of grids in the in-memory index (loading it if needed).
  size_t indexed();
  //! Marks the in-memory index stale: grid shapes changed (here or, on PostgreSQL, in
  //! another instance). The next lookup reloads it.
  void invalidate() { stale_ = true; }
  //! Whether a committed event type makes the index stale.
  static bool affects_index(std::string_view event_type);

 private:
  std::shared_ptr<const Index> index();

  store::Db& db_;
  const Clock& clock_;
  std::mutex load_mu_;  // one loader at a time
  std::atomic<std::shared_ptr<const Index>> index_;
  std::atomic<bool> stale_{true};
};

//! Whether the caller holds a role that shapes grids anywhere (district admin, street or
//! community staff); which grids exactly is decided per feature.
bool can_shape_grids(const Principal& who);

//! The event type written for every grid whose shape changes.
inline constexpr const char* kShapeEvent = "territory.grid_shaped";

}  // namespace mashang::grids
