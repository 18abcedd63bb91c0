-- Version 10: search terms of one or two characters outside the dense scripts
-- (store/sqlite/short.rs). search_short counts the contacts whose folded name, email keys or
-- phone digits contain each such gram. search_terms lists the trigrams of the names and
-- emails in search_fts (it only grows between rebuilds), so a rare short term becomes the
-- union of the trigrams it begins. That needs every name and email in search_fts to end with
-- two U+E000 sentinels: migrate.rs rebuilds the search index after this file.
CREATE TABLE search_short (
    gram     TEXT PRIMARY KEY,
    contacts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
