// The demo district's plan: Kangbashi's real streets and communities, a made-up but
// plausible population. Everything comes from one seeded generator (splitmix64, not the
// standard distributions, whose output differs between library versions).
#include "app/demo_plan.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/idcard.hpp"

namespace mashang::app::demo {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  //! Uniform in [lo, hi].
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  //! Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[next() % N];
  }

 private:
  uint64_t s_;
};

struct StreetSpec {
  const char* name;
  std::vector<const char*> communities;
};
const StreetSpec kStreets[] = {
    {"滨河街道", {"康城社区", "宁馨社区", "神华康城社区", "滨河社区", "书香社区"}},
    {"青春山街道", {"格德热格社区", "青春山社区", "阳光社区", "安泰社区", "和谐社区"}},
    {"哈巴格希街道", {"哈巴格希社区", "康馨社区", "园丁社区", "景泰社区", "惠民社区"}},
    {"康新街道", {"康新社区", "新城社区", "康和社区", "福源社区"}},
};

// The map: 15 × 8 cells of about 690 m × 670 m centred on 39.60°N 109.78°E.
constexpr int kCols = 15, kRows = 8;
constexpr double kCellLon = 0.008, kCellLat = 0.006;
constexpr double kWest = 109.78 - kCols * kCellLon / 2, kSouth = 39.60 - kRows * kCellLat / 2;

const std::array<const char*, 10> kNumerals = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

std::string chinese_number(int n) {  // 1..99
  if (n <= 10) return kNumerals[n - 1];
  if (n < 20) return std::string("十") + kNumerals[n - 11];
  return std::string(kNumerals[n / 10 - 1]) + "十" + (n % 10 ? kNumerals[n % 10 - 1] : "");
}

const std::array<const char*, 36> kCompoundPrefixes = {
    "阳光", "锦绣", "御景", "华府", "金地", "碧水", "滨河", "书香", "和谐", "康馨", "福源", "安泰",
    "龙湖", "万正", "天骄", "北辰", "乌兰", "绿地", "汇能", "蓝天", "新城", "世纪", "丽景", "盛世",
    "紫荆", "东方", "春晓", "铭泰", "鸿德", "悦湖", "恒泰", "康和", "雅园", "锦华", "银河", "泰和"};
const std::array<const char*, 7> kCompoundSuffixes = {"小区", "家园", "花园", "苑", "嘉园", "公寓", "府"};

