-- One timestamp convention for every table (ADR 012): INTEGER unix milliseconds, UTC. These six columns held EF's
-- DateTimeOffset text ('2026-11-22 09:02:03.1234567+08:00'); julianday() reads that form, offset included.
-- SQLite cannot change a column's type in place: add the new column, copy, drop the old one, take its name.
-- (A NOT NULL column added to a table with rows needs a default; every row is written by the UPDATE.)
ALTER TABLE accounts ADD COLUMN created_at_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN id_verified_at_ms INTEGER NULL;
ALTER TABLE accounts ADD COLUMN face_verified_at_ms INTEGER NULL;
ALTER TABLE accounts ADD COLUMN lockout_end_ms INTEGER NULL;
UPDATE accounts SET
    created_at_ms       = CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER),
    id_verified_at_ms   = CAST(ROUND((julianday(id_verified_at) - 2440587.5) * 86400000.0) AS INTEGER),
    face_verified_at_ms = CAST(ROUND((julianday(face_verified_at) - 2440587.5) * 86400000.0) AS INTEGER),
    lockout_end_ms      = CAST(ROUND((julianday(lockout_end) - 2440587.5) * 86400000.0) AS INTEGER);
ALTER TABLE accounts DROP COLUMN created_at;
ALTER TABLE accounts DROP COLUMN id_verified_at;
ALTER TABLE accounts DROP COLUMN face_verified_at;
ALTER TABLE accounts DROP COLUMN lockout_end;
ALTER TABLE accounts RENAME COLUMN created_at_ms TO created_at;
ALTER TABLE accounts RENAME COLUMN id_verified_at_ms TO id_verified_at;
ALTER TABLE accounts RENAME COLUMN face_verified_at_ms TO face_verified_at;
ALTER TABLE accounts RENAME COLUMN lockout_end_ms TO lockout_end;

ALTER TABLE service_items ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE service_items SET updated_at_ms = CAST(ROUND((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER);
ALTER TABLE service_items DROP COLUMN updated_at;
ALTER TABLE service_items RENAME COLUMN updated_at_ms TO updated_at;

ALTER TABLE service_overrides ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE service_overrides SET updated_at_ms = CAST(ROUND((julianday(updated_at) - 2440587.5) * 86400000.0) AS INTEGER);
ALTER TABLE service_overrides DROP COLUMN updated_at;
ALTER TABLE service_overrides RENAME COLUMN updated_at_ms TO updated_at;
