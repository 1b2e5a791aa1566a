-- Payment orders (issue 10, part payments): the Idempotency-Key of POST /api/payments per account (24 h), the
-- notices that changed an order (one per order: exactly once), and the sandbox channel's own trades.
CREATE TABLE payment_idempotency_keys (
    account_id     TEXT        NOT NULL REFERENCES accounts (id),
    idempotency_key TEXT       NOT NULL,
    request_hash   TEXT        NOT NULL,
    payment_id     TEXT        NULL,
    status_code    INTEGER     NULL,
    response_json  TEXT        NULL,
    created_at     INTEGER     NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX ix_payment_idempotency_keys_created_at ON payment_idempotency_keys (created_at);

CREATE TABLE payment_notices (
    payment_id   TEXT        NOT NULL PRIMARY KEY REFERENCES payment_orders (id),
    channel      TEXT        NOT NULL,
    notice_id    TEXT        NOT NULL,
    trade_no     TEXT        NOT NULL,
    amount_fen   INTEGER     NOT NULL,
    outcome      TEXT        NOT NULL,
    received_at  INTEGER     NOT NULL
);

CREATE TABLE sandbox_trades (
    out_trade_no  TEXT        NOT NULL PRIMARY KEY,
    trade_no      TEXT        NOT NULL,
    amount_fen    INTEGER     NOT NULL,
    state         TEXT        NOT NULL,
    refunded_fen  INTEGER     NOT NULL,
    created_at    INTEGER     NOT NULL,
    paid_at       INTEGER     NULL
);
CREATE INDEX ix_sandbox_trades_paid_at ON sandbox_trades (paid_at);

CREATE TABLE sandbox_refunds (
    out_refund_no  TEXT        NOT NULL PRIMARY KEY,
    out_trade_no   TEXT        NOT NULL REFERENCES sandbox_trades (out_trade_no),
    amount_fen     INTEGER     NOT NULL,
    created_at     INTEGER     NOT NULL
);
