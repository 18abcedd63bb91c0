-- Version 5: what happens to a contact after it exists: channel identities, conversation
-- history, verification history, the audit log, and the "reviewed" flag of auto-created
-- contacts. Everything about a person hangs off contacts(id) ON DELETE CASCADE, so a delete
-- removes it in the same transaction (secure_delete zeroes the freed pages).
CREATE TABLE channel_identities (
    channel      TEXT NOT NULL,                -- whatsapp, telegram, web_widget
    external_id  TEXT NOT NULL,                -- WhatsApp number, Telegram user id, widget visitor id
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    username     TEXT,
    display_name TEXT,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (channel, external_id)
) WITHOUT ROWID;
CREATE INDEX channel_identities_by_contact ON channel_identities(contact_id);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    UNIQUE (contact_id, channel)
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    text            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    form_name       TEXT
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, at, id);

CREATE TABLE verification_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    method     TEXT,
    actor_id   TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX verification_history_by_contact ON verification_history(contact_id, id);

-- Never holds personal data: actor, action, counts and contact ids only.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    origin      TEXT NOT NULL,
    action      TEXT NOT NULL,
    contacts    INTEGER NOT NULL,
    contact_ids TEXT NOT NULL,                 -- JSON array of ids
    details     TEXT NOT NULL DEFAULT '{}'     -- JSON object (scope, format, counts)
);
CREATE TABLE audit_contacts (                  -- which entries concern which contact
    contact_id INTEGER NOT NULL,
    entry_id   INTEGER NOT NULL REFERENCES audit_log(id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, entry_id)
) WITHOUT ROWID;

ALTER TABLE contacts ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 1;
CREATE INDEX contacts_unreviewed ON contacts(reviewed, id) WHERE reviewed = 0;
