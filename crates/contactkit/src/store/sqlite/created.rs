//! What a bulk create implies: [`Writer::record_created`](crate::store::Writer::record_created)
//! for a range of new contacts stores one row, `created_ranges`, instead of the field
//! provenance (name, email, phone, each attribute) and first verification record of every
//! contact in it: at 1M imported contacts, one row against about 3.8M.
//!
//! While a contact has not changed since its import, those records follow from its row and
//! its range: each field it holds came from the range's actor at the range's time, and its
//! one verification record is its status then. The first write that could make that untrue
//! (an update of the row or of its points, a provenance or verification record, a merge)
//! calls [`materialize`] first: the implied records are written out as real rows from the
//! row as it still is, and the contact leaves its range. Reads merge the two, so a reader
//! never sees which one a contact has.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::sql::{from_millis, to_millis};
use super::wire::{name_of, wire};
use crate::actor::{Actor, Origin, Role};
use crate::contact::ContactId;
use crate::error::Result;
use crate::provenance::{FieldSource, Provenance};
use crate::verification::VerificationRecord;

/// The fields a create records, for the contacts with ids from `?1` to `?2`: each select
/// yields (contact id, field name), in id order.
const CREATED_FIELDS: [&str; 4] = [
    "SELECT id, 'name' FROM contacts WHERE id BETWEEN ?1 AND ?2",
    "SELECT id, 'email' FROM contacts WHERE id BETWEEN ?1 AND ?2 AND email IS NOT NULL",
    "SELECT id, 'phone' FROM contacts WHERE id BETWEEN ?1 AND ?2 AND phone IS NOT NULL",
    "SELECT c.id, 'attributes.' || a.key FROM contacts c, json_each(c.attributes) a
     WHERE c.id BETWEEN ?1 AND ?2 ORDER BY c.id, a.key",
];

/// A run of contacts created together, none of them changed since.
struct CreatedRange {
    first: i64,
    last: i64,
    origin: String,
    actor_id: String,
    actor_role: String,
    at: i64,
}

impl CreatedRange {
    fn source(&self) -> Result<FieldSource> {
        Ok(FieldSource {
            origin: wire::<Origin>(&self.origin)?,
            actor_id: self.actor_id.clone(),
            actor_role: wire::<Role>(&self.actor_role)?,
            at: from_millis(self.at)?,
        })
    }
}

/// Records that the contacts with ids from `first` to `last` were created by `actor` at
/// `at`. A range that goes on from the one before, by the same actor at the same time (the
/// next write batch of one import), extends it.
pub(super) fn record_created(
    conn: &Connection,
    first: i64,
    last: i64,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<()> {
    let (origin, role, at) = (name_of(&actor.origin)?, name_of(&actor.role)?, to_millis(at));
    let extended = conn
        .prepare_cached(
            "UPDATE created_ranges SET last_contact = ?2
             WHERE last_contact = ?1 - 1 AND origin = ?3 AND actor_id = ?4 AND actor_role = ?5 AND at = ?6",
        )?
        .execute(params![first, last, origin, actor.id, role, at])?;
    if extended == 0 {
        let range = CreatedRange {
            first,
            last,
            origin,
            actor_id: actor.id.clone(),
            actor_role: role,
            at,
        };
        insert_range(conn, &range)?;
    }
    Ok(())
}

/// Stores `r` as a range of its own.
fn insert_range(conn: &Connection, r: &CreatedRange) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO created_ranges (first_contact, last_contact, origin, actor_id, actor_role, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![r.first, r.last, r.origin, r.actor_id, r.actor_role, r.at])?;
    Ok(())
}

