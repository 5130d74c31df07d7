// Work orders (网格下单、全员抢单) against a real database: SQLite, and PostgreSQL when
// MASHANG_TEST_PG_URL names one (scripts/test provides it). The catalogue, creating orders,
// the pool each worker sees, the claim race (exactly one winner under any concurrency),
// give back / hold / resume / complete, and deadlines kept as data: the escalation chain
// grid → community → street → district with an injected clock, across a restart, and with
// several escalators looking at the same moment.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "fixture.hpp"

using namespace mashang;
using namespace mashang::orders_test;

namespace {

// ---------------------------------------------------------------------------------------
// Pure functions

TEST(OrdersPaths, LevelOf) {
  EXPECT_EQ(orders::level_of("/"), "district");
  EXPECT_EQ(orders::level_of("/2"), "street");
  EXPECT_EQ(orders::level_of("/2/3"), "community");
  EXPECT_EQ(orders::level_of("/2/3/4"), "grid");
  EXPECT_EQ(orders::level_of("/2/3/4/5/6"), "grid");  // a compound or building belongs to its grid
  EXPECT_EQ(orders::level_of("/12/345/6789"), "grid");
}

TEST(OrdersPaths, ParentLevelPath) {
  EXPECT_EQ(orders::parent_level_path("/"), "/");
  EXPECT_EQ(orders::parent_level_path("/2"), "/");
  EXPECT_EQ(orders::parent_level_path("/2/3"), "/2");
  EXPECT_EQ(orders::parent_level_path("/2/3/4"), "/2/3");
  EXPECT_EQ(orders::parent_level_path("/2/3/4/5/6"), "/2/3");  // below a grid: straight to the community
  EXPECT_EQ(orders::parent_level_path("/12/345/6789"), "/12/345");
  // Climbing always ends at the district.
  std::string p = "/2/3/4/5/6";
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) seen.push_back(p = orders::parent_level_path(p));
  EXPECT_EQ(seen, (std::vector<std::string>{"/2/3", "/2", "/", "/", "/"}));
}

TEST(OrdersCatalogue, DefaultCatalogueIsWellFormed) {
  auto cats = orders::default_catalogue();
  EXPECT_EQ(cats.size(), 22u);  // 20 for the streets, 2 for elders' homes (居家养老)
  std::set<std::string> codes;
  for (const auto& c : cats) {
    SCOPED_TRACE(c.code);
    EXPECT_TRUE(codes.insert(c.code).second) << "duplicate code";
    EXPECT_FALSE(c.code.empty());
    EXPECT_FALSE(c.name_zh.empty());
    EXPECT_FALSE(c.name_en.empty());
    EXPECT_FALSE(c.group.empty());
    EXPECT_FALSE(c.claim_roles.empty());
    for (const auto& r : c.claim_roles) EXPECT_TRUE(is_role(r)) << r;
    EXPECT_GT(c.claim_minutes, 0);
    EXPECT_LT(c.claim_minutes, c.finish_minutes);
    for (const auto& q : c.questions) {
      EXPECT_FALSE(q.code.empty());
      EXPECT_FALSE(q.label_zh.empty());
      EXPECT_FALSE(q.label_en.empty());
      bool list = q.datatype == "singlevaluelist" || q.datatype == "multivaluelist";
      EXPECT_TRUE(list || q.datatype == "string" || q.datatype == "number" || q.datatype == "datetime" ||
                  q.datatype == "text")
          << q.datatype;
      EXPECT_EQ(list, !q.values.empty()) << q.code;
    }
  }
  // The groups the issue names are all there.
  std::set<std::string> groups;
  for (const auto& c : cats) groups.insert(c.group);
  for (const char* g : {"市容环境", "道路设施", "绿化", "物业", "噪音", "消防通道", "占道经营", "违章停车"})
    EXPECT_TRUE(groups.count(g)) << g;
}

INSTANTIATE_TEST_SUITE_P(OrdersOn, Orders, ::testing::ValuesIn(urls()), name_of);

// ---------------------------------------------------------------------------------------
// Catalogue

TEST_P(Orders, SeedingTheCatalogueTwiceKeepsEachCategoryOnce) {
  ASSERT_TRUE(svc->seed_catalogue().ok());
  // And once more from another instance, as after a restart.
  auto again_ptr = make(*db);
  orders::Service& again = *again_ptr;
  ASSERT_TRUE(again.seed_catalogue().ok());
  size_t all = orders::default_catalogue().size();
  EXPECT_EQ(count("SELECT COUNT(*) FROM categories"), static_cast<int64_t>(all));
  EXPECT_EQ(svc->categories().size(), all);
  auto defaults = orders::default_catalogue();
  EXPECT_EQ(count("SELECT COUNT(*) FROM category_questions"), [&] {
    int64_t n = 0;
    for (const auto& c : defaults) n += static_cast<int64_t>(c.questions.size());
    return n;
  }());
  // What is stored is what the catalogue says.
  for (const auto& d : defaults) {
    SCOPED_TRACE(d.code);
    auto k = svc->category(d.code);
    ASSERT_TRUE(k);
    EXPECT_GT(k->id, 0);
    EXPECT_EQ(k->name_zh, d.name_zh);
    EXPECT_EQ(k->name_en, d.name_en);
    EXPECT_EQ(k->group, d.group);
    EXPECT_EQ(k->claim_minutes, d.claim_minutes);
    EXPECT_EQ(k->finish_minutes, d.finish_minutes);
    EXPECT_EQ(k->claim_roles, d.claim_roles);
    EXPECT_EQ(k->departments, d.departments);
    EXPECT_EQ(k->photos_required, d.photos_required);
    EXPECT_EQ(k->triage, d.triage);
    EXPECT_TRUE(k->active);
    EXPECT_EQ(k->questions.size(), d.questions.size());
  }
  auto noise = svc->category("noise.night");
  ASSERT_TRUE(noise);
  ASSERT_EQ(noise->questions.size(), 1u);
  const auto& q = noise->questions[0];
  EXPECT_EQ(q.code, "source");
  EXPECT_EQ(q.label_zh, "噪音来源");
  EXPECT_EQ(q.label_en, "Source of the noise");
  EXPECT_EQ(q.datatype, "singlevaluelist");
  EXPECT_TRUE(q.required);
  EXPECT_EQ(
      q.values,
      (std::vector<std::pair<std::string, std::string>>{
          {"people", "人员喧哗"}, {"shop", "商铺"}, {"vehicle", "车辆"}, {"construction", "施工"}, {"other", "其他"}}));
  auto lane = svc->category("fire.lane_blocked");
  ASSERT_TRUE(lane);
  ASSERT_EQ(lane->questions.size(), 1u);
  EXPECT_EQ(lane->questions[0].code, "plate");
  EXPECT_FALSE(lane->questions[0].required);
  EXPECT_TRUE(lane->questions[0].values.empty());
  EXPECT_FALSE(svc->category("no.such"));
}

