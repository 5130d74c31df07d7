-- Work orders (网格下单、全员抢单): categories of problems, orders that eligible workers claim
-- first-come, deadlines stored as data that escalate an order grid → community → street →
-- district, and every step in the order's timeline.
CREATE TABLE categories (
  id              INTEGER PRIMARY KEY,
  code            TEXT NOT NULL UNIQUE,          -- Open311 service_code
  name_zh         TEXT NOT NULL,
  name_en         TEXT NOT NULL,
  group_name      TEXT NOT NULL,
  claim_minutes   BIGINT NOT NULL CHECK (claim_minutes > 0),
  finish_minutes  BIGINT NOT NULL CHECK (finish_minutes > 0),
  claim_roles     TEXT NOT NULL,                 -- role names, comma-separated
  departments     TEXT NOT NULL,                 -- organisation kinds, comma-separated ('' = none)
  photos_required INTEGER NOT NULL DEFAULT 0,
  triage          INTEGER NOT NULL DEFAULT 0,    -- 1: a report waits for triage before it is an order
  active          INTEGER NOT NULL DEFAULT 1,
  updated_at      BIGINT NOT NULL
);

-- A category's extra questions (Open311 attributes), in order.
CREATE TABLE category_questions (
  category_id BIGINT NOT NULL REFERENCES categories(id),
  seq         BIGINT NOT NULL,
  code        TEXT NOT NULL,
  label_zh    TEXT NOT NULL,
  label_en    TEXT NOT NULL,
  datatype    TEXT NOT NULL CHECK (datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')),
  required    INTEGER NOT NULL,
  choices     TEXT NOT NULL DEFAULT '',  -- one "key<TAB>name" per line, for the lists
  PRIMARY KEY (category_id, seq)
);

CREATE TABLE orders (
  id             INTEGER PRIMARY KEY,
  category_id    BIGINT NOT NULL REFERENCES categories(id),
  description    TEXT NOT NULL,
  lat            DOUBLE PRECISION,
  lon            DOUBLE PRECISION,
  origin_path    TEXT NOT NULL,   -- where it happened: a grid's path, or '/' (outside every grid)
  path           TEXT NOT NULL,   -- who sees it now: the origin, widened by each escalation
  level          TEXT NOT NULL CHECK (level IN ('grid', 'community', 'street', 'district')),
  status         TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'on_hold', 'completed', 'verified', 'closed')),
  created_by     BIGINT,
  claimed_by     BIGINT,
  claimed_at     BIGINT,
  due_at         BIGINT,          -- the next deadline: to be claimed (open) or finished (claimed)
  escalations    BIGINT NOT NULL DEFAULT 0,
  hold_reason    TEXT NOT NULL DEFAULT '',
  completed_at   BIGINT,
  rating         BIGINT,
  rating_comment TEXT NOT NULL DEFAULT '',
  version        BIGINT NOT NULL DEFAULT 1,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);
-- The pool holds open orders only: a claim removes one entry and adds none.
CREATE INDEX orders_pool ON orders (path, id) WHERE status = 'open';
CREATE INDEX orders_due ON orders (due_at) WHERE status IN ('open', 'claimed');
CREATE INDEX orders_claimer ON orders (claimed_by, status, id);

CREATE TABLE order_steps (
  id          INTEGER PRIMARY KEY,
  order_id    BIGINT NOT NULL REFERENCES orders(id),
  at          BIGINT NOT NULL,
  account_id  BIGINT,
  step        TEXT NOT NULL,   -- created, claimed, escalated, returned, held, resumed, completed, verified, rated, reopened
  note        TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX order_steps_order ON order_steps (order_id, id);
