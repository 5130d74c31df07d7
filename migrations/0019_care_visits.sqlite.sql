-- Visits 探访: a steward (or other care staff) at an elder's door, proven by scanning the
-- household's door code; the time and place, a note, readings (blood pressure, pulse) and the
-- checks of water, power and gas, with what was out of range. An elder's profile says how
-- often they are visited (care_elders.visit_every_days); one overdue is listed and its
-- steward told once per due date.
CREATE TABLE care_visits (
  id           INTEGER PRIMARY KEY,
  person_id    BIGINT NOT NULL,
  household_id BIGINT NOT NULL,
  path         TEXT NOT NULL,            -- the building's path
  code_id      BIGINT NOT NULL,          -- the door code scanned
  visited_by   BIGINT NOT NULL,
  note         TEXT NOT NULL,
  systolic     BIGINT,
  diastolic    BIGINT,
  pulse        BIGINT,
  water_ok     INTEGER,
  power_ok     INTEGER,
  gas_ok       INTEGER,
  flags        TEXT NOT NULL,            -- comma-separated: bp_high, bp_low, pulse_high, pulse_low, water, power, gas
  at           BIGINT NOT NULL
);
CREATE INDEX care_visits_person ON care_visits (person_id, at);
CREATE INDEX care_visits_path ON care_visits (path, at);