TEST_P(Orders, AnInactiveCategoryIsHiddenAndTakesNoOrders) {
  sql("UPDATE categories SET active = 0 WHERE code = 'other'");
  size_t all = orders::default_catalogue().size();
  EXPECT_EQ(svc->categories().size(), all - 1);
  EXPECT_EQ(svc->categories(true).size(), all);
  auto r = svc->create(at_point("other", kGridLon), w1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_EQ(r.error().field, "category");
}

// ---------------------------------------------------------------------------------------
// Creating orders

TEST_P(Orders, CreateValidatesItsInput) {
  auto fails = [&](const orders::NewOrder& in, const std::string& field, const char* what) {
    auto r = svc->create(in, w1);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, Errc::invalid_input) << what << ": " << r.error().message;
    if (!field.empty()) {
      EXPECT_EQ(r.error().field, field) << what;
    }
  };
  fails(at_point("no.such", kGridLon), "category", "unknown category");
  fails(at_point("", kGridLon), "category", "empty category");
  fails(at_point("road.streetlight", kGridLon, kLat, ""), "description", "empty description");
  fails(at_point("road.streetlight", kGridLon, kLat, std::string(4001, 'a')), "description", "4001 characters");
  fails(at_point("road.streetlight", kGridLon, kLat, repeat("字", 4001)), "description", "4001 CJK characters");
  fails(at_point("road.streetlight", kGridLon, kLat, "bad \xff\xfe utf-8"), "description", "invalid UTF-8");
  {
    auto in = at_point("road.streetlight", kGridLon);
    in.lon.reset();
    fails(in, "", "lat without lon");
  }
  {
    auto in = at_point("road.streetlight", kGridLon);
    in.lat.reset();
    fails(in, "", "lon without lat");
  }
  fails(at_point("road.streetlight", kGridLon, 91), "lat", "lat 91");
  fails(at_point("road.streetlight", kGridLon, -90.5), "lat", "lat -90.5");
  fails(at_point("road.streetlight", 180.5, kLat), "lon", "lon 180.5");
  {
    auto in = at_point("road.streetlight", kGridLon);
    in.lat.reset();
    in.lon.reset();
    fails(in, "", "no place at all");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM order_steps"), 0);

  // The limits themselves pass: 4000 characters (12000 bytes of CJK), the poles, the antimeridian.
  EXPECT_TRUE(svc->create(at_point("road.streetlight", kGridLon, kLat, repeat("字", 4000)), w1).ok());
  EXPECT_TRUE(svc->create(at_point("road.streetlight", kGridLon, kLat, "x"), w1).ok());
  EXPECT_TRUE(svc->create(at_point("road.streetlight", 180, 90), admin).ok());
  EXPECT_TRUE(svc->create(at_point("road.streetlight", -180, -90), admin).ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 4);
}

TEST_P(Orders, APointOutsideEveryGridGoesToTheDistrictQueue) {
  auto r = svc->create(at_point("road.streetlight", kNowhereLon), admin);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin_path, "/");
  EXPECT_EQ(r->path, "/");
  EXPECT_EQ(r->level, "district");
  EXPECT_EQ(r->status, "open");
  // A grid worker may not create where their grid is not.
  auto w = svc->create(at_point("road.streetlight", kNowhereLon), w1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::forbidden);
}

TEST_P(Orders, OnlyStaffOfThePlaceCreate) {
  for (const auto* who : {&resident, &w2, &w3, &w4}) {
    auto r = svc->create(at_point("road.streetlight", kGridLon), *who);
    ASSERT_FALSE(r.ok()) << who->account_id;
    EXPECT_EQ(r.error().code, Errc::forbidden) << who->account_id;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 0);
  // Community staff create in every grid of their community.
  auto c = svc->create(at_point("road.streetlight", kGrid2Lon), cstaff);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->path, grid2.path);
}

TEST_P(Orders, AGridWorkerCreatesAnOpenOrderInTheirGrid) {
  const int64_t t0 = clock.now_ms();
  auto r = svc->create(at_point("road.streetlight", kGridLon, kLat, "<script>alert(1)</script> 路灯"), w1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& o = *r;
  EXPECT_GT(o.id, 0);
  EXPECT_EQ(o.category_id, streetlight.id);
  EXPECT_EQ(o.category_code, "road.streetlight");
  EXPECT_EQ(o.description, "<script>alert(1)</script> 路灯");  // stored as text
  ASSERT_TRUE(o.lat && o.lon);
  EXPECT_NEAR(*o.lat, kLat, 1e-6);
  EXPECT_NEAR(*o.lon, kGridLon, 1e-6);
  EXPECT_EQ(o.origin_path, grid.path);
  EXPECT_EQ(o.path, grid.path);
  EXPECT_EQ(o.level, "grid");
  EXPECT_EQ(o.status, "open");
  EXPECT_EQ(o.created_by, std::optional<int64_t>(10));
  EXPECT_FALSE(o.claimed_by);
  EXPECT_FALSE(o.claimed_at);
  EXPECT_FALSE(o.completed_at);
  EXPECT_EQ(o.due_at, std::optional<int64_t>(t0 + streetlight.claim_minutes * 60000));
  EXPECT_EQ(o.escalations, 0);
  EXPECT_EQ(o.version, 1);
  EXPECT_EQ(o.created_at, t0);
  EXPECT_EQ(o.updated_at, t0);
  // What is read back is what create returned.
  auto back = row(o.id);
  EXPECT_EQ(back.path, o.path);
  EXPECT_EQ(back.due_at, o.due_at);
  auto s = steps(o.id);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].step, "created");
  EXPECT_EQ(s[0].at, t0);
  EXPECT_EQ(s[0].account_id, std::optional<int64_t>(10));
  // And the event log has it, scoped to the grid.
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'order.created' AND scope = $1", {grid.path}), 1);
  // A category with a different claim deadline gives a different due time.
  auto lane = svc->category("fire.lane_blocked");
  ASSERT_TRUE(lane);
  auto f = make(w1, "fire.lane_blocked");
  EXPECT_EQ(f.due_at, std::optional<int64_t>(t0 + lane->claim_minutes * 60000));
}