/// The range `id` is in, if it has not left it.
fn range_of(conn: &Connection, id: i64) -> Result<Option<CreatedRange>> {
    let range = conn
        .prepare_cached(
            "SELECT first_contact, last_contact, origin, actor_id, actor_role, at FROM created_ranges
             WHERE first_contact <= ?1 ORDER BY first_contact DESC LIMIT 1",
        )?
        .query_row([id], |row| {
            Ok(CreatedRange {
                first: row.get(0)?,
                last: row.get(1)?,
                origin: row.get(2)?,
                actor_id: row.get(3)?,
                actor_role: row.get(4)?,
                at: row.get(5)?,
            })
        })
        .optional()?;
    Ok(range.filter(|r| r.last >= id))
}

/// Writes out the records a contact's range implies, from its row as it is now, and takes
/// it out of the range. Called before any write that changes what they would say; nothing
/// happens for a contact in no range.
pub(super) fn materialize(conn: &Connection, id: ContactId) -> Result<()> {
    let id = id.as_raw();
    let Some(range) = range_of(conn, id)? else {
        return Ok(());
    };
    for fields in CREATED_FIELDS {
        // OR IGNORE: a real row, were there one, is the newer word.
        conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO field_provenance (contact_id, field, origin, actor_id, actor_role, at)
             SELECT f.*, ?3, ?4, ?5, ?6 FROM ({fields}) AS f"
        ))?
        .execute(params![
            id,
            id,
            range.origin,
            range.actor_id,
            range.actor_role,
            range.at
        ])?;
    }
    conn.prepare_cached(
        "INSERT INTO verification_history (contact_id, status, method, actor_id, actor_role, at)
         SELECT id, verification, NULL, ?2, ?3, ?4 FROM contacts WHERE id = ?1",
    )?
    .execute(params![id, range.actor_id, range.actor_role, range.at])?;
    leave(conn, &range, id)
}

/// Takes `id` out of `range`: the range shrinks, splits in two or goes.
fn leave(conn: &Connection, range: &CreatedRange, id: i64) -> Result<()> {
    let first = range.first;
    if range.first == range.last {
        conn.prepare_cached("DELETE FROM created_ranges WHERE first_contact = ?1")?
            .execute([first])?;
    } else if id == range.first {
        conn.prepare_cached("UPDATE created_ranges SET first_contact = ?2 WHERE first_contact = ?1")?
            .execute([first, id + 1])?;
    } else {
        conn.prepare_cached("UPDATE created_ranges SET last_contact = ?2 WHERE first_contact = ?1")?
            .execute([first, id - 1])?;
        if id < range.last {
            let rest = CreatedRange {
                first: id + 1,
                origin: range.origin.clone(),
                actor_id: range.actor_id.clone(),
                actor_role: range.actor_role.clone(),
                ..*range
            };
            insert_range(conn, &rest)?;
        }
    }
    Ok(())
}

/// The provenance a contact's range implies, added to `provenance` (empty for a contact in
/// no range).
pub(super) fn implied_provenance(
    conn: &Connection,
    id: ContactId,
    provenance: &mut Provenance,
) -> Result<()> {
    let id = id.as_raw();
    let Some(range) = range_of(conn, id)? else {
        return Ok(());
    };
    let source = range.source()?;
    for fields in CREATED_FIELDS {
        let mut stmt = conn.prepare_cached(fields)?;
        let mut rows = stmt.query([id, id])?;
        while let Some(row) = rows.next()? {
            provenance.entry(row.get(1)?).or_insert_with(|| source.clone());
        }
    }
    Ok(())
}

/// The first verification record a contact's range implies, if it is in one.
pub(super) fn implied_verification(conn: &Connection, id: ContactId) -> Result<Option<VerificationRecord>> {
    let id = id.as_raw();
    let Some(range) = range_of(conn, id)? else {
        return Ok(None);
    };
    let status: Option<String> = conn
        .prepare_cached("SELECT verification FROM contacts WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    let Some(status) = status else {
        return Ok(None);
    };
    let source = range.source()?;
    Ok(Some(VerificationRecord {
        status: wire(&status)?,
        method: None,
        actor_id: source.actor_id,
        actor_role: source.actor_role,
        at: source.at,
    }))
}
