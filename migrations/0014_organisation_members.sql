-- The accounts that work for an organisation (a property company's staff, a school's): as a
-- department they may claim the work orders whose category names their organisation's kind,
-- at the organisation's place.
CREATE TABLE organisation_members (
  organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  account_id      BIGINT NOT NULL REFERENCES accounts(id),
  added_at        BIGINT NOT NULL,
  PRIMARY KEY (organisation_id, account_id)
);
CREATE INDEX organisation_members_account ON organisation_members (account_id);