TEST_P(Orders, CreateAtATerritoryPath) {
  orders::NewOrder in;
  in.category_code = "property.elevator";
  in.description = "电梯停在三楼";
  in.path = compound.path;  // a scanned code's place
  auto r = svc->create(in, w1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin_path, compound.path);
  EXPECT_EQ(r->path, compound.path);
  EXPECT_EQ(r->level, "grid");
  EXPECT_FALSE(r->lat);
  in.path = community.path;
  auto c = svc->create(in, cstaff);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->level, "community");
  // A grid worker may not create at the community level above them.
  auto w = svc->create(in, w1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::forbidden);
}

// Beyond the brief: a `path` that is no territory path at all is taken as is. Such an order
// sits at level "grid" and can never climb (parent_level_path("nowhere") is "nowhere").
TEST_P(Orders, CreateRejectsAPathThatIsNoTerritoryPath) {
  for (const char* bad : {"nowhere", "", "2/3/4"}) {
    orders::NewOrder in;
    in.category_code = "road.streetlight";
    in.description = "路灯不亮";
    in.path = bad;
    auto r = svc->create(in, admin);
    EXPECT_FALSE(r.ok()) << "path \"" << bad << "\" was accepted: level " << (r.ok() ? r->level : "");
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::invalid_input) << bad;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The pool

TEST_P(Orders, APoolShowsTheOpenOrdersIMayClaim) {
  add_inspector_category();
  auto mine = make(w1);
  auto other_grid = make(w2, "road.streetlight", kGrid2Lon);
  auto inspectors_only = make(w1, "test.inspect");
  auto vending = make(w1, "street.vending");  // inspector and grid_worker
  EXPECT_EQ(pool_ids(w1), (std::vector<int64_t>{mine.id, vending.id}));
  EXPECT_EQ(pool_ids(w1b), (std::vector<int64_t>{mine.id, vending.id}));
  EXPECT_EQ(pool_ids(w2), (std::vector<int64_t>{other_grid.id}));
  EXPECT_EQ(pool_ids(inspector), (std::vector<int64_t>{inspectors_only.id, vending.id}));
  EXPECT_TRUE(pool_ids(w3).empty());
  EXPECT_TRUE(pool_ids(w4).empty());
  EXPECT_TRUE(pool_ids(resident).empty());
  // Community staff claim streetlights in every grid of the community, not inspector work.
  EXPECT_EQ(pool_ids(cstaff), (std::vector<int64_t>{mine.id, other_grid.id}));
  // Claimed orders leave the pool.
  ASSERT_TRUE(svc->claim(mine.id, w1b).ok());
  EXPECT_EQ(pool_ids(w1), (std::vector<int64_t>{vending.id}));
  EXPECT_EQ(pool_ids(cstaff), (std::vector<int64_t>{other_grid.id}));
}

TEST_P(Orders, APoolWidensWithEachEscalation) {
  auto o = make(w1);
  EXPECT_EQ(pool_ids(w1), std::vector<int64_t>{o.id});
  EXPECT_TRUE(pool_ids(w2).empty());

  clock.set_ms(*o.due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  ASSERT_EQ(row(o.id).path, community.path);
  // A grid worker of another grid of the community sees it now, and so does the first grid.
  EXPECT_EQ(pool_ids(w1), std::vector<int64_t>{o.id});
  EXPECT_EQ(pool_ids(w2), std::vector<int64_t>{o.id});
  EXPECT_TRUE(pool_ids(w3).empty());
  EXPECT_TRUE(pool_ids(w4).empty());

  clock.set_ms(*row(o.id).due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  ASSERT_EQ(row(o.id).path, street.path);
  EXPECT_EQ(pool_ids(w3), std::vector<int64_t>{o.id});
  EXPECT_TRUE(pool_ids(w4).empty());

  clock.set_ms(*row(o.id).due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  ASSERT_EQ(row(o.id).path, "/");
  for (const auto* who : {&w1, &w2, &w3, &w4}) EXPECT_EQ(pool_ids(*who), std::vector<int64_t>{o.id}) << who->account_id;
  // Whoever sees it may claim it: the grid worker of the other street wins it.
  auto c = svc->claim(o.id, w4);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->claimed_by, std::optional<int64_t>(14));
}

TEST_P(Orders, AnEscalatedOrderIsClaimableOnlyByThoseWhoSeeIt) {
  auto o = make(w1);
  clock.set_ms(*o.due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  auto far = svc->claim(o.id, w3);  // another community
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, Errc::not_found);
  auto near = svc->claim(o.id, w2);  // another grid of the same community
  ASSERT_TRUE(near.ok()) << near.error().message;
  EXPECT_EQ(near->level, "community");
}

TEST_P(Orders, APoolPagesOldestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(make(w1).id);
  auto p1 = svc->pool(w1, 0, 3);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 3u);
  EXPECT_EQ(p1->items[0].id, ids[0]);
  EXPECT_EQ(p1->items[2].id, ids[2]);
  EXPECT_EQ(p1->next_after, std::optional<int64_t>(ids[2]));
  auto p2 = svc->pool(w1, *p1->next_after, 3);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->items.size(), 3u);
  EXPECT_EQ(p2->items[0].id, ids[3]);
  EXPECT_EQ(p2->next_after, std::optional<int64_t>(ids[5]));
  auto p3 = svc->pool(w1, *p2->next_after, 3);
  ASSERT_TRUE(p3.ok());
  ASSERT_EQ(p3->items.size(), 1u);
  EXPECT_EQ(p3->items[0].id, ids[6]);
  EXPECT_FALSE(p3->next_after);
  // Exactly a page's worth: no next page.
  auto p7 = svc->pool(w1, 0, 7);
  ASSERT_TRUE(p7.ok());
  EXPECT_EQ(p7->items.size(), 7u);
  EXPECT_FALSE(p7->next_after);
  EXPECT_EQ(walk_pool(w1, 2), ids);
  EXPECT_EQ(walk_pool(w1, 1), ids);
  EXPECT_EQ(pool_ids(w1, 0, 200), ids);
  // Bad paging.
  for (int64_t limit : {int64_t{0}, int64_t{-1}, int64_t{201}}) {
    auto bad = svc->pool(w1, 0, limit);
    ASSERT_FALSE(bad.ok()) << limit;
    EXPECT_EQ(bad.error().code, Errc::invalid_input) << limit;
    EXPECT_EQ(bad.error().field, "limit") << limit;
  }
  auto neg = svc->pool(w1, -1, 10);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code, Errc::invalid_input);
}

