-- Server-side sessions: every page cookie and bearer token names one; ending the row ends the cookie or token.
CREATE TABLE sessions (
    id              TEXT    NOT NULL PRIMARY KEY,
    account_id      UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    channel_id      TEXT    NULL,
    security_stamp  TEXT    NOT NULL,
    device          TEXT    NULL,
    created_at      BIGINT  NOT NULL,
    last_seen_at    BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    ended_at        BIGINT  NULL
);
CREATE INDEX ix_sessions_account_id ON sessions (account_id);
