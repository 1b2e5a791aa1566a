-- The transactional outbox: messages written with the change that causes them, delivered by the dispatcher with retries.
-- id is UUIDv7 and the idempotency key of every attempt. Payloads hold no personal data in clear.
CREATE TABLE outbox_messages (
    id               TEXT        NOT NULL PRIMARY KEY,
    channel          TEXT        NOT NULL,
    payload          TEXT        NOT NULL,
    region_code      TEXT        NOT NULL,
    created_at       INTEGER     NOT NULL,
    state            TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL,
    next_attempt_at  INTEGER     NOT NULL,
    lease_owner      TEXT        NULL,
    lease_until      INTEGER     NULL,
    delivered_at     INTEGER     NULL,
    last_error       TEXT        NULL
);
CREATE INDEX ix_outbox_messages_state_next_attempt_at ON outbox_messages (state, next_attempt_at);