TEST_P(Orders, APoolPagesAcrossEscalatedOrdersInIdOrder) {
  // Orders at the grid, at the community and at the street, interleaved by id.
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(make(w1).id);
  // Escalate ids[1] and ids[4] once (community), ids[2] twice (street).
  sql("UPDATE orders SET path = $1, level = 'community' WHERE id IN ($2, $3)", {community.path, ids[1], ids[4]});
  sql("UPDATE orders SET path = $1, level = 'street' WHERE id = $2", {street.path, ids[2]});
  EXPECT_EQ(walk_pool(w1, 2), ids);
  EXPECT_EQ(walk_pool(w1, 4), ids);
  EXPECT_EQ(walk_pool(w2, 1), (std::vector<int64_t>{ids[1], ids[2], ids[4]}));
  EXPECT_EQ(walk_pool(w3, 5), (std::vector<int64_t>{ids[2]}));
}

// Paging must not lose orders the caller may claim behind orders they may not.
TEST_P(Orders, APoolPageIsNotCutShortByOrdersICannotClaim) {
  add_inspector_category();
  std::vector<int64_t> mine;
  for (int i = 0; i < 5; ++i) make(w1, "test.inspect");
  for (int i = 0; i < 3; ++i) mine.push_back(make(w1).id);
  for (int i = 0; i < 4; ++i) make(w1, "test.inspect");
  mine.push_back(make(w1).id);
  EXPECT_EQ(pool_ids(w1), mine);  // one page of 200
  EXPECT_EQ(walk_pool(w1, 2), mine);
  EXPECT_EQ(walk_pool(w1, 3), mine);
  auto first = svc->pool(w1, 0, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 2u) << "a page of 2 with 4 claimable orders waiting came back with "
                                     << first->items.size() << (first->next_after ? "" : " and no next page");
}

// A steward holds a grant on a compound (below the grid); may_claim lets them claim their
// grid's 物业 orders, so the pool must list those.
TEST_P(Orders, APoolListsWhatClaimAccepts) {
  auto elevator = make(w1, "property.elevator");
  ASSERT_EQ(elevator.path, grid.path);
  auto k = svc->category("property.elevator");
  ASSERT_TRUE(k);
  EXPECT_TRUE(orders::may_claim(steward, *k, elevator.path));
  EXPECT_EQ(pool_ids(steward), std::vector<int64_t>{elevator.id});
  auto c = svc->claim(elevator.id, steward);
  EXPECT_TRUE(c.ok()) << c.error().message;
}

// ---------------------------------------------------------------------------------------
// Claiming

TEST_P(Orders, ClaimRaceHasExactlyOneWinnerPerOrder) {
  constexpr int kOrders = 200, kThreads = 16;
  std::vector<int64_t> ids;
  for (int i = 0; i < kOrders; ++i) ids.push_back(make(w1).id);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kOrders));
  // Half the claimers go through a second database handle and service: another instance.
  auto wide = open_db(kThreads);
  auto other_ptr = make(*wide);
  orders::Service& other = *other_ptr;
  std::vector<Principal> workers;
  for (int i = 0; i < kThreads; ++i) workers.push_back(with(100 + i, {{"grid_worker", grid.path}}));

  std::mutex mu;
  std::map<int64_t, std::vector<int64_t>> winners;
  std::atomic<int64_t> conflicts{0};
  std::vector<std::string> odd;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto order = ids;
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::shuffle(order.begin(), order.end(), rng);
      orders::Service& s = t % 2 ? other : *svc;
      const Principal& me = workers[t];
      start.arrive_and_wait();
      for (int64_t id : order) {
        try {
          auto r = s.claim(id, me);
          if (r.ok()) {
            std::lock_guard lk(mu);
            winners[id].push_back(me.account_id);
            if (r->claimed_by != std::optional<int64_t>(me.account_id) || r->status != "claimed")
              odd.push_back("order " + std::to_string(id) + ": the winner got back another state");
          } else if (r.error().code == Errc::conflict) {
            ++conflicts;
          } else {
            std::lock_guard lk(mu);
            odd.push_back("order " + std::to_string(id) + ": " + errc_name(r.error().code) + " " + r.error().message);
          }
        } catch (const std::exception& e) {
          std::lock_guard lk(mu);
          odd.push_back("order " + std::to_string(id) + ": threw " + e.what());
        }
      }
    });
  for (auto& th : threads) th.join();

  for (size_t i = 0; i < std::min<size_t>(odd.size(), 10); ++i) ADD_FAILURE() << odd[i];
  EXPECT_TRUE(odd.empty()) << odd.size() << " unexpected outcomes";
  EXPECT_EQ(conflicts.load(), int64_t{kOrders} * (kThreads - 1));
  EXPECT_EQ(winners.size(), static_cast<size_t>(kOrders));
  int many = 0;
  for (int64_t id : ids)
    if (winners[id].size() != 1 && ++many < 10)
      ADD_FAILURE() << "order " << id << " has " << winners[id].size() << " winners";
  // The rows agree with the winners, and each order has one "claimed" step.
  std::map<int64_t, int64_t> claimed_by;
  std::map<int64_t, int64_t> claimed_steps;
  db->read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT id, claimed_by, status FROM orders ORDER BY id")) {
      EXPECT_EQ(r.text(2), "claimed") << r.integer(0);
      if (!r.is_null(1)) claimed_by[r.integer(0)] = r.integer(1);
    }
    for (const auto& r : c.query("SELECT order_id, COUNT(*) FROM order_steps WHERE step = 'claimed' GROUP BY order_id"))
      claimed_steps[r.integer(0)] = r.integer(1);
  });
  EXPECT_EQ(claimed_by.size(), static_cast<size_t>(kOrders));
  EXPECT_EQ(claimed_steps.size(), static_cast<size_t>(kOrders));
  int wrong = 0;
  for (int64_t id : ids) {
    if (winners[id].size() == 1 && claimed_by[id] != winners[id][0] && ++wrong < 10)
      ADD_FAILURE() << "order " << id << " claimed_by " << claimed_by[id] << ", winner " << winners[id][0];
    if (claimed_steps[id] != 1 && ++wrong < 10)
      ADD_FAILURE() << "order " << id << ": " << claimed_steps[id] << " claimed steps";
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'order.claimed'"), kOrders);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE version = 2"), kOrders);
}

