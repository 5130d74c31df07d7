-- The station's other services: meals 助餐 (a menu a day per community, orders before the
-- cut-off, pick-up or delivery, each dish's count moved by a conditional UPDATE so no dish is
-- sold past its portions), doctor consultations 问诊 (the topic and the doctor's notes sealed
-- as personal data), and home services 居家服务 (an elder's repair or utility check, filed as a
-- work order in the order pool; this row ties the order's report to the elder).
CREATE TABLE care_menus (
  id           INTEGER PRIMARY KEY,
  community_id BIGINT NOT NULL,
  path         TEXT NOT NULL,            -- the community's path
  day          TEXT NOT NULL,            -- YYYY-MM-DD, UTC+8
  cutoff_at    BIGINT NOT NULL,
  pickup       INTEGER NOT NULL,
  delivery     INTEGER NOT NULL,
  note         TEXT NOT NULL,
  created_by   BIGINT,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  CHECK (pickup = 1 OR delivery = 1)
);
CREATE UNIQUE INDEX care_menus_day ON care_menus (community_id, day);

CREATE TABLE care_menu_items (
  id        INTEGER PRIMARY KEY,
  menu_id   BIGINT NOT NULL REFERENCES care_menus(id),
  position  BIGINT NOT NULL,
  name      TEXT NOT NULL,
  price_fen BIGINT NOT NULL CHECK (price_fen BETWEEN 0 AND 100000),
  portions  BIGINT NOT NULL CHECK (portions BETWEEN 1 AND 2000),
  ordered   BIGINT NOT NULL DEFAULT 0,
  removed_at BIGINT,                     -- taken off the menu (it had no orders then)
  CHECK (ordered >= 0 AND ordered <= portions)
);
CREATE INDEX care_menu_items_menu ON care_menu_items (menu_id, position);

CREATE TABLE care_meals (
  id           INTEGER PRIMARY KEY,
  menu_id      BIGINT NOT NULL REFERENCES care_menus(id),
  person_id    BIGINT NOT NULL,
  placed_by    BIGINT NOT NULL,          -- the account that ordered
  mode         TEXT NOT NULL CHECK (mode IN ('pickup', 'delivery')),
  note         TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('ordered', 'cancelled', 'served')),
  created_at   BIGINT NOT NULL,
  cancelled_at BIGINT,
  served_at    BIGINT
);
-- One order per person and menu (a cancelled one may be ordered again).
CREATE UNIQUE INDEX care_meals_once ON care_meals (menu_id, person_id) WHERE status <> 'cancelled';
CREATE INDEX care_meals_person ON care_meals (person_id, id);
CREATE INDEX care_meals_placed ON care_meals (placed_by, id);

CREATE TABLE care_meal_lines (
  meal_id BIGINT NOT NULL REFERENCES care_meals(id),
  item_id BIGINT NOT NULL REFERENCES care_menu_items(id),
  qty     BIGINT NOT NULL CHECK (qty BETWEEN 1 AND 5),
  price_fen BIGINT NOT NULL,             -- the price when ordered
  PRIMARY KEY (meal_id, item_id)
);
CREATE INDEX care_meal_lines_item ON care_meal_lines (item_id);

CREATE TABLE care_consultations (
  id            INTEGER PRIMARY KEY,
  person_id     BIGINT NOT NULL,
  path          TEXT NOT NULL,           -- the elder's building
  mode          TEXT NOT NULL CHECK (mode IN ('online', 'clinic', 'home')),
  topic_sealed  TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('requested', 'scheduled', 'done', 'cancelled')),
  requested_by  BIGINT NOT NULL,
  preferred_at  BIGINT,
  doctor_id     BIGINT,
  scheduled_at  BIGINT,
  notes_sealed  TEXT,
  cancel_reason TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  closed_at     BIGINT
);
CREATE INDEX care_consultations_person ON care_consultations (person_id, id);
CREATE INDEX care_consultations_path ON care_consultations (path, id);
CREATE INDEX care_consultations_requester ON care_consultations (requested_by, id);
CREATE INDEX care_consultations_doctor ON care_consultations (doctor_id, id);

CREATE TABLE care_home_services (
  id           INTEGER PRIMARY KEY,
  person_id    BIGINT NOT NULL,
  path         TEXT NOT NULL,            -- the elder's building
  kind         TEXT NOT NULL CHECK (kind IN ('repair', 'utility_check')),
  description  TEXT NOT NULL,
  report_id    BIGINT NOT NULL UNIQUE,   -- the orders module's report (its order follows it)
  report_token TEXT NOT NULL,
  order_id     BIGINT,                   -- the order made for it (as it was made)
  requested_by BIGINT NOT NULL,
  created_at   BIGINT NOT NULL
);
CREATE INDEX care_home_services_person ON care_home_services (person_id, id);
CREATE INDEX care_home_services_requester ON care_home_services (requested_by, id);
CREATE INDEX care_home_services_order ON care_home_services (order_id);
