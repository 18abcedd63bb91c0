//! The SQL of the change feed, provenance and idempotency keys.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::sql::{from_millis, to_millis};
use super::wire::{corrupt, name_of, wire};
use crate::actor::{Origin, Role};
use crate::contact::ContactId;
use crate::error::{Error, Result};
use crate::feed::{ChangeFilter, Event, EventActor, EventDraft, EventKind};
use crate::provenance::{FieldSource, Provenance};

pub(super) fn append(conn: &Connection, event: &EventDraft) -> Result<u64> {
    let changes = serde_json::to_string(&event.changes).map_err(|e| corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO events (at, kind, contact_id, actor_id, actor_role, origin, meaningful, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        to_millis(event.time),
        event.kind.as_str(),
        event.contact_id.map(ContactId::as_raw),
        event.actor.id,
        name_of(&event.actor.role)?,
        name_of(&event.origin)?,
        event.meaningful,
        changes,
    ])?;
    Ok(conn.last_insert_rowid() as u64)
}

pub(super) fn last_seq(conn: &Connection) -> Result<u64> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT max(seq) FROM events")?
        .query_row([], |row| row.get(0))?;
    let horizon = horizon(conn)?;
    Ok((seq.unwrap_or(0).max(0) as u64).max(horizon))
}

pub(super) fn horizon(conn: &Connection) -> Result<u64> {
    let value: Option<i64> = conn
        .prepare_cached("SELECT value FROM feed_meta WHERE key = 'horizon'")?
        .query_row([], |row| row.get(0))
        .optional()?;
    Ok(value.unwrap_or(0).max(0) as u64)
}

pub(super) fn events_after(
    conn: &Connection,
    after: u64,
    limit: u32,
    filter: &ChangeFilter,
) -> Result<(Vec<Event>, u64)> {
    let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
    let kinds = serde_json::to_string(&kinds).map_err(|e| corrupt(e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, contact_id, actor_id, actor_role, origin, meaningful, changes FROM events
         WHERE seq > ?1
           AND (?2 = 0 OR meaningful = 1)
           AND (json_array_length(?3) = 0 OR kind IN (SELECT value FROM json_each(?3)))
           AND (?4 IS NULL OR contact_id = ?4
                OR (contact_id IS NULL AND kind = 'import_batch'
                    AND ?4 BETWEEN json_extract(changes, '$.created_ids.first')
                               AND json_extract(changes, '$.created_ids.last')))
         ORDER BY seq LIMIT ?5",
    )?;
    let mut rows = stmt.query(params![
        after as i64,
        filter.meaningful_only,
        kinds,
        filter.contact_id.map(ContactId::as_raw),
        limit
    ])?;
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        let changes: String = row.get(8)?;
        events.push(Event {
            seq: row.get::<_, i64>(0)? as u64,
            time: from_millis(row.get(1)?)?,
            kind: wire::<EventKind>(&row.get::<_, String>(2)?)?,
            contact_id: row.get::<_, Option<i64>>(3)?.map(ContactId::from_raw),
            actor: EventActor {
                id: row.get(4)?,
                role: wire::<Role>(&row.get::<_, String>(5)?)?,
            },
            origin: wire::<Origin>(&row.get::<_, String>(6)?)?,
            meaningful: row.get(7)?,
            changes: serde_json::from_str(&changes).map_err(|e| corrupt(e.to_string()))?,
        });
    }
    // A full page stops at its last event; a short one has looked at everything committed.
    let scanned = match events.last() {
        Some(last) if events.len() as u32 == limit => last.seq,
        _ => last_seq(conn)?,
    };
    Ok((events, scanned))
}

pub(super) fn scrub(conn: &Connection, id: ContactId) -> Result<()> {
    conn.prepare_cached("UPDATE events SET changes = '{}' WHERE contact_id = ?1 AND changes <> '{}'")?
        .execute([id.as_raw()])?;
    Ok(())
}

/// The last sequence number whose event is older than `before`. Events are appended in time
/// order, so "older than" is a prefix of the sequence: a binary search over the primary key
/// finds its end in about 20 lookups at 1M events, with no index on the time to keep up.
fn last_seq_before(conn: &Connection, before: DateTime<Utc>) -> Result<Option<i64>> {
    let before = to_millis(before);
    let (min, max): (Option<i64>, Option<i64>) = conn
        .prepare_cached("SELECT min(seq), max(seq) FROM events")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let (Some(mut lo), Some(mut hi)) = (min, max) else {
        return Ok(None);
    };
    let mut found = None;
    let mut first_from =
        conn.prepare_cached("SELECT seq, at FROM events WHERE seq >= ?1 ORDER BY seq LIMIT 1")?;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let Some((seq, at)) = first_from
            .query_row([mid], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .optional()?
        else {
            break;
        };
        if at < before {
            found = Some(seq);
            lo = seq + 1;
        } else {
            hi = mid - 1;
        }
    }
    Ok(found)
}

