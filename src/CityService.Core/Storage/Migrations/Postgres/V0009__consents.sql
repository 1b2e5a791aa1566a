-- Consents (PIPL): per account, which document (terms, privacy, sensitive-identity) in which version, when, through which
-- channel, and when withdrawn. Kept after withdrawal: the account shows its history.
CREATE TABLE consents (
    id            UUID    NOT NULL PRIMARY KEY,
    account_id    UUID    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    given_at      TIMESTAMPTZ NOT NULL,
    channel       TEXT    NOT NULL,
    withdrawn_at  TIMESTAMPTZ NULL
);
CREATE INDEX ix_consents_account_id ON consents (account_id);
