//! The SQL of channel identities, conversations, verification history, the audit log and
//! the reviewed flag.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::sql::{from_millis, to_millis};
use super::wire::{corrupt, name_of, wire};
use crate::actor::{Actor, Origin, Role};
use crate::audit::{AuditAction, AuditEntry, ContactRange};
use crate::contact::{ContactId, Verification};
use crate::conversation::{
    Channel, ChannelIdentity, Conversation, ConversationId, Direction, Message, MessageId,
};
use crate::error::Result;
use crate::verification::VerificationRecord;

pub(super) fn identity_owner(
    conn: &Connection,
    channel: Channel,
    external_id: &str,
) -> Result<Option<ContactId>> {
    Ok(conn
        .prepare_cached("SELECT contact_id FROM channel_identities WHERE channel = ?1 AND external_id = ?2")?
        .query_row(params![channel.as_str(), external_id], |row| row.get::<_, i64>(0))
        .optional()?
        .map(ContactId::from_raw))
}

pub(super) fn identities(conn: &Connection, id: ContactId) -> Result<Vec<ChannelIdentity>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, external_id, username, display_name, first_seen, last_seen
         FROM channel_identities WHERE contact_id = ?1 ORDER BY first_seen, channel, external_id",
    )?;
    let mut rows = stmt.query([id.as_raw()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(ChannelIdentity {
            channel: wire(&row.get::<_, String>(0)?)?,
            external_id: row.get(1)?,
            username: row.get(2)?,
            display_name: row.get(3)?,
            first_seen: from_millis(row.get(4)?)?,
            last_seen: from_millis(row.get(5)?)?,
        });
    }
    Ok(out)
}

pub(super) fn upsert_identity(
    conn: &Connection,
    id: ContactId,
    channel: Channel,
    external_id: &str,
    username: Option<&str>,
    display_name: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO channel_identities (channel, external_id, contact_id, username, display_name, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (channel, external_id) DO UPDATE SET
             contact_id = excluded.contact_id,
             username = coalesce(excluded.username, username),
             display_name = coalesce(excluded.display_name, display_name),
             last_seen = max(last_seen, excluded.last_seen)",
    )?
    .execute(params![channel.as_str(), external_id, id.as_raw(), username, display_name, to_millis(at)])?;
    Ok(())
}

pub(super) fn touch_conversation(
    conn: &Connection,
    id: ContactId,
    channel: Channel,
    at: DateTime<Utc>,
) -> Result<ConversationId> {
    let conversation: i64 = conn
        .prepare_cached(
            "INSERT INTO conversations (contact_id, channel, started_at, last_message_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (contact_id, channel) DO UPDATE SET
                 started_at = min(started_at, excluded.started_at),
                 last_message_at = max(last_message_at, excluded.last_message_at)
             RETURNING id",
        )?
        .query_row(params![id.as_raw(), channel.as_str(), to_millis(at)], |row| row.get(0))?;
    Ok(ConversationId(conversation))
}

pub(super) fn append_message(
    conn: &Connection,
    conversation: ConversationId,
    direction: Direction,
    text: &str,
    at: DateTime<Utc>,
    form_name: Option<&str>,
) -> Result<MessageId> {
    conn.prepare_cached(
        "INSERT INTO messages (conversation_id, direction, text, at, form_name) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        conversation.0,
        direction.as_str(),
        text,
        to_millis(at),
        form_name
    ])?;
    Ok(MessageId(conn.last_insert_rowid()))
}

fn conversation_row(row: &rusqlite::Row<'_>) -> Result<Conversation> {
    Ok(Conversation {
        id: ConversationId(row.get(0)?),
        contact_id: ContactId::from_raw(row.get(1)?),
        channel: wire(&row.get::<_, String>(2)?)?,
        started_at: from_millis(row.get(3)?)?,
        last_message_at: from_millis(row.get(4)?)?,
    })
}

pub(super) fn conversations(conn: &Connection, id: ContactId) -> Result<Vec<Conversation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, contact_id, channel, started_at, last_message_at FROM conversations
         WHERE contact_id = ?1 ORDER BY last_message_at DESC, id DESC",
    )?;
    let mut rows = stmt.query([id.as_raw()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(conversation_row(row)?);
    }
    Ok(out)
}

