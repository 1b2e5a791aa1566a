-- Server-side sessions: every page cookie and bearer token names one; ending the row ends the cookie or token.
CREATE TABLE sessions (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    channel_id      TEXT    NULL,
    security_stamp  TEXT    NOT NULL,
    device          TEXT    NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    ended_at        INTEGER NULL
);
CREATE INDEX ix_sessions_account_id ON sessions (account_id);
