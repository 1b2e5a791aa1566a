-- Notifications: the in-app inbox (rendered in both languages when made), the citizens' channel choices per category,
-- and the saved versions of the Liquid templates (version 1 of each is the default shipped with the code).
CREATE TABLE inbox_notifications (
    id           TEXT    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_code   TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    region_code  TEXT    NOT NULL,
    title_zh     TEXT    NOT NULL,
    title_en     TEXT    NOT NULL,
    body_zh      TEXT    NOT NULL,
    body_en      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER NULL
);
CREATE INDEX ix_inbox_notifications_account_id_created_at ON inbox_notifications (account_id, created_at);

CREATE TABLE notification_preferences (
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category    TEXT    NOT NULL,
    sms         INTEGER NOT NULL,
    email       INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, category)
);

CREATE TABLE notification_templates (
    event_code  TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    subject     TEXT    NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NULL,
    PRIMARY KEY (event_code, channel, language, version)
);

-- The optional e-mail address for notifications, encrypted like the phone.
ALTER TABLE accounts ADD COLUMN email_cipher TEXT NULL;
