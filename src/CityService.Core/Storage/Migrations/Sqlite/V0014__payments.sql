-- Unified payments: departments' bills, citizens' payment orders (one or more bills of one region), refunds, and the
-- double-entry ledger in integer fen (append-only, like the audit log). Public ids are UUIDv7.
CREATE TABLE bills (
    id                          TEXT           NOT NULL PRIMARY KEY,
    region_code                 TEXT        NOT NULL,
    department_code             TEXT        NOT NULL,
    reference                   TEXT        NOT NULL,
    title_zh                    TEXT        NOT NULL,
    title_en                    TEXT        NOT NULL,
    payer_kind                  TEXT        NOT NULL,
    payer_key                   TEXT        NOT NULL,
    lookup_number               TEXT        NULL,
    second_factor_kind          TEXT        NULL,
    second_factor_key           TEXT        NULL,
    lines                       TEXT        NOT NULL,
    amount_fen                  INTEGER      NOT NULL,
    due_date                    TEXT        NOT NULL,
    late_fee_per_mille_per_day  INTEGER     NOT NULL,
    late_fee_cap_fen            INTEGER      NOT NULL,
    state                       TEXT        NOT NULL,
    paid_by_payment_id          TEXT           NULL,
    paid_at                     INTEGER     NULL,
    request_hash                TEXT        NOT NULL,
    version                     INTEGER     NOT NULL,
    created_at                  INTEGER     NOT NULL,
    updated_at                  INTEGER     NOT NULL
);
CREATE UNIQUE INDEX ux_bills_region_code_department_code_reference ON bills (region_code, department_code, reference);
CREATE INDEX ix_bills_payer_kind_payer_key ON bills (payer_kind, payer_key);

CREATE TABLE payment_orders (
    id             TEXT           NOT NULL PRIMARY KEY,
    region_code    TEXT        NOT NULL,
    account_id     TEXT           NOT NULL REFERENCES accounts (id),
    channel        TEXT        NOT NULL,
    state          TEXT        NOT NULL,
    amount_fen     INTEGER      NOT NULL,
    created_at     INTEGER     NOT NULL,
    expires_at     INTEGER     NOT NULL,
    completed_at   INTEGER     NULL,
    channel_trade_no TEXT      NULL,
    start_json     TEXT        NULL,
    flag_reason    TEXT        NULL,
    paid_fen       INTEGER      NULL,
    refunded_fen   INTEGER      NOT NULL,
    version        INTEGER     NOT NULL
);
CREATE INDEX ix_payment_orders_account_id_created_at ON payment_orders (account_id, created_at);
CREATE INDEX ix_payment_orders_state_expires_at ON payment_orders (state, expires_at);

CREATE TABLE payment_order_bills (
    payment_id       TEXT       NOT NULL REFERENCES payment_orders (id) ON DELETE CASCADE,
    bill_id          TEXT       NOT NULL REFERENCES bills (id),
    region_code      TEXT    NOT NULL,
    department_code  TEXT    NOT NULL,
    amount_fen       INTEGER  NOT NULL,
    lines            TEXT    NOT NULL,
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX ix_payment_order_bills_bill_id ON payment_order_bills (bill_id);

CREATE TABLE refunds (
    id                 TEXT           NOT NULL PRIMARY KEY,
    payment_id         TEXT           NOT NULL REFERENCES payment_orders (id),
    region_code        TEXT        NOT NULL,
    department_code    TEXT        NULL,
    amount_fen         INTEGER      NOT NULL,
    reason             TEXT        NOT NULL,
    state              TEXT        NOT NULL,
    automatic          INTEGER     NOT NULL,
    requested_by       TEXT           NULL,
    channel_refund_no  TEXT        NULL,
    last_error         TEXT        NULL,
    created_at         INTEGER     NOT NULL,
    completed_at       INTEGER     NULL
);
CREATE INDEX ix_refunds_payment_id ON refunds (payment_id);

CREATE TABLE ledger_entries (
    id           TEXT           NOT NULL PRIMARY KEY,
    posting_id   TEXT           NOT NULL,
    region_code  TEXT        NOT NULL,
    account      TEXT        NOT NULL,
    debit_fen    INTEGER      NOT NULL,
    credit_fen   INTEGER      NOT NULL,
    kind         TEXT        NOT NULL,
    payment_id   TEXT           NULL,
    bill_id      TEXT           NULL,
    refund_id    TEXT           NULL,
    created_at   INTEGER     NOT NULL,
    CHECK (debit_fen >= 0 AND credit_fen >= 0 AND (debit_fen > 0) <> (credit_fen > 0))
);
CREATE INDEX ix_ledger_entries_posting_id ON ledger_entries (posting_id);
CREATE INDEX ix_ledger_entries_payment_id ON ledger_entries (payment_id);
CREATE INDEX ix_ledger_entries_bill_id ON ledger_entries (bill_id);
CREATE INDEX ix_ledger_entries_region_code_account_created_at ON ledger_entries (region_code, account, created_at);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE on ledger_entries refused (post a correction instead)'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: DELETE on ledger_entries refused (post a correction instead)'); END;
