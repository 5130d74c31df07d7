-- Elderly care 养老服务: elder profiles (health notes and emergency contacts sealed as personal
-- data), a steward and a backup per building, duty officers of communities and streets,
-- alarm devices, and the one-key alarm 一键呼叫 whose escalation deadlines are data: a
-- restart finds every deadline where it was and fires it on time.
CREATE TABLE care_elders (
  person_id        BIGINT PRIMARY KEY,
  path             TEXT NOT NULL,          -- the building's path, when the profile was written
  health_sealed    TEXT NOT NULL,          -- sealed: health notes
  contacts_sealed  TEXT NOT NULL,          -- sealed: JSON list of {name, relation, phone}
  visit_every_days BIGINT NOT NULL CHECK (visit_every_days BETWEEN 1 AND 90),
  updated_by       BIGINT,
  updated_at       BIGINT NOT NULL
);

CREATE TABLE care_stewards (
  building_id BIGINT PRIMARY KEY,
  path        TEXT NOT NULL,
  steward_id  BIGINT NOT NULL,           -- accounts
  backup_id   BIGINT,
  updated_by  BIGINT,
  updated_at  BIGINT NOT NULL,
  CHECK (backup_id IS NULL OR backup_id <> steward_id)
);
CREATE INDEX care_stewards_steward ON care_stewards (steward_id);
CREATE INDEX care_stewards_backup ON care_stewards (backup_id);

-- Who is on duty where and when: a community's duty officer, or a street's.
CREATE TABLE care_duty (
  id         INTEGER PRIMARY KEY,
  node_id    BIGINT NOT NULL,
  path       TEXT NOT NULL,
  account_id BIGINT NOT NULL,
  starts_at  BIGINT NOT NULL,
  ends_at    BIGINT NOT NULL,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX care_duty_path ON care_duty (path, ends_at);

-- An alarm button or pendant that posts with its token (kept as a hash only).
CREATE TABLE care_devices (
  id         INTEGER PRIMARY KEY,
  person_id  BIGINT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  label      TEXT NOT NULL,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX care_devices_person ON care_devices (person_id);

-- level: 0 the steward, 1 the backup steward, 2 the community's duty officers, 3 everyone on
-- duty in the street (repeated each deadline until someone acknowledges: `round`).
CREATE TABLE care_alarms (
  id              INTEGER PRIMARY KEY,
  person_id       BIGINT NOT NULL,
  household_id    BIGINT NOT NULL,
  building_id     BIGINT NOT NULL,
  community_id    BIGINT NOT NULL,
  path            TEXT NOT NULL,           -- the building's path
  source          TEXT NOT NULL CHECK (source IN ('button', 'device', 'staff')),
  device_id       BIGINT REFERENCES care_devices(id),
  drill           INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'arrived', 'closed')),
  level           BIGINT NOT NULL CHECK (level BETWEEN 0 AND 3),
  round           BIGINT NOT NULL,
  due_at          BIGINT,                  -- the current level's deadline; NULL once acknowledged
  presses         BIGINT NOT NULL,
  acknowledged_by BIGINT,
  acknowledged_at BIGINT,
  arrived_at      BIGINT,
  outcome         TEXT CHECK (outcome IN ('resolved', 'false_alarm', 'hospital', 'other')),
  note            TEXT NOT NULL,
  closed_by       BIGINT,
  closed_at       BIGINT,
  created_by      BIGINT,
  created_at      BIGINT NOT NULL,
  CHECK ((status = 'open') = (due_at IS NOT NULL)),
  CHECK ((status = 'closed') = (outcome IS NOT NULL))
);
-- One alarm open per elder (and one drill): a second press joins it.
CREATE UNIQUE INDEX care_alarms_open ON care_alarms (person_id, drill) WHERE status <> 'closed';
CREATE INDEX care_alarms_due ON care_alarms (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX care_alarms_community ON care_alarms (community_id, id);

-- The whole timeline: raised, pressed again, alerted (one row per account alerted), escalated,
-- skipped (a level with nobody), acknowledged, arrived, closed.
CREATE TABLE care_alarm_steps (
  id         INTEGER PRIMARY KEY,
  alarm_id   BIGINT NOT NULL REFERENCES care_alarms(id),
  at         BIGINT NOT NULL,
  kind       TEXT NOT NULL,
  level      BIGINT NOT NULL,
  account_id BIGINT,
  note       TEXT NOT NULL
);
CREATE INDEX care_alarm_steps_alarm ON care_alarm_steps (alarm_id, id);
CREATE INDEX care_alarm_steps_account ON care_alarm_steps (account_id, alarm_id) WHERE kind = 'alerted';