pub(super) fn conversation(conn: &Connection, id: ConversationId) -> Result<Option<Conversation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, contact_id, channel, started_at, last_message_at FROM conversations WHERE id = ?1",
    )?;
    let mut rows = stmt.query([id.0])?;
    match rows.next()? {
        Some(row) => Ok(Some(conversation_row(row)?)),
        None => Ok(None),
    }
}

/// Messages newest first, strictly older than `before` (a message id whose time and id are
/// the keyset), at most `limit`.
pub(super) fn messages(
    conn: &Connection,
    conversation: ConversationId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<Message>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.conversation_id, m.direction, m.text, m.at, m.form_name FROM messages m
         WHERE m.conversation_id = ?1
           AND (?2 IS NULL OR (m.at, m.id) < (SELECT b.at, b.id FROM messages b WHERE b.id = ?2))
         ORDER BY m.at DESC, m.id DESC LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![conversation.0, before.map(|b| b.0), limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(Message {
            id: MessageId(row.get(0)?),
            conversation_id: ConversationId(row.get(1)?),
            direction: wire(&row.get::<_, String>(2)?)?,
            text: row.get(3)?,
            at: from_millis(row.get(4)?)?,
            form_name: row.get(5)?,
        });
    }
    Ok(out)
}

pub(super) fn append_verification(
    conn: &Connection,
    id: ContactId,
    status: Verification,
    method: Option<&str>,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO verification_history (contact_id, status, method, actor_id, actor_role, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id.as_raw(),
        status.as_str(),
        method,
        actor.id,
        name_of(&actor.role)?,
        to_millis(at)
    ])?;
    Ok(())
}

pub(super) fn verification_history(conn: &Connection, id: ContactId) -> Result<Vec<VerificationRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT status, method, actor_id, actor_role, at FROM verification_history WHERE contact_id = ?1
         ORDER BY at, id",
    )?;
    let mut rows = stmt.query([id.as_raw()])?;
    // A contact unchanged since its import has one record, implied by its import.
    let mut out: Vec<VerificationRecord> = super::created::implied_verification(conn, id)?
        .into_iter()
        .collect();
    while let Some(row) = rows.next()? {
        out.push(VerificationRecord {
            status: wire(&row.get::<_, String>(0)?)?,
            method: row.get(1)?,
            actor_id: row.get(2)?,
            actor_role: wire::<Role>(&row.get::<_, String>(3)?)?,
            at: from_millis(row.get(4)?)?,
        });
    }
    Ok(out)
}

pub(super) fn append_audit(
    conn: &Connection,
    actor: &Actor,
    action: AuditAction,
    ids: &[ContactId],
    range: Option<ContactRange>,
    details: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<i64> {
    // Written straight from the ids, with no string per id.
    use std::fmt::Write as _;
    let mut id_json = String::with_capacity(ids.len() * 8 + 2);
    id_json.push('[');
    for (n, id) in ids.iter().enumerate() {
        let sep = if n > 0 { "," } else { "" };
        let _ = write!(id_json, "{sep}{}", id.as_raw());
    }
    id_json.push(']');
    let details = serde_json::to_string(details).map_err(|e| corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, actor_role, origin, action, contacts, contact_ids, details,
                                first_contact, last_contact)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        to_millis(at),
        actor.id,
        name_of(&actor.role)?,
        name_of(&actor.origin)?,
        action.as_str(),
        (ids.len() as u64 + range.map_or(0, |r| r.len())) as i64,
        id_json,
        details,
        range.map(|r| r.first.as_raw()),
        range.map(|r| r.last.as_raw()),
    ])?;
    let entry = conn.last_insert_rowid();
    let mut link =
        conn.prepare_cached("INSERT OR IGNORE INTO audit_contacts (contact_id, entry_id) VALUES (?1, ?2)")?;
    for id in ids {
        link.execute(params![id.as_raw(), entry])?;
    }
    Ok(entry)
}

