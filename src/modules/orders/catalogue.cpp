// The default catalogue of problem categories for a Chinese district: what residents report
// most (市容环境, 道路设施, 绿化, 物业, 噪音, 消防通道, 占道经营, 违章停车, 安全), with deadlines
// that match the urgency (a blocked fire lane is claimed within 10 minutes, a pothole within
// an hour) and the roles and departments that may claim each.
#include "modules/orders/orders.hpp"

namespace mashang::orders {
namespace {

Category make(const char* code, const char* zh, const char* en, const char* group, int64_t claim_min,
              int64_t finish_min, std::vector<std::string> roles, std::vector<std::string> departments, bool photos,
              bool triage, std::vector<Question> questions = {}) {
  Category c;
  c.code = code;
  c.name_zh = zh;
  c.name_en = en;
  c.group = group;
  c.claim_minutes = claim_min;
  c.finish_minutes = finish_min;
  c.claim_roles = std::move(roles);
  c.departments = std::move(departments);
  c.photos_required = photos;
  c.triage = triage;
  c.questions = std::move(questions);
  return c;
}

}  // namespace

std::vector<Category> default_catalogue() {
  const std::vector<std::string> grid = {"grid_worker", "community_staff"};
  const std::vector<std::string> grid_inspector = {"grid_worker", "inspector", "community_staff"};
  const std::vector<std::string> grid_steward = {"grid_worker", "steward", "community_staff"};
  const std::vector<std::string> property = {"property_company"};
  Question noise_source{
      "source",
      "噪音来源",
      "Source of the noise",
      "singlevaluelist",
      true,
      {{"people", "人员喧哗"}, {"shop", "商铺"}, {"vehicle", "车辆"}, {"construction", "施工"}, {"other", "其他"}}};
  Question trapped{"trapped",         "是否有人被困", "Is anyone trapped",
                   "singlevaluelist", true,           {{"yes", "是"}, {"no", "否"}}};
  Question plate{"plate", "车牌号（选填）", "Number plate (optional)", "string", false, {}};
  return {
      make("city.litter", "垃圾乱堆", "Litter and dumped rubbish", "市容环境", 30, 240, grid_inspector, property, true,
           false),
      make("city.bin_overflow", "垃圾桶满溢", "Overflowing bins", "市容环境", 30, 180, grid, property, true, false),
      make("city.graffiti", "乱贴乱画", "Graffiti and flyposting", "市容环境", 60, 1440, grid_inspector, property, true,
           false),
      make("road.pothole", "路面坑洼", "Pothole or broken pavement", "道路设施", 60, 4320, grid_inspector, {}, true,
           true),
      make("road.streetlight", "路灯不亮", "Streetlight out", "道路设施", 60, 2880, grid, {}, false, false),
      make("road.manhole", "井盖缺损", "Missing or broken manhole cover", "道路设施", 15, 240, grid_inspector, {}, true,
           false),
      make("green.damage", "绿化损毁", "Damaged greenery", "绿化", 120, 4320, grid, property, true, false),
      make("green.overgrown", "树木遮挡", "Overgrown trees in the way", "绿化", 120, 4320, grid, property, false,
           false),
      make("property.elevator", "电梯故障", "Lift out of order", "物业", 10, 720, grid_steward, property, false, false,
           {trapped}),
      make("property.leak", "公共区域漏水", "Leak in shared areas", "物业", 30, 1440, grid_steward, property, true,
           false),
      make("property.door", "单元门禁损坏", "Broken entrance door or lock", "物业", 60, 1440, grid_steward, property,
           false, false),
      make("noise.night", "夜间噪音", "Noise at night", "噪音", 15, 120, grid_inspector, {}, false, false,
           {noise_source}),
      make("noise.construction", "施工噪音", "Construction noise", "噪音", 30, 240, grid_inspector, {}, false, false),
      make("fire.lane_blocked", "消防通道堵塞", "Blocked fire lane", "消防通道", 10, 120, grid_inspector, property,
           true, false, {plate}),
      make("fire.equipment", "消防设施损坏", "Damaged fire equipment", "消防通道", 30, 1440, grid_steward, property,
           true, false),
      make("street.vending", "占道经营", "Street vending in the way", "占道经营", 30, 240, {"inspector", "grid_worker"},
           {}, true, false),
      make("parking.illegal", "违章停车", "Illegal parking", "违章停车", 30, 240, {"inspector", "grid_worker"}, {},
           true, false, {plate}),
      make("parking.bikes", "共享单车乱停", "Shared bikes piled up", "违章停车", 60, 480, grid_inspector, {}, true,
           false),
      make("safety.hazard", "安全隐患", "Safety hazard", "安全", 15, 480, grid_inspector, property, true, true),
      // Home services for elders (居家服务, docs/reference/care.md): filed through /api/care/home-services.
      make("care.home_repair", "居家维修", "Home repair for an elder", "居家养老", 60, 1440, grid_steward, property,
           false, false),
      make("care.utility_check", "水电气检查", "Water, power and gas check for an elder", "居家养老", 120, 2880,
           grid_steward, property, false, false),
      make("other", "其他问题", "Something else", "其他", 60, 2880, grid, {}, false, true),
  };
}

}  // namespace mashang::orders
