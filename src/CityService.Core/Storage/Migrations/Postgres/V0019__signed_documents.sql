-- Signed documents (docs/signed-documents.md): issuers' ECDSA P-256 keys (private half sealed) and generated files by SHA-256.
CREATE TABLE issuer_keys (
    key_id             TEXT        NOT NULL PRIMARY KEY,
    region_code        TEXT        NOT NULL,
    department_code    TEXT        NULL,
    issuer_code        TEXT        NOT NULL,
    public_key         TEXT        NOT NULL,
    private_key        TEXT        NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    retired_at         TIMESTAMPTZ NULL,
    revoked_at         TIMESTAMPTZ NULL,
    revocation_reason  TEXT        NULL
);
CREATE INDEX ix_issuer_keys_issuer_code_created_at ON issuer_keys (issuer_code, created_at);

CREATE TABLE document_files (
    sha256        TEXT        NOT NULL PRIMARY KEY,
    region_code   TEXT        NOT NULL,
    content_type  TEXT        NOT NULL,
    content       BYTEA       NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- Fiscal e-invoices (docs/invoices.md), numbered without gaps per department and year.
CREATE TABLE invoice_sequences (
    region_code      TEXT    NOT NULL,
    department_code  TEXT    NOT NULL,
    year             INTEGER NOT NULL,
    last_number      BIGINT  NOT NULL,
    PRIMARY KEY (region_code, department_code, year)
);

CREATE TABLE invoices (
    id                   UUID        NOT NULL PRIMARY KEY,
    region_code          TEXT        NOT NULL,
    department_code      TEXT        NOT NULL,
    payment_id           UUID        NOT NULL REFERENCES payment_orders (id),
    refund_id            UUID        NULL,
    original_invoice_id  UUID        NULL REFERENCES invoices (id),
    account_id           UUID        NOT NULL,
    payer_name           TEXT        NOT NULL,
    invoice_code         TEXT        NOT NULL,
    year                 INTEGER     NOT NULL,
    number               BIGINT      NOT NULL,
    amount_fen           BIGINT      NOT NULL,
    amount_in_words      TEXT        NOT NULL,
    items                TEXT        NOT NULL,
    issued_at            TIMESTAMPTZ NOT NULL,
    check_code           TEXT        NOT NULL,
    key_id               TEXT        NOT NULL,
    compact              TEXT        NOT NULL,
    reversed_fen         BIGINT      NOT NULL,
    pdf_sha256           TEXT        NULL,
    version              INTEGER     NOT NULL
);
CREATE UNIQUE INDEX ux_invoices_region_code_department_code_year_number ON invoices (region_code, department_code, year, number);
CREATE INDEX ix_invoices_payment_id_department_code_refund_id ON invoices (payment_id, department_code, refund_id);
CREATE INDEX ix_invoices_account_id_issued_at ON invoices (account_id, issued_at);
CREATE INDEX ix_invoices_original_invoice_id ON invoices (original_invoice_id);