pub(super) fn compact(
    conn: &Connection,
    events_before: DateTime<Utc>,
    tombstones_before: DateTime<Utc>,
) -> Result<u64> {
    let events_end = last_seq_before(conn, events_before)?.unwrap_or(0);
    let tombstones_end = last_seq_before(conn, tombstones_before)?.unwrap_or(0);
    let removed_max: Option<i64> = conn
        .prepare_cached(
            "SELECT max(seq) FROM events
             WHERE (seq <= ?1 AND kind NOT IN ('deleted', 'merged')) OR seq <= ?2",
        )?
        .query_row(params![events_end, tombstones_end], |row| row.get(0))?;
    let removed = conn
        .prepare_cached(
            "DELETE FROM events WHERE (seq <= ?1 AND kind NOT IN ('deleted', 'merged')) OR seq <= ?2",
        )?
        .execute(params![events_end, tombstones_end])?;
    if let Some(max) = removed_max {
        conn.prepare_cached("UPDATE feed_meta SET value = max(value, ?1) WHERE key = 'horizon'")?
            .execute([max])?;
    }
    Ok(removed as u64)
}

pub(super) fn consumer(conn: &Connection, name: &str) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT seq FROM feed_consumers WHERE name = ?1")?
        .query_row([name], |row| row.get::<_, i64>(0))
        .optional()?
        .map(|seq| seq.max(0) as u64))
}

pub(super) fn set_consumer(conn: &Connection, name: &str, seq: u64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO feed_consumers (name, seq) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET seq = max(seq, excluded.seq)",
    )?
    .execute(params![name, seq as i64])?;
    Ok(())
}

pub(super) fn provenance(conn: &Connection, id: ContactId) -> Result<Provenance> {
    let mut stmt = conn.prepare_cached(
        "SELECT field, origin, actor_id, actor_role, at FROM field_provenance WHERE contact_id = ?1",
    )?;
    let mut rows = stmt.query([id.as_raw()])?;
    let mut provenance = Provenance::new();
    while let Some(row) = rows.next()? {
        provenance.insert(
            row.get(0)?,
            FieldSource {
                origin: wire::<Origin>(&row.get::<_, String>(1)?)?,
                actor_id: row.get(2)?,
                actor_role: wire::<Role>(&row.get::<_, String>(3)?)?,
                at: from_millis(row.get(4)?)?,
            },
        );
    }
    super::created::implied_provenance(conn, id, &mut provenance)?;
    Ok(provenance)
}

pub(super) fn set_provenance(
    conn: &Connection,
    id: ContactId,
    field: &str,
    source: Option<&FieldSource>,
) -> Result<()> {
    match source {
        Some(source) => {
            conn.prepare_cached(
                "INSERT INTO field_provenance (contact_id, field, origin, actor_id, actor_role, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (contact_id, field) DO UPDATE SET origin = excluded.origin,
                     actor_id = excluded.actor_id, actor_role = excluded.actor_role, at = excluded.at",
            )?
            .execute(params![
                id.as_raw(),
                field,
                name_of(&source.origin)?,
                source.actor_id,
                name_of(&source.actor_role)?,
                to_millis(source.at),
            ])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM field_provenance WHERE contact_id = ?1 AND field = ?2")?
                .execute(params![id.as_raw(), field])?;
        }
    }
    Ok(())
}

pub(super) fn idempotent_result(
    conn: &Connection,
    key: &str,
    operation: &str,
    not_before: DateTime<Utc>,
) -> Result<Option<String>> {
    let found: Option<(String, String, i64)> = conn
        .prepare_cached("SELECT operation, result, created_at FROM idempotency_keys WHERE key = ?1")?
        .query_row([key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    match found {
        Some((_, _, created)) if created < to_millis(not_before) => Ok(None),
        Some((op, _, _)) if op != operation => Err(Error::invalid(
            crate::error::Field::IdempotencyKey,
            key,
            format!("the key was already used for {op}, not {operation}"),
        )),
        Some((_, result, _)) => Ok(Some(result)),
        None => Ok(None),
    }
}

pub(super) fn remember_result(
    conn: &Connection,
    key: &str,
    operation: &str,
    result: &str,
    contact: Option<ContactId>,
    at: DateTime<Utc>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (key, operation, result, contact_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (key) DO UPDATE SET operation = excluded.operation, result = excluded.result,
             contact_id = excluded.contact_id, created_at = excluded.created_at",
    )?
    .execute(params![key, operation, result, contact.map(ContactId::as_raw), to_millis(at)])?;
    Ok(())
}

pub(super) fn forget_results_of(conn: &Connection, id: ContactId) -> Result<()> {
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE contact_id = ?1")?
        .execute([id.as_raw()])?;
    Ok(())
}

pub(super) fn forget_results_before(conn: &Connection, before: DateTime<Utc>) -> Result<u64> {
    Ok(conn
        .prepare_cached("DELETE FROM idempotency_keys WHERE created_at < ?1")?
        .execute([to_millis(before)])? as u64)
}
