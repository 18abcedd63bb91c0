-- Version 9: contact_points clustered by contact. The primary key was (kind, key) with an
-- index on (contact_id, kind, position): every read of a contact's points (a page, an
-- export) looked each one up at a random place of a table larger than the page cache, and
-- every insert of a bulk import wrote a whole row at a random place. Now the rows sit in
-- contact order, and uniqueness of (kind, key) is a narrow unique index that also answers
-- "who holds this email or phone" on its own (it carries the primary key columns).
CREATE TABLE contact_points_v9 (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    position   INTEGER NOT NULL,         -- 0 is the primary
    key        TEXT NOT NULL,            -- lowercased email, or E.164 phone
    value      TEXT NOT NULL,
    original   TEXT,
    label      TEXT,
    origin     TEXT,
    PRIMARY KEY (contact_id, kind, position)
) WITHOUT ROWID;
INSERT INTO contact_points_v9 (contact_id, kind, position, key, value, original, label, origin)
    SELECT contact_id, kind, position, key, value, original, label, origin FROM contact_points
    ORDER BY contact_id, kind, position;
DROP TABLE contact_points;
ALTER TABLE contact_points_v9 RENAME TO contact_points;
CREATE UNIQUE INDEX contact_points_key ON contact_points(kind, key);
