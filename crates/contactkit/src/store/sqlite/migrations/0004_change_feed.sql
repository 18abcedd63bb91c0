-- Version 4: the change feed (events, consumers' cursors, the compaction horizon), field
-- provenance, and idempotency keys.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT, -- strictly increasing; writers are serialized, so no gaps
    at         INTEGER NOT NULL,                  -- Unix milliseconds, UTC
    kind       TEXT NOT NULL,
    contact_id INTEGER,                           -- no foreign key: tombstones outlive their contact
    actor_id   TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    origin     TEXT NOT NULL,
    meaningful INTEGER NOT NULL,
    changes    TEXT NOT NULL                      -- JSON object
);
CREATE INDEX events_by_contact ON events(contact_id, seq);

CREATE TABLE feed_consumers (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;

-- 'horizon': every event with seq <= horizon may have been compacted away.
CREATE TABLE feed_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO feed_meta (key, value) VALUES ('horizon', 0);

CREATE TABLE field_provenance (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    field      TEXT NOT NULL,                     -- name, email, phone, or attributes.KEY
    origin     TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (contact_id, field)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    key        TEXT PRIMARY KEY,
    operation  TEXT NOT NULL,
    result     TEXT NOT NULL,                     -- JSON of the first call's result
    contact_id INTEGER,                           -- the contact the result is about (erased with it)
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_time ON idempotency_keys(created_at);
CREATE INDEX idempotency_keys_by_contact ON idempotency_keys(contact_id);
