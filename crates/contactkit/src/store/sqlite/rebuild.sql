-- Rebuilds the name ranks and contact_total of migration 0003 from the contacts
-- (SqliteStore::rebuild_search_index; tag_tables.rs the tag tables, else rebuild_tags.sql);
-- rebuild_search.sql then writes the search
-- rows from the new ranks, and search::rebuild recounts search_short. Runs inside the
-- caller's transaction.
UPDATE contact_total SET n = (SELECT count(*) FROM contacts) WHERE one = 1;
-- The ranks in id order, so the rows are rewritten one after the other: in name order the
-- same update took 5.0 s at 1M instead of 1.6 s (search::rebuild clears the old ranks first
-- when their unique index is there).
UPDATE contacts SET name_rank = r.n * 4096
    FROM (SELECT id, row_number() OVER (ORDER BY name_key, id) AS n FROM contacts ORDER BY id) AS r
    WHERE contacts.id = r.id;
