-- Machine clients (department systems, partner channels), their used nonces, and staff roles per department and region.
CREATE TABLE api_clients (
    id                    TEXT    NOT NULL PRIMARY KEY,
    kind                  TEXT    NOT NULL,
    name_zh               TEXT    NOT NULL,
    name_en               TEXT    NOT NULL,
    secret_cipher         TEXT    NOT NULL,
    scopes                TEXT    NOT NULL,
    region_code           TEXT    NULL,
    department_code       TEXT    NULL,
    assertion_public_key  TEXT    NULL,
    enabled               INTEGER NOT NULL,
    created_at            INTEGER NOT NULL
);

CREATE TABLE api_nonces (
    client_id   TEXT    NOT NULL,
    nonce       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, nonce)
);
CREATE INDEX ix_api_nonces_expires_at ON api_nonces (expires_at);

CREATE TABLE staff_assignments (
    region_code      TEXT    NOT NULL,
    department_code  TEXT    NOT NULL,
    account_id       TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role             TEXT    NOT NULL,
    granted_at       INTEGER NOT NULL,
    PRIMARY KEY (region_code, department_code, account_id, role),
    FOREIGN KEY (region_code, department_code) REFERENCES departments (region_code, code)
);
CREATE INDEX ix_staff_assignments_account_id ON staff_assignments (account_id);
