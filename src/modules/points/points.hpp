#pragma once
//! Points 积分: virtue points per person (品德积分), civility points per residential compound
//! (小区文明积分) and spendable points per person, on a double-entry, append-only ledger (after
//! TigerBeetle): accounts with balances kept in the transaction of every transfer, immutable
//! transfers in whole points grouped in postings, each posting under a client's idempotency
//! key; corrections are reversing postings. A versioned catalogue of bonus and deduction
//! items; proposals that the community's committee approves or rejects; `audit` recomputes
//! everything from the transfers. Public API of the module.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::points {

inline constexpr int64_t kPageSizeMax = 200;
inline constexpr int64_t kPointsMax = 1'000'000;  //!< the largest single item, grant or posting
inline constexpr size_t kEvidenceMax = 9;         //!< evidence references per proposal
inline constexpr size_t kKeyMax = 64;             //!< idempotency key, characters
inline constexpr size_t kBulkMax = 10'000;        //!< persons per bulk proposal, proposals per bulk vote
inline constexpr int64_t kQuantityMax = 100;      //!< goods per redemption

//! A catalogue item as of one version.
struct Item {
  int64_t id = 0, version = 1;
  std::string code, name_zh, name_en;
  int64_t points = 0;      //!< signed: < 0 for a deduction
  std::string subject;     //!< person | compound
  int64_t cap_count = 0;   //!< postings of it per subject per period; 0 = no cap
  std::string cap_period;  //!< day | week | month | year | ever
  bool evidence_required = false, automatic = false, active = true;
  std::vector<std::string> proposers;  //!< roles; "self" = the person for themselves
  int64_t created_at = 0;
};

//! What a district admin writes for an item (a new version; the code stays).
struct ItemChange {
  std::string code, name_zh, name_en, subject, cap_period;
  int64_t points = 0, cap_count = 0;
  bool evidence_required = false, automatic = false, active = true;
  std::vector<std::string> proposers;
};

//! A ledger account.
struct Account {
  int64_t id = 0;
  std::string kind;  //!< virtue | spendable | civility | budget | escrow | shop | mint
  int64_t owner_id = 0;
  int64_t balance = 0, debits = 0, credits = 0;
};

//! A proposal to post an item for a person or a compound.
struct Proposal {
  int64_t id = 0;
  std::string key;
  Item item;
  std::string subject;  //!< person | compound
  int64_t subject_id = 0, community_id = 0;
  int64_t points = 0;
  std::string reason;
  std::vector<std::string> evidence;
  std::optional<int64_t> proposed_by;
  bool by_self = false;
  std::string status;  //!< pending | posted | rejected
  std::optional<int64_t> posting_id, decided_at;
  int64_t approvals = 0, rejections = 0;
  int64_t created_at = 0;
};

//! One proposal's outcome in a bulk decision: the proposal as it stands, or why not.
struct Decision {
  int64_t id = 0;
  std::optional<Proposal> proposal;
  std::optional<Error> error;
};

struct NewProposal {
  std::string key, item_code, reason;
  std::optional<int64_t> person_id, compound_id;  //!< exactly one; none = the caller's own person
  std::vector<std::string> evidence;
};

//! An appeal 申诉 by a person against a posting that took points from them (a deduction, or a
//! correction that took an award back) or against a rejected proposal about them. The
//! community's committee upholds it or overturns it; overturning posts the remedy.
struct Appeal {
  int64_t id = 0;
  std::string key;
  int64_t person_id = 0, community_id = 0;
  std::optional<int64_t> posting_id, proposal_id;  //!< exactly one
  int64_t points = 0;                              //!< at stake, signed as the person sees it
  std::optional<std::string> item_code, item_name_zh, item_name_en;
  std::string reason;
  std::vector<std::string> evidence;
  std::string status;  //!< pending | upheld | overturned
  int64_t appealed_by = 0;
  std::optional<int64_t> decided_by;
  std::optional<std::string> decision_reason;
  std::optional<int64_t> result_posting_id, decided_at;
  int64_t created_at = 0;
};

struct NewAppeal {
  std::string key;
  std::optional<int64_t> posting_id, proposal_id;  //!< exactly one
  std::string reason;
  std::vector<std::string> evidence;
};

//! A compound's place in a ranking of civility points.
struct Rank {
  int64_t rank = 0, compound_id = 0;
  std::string name;
  int64_t month_points = 0, balance = 0;
};

