-- The transactional outbox: messages written with the change that causes them, delivered by the dispatcher with retries.
-- id is UUIDv7 and the idempotency key of every attempt. Payloads hold no personal data in clear.
CREATE TABLE outbox_messages (
    id               UUID        NOT NULL PRIMARY KEY,
    channel          TEXT        NOT NULL,
    payload          TEXT        NOT NULL,
    region_code      TEXT        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    state            TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_owner      TEXT        NULL,
    lease_until      TIMESTAMPTZ NULL,
    delivered_at     TIMESTAMPTZ NULL,
    last_error       TEXT        NULL
);
CREATE INDEX ix_outbox_messages_state_next_attempt_at ON outbox_messages (state, next_attempt_at);
