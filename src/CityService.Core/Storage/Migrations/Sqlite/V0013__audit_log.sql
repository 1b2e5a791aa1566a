-- The tamper-evident audit log (docs/decisions/020-audit-log.md): one hash chain per region, entries append-only.
-- hash = SHA-256 over the entry's canonical bytes (AuditHash), which include prev_hash, the previous entry's hash.
CREATE TABLE audit_entries (
    region_code  TEXT    NOT NULL,
    sequence     INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor_kind   TEXT    NOT NULL,
    actor_id     TEXT    NULL,
    action       TEXT    NOT NULL,
    object_type  TEXT    NULL,
    object_id    TEXT    NULL,
    outcome      TEXT    NOT NULL,
    request_id   TEXT    NULL,
    details      TEXT    NULL,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL,
    PRIMARY KEY (region_code, sequence)
);
CREATE INDEX ix_audit_entries_object ON audit_entries (object_type, object_id, at);
CREATE INDEX ix_audit_entries_action_at ON audit_entries (action, at);

-- The head of each chain; SQLite serialises writers, so an append's transaction holds the chain alone.
CREATE TABLE audit_chain_heads (
    region_code  TEXT    NOT NULL PRIMARY KEY,
    sequence     INTEGER NOT NULL,
    hash         TEXT    NOT NULL
);

CREATE TABLE audit_checkpoints (
    region_code  TEXT    NOT NULL,
    sequence     INTEGER NOT NULL,
    hash         TEXT    NOT NULL,
    signed_at    INTEGER NOT NULL,
    key_id       TEXT    NOT NULL,
    signature    TEXT    NOT NULL,
    PRIMARY KEY (region_code, sequence)
);

CREATE TABLE audit_signing_keys (
    key_id       TEXT    NOT NULL PRIMARY KEY,
    public_key   TEXT    NOT NULL,
    private_key  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- No code path changes or removes an entry or a checkpoint; the database refuses it too (SQLite has no TRUNCATE:
-- DELETE without WHERE fires the row trigger).
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on audit_entries refused'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE on audit_entries refused'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on audit_checkpoints refused'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE on audit_checkpoints refused'); END;