pub(super) fn audit_entries(
    conn: &Connection,
    after: i64,
    limit: u32,
    contact: Option<ContactId>,
) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.at, a.actor_id, a.actor_role, a.origin, a.action, a.contacts, a.contact_ids, a.details,
                a.first_contact, a.last_contact
         FROM audit_log a
         WHERE a.id > ?1
           AND (?2 IS NULL OR a.id IN (SELECT entry_id FROM audit_contacts WHERE contact_id = ?2)
                OR a.id IN (SELECT id FROM audit_log WHERE first_contact <= ?2 AND last_contact >= ?2))
         ORDER BY a.id LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![after, contact.map(ContactId::as_raw), limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let ids: Vec<i64> =
            serde_json::from_str(&row.get::<_, String>(7)?).map_err(|e| corrupt(e.to_string()))?;
        out.push(AuditEntry {
            id: row.get(0)?,
            at: from_millis(row.get(1)?)?,
            actor_id: row.get(2)?,
            actor_role: wire::<Role>(&row.get::<_, String>(3)?)?,
            origin: wire::<Origin>(&row.get::<_, String>(4)?)?,
            action: wire::<AuditAction>(&row.get::<_, String>(5)?)?,
            contacts: row.get::<_, i64>(6)?.max(0) as u64,
            contact_ids: ids.into_iter().map(ContactId::from_raw).collect(),
            contact_range: match (row.get::<_, Option<i64>>(9)?, row.get::<_, Option<i64>>(10)?) {
                (Some(first), Some(last)) => Some(ContactRange {
                    first: ContactId::from_raw(first),
                    last: ContactId::from_raw(last),
                }),
                _ => None,
            },
            details: serde_json::from_str(&row.get::<_, String>(8)?).map_err(|e| corrupt(e.to_string()))?,
        });
    }
    Ok(out)
}

pub(super) fn set_reviewed(conn: &Connection, id: ContactId, reviewed: bool) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE contacts SET reviewed = ?2 WHERE id = ?1")?
        .execute(params![id.as_raw(), reviewed])?
        == 1)
}

pub(super) fn move_history(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    // Two conversations on one channel become one: the messages move to the survivor's.
    conn.prepare_cached(
        "UPDATE messages SET conversation_id = (
             SELECT t.id FROM conversations t JOIN conversations f ON f.channel = t.channel
             WHERE f.id = messages.conversation_id AND t.contact_id = ?2)
         WHERE conversation_id IN (
             SELECT f.id FROM conversations f JOIN conversations t ON t.channel = f.channel AND t.contact_id = ?2
             WHERE f.contact_id = ?1)",
    )?
    .execute(params![from.as_raw(), to.as_raw()])?;
    conn.prepare_cached(
        "UPDATE conversations SET
             started_at = min(started_at, (SELECT f.started_at FROM conversations f WHERE f.contact_id = ?1 AND f.channel = conversations.channel)),
             last_message_at = max(last_message_at, (SELECT f.last_message_at FROM conversations f WHERE f.contact_id = ?1 AND f.channel = conversations.channel))
         WHERE contact_id = ?2 AND channel IN (SELECT channel FROM conversations WHERE contact_id = ?1)",
    )?
    .execute(params![from.as_raw(), to.as_raw()])?;
    conn.prepare_cached(
        "DELETE FROM conversations WHERE contact_id = ?1 AND channel IN (SELECT channel FROM conversations WHERE contact_id = ?2)",
    )?
    .execute(params![from.as_raw(), to.as_raw()])?;
    for sql in [
        "UPDATE conversations SET contact_id = ?2 WHERE contact_id = ?1",
        "UPDATE channel_identities SET contact_id = ?2 WHERE contact_id = ?1",
        "UPDATE verification_history SET contact_id = ?2 WHERE contact_id = ?1",
    ] {
        conn.prepare_cached(sql)?
            .execute(params![from.as_raw(), to.as_raw()])?;
    }
    Ok(())
}

pub(super) fn identity_list(conn: &Connection, channel: Channel) -> Result<Vec<(ContactId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, external_id FROM channel_identities WHERE channel = ?1 ORDER BY contact_id",
    )?;
    let rows = stmt
        .query_map([channel.as_str()], |row| {
            Ok((ContactId::from_raw(row.get(0)?), row.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
