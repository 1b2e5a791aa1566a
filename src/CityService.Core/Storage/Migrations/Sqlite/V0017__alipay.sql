-- Alipay notifications taken, by notify_id: a retry carries the same content; the same id with other content is a replay.
CREATE TABLE alipay_notices (
    notify_id     TEXT        NOT NULL PRIMARY KEY,
    out_trade_no  TEXT        NOT NULL,
    digest        TEXT        NOT NULL,
    received_at   INTEGER     NOT NULL
);