//! One line of an account's statement: a transfer seen from that account.
struct Line {
  int64_t transfer_id = 0, posting_id = 0;
  std::string kind;  //!< the posting's kind
  std::optional<std::string> item_code, item_name_zh, item_name_en;
  int64_t amount = 0;         //!< signed: + credited to the account, - debited
  int64_t balance_after = 0;  //!< the account's balance after this line
  std::string reason;
  std::optional<int64_t> reverses;
  int64_t created_at = 0;
};

struct Statement {
  Account account;
  std::vector<Line> lines;  //!< newest first
  std::optional<int64_t> next_before;
};

//! A posting's outcome, as answered to its poster (and to a replay of its key).
struct Posting {
  int64_t id = 0;
  std::string key, kind, subject;
  int64_t subject_id = 0, community_id = 0, points = 0;
  std::optional<int64_t> reverses, proposal_id;
  std::string reason;
  int64_t created_at = 0;
};

//! A service tier by virtue points (better public service for good standing), and what it
//! gives: how many days ahead its holder may book (rooms, consultations) and their priority
//! in class enrolment (higher first).
struct Tier {
  std::string code, name_zh, name_en;
  int64_t min_virtue = 0;  //!< from this many virtue points (the first tier: any)
  int64_t booking_days_ahead = 3;
  int64_t enrolment_priority = 0;
};

//! The tiers, lowest first.
const std::vector<Tier>& tiers();

//! Goods in a community's points shop.
struct Goods {
  int64_t id = 0, community_id = 0;
  std::string name, description;
  int64_t price = 0, stock = 0;
  bool active = true;
  int64_t created_at = 0, updated_at = 0;
};

struct GoodsChange {
  std::optional<std::string> name, description;
  std::optional<int64_t> price;
  std::optional<int64_t> restock;  //!< added to the stock (negative: taken off, never below 0)
  std::optional<bool> active;
};

//! A redemption: points and stock held until the goods are handed over (or refunded).
struct Redemption {
  int64_t id = 0;
  std::string key;
  Goods goods;
  int64_t person_id = 0, community_id = 0, quantity = 0, points = 0;
  std::string code;    //!< what the station scans; shown only to the person and the station
  std::string status;  //!< held | handed_over | cancelled | expired
  int64_t expires_at = 0, created_at = 0;
  std::optional<int64_t> closed_at, closed_by;
};

//! A person's or a compound's place, as the registry and territory know it.
struct Place {
  std::string path;  //!< territory path of the person's building, or the compound's path
  std::string name;  //!< for notices (a person's name is not shown to other residents)
};

//! Where the ledger meets the rest of the system (wired in app/wiring.cpp).
//! Each lookup runs on the caller's connection (inside its transaction when there is one), so
//! a write never waits for a second pooled connection.
struct Directory {
  using PlaceOf = std::function<std::optional<Place>(store::Conn&, int64_t id)>;
  using IdOf = std::function<std::optional<int64_t>(store::Conn&, int64_t id)>;
  PlaceOf person;     //!< a person's building
  PlaceOf compound;   //!< a node of kind compound
  PlaceOf community;  //!< a node of kind community
  PlaceOf street;     //!< a node of kind street
  IdOf person_of;     //!< the account's person
  IdOf account_of;    //!< the person's account
};

//! What `audit` found: every invariant it checked, and each discrepancy.
struct AuditReport {
  int64_t accounts = 0, transfers = 0, postings = 0;
  std::vector<std::string> problems;
};

class Service {
 public:
  struct Options {
    int64_t quorum = 1;        //!< committee approvals (or rejections) that decide a proposal
    int64_t hold_hours = 72;   //!< how long a redemption holds points and stock before it expires
    int64_t appeal_days = 30;  //!< how long after a posting or a rejection the person may appeal it
  };
  Service(store::Db& db, const Clock& clock, Directory dir, Options o)
      : db_(db), clock_(clock), dir_(std::move(dir)), opt_(o) {}

  //! Writes the default catalogue (51 bonus and 33 deduction items) where no item exists yet.
  Status seed_catalogue();
  //! The current version of every item (inactive ones too when `all`, for district admins).
  std::vector<Item> catalog(bool all);
  //! A district admin writes a new version of an item (or a new item). Audited.
  Result<Item> put_item(const ItemChange& in, const Principal& who, const std::string& ip);

