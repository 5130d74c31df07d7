-- Notifications: a message to an account is written in the same transaction as the event it
-- announces, with one outbox row per channel (the in-app inbox; a webhook that a district
-- points at its SMS or messaging gateway). A dispatcher claims due rows for a lease, sends,
-- and marks them sent exactly once; a failure is retried with backoff, never dropped.
CREATE TABLE notify_messages (
  id         INTEGER PRIMARY KEY,
  dedupe_key TEXT NOT NULL UNIQUE,   -- e.g. care_alarm:7:level:1:account:42 (one per step and person)
  account_id BIGINT NOT NULL,
  kind       TEXT NOT NULL,          -- the event type it announces
  subject    TEXT NOT NULL,          -- what it is about, e.g. care_alarm:7
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  payload    TEXT NOT NULL,          -- JSON
  urgent     INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  read_at    BIGINT                  -- the inbox: when its account read it
);
CREATE INDEX notify_messages_account ON notify_messages (account_id, id);

CREATE TABLE notify_outbox (
  id          INTEGER PRIMARY KEY,
  message_id  BIGINT NOT NULL REFERENCES notify_messages(id),
  channel     TEXT NOT NULL CHECK (channel IN ('inbox', 'webhook')),
  status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent')),
  attempts    BIGINT NOT NULL DEFAULT 0,
  next_at     BIGINT NOT NULL,        -- due (pending), or the lease's end (sending)
  last_error  TEXT,
  sent_at     BIGINT,
  created_at  BIGINT NOT NULL,
  UNIQUE (message_id, channel)
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_at) WHERE status <> 'sent';
