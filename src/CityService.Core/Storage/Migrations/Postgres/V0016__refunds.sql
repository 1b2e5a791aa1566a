-- Reconciliation (issue 10, refunds part): runs of a channel's settlement file of one day against our payments and refunds,
-- and the differences each found. Platform-wide (a channel's merchant account spans regions).
CREATE TABLE reconciliation_runs (
    id             UUID        NOT NULL PRIMARY KEY,
    channel        TEXT        NOT NULL,
    day            DATE        NOT NULL,
    source         TEXT        NOT NULL,
    started_by     UUID        NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ NULL,
    error          TEXT        NULL,
    payment_lines  INTEGER     NOT NULL,
    refund_lines   INTEGER     NOT NULL,
    matched        INTEGER     NOT NULL,
    differences    INTEGER     NOT NULL,
    repaired       INTEGER     NOT NULL
);
CREATE INDEX ix_reconciliation_runs_channel_day ON reconciliation_runs (channel, day);

CREATE TABLE reconciliation_items (
    id             UUID    NOT NULL PRIMARY KEY,
    run_id         UUID    NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    trade_no       TEXT    NULL,
    out_trade_no   TEXT    NULL,
    out_refund_no  TEXT    NULL,
    our_fen        BIGINT  NULL,
    channel_fen    BIGINT  NULL,
    resolution     TEXT    NOT NULL,
    note           TEXT    NULL
);
CREATE INDEX ix_reconciliation_items_run_id ON reconciliation_items (run_id);
