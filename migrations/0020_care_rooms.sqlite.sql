-- The elder-care station's function rooms (bath, chess, billiards, yoga, study…): opening
-- hours on the UTC+8 clock, slots of a fixed length, a capacity per slot; bookings made within
-- the person's booking window (longer for higher points tiers), cancelled before they start,
-- checked in by scanning the room's code. A slot's count is a row of its own, moved by a
-- conditional UPDATE, so a slot is never booked beyond its capacity.
CREATE TABLE care_rooms (
  id           INTEGER PRIMARY KEY,
  community_id BIGINT NOT NULL,
  path         TEXT NOT NULL,            -- the community's path
  place_id     BIGINT,                   -- its function_room place (二维码+), when it has a code
  name         TEXT NOT NULL,
  capacity     BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 500),
  slot_minutes BIGINT NOT NULL CHECK (slot_minutes BETWEEN 15 AND 480),
  opens        BIGINT NOT NULL CHECK (opens BETWEEN 0 AND 1439),      -- minute of the day, UTC+8
  closes       BIGINT NOT NULL CHECK (closes BETWEEN 1 AND 1440),
  days         TEXT NOT NULL,            -- ISO weekdays open, e.g. "1234567"
  active       INTEGER NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  CHECK (closes > opens)
);
CREATE INDEX care_rooms_community ON care_rooms (community_id, id);
CREATE UNIQUE INDEX care_rooms_place ON care_rooms (place_id) WHERE place_id IS NOT NULL;

CREATE TABLE care_room_slots (
  room_id    BIGINT NOT NULL REFERENCES care_rooms(id),
  starts_at  BIGINT NOT NULL,
  booked     BIGINT NOT NULL CHECK (booked >= 0),
  PRIMARY KEY (room_id, starts_at)
);

CREATE TABLE care_bookings (
  id            INTEGER PRIMARY KEY,
  room_id       BIGINT NOT NULL REFERENCES care_rooms(id),
  person_id     BIGINT NOT NULL,
  account_id    BIGINT NOT NULL,
  starts_at     BIGINT NOT NULL,
  ends_at       BIGINT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'checked_in')),
  created_at    BIGINT NOT NULL,
  cancelled_at  BIGINT,
  checked_in_at BIGINT
);
-- One booking per person and slot (a cancelled one may be booked again).
CREATE UNIQUE INDEX care_bookings_once ON care_bookings (room_id, person_id, starts_at) WHERE status <> 'cancelled';
CREATE INDEX care_bookings_person ON care_bookings (person_id, starts_at);
CREATE INDEX care_bookings_room ON care_bookings (room_id, starts_at);
