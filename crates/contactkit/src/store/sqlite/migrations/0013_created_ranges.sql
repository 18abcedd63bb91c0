-- The contacts a bulk create (an import) made together and that have not changed since: one
-- row stands for the field provenance and first verification record of each (created.rs).
-- A write that would change what those say writes them out as rows first and takes the
-- contact out of its range.
CREATE TABLE created_ranges (
    first_contact INTEGER PRIMARY KEY,
    last_contact  INTEGER NOT NULL,
    origin        TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    at            INTEGER NOT NULL
);
