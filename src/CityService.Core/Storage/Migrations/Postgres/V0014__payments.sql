-- Unified payments: departments' bills, citizens' payment orders (one or more bills of one region), refunds, and the
-- double-entry ledger in integer fen (append-only, like the audit log). Public ids are UUIDv7.
CREATE TABLE bills (
    id                          UUID        NOT NULL PRIMARY KEY,
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
    amount_fen                  BIGINT      NOT NULL,
    due_date                    DATE        NOT NULL,
    late_fee_per_mille_per_day  INTEGER     NOT NULL,
    late_fee_cap_fen            BIGINT      NOT NULL,
    state                       TEXT        NOT NULL,
    paid_by_payment_id          UUID        NULL,
    paid_at                     TIMESTAMPTZ NULL,
    request_hash                TEXT        NOT NULL,
    version                     INTEGER     NOT NULL,
    created_at                  TIMESTAMPTZ NOT NULL,
    updated_at                  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ux_bills_region_code_department_code_reference ON bills (region_code, department_code, reference);
CREATE INDEX ix_bills_payer_kind_payer_key ON bills (payer_kind, payer_key);

CREATE TABLE payment_orders (
    id             UUID        NOT NULL PRIMARY KEY,
    region_code    TEXT        NOT NULL,
    account_id     UUID        NOT NULL REFERENCES accounts (id),
    channel        TEXT        NOT NULL,
    state          TEXT        NOT NULL,
    amount_fen     BIGINT      NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    completed_at   TIMESTAMPTZ NULL,
    channel_trade_no TEXT      NULL,
    start_json     TEXT        NULL,
    flag_reason    TEXT        NULL,
    paid_fen       BIGINT      NULL,
    refunded_fen   BIGINT      NOT NULL,
    version        INTEGER     NOT NULL
);
CREATE INDEX ix_payment_orders_account_id_created_at ON payment_orders (account_id, created_at);
CREATE INDEX ix_payment_orders_state_expires_at ON payment_orders (state, expires_at);

CREATE TABLE payment_order_bills (
    payment_id       UUID    NOT NULL REFERENCES payment_orders (id) ON DELETE CASCADE,
    bill_id          UUID    NOT NULL REFERENCES bills (id),
    region_code      TEXT    NOT NULL,
    department_code  TEXT    NOT NULL,
    amount_fen       BIGINT  NOT NULL,
    lines            TEXT    NOT NULL,
    PRIMARY KEY (payment_id, bill_id)
);
CREATE INDEX ix_payment_order_bills_bill_id ON payment_order_bills (bill_id);

CREATE TABLE refunds (
    id                 UUID        NOT NULL PRIMARY KEY,
    payment_id         UUID        NOT NULL REFERENCES payment_orders (id),
    region_code        TEXT        NOT NULL,
    department_code    TEXT        NULL,
    amount_fen         BIGINT      NOT NULL,
    reason             TEXT        NOT NULL,
    state              TEXT        NOT NULL,
    automatic          BOOLEAN     NOT NULL,
    requested_by       UUID        NULL,
    channel_refund_no  TEXT        NULL,
    last_error         TEXT        NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    completed_at       TIMESTAMPTZ NULL
);
CREATE INDEX ix_refunds_payment_id ON refunds (payment_id);

CREATE TABLE ledger_entries (
    id           UUID        NOT NULL PRIMARY KEY,
    posting_id   UUID        NOT NULL,
    region_code  TEXT        NOT NULL,
    account      TEXT        NOT NULL,
    debit_fen    BIGINT      NOT NULL,
    credit_fen   BIGINT      NOT NULL,
    kind         TEXT        NOT NULL,
    payment_id   UUID        NULL,
    bill_id      UUID        NULL,
    refund_id    UUID        NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (debit_fen >= 0 AND credit_fen >= 0 AND (debit_fen > 0) <> (credit_fen > 0))
);
CREATE INDEX ix_ledger_entries_posting_id ON ledger_entries (posting_id);
CREATE INDEX ix_ledger_entries_payment_id ON ledger_entries (payment_id);
CREATE INDEX ix_ledger_entries_bill_id ON ledger_entries (bill_id);
CREATE INDEX ix_ledger_entries_region_code_account_created_at ON ledger_entries (region_code, account, created_at);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (post a correction instead)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