TEST_P(Orders, AClaimSetsTheFinishDeadline) {
  auto o = make(w1);
  clock.advance_ms(5 * 60000);
  const int64_t t = clock.now_ms();
  auto c = svc->claim(o.id, w1b);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, "claimed");
  EXPECT_EQ(c->claimed_by, std::optional<int64_t>(11));
  EXPECT_EQ(c->claimed_at, std::optional<int64_t>(t));
  EXPECT_EQ(c->due_at, std::optional<int64_t>(t + streetlight.finish_minutes * 60000));
  EXPECT_EQ(c->version, 2);
  EXPECT_EQ(c->level, "grid");
  EXPECT_EQ(step_names(o.id), (std::vector<std::string>{"created", "claimed"}));
  EXPECT_EQ(steps(o.id).back().account_id, std::optional<int64_t>(11));
  // Once claimed, a second claim (even by the winner) is a conflict.
  for (const auto* who : {&w1, &w1b}) {
    auto again = svc->claim(o.id, *who);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::conflict);
  }
  EXPECT_EQ(steps_named(o.id, "claimed"), 1);
}

TEST_P(Orders, ClaimingNeedsAClaimRoleWhereTheOrderIs) {
  auto o = make(w1);  // road.streetlight: grid_worker, community_staff
  // Staff over the place see the order but hold no claim role for it.
  auto by_admin = svc->claim(o.id, admin);
  ASSERT_FALSE(by_admin.ok());
  EXPECT_EQ(by_admin.error().code, Errc::forbidden);
  auto by_street = svc->claim(o.id, with(19, {{"street_staff", street.path}}));
  ASSERT_FALSE(by_street.ok());
  EXPECT_EQ(by_street.error().code, Errc::forbidden);
  // Those who cannot see the order are told there is none: other grids, and people in this
  // grid with no say over it (an inspector for a streetlight, a resident).
  for (const auto* who : {&w2, &w3, &w4, &inspector, &resident}) {
    auto r = svc->claim(o.id, *who);
    ASSERT_FALSE(r.ok()) << who->account_id;
    EXPECT_EQ(r.error().code, Errc::not_found) << who->account_id;
  }
  auto none = svc->claim(o.id + 1000, w1);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  EXPECT_EQ(row(o.id).status, "open");
  EXPECT_EQ(steps_named(o.id, "claimed"), 0);
  // An inspector-only category is the reverse.
  add_inspector_category();
  auto i = make(w1, "test.inspect");
  auto by_worker = svc->claim(i.id, w1);
  ASSERT_FALSE(by_worker.ok());
  EXPECT_EQ(by_worker.error().code, Errc::forbidden);
  EXPECT_TRUE(svc->claim(i.id, inspector).ok());
}

