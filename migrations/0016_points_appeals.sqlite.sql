-- Appeals 申诉: a person contests a posting that took points from them (a deduction, or a
-- correction that took an award back) or a rejected proposal about them; the community's
-- committee upholds it or overturns it. Overturning posts the remedy (the posting reversed,
-- or the proposal posted) in the same transaction; `result_posting` names it.
CREATE TABLE points_appeals (
  id              INTEGER PRIMARY KEY,
  idem_key        TEXT NOT NULL UNIQUE,
  fingerprint     TEXT NOT NULL,
  person_id       BIGINT NOT NULL,
  community_id    BIGINT NOT NULL,
  path            TEXT NOT NULL,               -- the community's path (scopes who sees it)
  posting_id      BIGINT UNIQUE REFERENCES points_postings(id),    -- one appeal per posting
  proposal_id     BIGINT UNIQUE REFERENCES points_proposals(id),   -- one appeal per proposal
  points          BIGINT NOT NULL,             -- what is at stake, as the person sees it
  reason          TEXT NOT NULL,
  evidence        TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'overturned')),
  appealed_by     BIGINT NOT NULL,
  decided_by      BIGINT,
  decision_reason TEXT,
  result_posting  BIGINT REFERENCES points_postings(id),
  decided_at      BIGINT,
  created_at      BIGINT NOT NULL,
  CHECK ((posting_id IS NULL) <> (proposal_id IS NULL)),
  CHECK ((status = 'overturned') = (result_posting IS NOT NULL))
);
CREATE INDEX points_appeals_queue ON points_appeals (community_id, status, id);
CREATE INDEX points_appeals_person ON points_appeals (person_id, id);
