-- Version 1: contacts with one email and one phone each, tags.
CREATE TABLE contacts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    email            TEXT,
    email_key        TEXT,
    phone            TEXT,
    phone_original   TEXT,
    source           TEXT NOT NULL,
    verification     TEXT NOT NULL,
    attributes       TEXT NOT NULL DEFAULT '{}',
    created_at       INTEGER NOT NULL, -- Unix milliseconds, UTC
    updated_at       INTEGER NOT NULL,
    last_activity_at INTEGER
);
CREATE UNIQUE INDEX contacts_email_key ON contacts(email_key);
CREATE UNIQUE INDEX contacts_phone ON contacts(phone);
CREATE INDEX contacts_name_key ON contacts(name_key, id);
CREATE INDEX contacts_created ON contacts(created_at, id);
CREATE INDEX contacts_activity ON contacts(last_activity_at, id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    key  TEXT NOT NULL UNIQUE
);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_by_tag ON contact_tags(tag_id, contact_id);
