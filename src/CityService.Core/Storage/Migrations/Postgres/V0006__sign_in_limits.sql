-- Sign-in limits that hold under parallel load (issue 6): uses per client address in a sliding window (codes sent,
-- password tries), and password lockout per phone blind index whether or not the phone has an account.
CREATE TABLE client_limit_hits (
    id            UUID    NOT NULL PRIMARY KEY,
    purpose       TEXT    NOT NULL,
    client_index  TEXT    NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX ix_client_limit_hits_purpose_client_at ON client_limit_hits (purpose, client_index, at);

CREATE TABLE sign_in_lockouts (
    phone_index   TEXT    NOT NULL PRIMARY KEY,
    tries         INTEGER NOT NULL,
    locked_until  BIGINT  NULL
);
