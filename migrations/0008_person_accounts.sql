-- A resident's account linked to their person in the registry ("my household"): at most
-- one person per account and one account per person. Linked by registry staff.
CREATE TABLE person_accounts (
  account_id  BIGINT PRIMARY KEY REFERENCES accounts(id),
  person_id   BIGINT NOT NULL UNIQUE REFERENCES persons(id),
  created_at  BIGINT NOT NULL
);
