//! The SQL of the sync's state: links, tombstones, conflicts and parked contacts.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::sql::{from_millis, to_millis};
use crate::contact::ContactId;
use crate::error::{Error, Result, StorageError};
use crate::sync::{ConflictRecord, Parked, Side, SyncLink};

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(format!(
        "the sync state holds a value this library cannot read: {what}"
    )))
}

fn link_row(row: &rusqlite::Row<'_>) -> Result<SyncLink> {
    let base: String = row.get(2)?;
    Ok(SyncLink {
        contact_id: ContactId::from_raw(row.get(0)?),
        remote_id: row.get(1)?,
        base: serde_json::from_str(&base).map_err(|e| corrupt(e.to_string()))?,
        synced_at: from_millis(row.get(3)?)?,
    })
}

pub(super) fn link(conn: &Connection, id: ContactId) -> Result<Option<SyncLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, remote_id, base, synced_at FROM sync_links WHERE contact_id = ?1",
    )?;
    let mut rows = stmt.query([id.as_raw()])?;
    rows.next()?.map(link_row).transpose()
}

pub(super) fn link_by_remote(conn: &Connection, remote: i64) -> Result<Option<SyncLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, remote_id, base, synced_at FROM sync_links WHERE remote_id = ?1",
    )?;
    let mut rows = stmt.query([remote])?;
    rows.next()?.map(link_row).transpose()
}

pub(super) fn links(conn: &Connection) -> Result<Vec<SyncLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, remote_id, base, synced_at FROM sync_links ORDER BY contact_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(link_row(row)?);
    }
    Ok(out)
}

pub(super) fn save_link(conn: &Connection, link: &SyncLink) -> Result<()> {
    let base = serde_json::to_string(&link.base).map_err(|e| corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO sync_links (contact_id, remote_id, base, synced_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (contact_id) DO UPDATE SET remote_id = excluded.remote_id, base = excluded.base,
             synced_at = excluded.synced_at",
    )?
    .execute(params![
        link.contact_id.as_raw(),
        link.remote_id,
        base,
        to_millis(link.synced_at)
    ])?;
    Ok(())
}

pub(super) fn delete_link(conn: &Connection, id: ContactId) -> Result<()> {
    conn.prepare_cached("DELETE FROM sync_links WHERE contact_id = ?1")?
        .execute([id.as_raw()])?;
    Ok(())
}

pub(super) fn scrub_link(conn: &Connection, id: ContactId) -> Result<()> {
    conn.prepare_cached("UPDATE sync_links SET base = '{}' WHERE contact_id = ?1")?
        .execute([id.as_raw()])?;
    conn.prepare_cached("DELETE FROM sync_conflicts WHERE contact_id = ?1")?
        .execute([id.as_raw()])?;
    conn.prepare_cached("DELETE FROM sync_parked WHERE contact_id = ?1")?
        .execute([id.as_raw()])?;
    Ok(())
}

pub(super) fn tombstone(conn: &Connection, remote: i64) -> Result<Option<Side>> {
    let side: Option<String> = conn
        .prepare_cached("SELECT side FROM sync_tombstones WHERE remote_id = ?1")?
        .query_row([remote], |row| row.get(0))
        .optional()?;
    Ok(side.map(|s| if s == "local" { Side::Local } else { Side::Remote }))
}

pub(super) fn add_tombstone(
    conn: &Connection,
    remote: i64,
    id: ContactId,
    side: Side,
    at: DateTime<Utc>,
) -> Result<()> {
    let side = match side {
        Side::Local => "local",
        Side::Remote => "remote",
    };
    conn.prepare_cached(
        "INSERT INTO sync_tombstones (remote_id, contact_id, side, deleted_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (remote_id) DO NOTHING",
    )?
    .execute(params![remote, id.as_raw(), side, to_millis(at)])?;
    Ok(())
}

pub(super) fn add_conflict(conn: &Connection, record: &ConflictRecord) -> Result<()> {
    let text = |v: &serde_json::Value| serde_json::to_string(v).map_err(|e| corrupt(e.to_string()));
    conn.prepare_cached(
        "INSERT INTO sync_conflicts (contact_id, field, local, remote, winner, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        record.contact_id.as_raw(),
        record.conflict.field,
        text(&record.conflict.local)?,
        text(&record.conflict.remote)?,
        match record.conflict.winner {
            Side::Local => "local",
            Side::Remote => "remote",
        },
        to_millis(record.at),
    ])?;
    Ok(())
}

pub(super) fn conflicts(conn: &Connection, limit: u32) -> Result<Vec<ConflictRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact_id, field, local, remote, winner, at FROM sync_conflicts ORDER BY id DESC LIMIT ?1",
    )?;
    let mut rows = stmt.query([limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let value = |i: usize| -> Result<serde_json::Value> {
            serde_json::from_str(&row.get::<_, String>(i)?).map_err(|e| corrupt(e.to_string()))
        };
        out.push(ConflictRecord {
            contact_id: ContactId::from_raw(row.get(0)?),
            conflict: crate::sync::Conflict {
                field: row.get(1)?,
                local: value(2)?,
                remote: value(3)?,
                winner: if row.get::<_, String>(4)? == "local" {
                    Side::Local
                } else {
                    Side::Remote
                },
            },
            at: from_millis(row.get(5)?)?,
        });
    }
    Ok(out)
}

pub(super) fn park(conn: &Connection, id: ContactId, reason: Option<&str>, at: DateTime<Utc>) -> Result<()> {
    match reason {
        Some(reason) => conn
            .prepare_cached(
                "INSERT INTO sync_parked (contact_id, reason, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (contact_id) DO UPDATE SET reason = excluded.reason, at = excluded.at",
            )?
            .execute(params![id.as_raw(), reason, to_millis(at)])?,
        None => conn
            .prepare_cached("DELETE FROM sync_parked WHERE contact_id = ?1")?
            .execute([id.as_raw()])?,
    };
    Ok(())
}

pub(super) fn parked(conn: &Connection) -> Result<Vec<Parked>> {
    let mut stmt =
        conn.prepare_cached("SELECT contact_id, reason, at FROM sync_parked ORDER BY contact_id")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(Parked {
            contact_id: ContactId::from_raw(row.get(0)?),
            reason: row.get(1)?,
            at: from_millis(row.get(2)?)?,
        });
    }
    Ok(out)
}

pub(super) fn setting(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(e.to_string())))
        .transpose()
}

pub(super) fn set_setting(conn: &Connection, key: &str, value: Option<&serde_json::Value>) -> Result<()> {
    match value {
        Some(value) => {
            let text = serde_json::to_string(value).map_err(|e| corrupt(e.to_string()))?;
            conn.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, text])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?
                .execute([key])?;
        }
    }
    Ok(())
}
