#pragma once
//! The district's default points catalogue (virtue points 品德积分 for persons, civility points
//! 小区文明积分 for residential compounds): 51 bonus items and 33 deduction items.
#include <cstdint>
#include <span>
#include <string_view>

namespace mashang::points {

struct DefaultItem {
  std::string_view code;        //!< stable, lower_snake with a prefix: "bonus.<name>" or "deduct.<name>"
  std::string_view name_zh;     //!< short Chinese name, as on a district's published list
  std::string_view name_en;     //!< English name
  int64_t points;               //!< signed whole points: > 0 for bonus, < 0 for deduction
  std::string_view subject;     //!< "person" or "compound"
  int64_t cap_count;            //!< at most this many postings of the item per subject per period; 0 = no cap
  std::string_view cap_period;  //!< "day", "week", "month", "year" or "ever" (ignored when cap_count is 0: use "year")
  bool evidence_required;       //!< a proposal must carry at least one evidence reference
  std::string_view
      proposers;   //!< comma-separated roles that may propose it, from: self, grid_worker, steward, community_staff,
                   //!< street_staff, district_admin, committee_member, inspector, volunteer
  bool automatic;  //!< awarded automatically by another capability (no proposal)
};

//! All default items, bonus items first. Codes are unique.
std::span<const DefaultItem> default_items();

}  // namespace mashang::points
