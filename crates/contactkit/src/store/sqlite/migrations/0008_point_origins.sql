-- Version 8: where each email and phone came from (ui, api, import, whatsapp, telegram,
-- web_widget, sync:chatwoot); NULL for points written before it was recorded.
ALTER TABLE contact_points ADD COLUMN origin TEXT;
