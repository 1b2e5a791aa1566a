-- Consents (PIPL): per account, which document (terms, privacy, sensitive-identity) in which version, when, through which
-- channel, and when withdrawn. Kept after withdrawal: the account shows its history.
CREATE TABLE consents (
    id            TEXT    NOT NULL PRIMARY KEY,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    given_at      INTEGER NOT NULL,
    channel       TEXT    NOT NULL,
    withdrawn_at  INTEGER NULL
);
CREATE INDEX ix_consents_account_id ON consents (account_id);
