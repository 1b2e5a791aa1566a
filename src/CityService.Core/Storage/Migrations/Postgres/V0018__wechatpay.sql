-- WeChat Pay notifications accepted: id → digest of the decrypted resource (a replay with other content is refused).
CREATE TABLE wechatpay_notices (
    id            TEXT        NOT NULL PRIMARY KEY,
    digest        TEXT        NOT NULL,
    out_trade_no  TEXT        NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_wechatpay_notices_received_at ON wechatpay_notices (received_at);
