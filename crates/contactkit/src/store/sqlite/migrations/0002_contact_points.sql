-- Version 2: any number of emails and phones per contact ("points"), unique across all
-- contacts by constraint. contacts.email / contacts.phone stay as copies of the primary
-- point (position 0) for the list page, sort and filters.
CREATE TABLE contact_points (
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    key        TEXT NOT NULL,            -- lowercased email, or E.164 phone
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,         -- 0 is the primary
    value      TEXT NOT NULL,
    original   TEXT,
    label      TEXT,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE UNIQUE INDEX contact_points_by_contact ON contact_points(contact_id, kind, position);

INSERT INTO contact_points (kind, key, contact_id, position, value, original, label)
    SELECT 'email', email_key, id, 0, email, NULL, NULL FROM contacts WHERE email_key IS NOT NULL;
INSERT INTO contact_points (kind, key, contact_id, position, value, original, label)
    SELECT 'phone', phone, id, 0, phone, phone_original, NULL FROM contacts WHERE phone IS NOT NULL;

DROP INDEX contacts_email_key;
DROP INDEX contacts_phone;
ALTER TABLE contacts DROP COLUMN email_key;
ALTER TABLE contacts DROP COLUMN phone_original;