TEST_P(Orders, GetShowsTheOrderToThoseWhoSeeItAndToItsClaimer) {
  auto o = make(w1);
  EXPECT_TRUE(svc->get(o.id, w1).ok());
  EXPECT_TRUE(svc->get(o.id, cstaff).ok());
  EXPECT_TRUE(svc->get(o.id, admin).ok());
  for (const auto* who : {&w2, &w4, &resident, &inspector}) {
    auto r = svc->get(o.id, *who);
    ASSERT_FALSE(r.ok()) << who->account_id;
    EXPECT_EQ(r.error().code, Errc::not_found) << who->account_id;
  }
  EXPECT_FALSE(svc->get(o.id + 1000, admin).ok());
  // After an escalation the community's other grid sees it; its claimer keeps seeing it
  // wherever it climbs.
  clock.set_ms(*o.due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  EXPECT_TRUE(svc->get(o.id, w2).ok());
  ASSERT_TRUE(svc->claim(o.id, w2).ok());
  for (int i = 0; i < 2; ++i) {
    clock.set_ms(*row(o.id).due_at);
    ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  }
  EXPECT_EQ(row(o.id).path, "/");
  EXPECT_TRUE(svc->get(o.id, w2).ok());
  EXPECT_TRUE(svc->complete(o.id, "处理完毕", {}, w2).ok());
}

TEST_P(Orders, MineListsWhatIClaimedNewestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(make(w1).id);
    ASSERT_TRUE(svc->claim(ids.back(), w1).ok());
  }
  auto someone_elses = make(w1);
  ASSERT_TRUE(svc->claim(someone_elses.id, w1b).ok());
  ASSERT_TRUE(svc->complete(ids[1], "已处理好", {}, w1).ok());
  ASSERT_TRUE(svc->hold(ids[3], "等待配件", w1).ok());
  auto all = svc->mine(w1, "", 0, 200);
  ASSERT_TRUE(all.ok()) << all.error().message;
  std::vector<int64_t> got;
  for (const auto& o : all->items) got.push_back(o.id);
  EXPECT_EQ(got, (std::vector<int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_FALSE(all->next_after);
  auto claimed = svc->mine(w1, "claimed", 0, 200);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  got.clear();
  for (const auto& o : claimed->items) got.push_back(o.id);
  EXPECT_EQ(got, (std::vector<int64_t>{ids[4], ids[2], ids[0]}));
  auto page = svc->mine(w1, "", 0, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  ASSERT_EQ(page->next_after, std::optional<int64_t>(ids[3]));
  auto next = svc->mine(w1, "", *page->next_after, 2);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->items.size(), 2u);
  EXPECT_EQ(next->items[0].id, ids[2]);
  EXPECT_EQ(next->items[1].id, ids[1]);
  auto bad = svc->mine(w1, "lost", 0, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_input);
  EXPECT_EQ(bad.error().field, "status");
  EXPECT_FALSE(svc->mine(w1, "", 0, 0).ok());
  EXPECT_FALSE(svc->mine(w1, "", 0, 201).ok());
}

// ---------------------------------------------------------------------------------------
// Give back, hold, resume, complete

TEST_P(Orders, OnlyTheClaimerGivesAnOrderBack) {
  auto o = make(w1);
  auto early = svc->give_back(o.id, "不在我这", w1);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::conflict);  // open: nothing to give back
  ASSERT_TRUE(svc->claim(o.id, w1).ok());
  auto other = svc->give_back(o.id, "不是我的", w1b);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::forbidden);
  for (const std::string& bad :
       {std::string(""), std::string("x"), std::string("字"), repeat("字", 501), std::string("\xff\xfe")}) {
    auto r = svc->give_back(o.id, bad, w1);
    ASSERT_FALSE(r.ok()) << bad.size();
    EXPECT_EQ(r.error().code, Errc::invalid_input) << bad.size();
  }
  EXPECT_EQ(row(o.id).status, "claimed");
  clock.advance_ms(10 * 60000);
  const int64_t t = clock.now_ms();
  auto g = svc->give_back(o.id, "需要登高车，我处理不了", w1);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->status, "open");
  EXPECT_FALSE(g->claimed_by);
  EXPECT_FALSE(g->claimed_at);
  EXPECT_EQ(g->due_at, std::optional<int64_t>(t + streetlight.claim_minutes * 60000));
  auto s = steps(o.id);
  ASSERT_EQ(s.back().step, "returned");
  EXPECT_EQ(s.back().note, "需要登高车，我处理不了");
  EXPECT_EQ(s.back().account_id, std::optional<int64_t>(10));
  auto twice = svc->give_back(o.id, "再还一次", w1);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  // Back in the pool: someone else claims it.
  EXPECT_EQ(pool_ids(w1b), std::vector<int64_t>{o.id});
  auto c = svc->claim(o.id, w1b);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->claimed_by, std::optional<int64_t>(11));
  // 500 characters are still a reason.
  EXPECT_TRUE(svc->give_back(o.id, repeat("字", 500), w1b).ok());
}

TEST_P(Orders, HoldStopsTheClockAndResumeRestartsIt) {
  auto o = make(w1);
  auto not_claimed = svc->hold(o.id, "等待配件", w1);
  ASSERT_FALSE(not_claimed.ok());
  EXPECT_EQ(not_claimed.error().code, Errc::conflict);
  ASSERT_TRUE(svc->claim(o.id, w1).ok());
  auto other = svc->hold(o.id, "等待配件", w1b);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::forbidden);
  auto short_reason = svc->hold(o.id, "x", w1);
  ASSERT_FALSE(short_reason.ok());
  EXPECT_EQ(short_reason.error().code, Errc::invalid_input);
  auto not_held = svc->resume(o.id, w1);
  ASSERT_FALSE(not_held.ok());
  EXPECT_EQ(not_held.error().code, Errc::conflict);

  auto h = svc->hold(o.id, "等待配件到货", w1);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->status, "on_hold");
  EXPECT_EQ(h->hold_reason, "等待配件到货");
  EXPECT_FALSE(h->due_at);
  EXPECT_EQ(h->claimed_by, std::optional<int64_t>(10));
  auto twice = svc->hold(o.id, "等待配件到货", w1);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  auto done = svc->complete(o.id, "已经修好", {}, w1);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, Errc::conflict);
  // On hold, no deadline runs: a week later nothing has escalated.
  clock.advance_ms(7LL * 24 * 3600 * 1000);
  EXPECT_TRUE(svc->escalate_due(clock.now_ms()).empty());
  EXPECT_EQ(row(o.id).escalations, 0);
  EXPECT_EQ(row(o.id).level, "grid");

  auto by_other = svc->resume(o.id, w1b);
  ASSERT_FALSE(by_other.ok());
  EXPECT_EQ(by_other.error().code, Errc::forbidden);
  const int64_t t = clock.now_ms();
  auto r = svc->resume(o.id, w1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "claimed");
  EXPECT_EQ(r->hold_reason, "");
  EXPECT_EQ(r->due_at, std::optional<int64_t>(t + streetlight.finish_minutes * 60000));
  auto again = svc->resume(o.id, w1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  // The resumed deadline runs again.
  clock.set_ms(*r->due_at);
  auto moved = svc->escalate_due(clock.now_ms());
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_FALSE(moved[0].unclaimed);
  EXPECT_EQ(step_names(o.id), (std::vector<std::string>{"created", "claimed", "held", "resumed", "escalated"}));
  EXPECT_EQ(steps(o.id)[2].note, "等待配件到货");
}

TEST_P(Orders, AHeldOrderMayBeGivenBack) {
  auto o = make(w1);
  ASSERT_TRUE(svc->claim(o.id, w1).ok());
  ASSERT_TRUE(svc->hold(o.id, "等待配件", w1).ok());
  auto g = svc->give_back(o.id, "配件不来了", w1);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->status, "open");
  EXPECT_EQ(g->hold_reason, "");
  EXPECT_TRUE(g->due_at);
}

