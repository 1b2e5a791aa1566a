-- The tamper-evident audit log (docs/decisions/020-audit-log.md): one hash chain per region, entries append-only.
-- hash = SHA-256 over the entry's canonical bytes (AuditHash), which include prev_hash, the previous entry's hash.
CREATE TABLE audit_entries (
    region_code  TEXT        NOT NULL,
    sequence     BIGINT      NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor_kind   TEXT        NOT NULL,
    actor_id     TEXT        NULL,
    action       TEXT        NOT NULL,
    object_type  TEXT        NULL,
    object_id    TEXT        NULL,
    outcome      TEXT        NOT NULL,
    request_id   TEXT        NULL,
    details      TEXT        NULL,
    prev_hash    TEXT        NOT NULL,
    hash         TEXT        NOT NULL,
    PRIMARY KEY (region_code, sequence)
);
CREATE INDEX ix_audit_entries_object ON audit_entries (object_type, object_id, at);
CREATE INDEX ix_audit_entries_action_at ON audit_entries (action, at);

-- The head of each chain: locked (SELECT … FOR UPDATE) by every append, so appends to one chain take turns.
CREATE TABLE audit_chain_heads (
    region_code  TEXT   NOT NULL PRIMARY KEY,
    sequence     BIGINT NOT NULL,
    hash         TEXT   NOT NULL
);

-- Signed chain heads: ES256 over AuditCheckpointSigner's documented bytes; they reveal a truncated tail.
CREATE TABLE audit_checkpoints (
    region_code  TEXT        NOT NULL,
    sequence     BIGINT      NOT NULL,
    hash         TEXT        NOT NULL,
    signed_at    TIMESTAMPTZ NOT NULL,
    key_id       TEXT        NOT NULL,
    signature    TEXT        NOT NULL,
    PRIMARY KEY (region_code, sequence)
);

-- The local runs' generated signing key, its private half encrypted with the personal-data key (production configures
-- Audit:SigningKey instead).
CREATE TABLE audit_signing_keys (
    key_id       TEXT        NOT NULL PRIMARY KEY,
    public_key   TEXT        NOT NULL,
    private_key  TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- No code path changes or removes an entry or a checkpoint; the database refuses it too.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
