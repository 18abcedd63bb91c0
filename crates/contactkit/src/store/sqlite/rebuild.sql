-- Rebuilds the name ranks, tag_facts, tag_activity and contact_total of migration 0003 from
-- the contacts (SqliteStore::rebuild_search_index); rebuild_search.sql then writes the search
-- rows from the new ranks, and search::rebuild recounts search_short. Runs inside the
-- caller's transaction.
UPDATE contact_total SET n = (SELECT count(*) FROM contacts) WHERE one = 1;
-- The ranks in id order, so the rows are rewritten one after the other: in name order the
-- same update took 5.0 s at 1M instead of 1.6 s (search::rebuild clears the old ranks first
-- when their unique index is there).
UPDATE contacts SET name_rank = r.n * 4096
    FROM (SELECT id, row_number() OVER (ORDER BY name_key, id) AS n FROM contacts ORDER BY id) AS r
    WHERE contacts.id = r.id;
DELETE FROM tag_facts;
-- In key order each insert appends to the table; in contact order they land all over it.
INSERT INTO tag_facts (tag_id, verification, created_at, contact_id)
    SELECT ct.tag_id, c.verification, c.created_at, c.id FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id
    ORDER BY 1, 2, 3, 4;
DELETE FROM tag_activity;
INSERT INTO tag_activity (tag_id, activity_key, contact_id)
    SELECT ct.tag_id, coalesce(c.last_activity_at, -9223372036854775807), c.id
    FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id
    ORDER BY 1, 2, 3;
