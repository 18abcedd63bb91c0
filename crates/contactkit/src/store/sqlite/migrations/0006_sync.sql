-- Version 6: the Chatwoot sync's state. Links carry the base of the three-way merge (what
-- both sides held after the last sync); they have no foreign key on contacts because a
-- local delete must still be pushed after the contact is gone (the base is scrubbed then).
CREATE TABLE sync_links (
    contact_id INTEGER PRIMARY KEY,
    remote_id  INTEGER NOT NULL UNIQUE,
    base       TEXT NOT NULL,                   -- JSON snapshot
    synced_at  INTEGER NOT NULL
);

-- Contacts deleted on either side, so that a later scan or a late webhook never brings one back.
CREATE TABLE sync_tombstones (
    remote_id  INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL,
    side       TEXT NOT NULL CHECK (side IN ('local', 'remote')),
    deleted_at INTEGER NOT NULL
);

CREATE TABLE sync_conflicts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL,
    field      TEXT NOT NULL,
    local      TEXT NOT NULL,                   -- JSON value
    remote     TEXT NOT NULL,                   -- JSON value
    winner     TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX sync_conflicts_by_contact ON sync_conflicts(contact_id, id);

-- Contacts Chatwoot refused, with its reason: not retried until they change again.
CREATE TABLE sync_parked (
    contact_id INTEGER PRIMARY KEY,
    reason     TEXT NOT NULL,
    at         INTEGER NOT NULL
);