// Surnames, weighted roughly by frequency: the common ones appear more than once.
const std::array<const char*, 60> kSurnames = {"王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "陈",
                                               "陈", "杨", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
                                               "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯",
                                               "于", "董", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕",
                                               "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "白", "崔", "康"};
const std::array<const char*, 40> kMaleChars = {"伟",   "强",   "磊",   "军",   "勇",   "杰",   "涛", "斌", "超", "明",
                                                "刚",   "平",   "辉",   "鹏",   "华",   "飞",   "鑫", "波", "宇", "浩",
                                                "凯",   "健",   "俊",   "帆",   "帅",   "旭",   "宁", "龙", "林", "洋",
                                                "建国", "建军", "志强", "国庆", "海涛", "振华", "永", "亮", "峰", "晨"};
const std::array<const char*, 40> kFemaleChars = {"芳",   "娜", "敏", "静", "丽",   "艳", "娟",   "霞",   "秀英", "玲",
                                                  "桂英", "丹", "萍", "红", "玉兰", "燕", "莉",   "倩",   "婷",   "雪",
                                                  "慧",   "颖", "琳", "欣", "佳",   "悦", "桂兰", "淑珍", "秀兰", "凤",
                                                  "梅",   "晶", "洁", "蕾", "薇",   "瑶", "怡",   "萱",   "琪",   "月"};
// Kangbashi is in Ordos, Inner Mongolia: some residents carry Mongolian names.
const std::array<const char*, 12> kMongolMale = {"巴特尔", "额尔敦", "那日苏", "宝音", "阿拉坦", "孟和",
                                                 "朝鲁",   "毕力格", "巴图",   "苏和", "满都拉", "特木尔"};
const std::array<const char*, 12> kMongolFemale = {"其其格", "乌云", "斯琴", "萨仁",   "图雅", "苏日娜",
                                                   "娜仁",   "高娃", "托娅", "琪琪格", "乌兰", "塔娜"};
// Where residents were born: the district itself, Ordos's other places, and beyond.
const std::array<const char*, 12> kRegions = {"150603", "150603", "150603", "150602", "150602", "150621",
                                              "150627", "152701", "150102", "140602", "610802", "130102"};

constexpr int kRefYear = 2026;  // ages are as of 2026-07-01, whatever the calendar says

struct Person {
  std::string name, gender;
  int age = 0;
};

class People {
 public:
  explicit People(Rng& r) : r_(r) {}

  std::string given(bool male) {
    if (r_.chance(0.06)) return male ? r_.pick(kMongolMale) : r_.pick(kMongolFemale);
    std::string g = male ? r_.pick(kMaleChars) : r_.pick(kFemaleChars);
    if (g.size() == 3 && r_.chance(0.45)) {  // a one-character name may take a second character
      std::string second = male ? r_.pick(kMaleChars) : r_.pick(kFemaleChars);
      if (second.size() == 3 && second != g) g += second;
    }
    return g;
  }
  std::string full(const std::string& surname, bool male) {
    std::string g = given(male);
    // Mongolian names stand alone (a surname is uncommon).
    for (auto m : kMongolMale)
      if (g == m) return g;
    for (auto m : kMongolFemale)
      if (g == m) return g;
    return surname + g;
  }

  registry::NewPerson make(const std::string& name, bool male, int age, const char* relation,
                           std::vector<std::string> tags) {
    registry::NewPerson p;
    p.name = name;
    p.gender.assign(1, male ? 'M' : 'F');  // (not = "M": GCC 12 warns falsely, -Wrestrict)
    p.relation = relation;
    p.id_number = id_number(male, age);
    if (age >= 16 && age <= 78 && r_.chance(0.95)) p.phone = phone();
    if (age >= 60) tags.push_back("elder");
    if (age < 14) tags.push_back("child");
    if (r_.chance(0.02)) tags.push_back("disability");
    if (male && age >= 40 && r_.chance(0.03)) tags.push_back("veteran");
    p.tags = std::move(tags);
    return p;
  }
  void low_income(std::vector<registry::NewPerson>& hh) {
    for (auto& p : hh) p.tags.push_back("low_income");
  }
  //! Reserves a number so that generated ones never collide with it.
  void reserve_id(const std::string& id) { ids_.insert(id); }
  void reserve_phone(const std::string& p) { phones_.insert(p); }

 private:
  std::string id_number(bool male, int age) {
    for (;;) {
      int year = kRefYear - age - (r_.chance(0.5) ? 1 : 0);
      int month = static_cast<int>(r_.between(1, 12));
      int day = static_cast<int>(r_.between(1, 28));
      if (year == kRefYear && month > 6) month -= 6;
      int seq = static_cast<int>(r_.between(0, 499)) * 2 + (male ? 1 : 0);
      char body[24];
      std::snprintf(body, sizeof body, "%s%04d%02d%02d%03d", r_.pick(kRegions), year, month, day, seq);
      std::string id = std::string(body) + idcard::check_char(body);
      if (ids_.insert(id).second) return id;
    }
  }
  std::string phone() {
    static const std::array<const char*, 12> prefixes = {"130", "131", "132", "135", "136", "137",
                                                         "138", "139", "150", "151", "158", "187"};
    for (;;) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%s%08lld", r_.pick(prefixes), static_cast<long long>(r_.between(0, 99999999)));
      if (phones_.insert(buf).second) return buf;
    }
  }
  Rng& r_;
  std::set<std::string> ids_, phones_;
};

