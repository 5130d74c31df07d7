// Who may read, write and unmask the registry. Written against Principal's one scope rule.
#include "modules/registry/permissions.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace mashang::registry {
namespace {
constexpr std::string_view kReaders[] = {"district_admin", "street_staff", "community_staff", "grid_worker", "steward"};
constexpr std::string_view kWriters[] = {"district_admin", "street_staff", "community_staff", "grid_worker"};

template <size_t N>
bool holds(const Principal& who, const std::string_view (&roles)[N], std::string_view path) {
  return std::any_of(std::begin(roles), std::end(roles), [&](std::string_view r) { return who.has_role(r, path); });
}
}  // namespace

bool can_read(const Principal& who, std::string_view path) { return holds(who, kReaders, path); }
bool can_write(const Principal& who, std::string_view path) { return holds(who, kWriters, path); }
bool can_reveal(const Principal& who, std::string_view path) { return can_write(who, path); }

bool is_reader(const Principal& who) {
  for (const auto& g : who.grants)
    if (std::find(std::begin(kReaders), std::end(kReaders), g.role) != std::end(kReaders)) return true;
  return false;
}

std::vector<std::string> read_scopes(const Principal& who) {
  std::vector<std::string> out;
  for (const auto& g : who.grants)
    if (std::find(std::begin(kReaders), std::end(kReaders), g.role) != std::end(kReaders)) out.push_back(g.scope);
  return outermost_scopes(std::move(out));
}

}  // namespace mashang::registry
