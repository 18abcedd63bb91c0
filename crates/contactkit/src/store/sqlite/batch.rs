//! [`Writer::insert_contacts`](crate::store::Writer::insert_contacts): many new contacts in
//! a handful of prepared statements each.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::sql::{duplicate_point, is_unique_violation, to_millis};
use super::wire::name_of;
use crate::actor::Actor;
use crate::contact::ContactId;
use crate::error::{Error, Field, Result, StorageError};
use crate::store::{ContactRecord, NewContactRecord, PointKind, PointRecord};
use crate::tag::TagName;

/// What a batch of new contacts keeps up besides its rows, as a bulk load leaves it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Upkeep {
    /// The search index, row by row (off while a bulk load defers it to one rebuild).
    pub reindex: bool,
    /// The point key index is there (a load into an empty book drops it).
    pub point_keys: bool,
    /// The tag link trigger is there (a load that outgrew its book drops it).
    pub link_trigger: bool,
}

/// Inserts `contacts` in order and returns their ids; `tag_ids` caches tag ids by key for
/// the transaction.
pub(super) fn insert_contacts(
    conn: &Connection,
    contacts: &[NewContactRecord],
    actor: &Actor,
    upkeep: Upkeep,
    tag_ids: &mut HashMap<String, i64>,
) -> Result<Vec<ContactId>> {
    let origin = name_of(&actor.origin)?;
    let mut point = conn.prepare_cached(
        "INSERT INTO contact_points (kind, key, contact_id, position, value, original, label, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut ids = Vec::with_capacity(contacts.len());
    let mut links: Vec<[i64; 2]> = Vec::with_capacity(contacts.len() * 2);
    let mut points_of_batch: Vec<(PointKind, &PointRecord, i64, usize)> =
        Vec::with_capacity(contacts.len() * 2);
    for c in contacts {
        let r = &c.record;
        let id = insert_row(
            conn,
            r,
            c.emails.first().map(|p| p.value.as_str()),
            c.phones.first().map(|p| p.value.as_str()),
        )?;
        for (kind, points) in [(PointKind::Email, &c.emails), (PointKind::Phone, &c.phones)] {
            points_of_batch.extend(
                points
                    .iter()
                    .enumerate()
                    .map(|(position, p)| (kind, p, id, position)),
            );
        }
        for tag in &c.tags {
            links.push([id, tag_id(conn, tag_ids, tag)?]);
        }
        ids.push(ContactId::from_raw(id));
    }
    // In key order, each insert lands next to the one before on the key index instead of on a
    // random page of it: less than half the time of a batch in file order. Without that index
    // the points stay in contact order, the order of their primary key, and each insert
    // appends to the table (1M contacts: 2.5 s for their points against 4.5 s in key order).
    if upkeep.point_keys {
        points_of_batch.sort_unstable_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
    }
    for (kind, p, id, position) in points_of_batch {
        let inserted = point.execute(params![
            kind.as_str(),
            p.key,
            id,
            position as i64,
            p.value,
            p.original,
            p.label,
            origin
        ]);
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => return Err(duplicate_point(conn, kind, &p.key, err)),
            Err(err) => return Err(err.into()),
        }
    }
    link_all(conn, &links, upkeep.link_trigger)?;
    // After the points: a contact's search row holds its emails and phones.
    if upkeep.reindex {
        for id in &ids {
            super::search::reindex(conn, id.as_raw(), None)?;
        }
    }
    Ok(ids)
}

/// Inserts the tag links `(contact id, tag id)`. With the link trigger there, in one
/// statement: row by row, each insert (its trigger writes the tag fact tables) made SQLite copy
/// every page it touched into a statement journal first; one statement copies each page once.
/// Without it, row by row: the one statement's JSON cost more than the statements (1M
/// contacts of a bulk load: 1.8 s for their links against 2.3 s).
fn link_all(conn: &Connection, links: &[[i64; 2]], link_trigger: bool) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    if !link_trigger {
        let mut link =
            conn.prepare_cached("INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) VALUES (?1, ?2)")?;
        for [contact, tag] in links {
            link.execute([contact, tag])?;
        }
        return Ok(());
    }
    let links = serde_json::to_string(links).map_err(|e| Error::Storage(StorageError::new(e.to_string())))?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)",
    )?
    .execute([links])?;
    Ok(())
}

/// Inserts a contact row with these copies of its primary email and phone; returns its id.
pub(super) fn insert_row(
    conn: &Connection,
    r: &ContactRecord,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<i64> {
    let attributes = serde_json::to_string(&r.attributes)
        .map_err(|err| Error::invalid(Field::Attribute, "", err.to_string()))?;
    // OR FAIL, not the default ABORT: a failing check of this one-row insert stops it before it
    // writes anything, so both leave the same book, but ABORT (with the row's trigger) makes
    // SQLite copy every page the statement touches into a statement journal first, in case
    // it must undo the statement alone. With a book larger than the page cache that copy was
    // more than half of each insert (measured: 20k inserts into a 1M book, 1.3 s against 0.5 s).
    conn.prepare_cached(
        "INSERT OR FAIL INTO contacts (name, name_key, email, phone, source, verification, attributes,
                               created_at, updated_at, last_activity_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        r.name,
        r.name_key,
        email,
        phone,
        r.source.as_str(),
        r.verification.as_str(),
        attributes,
        to_millis(r.created_at),
        to_millis(r.updated_at),
        r.last_activity_at.map(to_millis),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The id of the tag `tag` names, created when there is none; `cache` keeps the ids found in
/// this transaction by key.
pub(super) fn tag_id(conn: &Connection, cache: &mut HashMap<String, i64>, tag: &TagName) -> Result<i64> {
    let key = tag.key();
    if let Some(id) = cache.get(&key) {
        return Ok(*id);
    }
    conn.prepare_cached("INSERT INTO tags (name, key) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")?
        .execute(params![tag.as_str(), key])?;
    let id: i64 = conn
        .prepare_cached("SELECT id FROM tags WHERE key = ?1")?
        .query_row([&key], |row| row.get(0))?;
    cache.insert(key, id);
    Ok(id)
}
