-- tag_facts and tag_activity of migration 0003 from the contacts and their links, in SQL:
-- what tag_tables.rs does faster, for a book whose contacts it cannot code.
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