  //! A district admin gives a community's committee points to award (from the district's mint).
  Result<Posting> grant_budget(const std::string& key, int64_t community_id, int64_t amount, const std::string& reason,
                               const Principal& who, const std::string& ip, bool* replay = nullptr);

  //! Proposes an item for a person or compound. Checks in the order of docs/reference/points.md.
  //! A replay of the key with the same content answers the original (second = true).
  Result<Proposal> propose(const NewProposal& in, const Principal& who, bool* replay = nullptr);
  //! Proposes one person item for many persons at once (e.g. everyone who volunteered at an
  //! event), all or none: the first person that fails a check fails the request, named in
  //! the message. At most 10,000. Each proposal's key is `key/person_id`.
  Result<std::vector<Proposal>> propose_many(const NewProposal& in, const std::vector<int64_t>& person_ids,
                                             const Principal& who, bool* replay = nullptr);
  //! A committee member over the proposal's community approves or rejects it (a reason is
  //! needed to reject). Once `quorum` members agree, it is posted or rejected.
  Result<Proposal> vote(int64_t id, bool approve, const std::string& reason, const Principal& who);
  //! The same for many proposals at once (a committee deciding its queue in bulk, at most
  //! 10,000): each decided on its own, the outcome per proposal.
  std::vector<Decision> vote_many(const std::vector<int64_t>& ids, bool approve, const std::string& reason,
                                  const Principal& who);
  Result<Proposal> proposal(int64_t id, const Principal& who);
  //! Proposals the caller may see: a committee's or staff's queue under `community`, or a
  //! resident's own; by status ("" = any), newest first.
  Result<std::vector<Proposal>> proposals(const std::string& status, std::optional<int64_t> community, int64_t before,
                                          int64_t limit, const Principal& who);

  //! Posts an automatic item (e.g. bonus.report_confirmed) for a person, once per `key`:
  //! no proposal, the item's cap and the committee's budget still apply (409 when not).
  Result<Posting> award_automatic(const std::string& item_code, int64_t person_id, const std::string& reason,
                                  const std::string& key, bool* replay = nullptr);
  //! Follows the event log from where it stopped: each reporter of an order that was verified
  //! or rated (a confirmed report) earns bonus.report_confirmed once per order. Returns how
  //! many were awarded. The sweeper thread calls it.
  int64_t follow_events();

  //! Undoes a posting by a reversing one (district admins, or community staff over it). Fails
  //! with 409 when the points were spent already or the posting was corrected before.
  Result<Posting> correct(const std::string& key, int64_t posting_id, const std::string& reason, const Principal& who,
                          const std::string& ip, bool* replay = nullptr);

  //! A person appeals (for themselves) a posting that took points from them or a rejected
  //! proposal about them, once each, within `appeal_days`. Checks in the order of points.md.
  Result<Appeal> appeal(const NewAppeal& in, const Principal& who, bool* replay = nullptr);
  //! A committee member over the community decides a pending appeal: uphold (the original
  //! stands) or overturn (the posting is reversed, or the rejected proposal is posted, in the
  //! same transaction). Nobody who took part in the original decides its appeal.
  Result<Appeal> decide_appeal(int64_t id, bool overturn, const std::string& reason, const Principal& who);
  //! One appeal: its person, or staff over its community.
  Result<Appeal> appeal_of(int64_t id, const Principal& who);
  //! The caller's own appeals, or with `community` the community's for staff over it; by
  //! status ("" = any), newest first, before id `before` (0 = from the newest).
  Result<std::vector<Appeal>> appeals(const std::string& status, std::optional<int64_t> community, int64_t before,
                                      int64_t limit, const Principal& who);

  //! The compounds of a community (or a street) ranked by the civility points they gained in
  //! a month ("YYYY-MM" on the UTC+8 calendar; empty: this month), then by balance; ties share
  //! a rank. Compounds that never had civility points are not listed. Anyone signed in.
  Result<std::vector<Rank>> ranking(int64_t node_id, const std::string& month);

  //! An account's whole statement (newest first, at most 100,000 lines) as .xlsx bytes; who may
  //! read it as for statement().
  Result<std::string> statement_xlsx(const std::string& kind, int64_t owner, const Principal& who);

  //! Balances of a person (virtue, spendable): the person themselves, or staff over them.
  Result<std::vector<Account>> person_accounts(std::optional<int64_t> person_id, const Principal& who);
  //! An account's statement, newest first, before transfer id `before` (0 = from the newest).
  Result<Statement> statement(const std::string& kind, int64_t owner_id, int64_t before, int64_t limit,
                              const Principal& who);

