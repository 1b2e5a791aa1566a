-- Accounts on ASP.NET Core Identity (users/claims/logins/tokens), one-time codes, and the shared Data Protection key ring.
-- Personal data: phone and resident ID number only as ciphertext + keyed blind index (see PersonalDataProtector).
CREATE TABLE accounts (
    id                       TEXT    NOT NULL PRIMARY KEY,
    kind                     TEXT    NOT NULL,
    assurance_level          TEXT    NOT NULL,
    phone_index              TEXT    NOT NULL,
    phone_cipher             TEXT    NOT NULL,
    name_cipher              TEXT    NULL,
    id_number_index          TEXT    NULL,
    id_number_cipher         TEXT    NULL,
    id_verified_at           TEXT    NULL,
    id_registry_reference    TEXT    NULL,
    face_verified_at         TEXT    NULL,
    face_registry_reference  TEXT    NULL,
    created_at               TEXT    NOT NULL,
    user_name                TEXT    NULL,
    normalized_user_name     TEXT    NULL,
    email                    TEXT    NULL,
    normalized_email         TEXT    NULL,
    email_confirmed          INTEGER NOT NULL,
    password_hash            TEXT    NULL,
    security_stamp           TEXT    NULL,
    concurrency_stamp        TEXT    NULL,
    phone_number             TEXT    NULL,
    phone_number_confirmed   INTEGER NOT NULL,
    two_factor_enabled       INTEGER NOT NULL,
    lockout_end              TEXT    NULL,
    lockout_enabled          INTEGER NOT NULL,
    access_failed_count      INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_accounts_normalized_user_name ON accounts (normalized_user_name);
CREATE INDEX ix_accounts_normalized_email ON accounts (normalized_email);
CREATE UNIQUE INDEX ux_accounts_phone_index ON accounts (phone_index);
CREATE UNIQUE INDEX ux_accounts_id_number_index ON accounts (id_number_index);

CREATE TABLE account_claims (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id      TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    claim_type   TEXT    NULL,
    claim_value  TEXT    NULL
);
CREATE INDEX ix_account_claims_user_id ON account_claims (user_id);

CREATE TABLE account_logins (
    login_provider         TEXT NOT NULL,
    provider_key           TEXT NOT NULL,
    provider_display_name  TEXT NULL,
    user_id                TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (login_provider, provider_key)
);
CREATE INDEX ix_account_logins_user_id ON account_logins (user_id);

CREATE TABLE account_tokens (
    user_id         TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    login_provider  TEXT NOT NULL,
    name            TEXT NOT NULL,
    value           TEXT NULL,
    PRIMARY KEY (user_id, login_provider, name)
);

CREATE TABLE otp_challenges (
    id            TEXT    NOT NULL PRIMARY KEY,
    phone_index   TEXT    NOT NULL,
    client_index  TEXT    NOT NULL,
    code_hash     TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL,
    consumed_at   INTEGER NULL
);
CREATE INDEX ix_otp_challenges_phone_created ON otp_challenges (phone_index, created_at);
CREATE INDEX ix_otp_challenges_client_created ON otp_challenges (client_index, created_at);

CREATE TABLE data_protection_keys (
    friendly_name  TEXT NOT NULL PRIMARY KEY,
    xml            TEXT NOT NULL
);
