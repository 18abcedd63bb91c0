-- Version 3: the search and sort indexes of the query engine (store/sqlite/query.rs).
--
-- name_rank is a gapped integer in (name_key, id) order. It is the rowid of the contentless
-- trigram table search_fts, so a MATCH ordered by rowid comes out in name order and a page
-- of any term costs the same whether it has 10 matches or 100,000. search_gram holds the
-- 1- and 2-character grams containing a CJK/kana/Hangul character (below the trigram length).
ALTER TABLE contacts ADD COLUMN name_rank INTEGER;
CREATE UNIQUE INDEX contacts_name_rank ON contacts(name_rank);
-- Activity order with never-active contacts below every time (the sentinel is i64::MIN + 1),
-- so one keyset comparison serves both directions.
CREATE INDEX contacts_activity_key ON contacts(coalesce(last_activity_at, -9223372036854775807), id);
CREATE INDEX contacts_verification_created ON contacts(verification, created_at, id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    name, email, phone,
    content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
);

CREATE TABLE search_gram (
    gram TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (gram, rank)
) WITHOUT ROWID;
CREATE INDEX search_gram_by_rank ON search_gram(rank);

-- tag_facts: one row per (tag, contact) with the filter columns copied in, so a count or a
-- created-ordered page of "tag + verification + created range" reads one index range and
-- never a contact row. tag_activity does the same in activity order (never active =
-- i64::MIN + 1). Both are kept by the triggers below and always deleted by their full key
-- (by contact id alone a delete would scan).
CREATE TABLE tag_facts (
    tag_id       INTEGER NOT NULL,
    verification TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    PRIMARY KEY (tag_id, verification, created_at, contact_id)
) WITHOUT ROWID;
CREATE TABLE tag_activity (
    tag_id       INTEGER NOT NULL,
    activity_key INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    PRIMARY KEY (tag_id, activity_key, contact_id)
) WITHOUT ROWID;
CREATE TRIGGER tag_facts_link AFTER INSERT ON contact_tags BEGIN
    INSERT OR IGNORE INTO tag_facts (tag_id, verification, created_at, contact_id)
        SELECT NEW.tag_id, c.verification, c.created_at, c.id FROM contacts c WHERE c.id = NEW.contact_id;
    INSERT OR IGNORE INTO tag_activity (tag_id, activity_key, contact_id)
        SELECT NEW.tag_id, coalesce(c.last_activity_at, -9223372036854775807), c.id
        FROM contacts c WHERE c.id = NEW.contact_id;
END;
CREATE TRIGGER tag_facts_unlink AFTER DELETE ON contact_tags BEGIN
    DELETE FROM tag_facts WHERE tag_id = OLD.tag_id
        AND verification = (SELECT verification FROM contacts WHERE id = OLD.contact_id)
        AND created_at = (SELECT created_at FROM contacts WHERE id = OLD.contact_id)
        AND contact_id = OLD.contact_id;
    DELETE FROM tag_activity WHERE tag_id = OLD.tag_id
        AND activity_key = (SELECT coalesce(last_activity_at, -9223372036854775807) FROM contacts WHERE id = OLD.contact_id)
        AND contact_id = OLD.contact_id;
END;
CREATE TRIGGER tag_facts_contact_gone BEFORE DELETE ON contacts BEGIN
    DELETE FROM tag_facts WHERE tag_id IN (SELECT tag_id FROM contact_tags WHERE contact_id = OLD.id)
        AND verification = OLD.verification AND created_at = OLD.created_at AND contact_id = OLD.id;
    DELETE FROM tag_activity WHERE tag_id IN (SELECT tag_id FROM contact_tags WHERE contact_id = OLD.id)
        AND activity_key = coalesce(OLD.last_activity_at, -9223372036854775807) AND contact_id = OLD.id;
END;
CREATE TRIGGER tag_facts_contact_moved AFTER UPDATE OF verification, created_at ON contacts
    WHEN OLD.verification IS NOT NEW.verification OR OLD.created_at IS NOT NEW.created_at BEGIN
    DELETE FROM tag_facts WHERE tag_id IN (SELECT tag_id FROM contact_tags WHERE contact_id = OLD.id)
        AND verification = OLD.verification AND created_at = OLD.created_at AND contact_id = OLD.id;
    INSERT OR IGNORE INTO tag_facts (tag_id, verification, created_at, contact_id)
        SELECT ct.tag_id, NEW.verification, NEW.created_at, NEW.id FROM contact_tags ct WHERE ct.contact_id = NEW.id;
END;
CREATE TRIGGER tag_activity_contact_moved AFTER UPDATE OF last_activity_at ON contacts
    WHEN OLD.last_activity_at IS NOT NEW.last_activity_at BEGIN
    DELETE FROM tag_activity WHERE tag_id IN (SELECT tag_id FROM contact_tags WHERE contact_id = OLD.id)
        AND activity_key = coalesce(OLD.last_activity_at, -9223372036854775807) AND contact_id = OLD.id;
    INSERT OR IGNORE INTO tag_activity (tag_id, activity_key, contact_id)
        SELECT ct.tag_id, coalesce(NEW.last_activity_at, -9223372036854775807), NEW.id
        FROM contact_tags ct WHERE ct.contact_id = NEW.id;
END;

-- The number of contacts, so the unfiltered total ("1,000,000 contacts") is one row read
-- instead of a walk over the smallest index.
CREATE TABLE contact_total (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
INSERT INTO contact_total (one, n) SELECT 1, count(*) FROM contacts;
CREATE TRIGGER contact_total_up AFTER INSERT ON contacts BEGIN
    UPDATE contact_total SET n = n + 1 WHERE one = 1;
END;
CREATE TRIGGER contact_total_down AFTER DELETE ON contacts BEGIN
    UPDATE contact_total SET n = n - 1 WHERE one = 1;
END;

-- Existing contacts: the same statements as SqliteStore::rebuild_search_index.
INSERT INTO tag_facts (tag_id, verification, created_at, contact_id)
    SELECT ct.tag_id, c.verification, c.created_at, c.id FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id;
INSERT INTO tag_activity (tag_id, activity_key, contact_id)
    SELECT ct.tag_id, coalesce(c.last_activity_at, -9223372036854775807), c.id
    FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id;
UPDATE contacts SET name_rank = r.n * 4096
    FROM (SELECT id, row_number() OVER (ORDER BY name_key, id) AS n FROM contacts) AS r
    WHERE contacts.id = r.id;
INSERT INTO search_fts (rowid, name, email, phone)
    SELECT c.name_rank, c.name_key,
           (SELECT group_concat(p.key, char(10)) FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'email'),
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
