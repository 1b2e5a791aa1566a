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

-- Background jobs: recurring schedules (one row per job, claimed by a conditional UPDATE with a lease), one-off jobs,
-- and every run. (job_name, tick, attempt) is unique: a tick is a recurring job's due time or a one-off job's id.
CREATE TABLE job_schedules (
    name          TEXT    NOT NULL PRIMARY KEY,
    next_due_at   INTEGER NOT NULL,
    lease_owner   TEXT    NULL,
    lease_until   INTEGER NULL,
    attempt       INTEGER NOT NULL
);
CREATE TABLE one_off_jobs (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    payload      TEXT    NULL,
    created_at   INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    lease_owner  TEXT    NULL,
    lease_until  INTEGER NULL,
    finished_at  INTEGER NULL,
    last_error   TEXT    NULL
);
CREATE INDEX ix_one_off_jobs_state_run_at ON one_off_jobs (state, run_at);
CREATE TABLE job_runs (
    id             TEXT    NOT NULL PRIMARY KEY,
    job_name       TEXT    NOT NULL,
    tick           TEXT    NOT NULL,
    scheduled_for  INTEGER NOT NULL,
    attempt        INTEGER NOT NULL,
    instance       TEXT    NOT NULL,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER NULL,
    outcome        TEXT    NULL,
    error          TEXT    NULL
);
CREATE UNIQUE INDEX ux_job_runs_job_name_tick_attempt ON job_runs (job_name, tick, attempt);
CREATE INDEX ix_job_runs_job_name_started_at ON job_runs (job_name, started_at);
