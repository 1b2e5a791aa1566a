-- Consented channel links (a pending link waits for the citizen's code), used channel assertion ids (jti), staff invitations.
CREATE TABLE channel_link_requests (
    id            TEXT    NOT NULL PRIMARY KEY,
    client_id     TEXT    NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    channel_user  TEXT    NOT NULL,
    phone_index   TEXT    NOT NULL,
    phone_cipher  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    account_id    TEXT    NULL REFERENCES accounts (id) ON DELETE CASCADE,
    confirmed_at  INTEGER NULL
);
CREATE INDEX ix_channel_link_requests_account_id ON channel_link_requests (account_id);
CREATE INDEX ix_channel_link_requests_client_id ON channel_link_requests (client_id);

CREATE TABLE channel_assertions (
    client_id   TEXT    NOT NULL,
    jti         TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX ix_channel_assertions_expires_at ON channel_assertions (expires_at);

CREATE TABLE staff_invitations (
    id               TEXT    NOT NULL PRIMARY KEY,
    region_code      TEXT    NOT NULL,
    department_code  TEXT    NOT NULL,
    role             TEXT    NOT NULL,
    phone_index      TEXT    NOT NULL,
    phone_cipher     TEXT    NOT NULL,
    invited_by       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    withdrawn_at     INTEGER NULL,
    accepted_at      INTEGER NULL,
    FOREIGN KEY (region_code, department_code) REFERENCES departments (region_code, code)
);
CREATE INDEX ix_staff_invitations_department ON staff_invitations (region_code, department_code);
CREATE INDEX ix_staff_invitations_phone_index ON staff_invitations (phone_index);
