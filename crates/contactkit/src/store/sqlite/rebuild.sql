-- Rebuilds the search index, tag_facts, tag_activity and contact_total of migration 0003 from
-- the contacts and their points (SqliteStore::rebuild_search_index); search::rebuild then
-- recounts search_short. Names and emails end with two U+E000 sentinels (short.rs). Runs
-- inside the caller's transaction.
UPDATE contact_total SET n = (SELECT count(*) FROM contacts) WHERE one = 1;
-- The ranks in id order, so the rows are rewritten one after the other: in name order the
-- same update took 5.0 s at 1M instead of 1.6 s (search::rebuild clears the old ranks first
-- when their unique index is there).
UPDATE contacts SET name_rank = r.n * 4096
    FROM (SELECT id, row_number() OVER (ORDER BY name_key, id) AS n FROM contacts ORDER BY id) AS r
    WHERE contacts.id = r.id;
INSERT INTO search_fts (search_fts) VALUES ('delete-all');
DELETE FROM search_gram;
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
-- A bulk build: no incremental merges (the optimize below makes one segment anyway) and an
-- 8 MiB buffer of pending terms instead of 1 MiB: 9.6 s to 7.1 s for 1M contacts. Both are
-- stored settings of the table; their defaults (FTS5's own) come back after the optimize.
INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 8388608);
INSERT INTO search_fts (rowid, name, email, phone)
    SELECT c.name_rank, c.name_key || char(57344, 57344),
           (SELECT group_concat(p.key || char(57344, 57344), char(10)) FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'email'),
           (SELECT group_concat(substr(p.key, 2), ' ') FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'phone')
    FROM contacts c ORDER BY c.name_rank;
WITH RECURSIVE
    src(rank, t) AS (
        SELECT c.name_rank, c.name_key FROM contacts c
        UNION ALL
        SELECT c.name_rank, p.key FROM contact_points p JOIN contacts c ON c.id = p.contact_id WHERE p.kind = 'email'
    ),
    pos(rank, t, i) AS (
        SELECT rank, t, 1 FROM src WHERE t GLOB '*[ᄀ-􏿿]*'
        UNION ALL
        SELECT rank, t, i + 1 FROM pos WHERE i < length(t)
    )
INSERT OR IGNORE INTO search_gram (gram, rank)
    SELECT substr(t, i, 1), rank FROM pos WHERE unicode(substr(t, i, 1)) >= 4352
    UNION
    SELECT substr(t, i, 2), rank FROM pos
    WHERE i < length(t) AND (unicode(substr(t, i, 1)) >= 4352 OR unicode(substr(t, i + 1, 1)) >= 4352);
INSERT INTO search_fts (search_fts) VALUES ('optimize');
INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 4);
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 1048576);
