-- Version 7: book settings (the Chatwoot sync's URL and account; never a token or a secret).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                         -- JSON
) WITHOUT ROWID;
