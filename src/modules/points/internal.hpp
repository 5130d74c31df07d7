#pragma once
//! What the points module's sources share: the ledger's SQL (accounts, postings, transfers)
//! and the catalogue's rows. Not part of the module's public API.
#include <optional>
#include <string>
#include <vector>

#include "modules/points/points.hpp"

namespace mashang::points::detail {

//! One movement of a posting, before it is written.
struct Move {
  int64_t debit = 0, credit = 0;  //!< account ids
  int64_t amount = 0;             //!< > 0
};

//! The account of `kind` for `owner`, made on first use.
int64_t account(store::Conn& c, const std::string& kind, int64_t owner, int64_t now);
std::optional<Account> account_row(store::Conn& c, const std::string& kind, int64_t owner);

//! A posting as stored, with its key and fingerprint; the row it is replayed from.
struct PostingRow {
  Posting posting;
  std::string fingerprint;
};
std::optional<PostingRow> posting_by_key(store::Conn& c, const std::string& key);
std::optional<Posting> posting_by_id(store::Conn& c, int64_t id);

//! What a new posting is: everything but its id and time.
struct NewPosting {
  std::string key, fingerprint, kind;
  std::optional<int64_t> item_id;
  std::string subject;
  int64_t subject_id = 0, community_id = 0, points = 0;
  std::string reason, evidence;
  std::optional<int64_t> proposal_id, reverses;
  std::string approved_by;
  std::optional<int64_t> created_by;
};

//! Writes a posting and its moves in the caller's transaction, balances with them. The
//! accounts are locked in id order first (PostgreSQL: no deadlock between two postings that
//! share accounts). 409 when an account that may not go below zero would (nothing written
//! then, as the caller's transaction rolls back), or when the key exists (the caller then
//! answers a replay from posting_by_key, after its transaction has ended).
Result<Posting> post(store::Conn& c, const NewPosting& p, const std::vector<Move>& moves, int64_t now);

//! The moves of a posting, as written.
std::vector<Move> moves_of(store::Conn& c, int64_t posting_id);

//! The columns proposal_of reads, in its order (then the fingerprint and the path).
extern const char* const kProposalColumns;
//! A proposal from a row of kProposalColumns, with its votes counted.
Proposal proposal_of(const store::Row& r, store::Conn& c);
//! The proposal whose `column` is `v`, with its fingerprint and its subject's path.
std::optional<Proposal> proposal_by(store::Conn& c, const char* column, const store::Value& v,
                                    std::string* fp = nullptr, std::string* path = nullptr);

//! The current version of an item by code (inactive ones too), or one version by id.
std::optional<Item> item_by_code(store::Conn& c, const std::string& code);
std::optional<Item> item_by_id(store::Conn& c, int64_t id);
//! The current version of every item, bonus items first.
std::vector<Item> current_items(store::Conn& c);

//! How many postings of the item (any version of its code) the subject had in the period
//! around `now` (UTC+8 calendar: day, ISO week from Monday, month, year; or ever), net of
//! corrections.
int64_t postings_in_period(store::Conn& c, const std::string& code, const std::string& subject, int64_t subject_id,
                           const std::string& period, int64_t now);
//! The start of the period containing `now` (UTC ms), on the UTC+8 calendar.
int64_t period_start(const std::string& period, int64_t now);

//! A territory path's community node id (its second segment), if it has one.
std::optional<int64_t> community_of(const std::string& path);
//! The path of that community ("/<street>/<community>").
std::optional<std::string> community_path(const std::string& path);

//! Hex fingerprint of a request's content (what a replay of its key must match).
std::string fingerprint(const std::string& canonical);

//! Staff over a place: any staff role (not resident) whose grant covers `path`.
bool staff_over(const Principal& who, const std::string& path);
//! An idempotency key: 1–64 characters of A–Z a–z 0–9 - _ . : (the server's own keys start
//! with '#', so no client's key can take theirs).
Status valid_key(const std::string& key);
//! A reason of 2–500 characters (`required`: empty is not allowed).
Status valid_reason(const std::string& s, bool required);
//! At most 9 evidence references, each one line of 1–200 bytes.
Status valid_evidence(const std::vector<std::string>& ev);

//! Evidence references as stored: one per line.
std::string lines(const std::vector<std::string>& v);
//! "per month", "per day", "in all": a cap's period in an error message.
std::string period_word(const std::string& period);
//! The moves that post `points` of an item for a subject in a community (awards: virtue from
//! the mint and spendable from the budget; deductions: virtue only; compounds: civility).
std::vector<Move> item_moves(store::Conn& c, const std::string& subject, int64_t subject_id, int64_t community,
                             int64_t points, int64_t now);
//! The payload of a points.posted event.
std::string posting_event(const Posting& p);

std::string join(const std::vector<std::string>& v, char sep);
std::vector<std::string> split(const std::string& s, char sep);

}  // namespace mashang::points::detail
