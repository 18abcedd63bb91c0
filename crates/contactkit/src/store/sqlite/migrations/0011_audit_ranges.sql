-- Version 11: an audit entry may name a range of contact ids (the contacts an import created,
-- which are consecutive) instead of listing each one in contact_ids and audit_contacts: a 1M
-- import's entry was an 8 MB list and a million link rows.
ALTER TABLE audit_log ADD COLUMN first_contact INTEGER;
ALTER TABLE audit_log ADD COLUMN last_contact INTEGER;
CREATE INDEX audit_log_ranges ON audit_log(first_contact, last_contact) WHERE first_contact IS NOT NULL;