// One household of `size` persons: a head, maybe a spouse, children, an old parent.
std::vector<registry::NewPerson> household(Rng& r, People& people, int size) {
  std::vector<registry::NewPerson> out;
  std::string surname = r.pick(kSurnames);
  bool head_male = r.chance(0.7);
  int head_age;
  if (size == 1)
    head_age = static_cast<int>(r.chance(0.55) ? r.between(62, 90) : r.between(22, 61));
  else if (size == 2)
    head_age = static_cast<int>(r.chance(0.5) ? r.between(58, 85) : r.between(24, 40));
  else
    head_age = static_cast<int>(r.between(28, 55));
  bool elderly_alone = head_age >= 60 && size <= 2;
  std::vector<std::string> head_tags;
  if (elderly_alone) head_tags.push_back("empty_nest_elder");
  if (size == 1 && head_age >= 60) head_tags.push_back("living_alone");
  out.push_back(people.make(people.full(surname, head_male), head_male, head_age, "head", head_tags));
  int left = size - 1;
  if (left > 0) {
    int age = std::max(20, head_age + static_cast<int>(r.between(-5, 3)));
    std::vector<std::string> tags;
    if (elderly_alone) tags.push_back("empty_nest_elder");
    out.push_back(people.make(people.full(r.pick(kSurnames), !head_male), !head_male, age, "spouse", tags));
    --left;
  }
  bool grandparent = size >= 5 && left > 0;
  int children = left - (grandparent ? 1 : 0);
  for (int i = 0; i < children; ++i) {
    bool male = r.chance(0.51);
    int age = std::max(0, head_age - static_cast<int>(r.between(22, 34)));
    out.push_back(people.make(people.full(surname, male), male, age, "child", {}));
  }
  if (grandparent) {
    bool male = r.chance(0.4);
    out.push_back(people.make(people.full(male ? surname : std::string(r.pick(kSurnames)), male), male,
                              std::min(95, head_age + static_cast<int>(r.between(24, 32))), "parent", {}));
  }
  if (r.chance(0.03)) people.low_income(out);
  return out;
}

int household_size(Rng& r) {  // mean ≈ 2.66 persons
  double u = r.unit();
  if (u < 0.17) return 1;
  if (u < 0.47) return 2;
  if (u < 0.77) return 3;
  if (u < 0.93) return 4;
  return 5;
}

// Shared, jittered lattice points and edge midpoints: neighbouring cells share every
// vertex, so the polygons tile the map with no gap and no overlap.
struct Lattice {
  std::vector<grids::Position> corner;  // (kCols+1) × (kRows+1)
  std::vector<grids::Position> hmid;    // horizontal edges: kCols × (kRows+1)
  std::vector<grids::Position> vmid;    // vertical edges: (kCols+1) × kRows
  explicit Lattice(Rng& r) {
    for (int j = 0; j <= kRows; ++j)
      for (int i = 0; i <= kCols; ++i) {
        double dx = (i == 0 || i == kCols) ? 0 : (r.unit() - 0.5) * 0.4 * kCellLon;
        double dy = (j == 0 || j == kRows) ? 0 : (r.unit() - 0.5) * 0.4 * kCellLat;
        corner.push_back({round7(kWest + i * kCellLon + dx), round7(kSouth + j * kCellLat + dy)});
      }
    for (int j = 0; j <= kRows; ++j)
      for (int i = 0; i < kCols; ++i) {
        auto a = at(i, j), b = at(i + 1, j);
        double dy = (j == 0 || j == kRows) ? 0 : (r.unit() - 0.5) * 0.25 * kCellLat;
        hmid.push_back({round7((a.lon + b.lon) / 2), round7((a.lat + b.lat) / 2 + dy)});
      }
    for (int j = 0; j < kRows; ++j)
      for (int i = 0; i <= kCols; ++i) {
        auto a = at(i, j), b = at(i, j + 1);
        double dx = (i == 0 || i == kCols) ? 0 : (r.unit() - 0.5) * 0.25 * kCellLon;
        vmid.push_back({round7((a.lon + b.lon) / 2 + dx), round7((a.lat + b.lat) / 2)});
      }
  }
  static double round7(double v) { return std::round(v * 1e7) / 1e7; }  // about a centimetre
  grids::Position at(int i, int j) const { return corner[j * (kCols + 1) + i]; }
  // The cell's ring, counterclockwise from its south-west corner.
  grids::Shape cell(int i, int j) const {
    grids::Ring ring{at(i, j),         hmid[j * kCols + i],       at(i + 1, j), vmid[j * (kCols + 1) + i + 1],
                     at(i + 1, j + 1), hmid[(j + 1) * kCols + i], at(i, j + 1), vmid[j * (kCols + 1) + i],
                     at(i, j)};
    return grids::Shape{grids::Polygon{std::move(ring)}};
  }
};

}  // namespace

std::string elder_id_number() {
  std::string body = "15270119480312124";
  return body + idcard::check_char(body);
}

