// The district's default points catalogue, modelled on Kangbashi's (Ordos) 品德积分 and
// 小区文明积分 lists. Seeded as version 1 of each item; the district edits it from there.
#include "modules/points/defaults.hpp"

#include <cstddef>

namespace mashang::points {
namespace {
// clang-format off
constexpr DefaultItem kItems[] = {
    // ── Bonus, person (品德积分加分) ──
    // Awarded by the reports capability when a 随手拍 report is confirmed; nobody proposes it.
    {"bonus.report_confirmed", "随手拍隐患经核实", "Hazard report confirmed", 2, "person", 10, "month", false, "",
     true},
    {"bonus.volunteer_service", "志愿服务", "Volunteer service", 2, "person", 20, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.elder_assistance", "帮扶孤寡老人", "Helping elders living alone", 3, "person", 10, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.blood_donation", "无偿献血", "Voluntary blood donation", 10, "person", 2, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.dispute_mediation", "调解邻里纠纷", "Mediating a neighbour dispute", 5, "person", 4, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.heroic_act", "见义勇为", "Act of bravery for others", 50, "person", 0, "year", true,
     "grid_worker,community_staff,street_staff,district_admin,committee_member", false},
    {"bonus.lost_property_returned", "拾金不昧", "Returning lost property", 5, "person", 5, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.sorting_model_household", "垃圾分类示范户", "Garbage sorting model household", 10, "person", 1, "year",
     true, "grid_worker,community_staff,committee_member", false},
    {"bonus.civilized_family", "文明家庭", "Civilised family award", 20, "person", 1, "year", true,
     "community_staff,committee_member", false},
    {"bonus.most_beautiful_family", "最美家庭", "Most Beautiful Family award", 20, "person", 1, "year", true,
     "community_staff,committee_member", false},
    {"bonus.good_in_law", "好婆婆好媳妇", "Good mother-in-law / daughter-in-law award", 15, "person", 1, "year", true,
     "community_staff,committee_member", false},
    {"bonus.filial_piety_model", "孝老爱亲模范", "Model of filial piety and family care", 15, "person", 1, "year", true,
     "community_staff,committee_member", false},
    {"bonus.disabled_neighbour_care", "帮扶残疾人邻居", "Caring for disabled neighbours", 3, "person", 10, "month",
     true, "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.left_behind_child_care", "关爱留守儿童", "Caring for left-behind children", 3, "person", 10, "month",
     true, "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.neighbour_mutual_aid", "邻里互助", "Helping a neighbour", 1, "person", 10, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.marrow_donor_registration", "登记捐献造血干细胞", "Bone marrow donor registration", 10, "person", 1,
     "ever", true, "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.organ_donor_registration", "登记器官捐献志愿", "Organ donor registration", 10, "person", 1, "ever", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.student_aid", "捐资助学", "Funding a student's schooling", 5, "person", 4, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.charitable_donation", "捐款捐物", "Donating money or goods", 2, "person", 6, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.emergency_rescue", "参与应急救援", "Taking part in emergency rescue", 10, "person", 6, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.epidemic_volunteer", "防疫志愿服务", "Epidemic-prevention volunteering", 2, "person", 20, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.safety_patrol", "平安巡逻志愿", "Neighbourhood safety patrol", 2, "person", 15, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.traffic_civility_volunteer", "文明交通劝导", "Traffic civility volunteer", 2, "person", 10, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.sorting_supervision_shift", "垃圾分类督导值守", "Garbage sorting guidance shift", 2, "person", 20,
     "month", true, "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.snow_clearing", "义务扫雪除冰", "Voluntary snow and ice clearing", 2, "person", 10, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.cleanup_labour", "环境整治义务劳动", "Voluntary environmental clean-up", 2, "person", 8, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.green_adoption", "绿化认养", "Adopting and tending green space", 5, "person", 2, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.hazard_removed", "主动消除安全隐患", "Removing a safety hazard oneself", 3, "person", 4, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.building_leader_duty", "楼栋长履职", "Building leader duties fulfilled", 5, "person", 1, "month", true,
     "grid_worker,community_staff,committee_member", false},
    {"bonus.council_participation", "参加社区议事", "Taking part in community deliberation", 2, "person", 4, "month",
     false, "grid_worker,steward,community_staff,committee_member", false},
    {"bonus.suggestion_adopted", "献计献策被采纳", "Suggestion adopted", 5, "person", 6, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.violation_tip_verified", "举报违法线索经查实", "Tip-off on a violation verified", 5, "person", 6, "year",
     true, "self,grid_worker,community_staff,street_staff", false},
    {"bonus.model_dog_owner", "文明养犬示范户", "Model responsible dog owner", 5, "person", 1, "year", true,
     "grid_worker,community_staff,committee_member", false},
    {"bonus.frugal_ceremony", "移风易俗简办婚丧", "Simple weddings and funerals", 10, "person", 2, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.military_enlistment", "参军入伍", "Enlisting in the armed forces", 20, "person", 1, "ever", true,
     "self,grid_worker,community_staff,street_staff", false},
    {"bonus.skills_training", "参加技能培训", "Completing skills training", 3, "person", 4, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.first_aid_certificate", "取得急救员证书", "First-aid certificate obtained", 5, "person", 1, "ever", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.science_outreach", "科普宣传", "Science outreach", 2, "person", 4, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.anti_fraud_outreach", "反诈宣传", "Anti-fraud awareness outreach", 1, "person", 4, "month", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.fire_drill", "参加消防演练", "Taking part in a fire drill", 2, "person", 4, "year", true,
     "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.cultural_performance", "参演文艺活动", "Performing in a community cultural event", 2, "person", 4,
     "month", true, "self,grid_worker,steward,community_staff,committee_member", false},
    {"bonus.honour_award", "获区级以上表彰", "Honoured at district level or above", 20, "person", 2, "year", true,
     "community_staff,committee_member", false},

    // ── Bonus, compound (小区文明积分加分) ──
    {"bonus.compound_tidy_environment", "环境整洁评比优秀", "Top rating in tidiness review", 20, "compound", 1,
     "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_sorting_compliant", "垃圾分类达标小区", "Garbage sorting compliant compound", 15, "compound", 1,
     "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_no_illegal_building", "无违建小区", "Compound free of illegal structures", 20, "compound", 1,
     "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_fire_lane_clear", "消防通道畅通检查合格", "Fire lanes pass inspection", 10, "compound", 1,
     "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_greenery_maintained", "绿化维护良好", "Well-maintained greenery", 10, "compound", 1, "month",
     true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_civil_dog_keeping", "文明养犬小区", "Responsible dog-keeping compound", 10, "compound", 1,
     "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_property_satisfaction", "物业服务满意度高", "High property-service satisfaction", 15,
     "compound", 1, "month", true, "community_staff,street_staff,committee_member", false},
    {"bonus.compound_safe_compound", "平安小区", "Safe compound designation", 30, "compound", 1, "year", true,
     "community_staff,street_staff,committee_member", false},
    {"bonus.compound_civilized_compound", "文明小区创建达标", "Civilised compound standard met", 50, "compound", 1,
     "year", true, "community_staff,street_staff,committee_member", false},

    // ── Deduction, person (品德积分扣分) ──
    {"deduct.littering", "乱扔垃圾", "Littering", -2, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.improper_sorting", "不按规定分类投放垃圾", "Not sorting garbage as required", -2, "person", 1, "day",
     true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.spitting", "随地吐痰", "Spitting in public", -1, "person", 1, "day", false,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.illegal_parking", "违章停车", "Illegal parking", -2, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.pet_waste", "宠物粪便未清理", "Pet waste not cleaned up", -2, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.unleashed_dog", "遛犬未拴绳", "Walking a dog off the leash", -3, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.night_noise", "夜间噪音扰民", "Night-time noise nuisance", -3, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.stairwell_clutter", "楼道堆放杂物", "Clutter stored in stairwells", -3, "person", 1, "week", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.illegal_flyers", "乱贴小广告", "Posting illegal flyers", -3, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.street_vending", "占道经营", "Unlicensed roadside vending", -3, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.greenery_damage", "毁坏绿化", "Damaging greenery", -5, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.illegal_fireworks", "违规燃放烟花爆竹", "Setting off fireworks where banned", -5, "person", 1, "day",
     true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.open_burning", "露天焚烧", "Open-air burning", -5, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.fire_lane_blocked", "占用堵塞消防通道", "Blocking a fire lane", -10, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.ebike_indoor_charging", "违规电动车入户充电", "Charging an e-bike indoors", -10, "person", 1, "day",
     true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.public_facility_damage", "破坏公共设施", "Damaging public facilities", -10, "person", 1, "day", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.property_fee_default", "恶意拖欠物业费", "Wilful non-payment of property fees", -10, "person", 1,
     "year", true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.false_report", "虚假举报", "False or malicious report", -10, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.spreading_rumours", "散布谣言", "Spreading rumours", -10, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.emergency_noncompliance", "拒不配合防疫和应急管理", "Refusing to cooperate with emergency measures",
     -10, "person", 1, "month", true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.public_order_disruption", "扰乱公共秩序", "Disturbing public order", -10, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.illegal_construction", "私搭乱建", "Unauthorised construction", -20, "person", 1, "month", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.throwing_from_height", "高空抛物", "Throwing objects from height", -20, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.drunk_driving", "酒驾醉驾被处罚", "Penalised for drink or drunk driving", -20, "person", 0, "year",
     true, "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.gambling", "聚众赌博", "Organised gambling", -20, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.elder_neglect", "不赡养老人", "Failing to support elderly parents", -50, "person", 1, "month", true,
     "grid_worker,community_staff,inspector,street_staff", false},
    {"deduct.domestic_violence", "家庭暴力", "Domestic violence", -50, "person", 0, "year", true,
     "grid_worker,community_staff,inspector,street_staff", false},

    // ── Deduction, compound (小区文明积分扣分) ──
    {"deduct.compound_dirty_environment", "环境脏乱差被通报", "Cited for a dirty, cluttered environment", -20,
     "compound", 1, "month", true, "community_staff,street_staff,inspector", false},
    {"deduct.compound_fire_lane_blocked", "消防通道堵塞被通报", "Cited for blocked fire lanes", -20, "compound", 1,
     "month", true, "community_staff,street_staff,inspector", false},
    {"deduct.compound_illegal_building_unfixed", "违建未按期整改", "Illegal structures not rectified", -30,
     "compound", 1, "month", true, "community_staff,street_staff,inspector", false},
    {"deduct.compound_hazard_unfixed", "安全隐患未整改", "Safety hazards not rectified", -20, "compound", 1, "month",
     true, "community_staff,street_staff,inspector", false},
    {"deduct.compound_sorting_substandard", "垃圾分类不达标", "Garbage sorting below standard", -10, "compound", 1,
     "month", true, "community_staff,street_staff,inspector", false},
    {"deduct.compound_service_complaints", "物业服务投诉经查实", "Property-service complaints upheld", -10,
     "compound", 1, "month", true, "community_staff,street_staff,inspector", false},
};
// clang-format on

constexpr std::size_t count_items(bool bonus) {
  std::size_t n = 0;
  for (const auto& item : kItems)
    if (bonus ? item.points > 0 : item.points < 0) ++n;
  return n;
}

// Bonus items first, then deductions: the order the published lists use.
constexpr bool bonus_first() {
  bool in_deductions = false;
  for (const auto& item : kItems) {
    if (item.points < 0)
      in_deductions = true;
    else if (in_deductions)
      return false;
  }
  return true;
}

static_assert(count_items(true) == 51, "the default catalogue has 51 bonus items");
static_assert(count_items(false) == 33, "the default catalogue has 33 deduction items");
static_assert(count_items(true) + count_items(false) == std::size(kItems), "no item is worth zero points");
static_assert(bonus_first(), "bonus items come before deduction items");
}  // namespace

std::span<const DefaultItem> default_items() { return kItems; }

}  // namespace mashang::points