  //! The shop of a community: residents see their own community's active goods, staff over
  //! it everything. Community staff over it (and district admins) add and change goods.
  Result<std::vector<Goods>> goods(std::optional<int64_t> community, const Principal& who);
  Result<Goods> add_goods(int64_t community, const std::string& name, const std::string& description, int64_t price,
                          int64_t stock, const Principal& who);
  Result<Goods> change_goods(int64_t id, const GoodsChange& in, const Principal& who);
  //! A resident redeems goods of their community's shop: the points go to escrow and the
  //! stock is taken, together, or nothing happens. Checks in the order of points.md.
  Result<Redemption> redeem(const std::string& key, int64_t goods_id, int64_t quantity, const Principal& who,
                            bool* replay = nullptr);
  //! The station hands the goods over (staff over the community scan the redemption's code).
  Result<Redemption> hand_over(const std::string& code, const Principal& who);
  //! The person (or staff over the community) cancels a held redemption: points and stock back.
  Result<Redemption> cancel(int64_t id, const Principal& who);
  //! What a code stands for, for the station before it hands over.
  Result<Redemption> redemption_by_code(const std::string& code, const Principal& who);
  //! The caller's own redemptions, or a community's for staff over it; newest first.
  Result<std::vector<Redemption>> redemptions(std::optional<int64_t> community, const std::string& status,
                                              int64_t before, int64_t limit, const Principal& who);
  //! Refunds every held redemption whose hold has expired by now, each exactly once. Returns
  //! how many. The sweeper thread calls it; tests call it with their clock.
  int64_t expire_due();
  //! Starts (stops) the thread that calls expire_due every `every_ms`.
  void start_sweeper(int64_t every_ms = 30'000);
  void stop_sweeper();
  ~Service();

  //! A person's tier now, from their virtue points (no permission check: for any capability
  //! that serves better by tier, e.g. booking windows and class enrolment).
  Tier tier_of(int64_t person_id);

  //! Recomputes every balance from the transfers and checks every invariant (read-only).
  AuditReport audit();

 private:
  //! One proposal inside the caller's transaction, checks 8–12 of points.md (see propose()).
  Result<Proposal> propose_in(store::Conn& c, const NewProposal& in, const std::string& key, const std::string& fp,
                              const Principal& who, int64_t now);
  //! Posts a proposal (its award or deduction) and marks it posted, inside the caller's transaction.
  Result<Posting> post_proposal_in(store::Conn& c, const Proposal& p, const std::string& cpath,
                                   const std::string& approvers, int64_t now);
  //! The reversing posting of `orig` (once: 409 when corrected before), inside the caller's transaction.
  Result<Posting> reverse_in(store::Conn& c, const Posting& orig, const std::string& key, const std::string& fp,
                             const std::string& reason, const Principal& who, const std::string& cpath, int64_t now);
  //! One committee member's vote inside the caller's transaction (see vote()).
  Result<Proposal> decide(store::Conn& c, int64_t id, bool approve, const std::string& reason, const Principal& who,
                          int64_t now);
  //! Where a posting's subject is (a person's building, a compound, a community).
  std::optional<Place> subject_place(store::Conn& c, const std::string& subject, int64_t id) const;
  std::optional<Place> person_in(store::Conn& c, int64_t id) const {
    return dir_.person ? dir_.person(c, id) : std::nullopt;
  }
  std::optional<Place> compound_in(store::Conn& c, int64_t id) const {
    return dir_.compound ? dir_.compound(c, id) : std::nullopt;
  }
  std::optional<Place> community_in(store::Conn& c, int64_t id) const {
    return dir_.community ? dir_.community(c, id) : std::nullopt;
  }
  std::optional<int64_t> person_of_in(store::Conn& c, int64_t account) const {
    return dir_.person_of ? dir_.person_of(c, account) : std::nullopt;
  }
  std::optional<int64_t> account_of_in(store::Conn& c, int64_t person) const {
    return dir_.account_of ? dir_.account_of(c, person) : std::nullopt;
  }

  store::Db& db_;
  const Clock& clock_;
  Directory dir_;
  Options opt_;
  std::mutex sweeper_mu_;
  std::condition_variable sweeper_cv_;
  bool sweeper_stop_ = false;
  std::thread sweeper_;
};

}  // namespace mashang::points