TEST_P(Orders, OnlyTheClaimerCompletes) {
  auto o = make(w1);
  auto open = svc->complete(o.id, "已经修好", {}, w1);
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code, Errc::conflict);
  ASSERT_TRUE(svc->claim(o.id, w1).ok());
  auto other = svc->complete(o.id, "已经修好", {}, w1b);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::forbidden);
  auto far = svc->complete(o.id, "已经修好", {}, w4);
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, Errc::not_found);
  auto no_note = svc->complete(o.id, "", {}, w1);
  ASSERT_FALSE(no_note.ok());
  EXPECT_EQ(no_note.error().code, Errc::invalid_input);
  clock.advance_ms(90 * 60000);
  const int64_t t = clock.now_ms();
  auto c = svc->complete(o.id, "更换了灯泡，已恢复照明", {}, w1);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, "completed");
  EXPECT_EQ(c->completed_at, std::optional<int64_t>(t));
  EXPECT_FALSE(c->due_at);
  EXPECT_EQ(c->claimed_by, std::optional<int64_t>(10));
  for (auto r : {svc->complete(o.id, "再完成一次", {}, w1), svc->give_back(o.id, "还回去吧", w1),
                 svc->hold(o.id, "暂停一下", w1), svc->resume(o.id, w1), svc->claim(o.id, w1b)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::conflict) << r.error().message;
  }
  clock.advance_ms(30LL * 24 * 3600 * 1000);
  EXPECT_TRUE(svc->escalate_due(clock.now_ms()).empty());
  EXPECT_EQ(step_names(o.id), (std::vector<std::string>{"created", "claimed", "completed"}));
  EXPECT_EQ(steps(o.id).back().note, "更换了灯泡，已恢复照明");
  EXPECT_TRUE(pool_ids(w1).empty());
  EXPECT_EQ(row(o.id).level, "grid");  // a completed order climbs no more
}

// ---------------------------------------------------------------------------------------
// Deadlines

TEST_P(Orders, AnUnclaimedOrderClimbsToTheDistrictOnceADeadline) {
  auto o = make(w1);
  const int64_t claim_ms = streetlight.claim_minutes * 60000;
  ASSERT_TRUE(o.due_at);
  EXPECT_TRUE(svc->escalate_due(*o.due_at - 1).empty());
  EXPECT_EQ(row(o.id).escalations, 0);

  struct Want {
    std::string from, to, path;
  };
  std::vector<Want> chain = {{"grid", "community", community.path},
                             {"community", "street", street.path},
                             {"street", "district", "/"},
                             {"district", "district", "/"},
                             {"district", "district", "/"}};
  int64_t due = *o.due_at;
  for (size_t i = 0; i < chain.size(); ++i) {
    SCOPED_TRACE("escalation " + std::to_string(i + 1));
    clock.set_ms(due + 1000);  // a second late
    const int64_t now = clock.now_ms();
    auto moved = svc->escalate_due(now);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].order_id, o.id);
    EXPECT_EQ(moved[0].from_level, chain[i].from);
    EXPECT_EQ(moved[0].to_level, chain[i].to);
    EXPECT_TRUE(moved[0].unclaimed);
    auto r = row(o.id);
    EXPECT_EQ(r.path, chain[i].path);
    EXPECT_EQ(r.level, chain[i].to);
    EXPECT_EQ(r.origin_path, grid.path);
    EXPECT_EQ(r.status, "open");
    EXPECT_EQ(r.escalations, static_cast<int64_t>(i + 1));
    ASSERT_TRUE(r.due_at);
    EXPECT_EQ(*r.due_at, now + claim_ms);  // a new claim deadline at the new level
    auto s = steps(o.id);
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back().step, "escalated");
    EXPECT_EQ(s.back().at, now);
    EXPECT_FALSE(s.back().account_id);
    EXPECT_TRUE(has(s.back().details_json, "claim")) << s.back().details_json;
    EXPECT_TRUE(has(s.back().details_json, "\"from\":\"" + chain[i].from + "\"")) << s.back().details_json;
    EXPECT_TRUE(has(s.back().details_json, "\"to\":\"" + chain[i].to + "\"")) << s.back().details_json;
    EXPECT_TRUE(has(s.back().details_json, std::to_string(due))) << s.back().details_json;
    // The same moment again moves nothing; neither does a moment later before the new deadline.
    EXPECT_TRUE(svc->escalate_due(now).empty());
    EXPECT_TRUE(svc->escalate_due(*r.due_at - 1).empty());
    EXPECT_EQ(steps_named(o.id, "escalated"), static_cast<int64_t>(i + 1));
    due = *r.due_at;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'order.escalated'"), 5);
  EXPECT_EQ(step_names(o.id).front(), "created");
}

TEST_P(Orders, AClaimedOrderLeftUndoneEscalatesWithItsClaimer) {
  auto o = make(w1);
  clock.advance_ms(60000);
  auto c = svc->claim(o.id, w1b);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->due_at);
  // The claim deadline no longer matters.
  EXPECT_TRUE(svc->escalate_due(*o.due_at + 1).empty());
  EXPECT_TRUE(svc->escalate_due(*c->due_at - 1).empty());
  clock.set_ms(*c->due_at + 1);
  const int64_t now = clock.now_ms();
  auto moved = svc->escalate_due(now);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].from_level, "grid");
  EXPECT_EQ(moved[0].to_level, "community");
  EXPECT_FALSE(moved[0].unclaimed);
  auto r = row(o.id);
  EXPECT_EQ(r.status, "claimed");
  EXPECT_EQ(r.claimed_by, std::optional<int64_t>(11));
  EXPECT_EQ(r.path, community.path);
  EXPECT_EQ(r.escalations, 1);
  EXPECT_EQ(r.due_at, std::optional<int64_t>(now + streetlight.finish_minutes * 60000));
  auto s = steps(o.id);
  EXPECT_EQ(s.back().step, "escalated");
  EXPECT_TRUE(has(s.back().details_json, "finish")) << s.back().details_json;
  EXPECT_FALSE(has(s.back().details_json, "claim")) << s.back().details_json;
  EXPECT_TRUE(svc->escalate_due(now).empty());
  // The claimer still works on it, and may complete it at the community level.
  EXPECT_TRUE(pool_ids(w2).empty());  // claimed: in no pool
  auto done = svc->complete(o.id, "修好了", {}, w1b);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->status, "completed");
}

