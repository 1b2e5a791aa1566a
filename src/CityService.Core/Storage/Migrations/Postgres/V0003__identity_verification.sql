-- Registry checks (audit trail without personal data), face-capture challenges, and the assurance level a service requires.
CREATE TABLE identity_verifications (
    id                  UUID    NOT NULL PRIMARY KEY,
    account_id          UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL,
    outcome             TEXT    NOT NULL,
    score               DOUBLE PRECISION NULL,
    registry_reference  TEXT    NULL,
    at                  BIGINT  NOT NULL
);
CREATE INDEX ix_identity_verifications_account_at ON identity_verifications (account_id, at);

CREATE TABLE face_challenges (
    id          UUID    NOT NULL PRIMARY KEY,
    account_id  UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    nonce       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT  NULL
);
CREATE UNIQUE INDEX ux_face_challenges_account_nonce ON face_challenges (account_id, nonce);

ALTER TABLE service_items ADD COLUMN required_level TEXT NOT NULL DEFAULT 'L1';
