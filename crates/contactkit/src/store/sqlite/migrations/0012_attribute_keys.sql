-- Version 12: the contacts that have custom attributes, so that listing the keys in use (the
-- attr:KEY columns a CSV export starts with) reads those contacts only, not every row: at 1M
-- contacts without attributes, 0.1 s of a 1.2 s export, before its first row.
CREATE INDEX contacts_with_attributes ON contacts(id) WHERE attributes <> '{}';