TEST_P(Orders, EscalationTakesEveryOverdueOrderAndOnlyThose) {
  auto a = make(w1);                          // due at t0 + 60 min
  auto lane = make(w1, "fire.lane_blocked");  // due at t0 + 10 min
  auto district_one = svc->create(at_point("road.streetlight", kNowhereLon), admin);
  ASSERT_TRUE(district_one.ok());
  clock.advance_ms(30 * 60000);
  auto moved = svc->escalate_due(clock.now_ms());
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].order_id, lane.id);
  clock.set_ms(*a.due_at);
  moved = svc->escalate_due(clock.now_ms());
  std::set<int64_t> ids;
  for (const auto& m : moved) ids.insert(m.order_id);
  // The fire lane's second claim deadline (10 minutes after its first escalation) passed too.
  EXPECT_EQ(ids, (std::set<int64_t>{a.id, district_one->id, lane.id}));
  auto d = row(district_one->id);
  EXPECT_EQ(d.path, "/");
  EXPECT_EQ(d.level, "district");
  EXPECT_EQ(d.escalations, 1);
}

TEST_P(Orders, ARestartBetweenDeadlinesLosesNoEscalationAndRepeatsNone) {
  auto o = make(w1);
  clock.set_ms(*o.due_at);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()).size(), 1u);
  const auto before = row(o.id);
  ASSERT_EQ(before.level, "community");
  ASSERT_TRUE(before.due_at);

  // The server stops (its service and database handles go) and starts again.
  svc.reset();
  auto db2 = open_db(2);
  auto fresh = make(*db2);
  ASSERT_TRUE(fresh->seed_catalogue().ok());
  // Right after the restart at the moment of the first escalation: nothing again.
  EXPECT_TRUE(fresh->escalate_due(clock.now_ms()).empty());
  clock.set_ms(*before.due_at - 1);
  EXPECT_TRUE(fresh->escalate_due(clock.now_ms()).empty());
  clock.set_ms(*before.due_at + 5 * 60000);
  auto moved = fresh->escalate_due(clock.now_ms());
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].from_level, "community");
  EXPECT_EQ(moved[0].to_level, "street");
  EXPECT_TRUE(fresh->escalate_due(clock.now_ms()).empty());
  auto after = row(o.id, fresh.get());
  EXPECT_EQ(after.path, street.path);
  EXPECT_EQ(after.escalations, 2);
  EXPECT_EQ(steps_named(o.id, "escalated"), 2);
  fresh.reset();
  db2.reset();
}

TEST_P(Orders, ARestartWithTheEscalatorRunningLosesNothing) {
  auto o = make(w1);
  auto wait_for = [&](int64_t escalations) {
    for (int i = 0; i < 100; ++i) {
      if (count("SELECT escalations FROM orders WHERE id = $1", {o.id}) >= escalations) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  {
    auto first = make(*db);
    first->start_escalator();
    clock.set_ms(*o.due_at + 1);
    EXPECT_TRUE(wait_for(1));
  }  // stops
  const int64_t next_due = *row(o.id).due_at;
  clock.set_ms(next_due + 1);  // the deadline passes while no escalator runs
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(count("SELECT escalations FROM orders WHERE id = $1", {o.id}), 1);
  {
    auto db2 = open_db(2);
    auto second_ptr = make(*db2);
    orders::Service& second = *second_ptr;
    second.start_escalator();
    EXPECT_TRUE(wait_for(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // more rounds at the same time
  }
  EXPECT_EQ(count("SELECT escalations FROM orders WHERE id = $1", {o.id}), 2);
  EXPECT_EQ(steps_named(o.id, "escalated"), 2);
  EXPECT_EQ(row(o.id).path, street.path);
}

TEST_P(Orders, EscalatorsRacingAtTheSameMomentFireEachDeadlineOnce) {
  constexpr int kOrders = 60, kThreads = 6;
  std::vector<int64_t> ids;
  for (int i = 0; i < kOrders; ++i) ids.push_back(make(w1).id);
  auto db2 = open_db(4);
  auto a_ptr = make(*db), b_ptr = make(*db2);
  orders::Service &a = *a_ptr, &b = *b_ptr;
  clock.set_ms(*row(ids[0]).due_at + 1);
  const int64_t now = clock.now_ms();
  std::atomic<int64_t> moved{0};
  std::atomic<int> threw{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      orders::Service& s = t % 3 == 0 ? *svc : (t % 3 == 1 ? a : b);
      start.arrive_and_wait();
      try {
        moved += static_cast<int64_t>(s.escalate_due(now).size());
      } catch (const std::exception&) {
        ++threw;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(threw.load(), 0);
  EXPECT_EQ(moved.load(), kOrders);
  EXPECT_EQ(count("SELECT COUNT(*) FROM order_steps WHERE step = 'escalated'"), kOrders);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders WHERE escalations = 1 AND path = $1", {community.path}), kOrders);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'order.escalated'"), kOrders);
}

TEST_P(Orders, TheEscalatorFiresOnItsOwnAndStopsWithTheService) {
  auto o = make(w1);
  auto bg = make(*db);
  bg->start_escalator();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(count("SELECT escalations FROM orders WHERE id = $1", {o.id}), 0);  // not due yet
  clock.set_ms(*o.due_at + 1);
  bool escalated = false;
  for (int i = 0; i < 100 && !escalated; ++i) {
    escalated = count("SELECT escalations FROM orders WHERE id = $1", {o.id}) == 1;
    if (!escalated) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(escalated) << "no escalation within 5 s";
  EXPECT_EQ(row(o.id).level, "community");
  auto t0 = std::chrono::steady_clock::now();
  bg.reset();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, std::chrono::seconds(3))
      << "the destructor took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  // Stopped: a deadline passing now is left for the next escalator.
  clock.set_ms(*row(o.id).due_at + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(count("SELECT escalations FROM orders WHERE id = $1", {o.id}), 1);
  EXPECT_EQ(steps_named(o.id, "escalated"), 1);
}

TEST_P(Orders, AServiceNeverStartedStopsAtOnce) {
  auto t0 = std::chrono::steady_clock::now();
  { auto idle = make(*db); }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

}  // namespace