Plan make_plan(uint64_t seed, Size size) {
  Rng r(seed);
  Lattice lattice(r);
  // People come from a generator of their own, so the tree is the same at every size.
  Rng pr(seed ^ 0x5EED0F9E091E5ull);
  People people(pr);
  // The demo's elder (demo.cpp adds her) keeps her numbers.
  people.reserve_phone("13900000006");
  people.reserve_id(elder_id_number());

  // Cells in a snake through the columns, so that consecutive cells touch: each community
  // takes a run of them, and each street a run of communities.
  std::vector<std::pair<int, int>> cells;
  for (int i = 0; i < kCols; ++i)
    for (int k = 0; k < kRows; ++k) cells.emplace_back(i, i % 2 ? kRows - 1 - k : k);
  size_t communities = 0;
  for (const auto& s : kStreets) communities += s.communities.size();

  Plan plan;
  size_t next_cell = 0, community_index = 0;
  for (const auto& s : kStreets) {
    PlanStreet street{s.name, {}};
    for (const char* cname : s.communities) {
      PlanCommunity community{cname, {}, {}};
      std::string shortname = std::string(cname).substr(0, std::string(cname).size() - std::string("社区").size());
      auto org_phone = [&] {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0477-8%06lld", static_cast<long long>(r.between(0, 999999)));
        return std::string(buf);
      };
      community.orgs = {
          {"school", "康巴什区" + shortname + "小学", std::string(r.pick(kSurnames)) + "校长", org_phone()},
          {"clinic", shortname + "社区卫生服务站", std::string(r.pick(kSurnames)) + "医生", org_phone()},
          {"shop", shortname + "便民超市", std::string(r.pick(kSurnames)) + "老板", org_phone()}};
      // 120 cells over 19 communities: 6 each, the first 6 communities 7.
      size_t take = cells.size() / communities + (community_index < cells.size() % communities ? 1 : 0);
      for (size_t g = 0; g < take; ++g, ++next_cell) {
        auto [ci, cj] = cells[next_cell];
        PlanGrid grid{
            std::string(cname) + "第" + chinese_number(static_cast<int>(g + 1)) + "网格", lattice.cell(ci, cj), {}};
        bool first_grid = community_index == 0 && g == 0;
        int compounds = static_cast<int>(r.between(2, 3));
        std::set<std::string> compound_names;
        for (int k = 0; k < compounds; ++k) {
          PlanCompound compound;
          if (first_grid && k == 0) {
            compound.name = kFirstCompound;
          } else {
            do compound.name = std::string(r.pick(kCompoundPrefixes)) + r.pick(kCompoundSuffixes);
            while (!compound_names.insert(compound.name).second || compound.name == kFirstCompound);
          }
          char phone[24];
          std::snprintf(phone, sizeof phone, "0477-8%06lld", static_cast<long long>(r.between(0, 999999)));
          compound.property = {"property_company", compound.name + "物业服务中心",
                               std::string(r.pick(kSurnames)) + "经理", phone};
          // About 12.5 buildings per grid, 30 households per building.
          int buildings = static_cast<int>(compounds == 2 ? r.between(5, 8) : r.between(3, 5));
          for (int b = 1; b <= buildings; ++b) {
            PlanBuilding building{std::to_string(b) + "号楼", {}};
            int units = static_cast<int>(r.between(2, 3));
            int homes = static_cast<int>(r.between(22, 38));
            int floors = (homes + units * 2 - 1) / (units * 2);
            bool elder_building = first_grid && k == 0 && b == 1;
            // Small: one building of households, next to the elder's (which tests keep for themselves).
            bool populated = size == Size::full || (first_grid && k == 0 && b == 2);
            for (int h = 0; populated && h < homes; ++h) {
              int unit = h % units + 1, floor = (h / units) / 2 + 1, door = (h / units) % 2 + 1;
              if (floor > floors) break;
              if (elder_building && unit == 1 && floor == 1 && door == 1) continue;  // the elder's home
              registry::BatchHousehold hh;
              hh.address = {0, std::to_string(unit), floor, std::to_string(floor * 100 + door)};
              hh.persons = household(pr, people, household_size(pr));
              building.households.push_back(std::move(hh));
            }
            compound.buildings.push_back(std::move(building));
          }
          grid.compounds.push_back(std::move(compound));
        }
        community.grids.push_back(std::move(grid));
      }
      street.communities.push_back(std::move(community));
      ++community_index;
    }
    plan.streets.push_back(std::move(street));
  }
  return plan;
}

}  // namespace mashang::app::demo
