-- Rewrites the search rows (search_fts, search_gram) of every contact from its name rank and
-- points, after rebuild.sql has ranked them. Names and emails end with two U+E000 sentinels
-- (short.rs). search_build.rs writes the same rows on a thread of its own for a load into an
-- empty book. Runs inside the caller's transaction.
INSERT INTO search_fts (search_fts) VALUES ('delete-all');
DELETE FROM search_gram;
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
