//! The SQL behind [`Reader`] and [`Writer`]. Every value is a bound parameter.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::search_build::SearchBuild;
use super::{batch, created, feed, lifecycle, search, short, sync};
use crate::actor::Actor;
use crate::audit::{AuditAction, AuditEntry};
use crate::contact::{Attributes, Contact, ContactId, EmailPoint, PhonePoint, Verification};
use crate::conversation::{
    Channel, ChannelIdentity, Conversation, ConversationId, Direction, Message, MessageId,
};
use crate::email::Email;
use crate::error::{Error, Field, Result, StorageError};
use crate::feed::{ChangeFilter, Event, EventDraft};
use crate::phone::Phone;
use crate::provenance::{FieldSource, Provenance};
use crate::store::{ContactRecord, PointKind, PointRecord, Reader, Row, RowPage, RowPoint, Writer};
use crate::sync::{ConflictRecord, Parked, Side, SyncLink};
use crate::tag::{TagCount, TagName};
use crate::verification::VerificationRecord;

/// The reads and writes of one transaction.
pub(super) struct Sql<'c> {
    conn: &'c Connection,
    /// A bulk load is on: new contacts wait for [`search::index_unranked`] at its end, or
    /// every write for one rebuild (see [`BulkLoad::dropped`]).
    bulk_load: Option<BulkLoad>,
    /// Tag ids by key, as [`Writer::insert_contacts`] found or made them in this transaction.
    tag_ids: HashMap<String, i64>,
    /// The book's tags, read once a transaction first names tags by id (ids are never
    /// reused; a rename clears it): reading a page's tag ids and naming them here took an
    /// export of 1M contacts 0.1 s instead of 0.6 s for a join with `tags` and a sort by key.
    tag_names: RefCell<TagNames>,
    /// Whether a bulk load rebuilt the derived indexes in this transaction.
    rebuilt: bool,
}

/// Every tag of the book: its place in key order by id, and the names in key order.
#[derive(Default)]
struct TagNames {
    /// `(id, place)`, sorted by id.
    places: Vec<(i64, usize)>,
    /// The names, in key order.
    names: Vec<String>,
}

impl TagNames {
    fn load(conn: &Connection) -> Result<TagNames> {
        let mut stmt = conn.prepare_cached("SELECT id, name FROM tags ORDER BY key")?;
        let mut rows = stmt.query([])?;
        let mut tags = TagNames::default();
        while let Some(row) = rows.next()? {
            tags.places.push((row.get(0)?, tags.names.len()));
            tags.names.push(row.get(1)?);
        }
        tags.places.sort_unstable();
        Ok(tags)
    }

    fn place(&self, id: i64) -> Option<usize> {
        let at = self.places.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        self.places.get(at).map(|(_, place)| *place)
    }
}

/// A bulk load in progress.
struct BulkLoad {
    /// The contacts the book held when it began.
    at_start: u64,
    /// The contacts it has inserted.
    added: u64,
    /// Once it outgrew the book: the SQL of the indexes and triggers it dropped, made again
    /// after the rebuild at its end. Until then, no write keeps the search index up.
    dropped: Option<Vec<String>>,
    /// In a load into an empty book: the thread that counts the short grams of its new
    /// contacts (replacing the rebuild's recount) and builds their search rows. `None` once
    /// any other write has changed a contact's search texts (they would be stale).
    search: Option<SearchBuild>,
    /// Whether a write other than `insert_contacts` has changed a contact's search texts.
    texts_changed: bool,
    /// In a load into an empty book: the SQL of the point key index
    /// ([`search::POINT_KEYS`]), dropped until the load's end or until something looks a
    /// point up by its key.
    point_keys: Option<String>,
}

/// A bulk load that adds more contacts than this and than half the book held drops the
/// indexes and triggers of [`search::defer`] and rebuilds everything at its end.
const BULK_REBUILD_AFTER: u64 = 1000;

/// A bulk load that did not end (its transaction is rolling back) leaves the writer's page
/// cache as it found it.
impl Drop for Sql<'_> {
    fn drop(&mut self) {
        if self.bulk_load.take().is_some() {
            let _ = self
                .conn
                .pragma_update(None, "cache_size", super::WRITER_CACHE_KIB);
        }
    }
}

impl<'c> Sql<'c> {
    pub(super) fn new(conn: &'c Connection) -> Self {
        Sql {
            conn,
            bulk_load: None,
            tag_ids: HashMap::new(),
            tag_names: RefCell::new(TagNames::default()),
            rebuilt: false,
        }
    }

    /// Whether a bulk load rebuilt the derived indexes in this transaction (and so wrote
    /// about as many pages as the book holds).
    pub(super) fn rebuilt(&self) -> bool {
        self.rebuilt
    }

    /// A write other than [`Writer::insert_contacts`] is about to change a contact's search
    /// texts. Returns whether a bulk load has dropped the derived indexes: the write then
    /// leaves the search index to the rebuild at the load's end. The load's background tally
    /// no longer matches the book, so the rebuild will recount.
    fn texts_change(&mut self) -> bool {
        let Some(load) = &mut self.bulk_load else {
            return false;
        };
        load.search = None;
        load.texts_changed = true;
        load.dropped.is_some()
    }

    /// Makes the point key index again if a bulk load dropped it: before anything looks a
    /// point up by its key or writes points one contact at a time.
    fn point_keys_needed(&mut self) -> Result<()> {
        match self.bulk_load.as_mut().and_then(|load| load.point_keys.take()) {
            Some(sql) => search::restore_point_keys(self.conn, &sql),
            None => Ok(()),
        }
    }

    /// Contact `id`'s search texts before a write that reindexes it (none while a rebuild
    /// will redo the index anyway).
    fn texts_before(&mut self, id: ContactId) -> Result<Option<search::Texts>> {
        if self.texts_change() {
            return Ok(None);
        }
        search::Texts::read(self.conn, id.as_raw())
    }

    /// The contacts with these ids, in the order given (ids that do not exist are left out),
    /// in three statements whatever their number: rows, points, tags.
    pub(super) fn contacts(&self, ids: &[i64]) -> Result<Vec<Contact>> {
        let list = serde_json::to_string(ids).map_err(|e| corrupt(e.to_string()))?;
        let mut found: Vec<Contact> = Vec::with_capacity(ids.len());
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, source, verification, attributes, created_at, updated_at, last_activity_at, reviewed
             FROM contacts WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )?;
        let mut rows = stmt.query([&list])?;
        while let Some(row) = rows.next()? {
            found.push(contact_row(row)?);
        }
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, kind, value, original, label, origin FROM contact_points
             WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, kind, position",
        )?;
        attach_points(stmt.query([&list])?, &mut found)?;
        // A page's few contacts: a join names their tags at once (the cache of
        // `contacts_after` would start empty in each read).
        let mut stmt = self.conn.prepare_cached(
            "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
             WHERE ct.contact_id IN (SELECT value FROM json_each(?1)) ORDER BY ct.contact_id, t.key",
        )?;
        attach_tag_names(stmt.query([&list])?, &mut found)?;
        let mut by_id: HashMap<i64, Contact> = found.into_iter().map(|c| (c.id.as_raw(), c)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Up to `limit` whole contacts with ids above `after`, in id order: three range reads
    /// (rows, points, tags), the export's way through the whole book.
    pub(super) fn contacts_after(&self, after: i64, limit: u32) -> Result<Vec<Contact>> {
        let mut contacts: Vec<Contact> = Vec::with_capacity(limit as usize);
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, source, verification, attributes, created_at, updated_at, last_activity_at, reviewed
             FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit])?;
        while let Some(row) = rows.next()? {
            contacts.push(contact_row(row)?);
        }
        let (Some(first), Some(last)) = (contacts.first(), contacts.last()) else {
            return Ok(contacts);
        };
        let range = params![first.id.as_raw(), last.id.as_raw()];
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, kind, value, original, label, origin FROM contact_points
             WHERE contact_id BETWEEN ?1 AND ?2 ORDER BY contact_id, kind, position",
        )?;
        attach_points(stmt.query(range)?, &mut contacts)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, tag_id FROM contact_tags
             WHERE contact_id BETWEEN ?1 AND ?2 ORDER BY contact_id",
        )?;
        self.attach_tags(stmt.query(range)?, &mut contacts)?;
        Ok(contacts)
    }

    /// Gives each contact of `contacts` (sorted by id) the tags of the rows of `contact_id,
    /// tag_id` (in contact order), by name in key order.
    fn attach_tags(&self, rows: rusqlite::Rows<'_>, contacts: &mut [Contact]) -> Result<()> {
        tag_groups(rows, |owner, ids| match by_id(contacts, owner) {
            Some(contact) => self.each_tag_name(contact.id, ids, |name| contact.tags.push(name.to_owned())),
            None => Ok(()),
        })
    }

    /// Calls `each` with the name of each tag of `ids` (the tags of `owner`), in key order,
    /// and empties `ids`.
    fn each_tag_name(&self, owner: ContactId, ids: &mut Vec<i64>, mut each: impl FnMut(&str)) -> Result<()> {
        let mut tags = self.tag_names.borrow_mut();
        if ids.iter().any(|id| tags.place(*id).is_none()) {
            // The first tags of this transaction, or one created in it since.
            *tags = TagNames::load(self.conn)?;
        }
        // Each id becomes its place in key order.
        for id in ids.iter_mut() {
            let place = tags
                .place(*id)
                .ok_or_else(|| corrupt(format!("tag {id} of contact {owner}")))?;
            *id = place as i64;
        }
        ids.sort_unstable();
        for place in ids.drain(..) {
            if let Some(name) = tags.names.get(place as usize) {
                each(name);
            }
        }
        Ok(())
    }

    /// [`Reader::row_page_after`]: three range reads, as [`Sql::contacts_after`] does, of
    /// the columns a CSV shows. The contact row holds the primary email and phone, so of the
    /// points only those with more to say are read: labels, and the points after the first.
    pub(super) fn row_page_after(&self, after: i64, limit: u32) -> Result<RowPage> {
        let mut page = RowPage::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, email, phone, source, verification, attributes, created_at, last_activity_at
             FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, limit])?;
        while let Some(row) = rows.next()? {
            let id = ContactId::from_raw(row.get(0)?);
            let text = |at: usize| -> Result<Option<&str>> {
                row.get_ref(at)?
                    .as_str_or_null()
                    .map_err(|e| corrupt(format!("column {at} of {id}: {e}")))
            };
            let name = page.push_text(text(1)?.unwrap_or_default());
            let email = text(2)?.map(|t| page.push_text(t));
            let phone = text(3)?.map(|t| page.push_text(t));
            let attributes = page.push_text(text(6)?.unwrap_or("{}"));
            let (points, tags) = (page.more_points.len() as u32, page.tags.len() as u32);
            page.rows.push(Row {
                id,
                name,
                email,
                email_label: None,
                phone,
                phone_label: None,
                more_points: (points, points),
                tags: (tags, tags),
                source: text(4)?.unwrap_or_default().parse().map_err(corrupt)?,
                verification: text(5)?.unwrap_or_default().parse().map_err(corrupt)?,
                attributes,
                created_at: from_millis(row.get(7)?)?,
                last_activity_at: row.get::<_, Option<i64>>(8)?.map(from_millis).transpose()?,
            });
        }
        let (Some(first), Some(last)) = (page.rows.first(), page.rows.last()) else {
            return Ok(page);
        };
        let range = params![first.id.as_raw(), last.id.as_raw()];
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, kind, position, value, label FROM contact_points
             WHERE contact_id BETWEEN ?1 AND ?2 AND (position > 0 OR label IS NOT NULL)
             ORDER BY contact_id, kind, position",
        )?;
        let mut points = stmt.query(range)?;
        let mut at = 0;
        while let Some(point) = points.next()? {
            let Some(at_owner) = advance_to(&page.rows, &mut at, point.get(0)?) else {
                continue;
            };
            let text = |at: usize| -> Result<Option<&str>> {
                point
                    .get_ref(at)?
                    .as_str_or_null()
                    .map_err(|e| corrupt(format!("point column {at}: {e}")))
            };
            let kind = match text(1)? {
                Some("email") => PointKind::Email,
                Some("phone") => PointKind::Phone,
                other => return Err(corrupt(format!("point kind {other:?}"))),
            };
            let position: i64 = point.get(2)?;
            let label = text(4)?.map(|l| page.push_text(l));
            if position == 0 {
                let row = &mut page.rows[at_owner];
                match kind {
                    PointKind::Email => row.email_label = label,
                    PointKind::Phone => row.phone_label = label,
                }
                continue;
            }
            let value = page.push_text(text(3)?.unwrap_or_default());
            page.more_points.push(RowPoint { kind, value, label });
            let end = page.more_points.len() as u32;
            let row = &mut page.rows[at_owner];
            if row.more_points.0 == row.more_points.1 {
                row.more_points.0 = end - 1;
            }
            row.more_points.1 = end;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, tag_id FROM contact_tags WHERE contact_id BETWEEN ?1 AND ?2 ORDER BY contact_id",
        )?;
        let mut at = 0;
        tag_groups(stmt.query(range)?, |owner, ids| {
            let Some(row) = advance_to(&page.rows, &mut at, owner) else {
                return Ok(());
            };
            let start = page.tags.len() as u32;
            self.each_tag_name(page.rows[row].id, ids, |name| page.push_tag(name))?;
            page.rows[row].tags = (start, page.tags.len() as u32);
            Ok(())
        })?;
        Ok(page)
    }

    fn tag_id(&self, key: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM tags WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    fn tagged_contacts(&self, tag_id: i64) -> Result<Vec<ContactId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT contact_id FROM contact_tags WHERE tag_id = ?1 ORDER BY contact_id")?;
        let ids = stmt
            .query_map([tag_id], |row| row.get::<_, i64>(0).map(ContactId::from_raw))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }
}

/// A contact from a row of `id, name, source, verification, attributes, created_at,
/// updated_at, last_activity_at, reviewed`, without its points and tags.
fn contact_row(row: &rusqlite::Row<'_>) -> Result<Contact> {
    let id = ContactId::from_raw(row.get(0)?);
    let text = row
        .get_ref(4)?
        .as_str()
        .map_err(|e| corrupt(format!("attributes of {id}: {e}")))?;
    let attributes: Attributes = match text {
        "{}" => Attributes::default(),
        text => serde_json::from_str(text).map_err(|err| corrupt(format!("attributes of {id}: {err}")))?,
    };
    // Read in place: an owned copy of each name was two allocations a contact in an export.
    let text = |at: usize| -> Result<&str> {
        row.get_ref(at)?
            .as_str()
            .map_err(|e| corrupt(format!("column {at} of {id}: {e}")))
    };
    let (source, verification) = (text(2)?, text(3)?);
    Ok(Contact {
        id,
        name: row.get(1)?,
        emails: Vec::new(),
        phones: Vec::new(),
        tags: Vec::new(),
        source: source.parse().map_err(corrupt)?,
        verification: verification.parse().map_err(corrupt)?,
        attributes,
        created_at: from_millis(row.get(5)?)?,
        updated_at: from_millis(row.get(6)?)?,
        last_activity_at: row.get::<_, Option<i64>>(7)?.map(from_millis).transpose()?,
        reviewed: row.get(8)?,
    })
}

/// Every custom attribute key in use, in key order. Its `WHERE` is that of the partial index
/// `contacts_with_attributes` (migration 12), so only the contacts with attributes are read.
pub(super) const ATTRIBUTE_KEYS: &str = "SELECT DISTINCT j.key FROM contacts c, json_each(c.attributes) j
     WHERE c.attributes <> '{}' ORDER BY j.key";

/// Calls `group` with each contact of the rows of `contact_id, tag_id` (in contact order) and
/// its tag ids, which it may take; the buffer is emptied after each contact.
fn tag_groups(
    mut rows: rusqlite::Rows<'_>,
    mut group: impl FnMut(i64, &mut Vec<i64>) -> Result<()>,
) -> Result<()> {
    let mut ids = Vec::new();
    let mut owner = None;
    while let Some(row) = rows.next()? {
        let contact: i64 = row.get(0)?;
        if let Some(previous) = owner.filter(|o| *o != contact) {
            group(previous, &mut ids)?;
            ids.clear();
        }
        owner = Some(contact);
        ids.push(row.get(1)?);
    }
    match owner {
        Some(last) => group(last, &mut ids),
        None => Ok(()),
    }
}

/// Moves `at` forward through `rows` (in id order) to the row of contact `id`, and returns
/// its index (`None` when there is no such row).
fn advance_to(rows: &[Row], at: &mut usize, id: i64) -> Option<usize> {
    while rows.get(*at).is_some_and(|row| row.id.as_raw() < id) {
        *at += 1;
    }
    rows.get(*at)
        .is_some_and(|row| row.id.as_raw() == id)
        .then_some(*at)
}

/// The contact with this id in `contacts` (sorted by id).
fn by_id(contacts: &mut [Contact], id: i64) -> Option<&mut Contact> {
    let at = contacts.binary_search_by_key(&id, |c| c.id.as_raw()).ok()?;
    contacts.get_mut(at)
}

/// Adds each row of `contact_id, kind, value, original, label, origin` to its contact in
/// `contacts` (sorted by id).
fn attach_points(mut rows: rusqlite::Rows<'_>, contacts: &mut [Contact]) -> Result<()> {
    while let Some(row) = rows.next()? {
        let Some(c) = by_id(contacts, row.get(0)?) else {
            continue;
        };
        let kind = row
            .get_ref(1)?
            .as_str()
            .map_err(|e| corrupt(format!("point kind: {e}")))?;
        let value: String = row.get(2)?;
        let label: Option<String> = row.get(4)?;
        // An origin this library does not know (a newer one's) reads as unknown.
        let origin = match row.get_ref(5)?.as_str_or_null() {
            Ok(Some(o)) => super::wire::wire::<crate::Origin>(o).ok(),
            _ => None,
        };
        match kind {
            // Validated when written: reading trusts them (re-parsing every phone of a page
            // through libphonenumber was most of a page's cost).
            "email" => c.emails.push(EmailPoint {
                address: Email::from_stored(value),
                label,
                origin,
            }),
            "phone" => c.phones.push(PhonePoint {
                original: row.get::<_, Option<String>>(3)?.unwrap_or_else(|| value.clone()),
                e164: Phone::from_stored(value),
                label,
                origin,
            }),
            other => return Err(corrupt(format!("point kind {other:?}"))),
        }
    }
    Ok(())
}

/// Adds each row of `contact_id, tag name` to its contact in `contacts` (sorted by id).
fn attach_tag_names(mut rows: rusqlite::Rows<'_>, contacts: &mut [Contact]) -> Result<()> {
    while let Some(row) = rows.next()? {
        if let Some(c) = by_id(contacts, row.get(0)?) {
            c.tags.push(row.get(1)?);
        }
    }
    Ok(())
}

pub(super) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(super) fn from_millis(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt(format!("time {ms} is out of range")))
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(format!(
        "the book holds a value this library cannot read: {what}"
    )))
}

pub(super) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// The [`Error::Duplicate`] for a point insert that broke the uniqueness of `(kind, key)`,
/// naming the contact that holds it.
pub(super) fn duplicate_point(conn: &Connection, kind: PointKind, key: &str, err: rusqlite::Error) -> Error {
    let owner = conn
        .prepare_cached("SELECT contact_id FROM contact_points WHERE kind = ?1 AND key = ?2")
        .and_then(|mut stmt| {
            stmt.query_row(params![kind.as_str(), key], |row| row.get::<_, i64>(0))
                .optional()
        });
    match owner {
        Ok(Some(existing)) => Error::Duplicate {
            field: match kind {
                PointKind::Email => Field::Email,
                PointKind::Phone => Field::Phone,
            },
            value: key.to_owned(),
            existing: ContactId::from_raw(existing),
        },
        Ok(None) => Error::Storage(err.into()),
        Err(lookup) => Error::Storage(lookup.into()),
    }
}

impl Reader for Sql<'_> {
    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>> {
        Ok(self.contacts(&[id.as_raw()])?.pop())
    }

    fn point_owner(&mut self, kind: PointKind, key: &str) -> Result<Option<ContactId>> {
        self.point_keys_needed()?;
        Ok(self
            .conn
            .prepare_cached("SELECT contact_id FROM contact_points WHERE kind = ?1 AND key = ?2")?
            .query_row(params![kind.as_str(), key], |row| row.get::<_, i64>(0))
            .optional()?
            .map(ContactId::from_raw))
    }

    fn contact_count(&mut self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT n FROM contact_total WHERE one = 1")?
            .query_row([], |row| row.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn tag_counts(&mut self) -> Result<Vec<TagCount>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.name, (SELECT count(*) FROM contact_tags ct WHERE ct.tag_id = t.id)
             FROM tags t ORDER BY t.key",
        )?;
        let tags = stmt
            .query_map([], |row| {
                Ok(TagCount {
                    name: row.get(0)?,
                    contacts: row.get::<_, i64>(1)?.max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tags)
    }

    fn tags_with_prefix(&mut self, key_prefix: &str, limit: u32) -> Result<Vec<TagCount>> {
        let upper = format!("{key_prefix}{}", char::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.name, (SELECT count(*) FROM contact_tags ct WHERE ct.tag_id = t.id) AS n
             FROM tags t WHERE t.key >= ?1 AND t.key < ?2
             ORDER BY n DESC, t.key LIMIT ?3",
        )?;
        let tags = stmt
            .query_map(params![key_prefix, upper, limit], |row| {
                Ok(TagCount {
                    name: row.get(0)?,
                    contacts: row.get::<_, i64>(1)?.max(0) as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tags)
    }

    fn tag_name(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM tags WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    // --- Added for import/export (codec). ---

    fn contacts_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<Vec<Contact>> {
        Sql::contacts_after(self, after.map_or(0, ContactId::as_raw), limit)
    }

    fn row_page_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<RowPage> {
        Sql::row_page_after(self, after.map_or(0, ContactId::as_raw), limit)
    }

    fn contact_ids_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<Vec<ContactId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let ids = stmt
            .query_map(params![after.map_or(0, ContactId::as_raw), limit], |row| {
                row.get::<_, i64>(0).map(ContactId::from_raw)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn attribute_keys(&mut self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(ATTRIBUTE_KEYS)?;
        let keys = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(keys)
    }

    // --- The change feed, provenance and idempotency keys: SQL in feed.rs. ---
    fn events_after(&mut self, after: u64, limit: u32, filter: &ChangeFilter) -> Result<(Vec<Event>, u64)> {
        feed::events_after(self.conn, after, limit, filter)
    }

    fn last_event_seq(&mut self) -> Result<u64> {
        feed::last_seq(self.conn)
    }

    fn feed_horizon(&mut self) -> Result<u64> {
        feed::horizon(self.conn)
    }

    fn consumer_cursor(&mut self, name: &str) -> Result<Option<u64>> {
        feed::consumer(self.conn, name)
    }

    fn provenance(&mut self, id: ContactId) -> Result<Provenance> {
        feed::provenance(self.conn, id)
    }

    fn contacts_with_tag(&mut self, key: &str) -> Result<Vec<ContactId>> {
        match self.tag_id(key)? {
            Some(tag_id) => self.tagged_contacts(tag_id),
            None => Ok(Vec::new()),
        }
    }

    fn idempotent_result(
        &mut self,
        key: &str,
        operation: &str,
        not_before: DateTime<Utc>,
    ) -> Result<Option<String>> {
        feed::idempotent_result(self.conn, key, operation, not_before)
    }

    // --- Lifecycle: SQL in lifecycle.rs. ---
    fn channel_identity_owner(&mut self, channel: Channel, external_id: &str) -> Result<Option<ContactId>> {
        lifecycle::identity_owner(self.conn, channel, external_id)
    }

    fn channel_identities(&mut self, id: ContactId) -> Result<Vec<ChannelIdentity>> {
        lifecycle::identities(self.conn, id)
    }

    fn conversations(&mut self, id: ContactId) -> Result<Vec<Conversation>> {
        lifecycle::conversations(self.conn, id)
    }

    fn conversation(&mut self, id: ConversationId) -> Result<Option<Conversation>> {
        lifecycle::conversation(self.conn, id)
    }

    fn messages(
        &mut self,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        lifecycle::messages(self.conn, conversation, before, limit)
    }

    fn verification_history(&mut self, id: ContactId) -> Result<Vec<VerificationRecord>> {
        lifecycle::verification_history(self.conn, id)
    }

    fn audit_entries(
        &mut self,
        after: i64,
        limit: u32,
        contact: Option<ContactId>,
    ) -> Result<Vec<AuditEntry>> {
        lifecycle::audit_entries(self.conn, after, limit, contact)
    }

    fn channel_identity_list(&mut self, channel: Channel) -> Result<Vec<(ContactId, String)>> {
        lifecycle::identity_list(self.conn, channel)
    }

    // --- The Chatwoot sync's state: SQL in sync.rs. ---
    fn sync_link(&mut self, id: ContactId) -> Result<Option<SyncLink>> {
        sync::link(self.conn, id)
    }

    fn sync_link_by_remote(&mut self, remote_id: i64) -> Result<Option<SyncLink>> {
        sync::link_by_remote(self.conn, remote_id)
    }

    fn sync_links(&mut self) -> Result<Vec<SyncLink>> {
        sync::links(self.conn)
    }

    fn sync_tombstone(&mut self, remote_id: i64) -> Result<Option<Side>> {
        sync::tombstone(self.conn, remote_id)
    }

    fn sync_conflicts(&mut self, limit: u32) -> Result<Vec<ConflictRecord>> {
        sync::conflicts(self.conn, limit)
    }

    fn sync_parked(&mut self) -> Result<Vec<Parked>> {
        sync::parked(self.conn)
    }

    fn setting(&mut self, key: &str) -> Result<Option<serde_json::Value>> {
        sync::setting(self.conn, key)
    }

    fn all_contact_keys(&mut self) -> Result<Vec<crate::store::ContactKeys>> {
        let mut out: Vec<crate::store::ContactKeys> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name FROM contacts ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id = ContactId::from_raw(row.get(0)?);
            index.insert(id, out.len());
            out.push(crate::store::ContactKeys {
                id,
                name: row.get(1)?,
                emails: Vec::new(),
                phones: Vec::new(),
                tags: Vec::new(),
            });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT contact_id, kind, value FROM contact_points ORDER BY contact_id, kind, position",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let Some(&at) = index.get(&ContactId::from_raw(row.get(0)?)) else {
                continue;
            };
            let (kind, value): (String, String) = (row.get(1)?, row.get(2)?);
            if kind == "email" {
                out[at].emails.push(value)
            } else {
                out[at].phones.push(value)
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT ct.contact_id, t.key FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(&at) = index.get(&ContactId::from_raw(row.get(0)?)) {
                out[at].tags.push(row.get(1)?);
            }
        }
        Ok(out)
    }
}

impl Writer for Sql<'_> {
    fn insert_contact(&mut self, record: &ContactRecord) -> Result<ContactId> {
        // The primary email and phone copies follow with replace_points.
        let id = batch::insert_row(self.conn, record, None, None)?;
        if !self.texts_change() {
            search::reindex(self.conn, id, None)?; // query engine: search index upkeep
        }
        Ok(ContactId::from_raw(id))
    }

    fn update_contact(&mut self, id: ContactId, record: &ContactRecord) -> Result<bool> {
        let attributes = serde_json::to_string(&record.attributes)
            .map_err(|err| Error::invalid(Field::Attribute, "", err.to_string()))?;
        created::materialize(self.conn, id)?;
        let before = self.texts_before(id)?;
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE contacts SET name = ?2, name_key = ?3, source = ?4, verification = ?5,
                        attributes = ?6, created_at = ?7, updated_at = ?8, last_activity_at = ?9
                 WHERE id = ?1",
            )?
            .execute(params![
                id.as_raw(),
                record.name,
                record.name_key,
                record.source.as_str(),
                record.verification.as_str(),
                attributes,
                to_millis(record.created_at),
                to_millis(record.updated_at),
                record.last_activity_at.map(to_millis),
            ])?;
        if !self.texts_change() {
            search::reindex(self.conn, id.as_raw(), before.as_ref())?; // query engine: search index upkeep
        }
        Ok(changed == 1)
    }

    fn delete_contact(&mut self, id: ContactId) -> Result<bool> {
        // Points and tag links go by ON DELETE CASCADE.
        if !self.texts_change() {
            search::remove(self.conn, id.as_raw())?; // query engine: search index upkeep
        }
        let deleted = self
            .conn
            .prepare_cached("DELETE FROM contacts WHERE id = ?1")?
            .execute([id.as_raw()])?;
        Ok(deleted == 1)
    }

    fn replace_points(&mut self, id: ContactId, kind: PointKind, points: &[PointRecord]) -> Result<()> {
        self.point_keys_needed()?;
        created::materialize(self.conn, id)?;
        let before = self.texts_before(id)?;
        // A point that stays keeps its origin.
        let origins: std::collections::HashMap<String, Option<String>> = self
            .conn
            .prepare_cached("SELECT key, origin FROM contact_points WHERE contact_id = ?1 AND kind = ?2")?
            .query_map(params![id.as_raw(), kind.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        self.conn
            .prepare_cached("DELETE FROM contact_points WHERE contact_id = ?1 AND kind = ?2")?
            .execute(params![id.as_raw(), kind.as_str()])?;
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO contact_points (kind, key, contact_id, position, value, original, label, origin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for (position, point) in points.iter().enumerate() {
            let inserted = insert.execute(params![
                kind.as_str(),
                point.key,
                id.as_raw(),
                position as i64,
                point.value,
                point.original,
                point.label,
                origins.get(&point.key).cloned().flatten(),
            ]);
            match inserted {
                Ok(_) => {}
                Err(err) if is_unique_violation(&err) => {
                    return Err(duplicate_point(self.conn, kind, &point.key, err));
                }
                Err(err) => return Err(err.into()),
            }
        }
        let primary = points.first().map(|p| p.value.as_str());
        let sql = match kind {
            PointKind::Email => "UPDATE contacts SET email = ?2 WHERE id = ?1",
            PointKind::Phone => "UPDATE contacts SET phone = ?2 WHERE id = ?1",
        };
        self.conn
            .prepare_cached(sql)?
            .execute(params![id.as_raw(), primary])?;
        if !self.texts_change() {
            search::reindex(self.conn, id.as_raw(), before.as_ref())?; // query engine: search index upkeep
        }
        Ok(())
    }

    fn link_tags(&mut self, id: ContactId, tags: &[TagName]) -> Result<()> {
        for tag in tags {
            let tag_id = batch::tag_id(self.conn, &mut self.tag_ids, tag)?;
            self.conn
                .prepare_cached("INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) VALUES (?1, ?2)")?
                .execute(params![id.as_raw(), tag_id])?;
        }
        Ok(())
    }

    fn unlink_tags(&mut self, id: ContactId, keys: &[String]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "DELETE FROM contact_tags WHERE contact_id = ?1 AND tag_id = (SELECT id FROM tags WHERE key = ?2)",
        )?;
        for key in keys {
            stmt.execute(params![id.as_raw(), key])?;
        }
        Ok(())
    }

    fn rename_tag(&mut self, key: &str, to: &TagName) -> Result<Vec<ContactId>> {
        self.tag_ids.clear();
        *self.tag_names.get_mut() = TagNames::default();
        let tag_id = self
            .tag_id(key)?
            .ok_or_else(|| Error::TagNotFound(key.to_owned()))?;
        self.conn
            .prepare_cached("UPDATE tags SET name = ?2, key = ?3 WHERE id = ?1")?
            .execute(params![tag_id, to.as_str(), to.key()])?;
        self.tagged_contacts(tag_id)
    }

    fn merge_tags(&mut self, from_key: &str, into_key: &str) -> Result<Vec<ContactId>> {
        self.tag_ids.clear();
        let from = self
            .tag_id(from_key)?
            .ok_or_else(|| Error::TagNotFound(from_key.to_owned()))?;
        let into = self
            .tag_id(into_key)?
            .ok_or_else(|| Error::TagNotFound(into_key.to_owned()))?;
        let affected = self.tagged_contacts(from)?;
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO contact_tags (contact_id, tag_id)
                 SELECT contact_id, ?2 FROM contact_tags WHERE tag_id = ?1",
            )?
            .execute(params![from, into])?;
        self.conn
            .prepare_cached("DELETE FROM tags WHERE id = ?1")?
            .execute([from])?;
        Ok(affected)
    }

    fn delete_tag(&mut self, key: &str) -> Result<Vec<ContactId>> {
        self.tag_ids.clear();
        let tag_id = self
            .tag_id(key)?
            .ok_or_else(|| Error::TagNotFound(key.to_owned()))?;
        let affected = self.tagged_contacts(tag_id)?;
        self.conn
            .prepare_cached("DELETE FROM tags WHERE id = ?1")?
            .execute([tag_id])?;
        Ok(affected)
    }

    fn insert_contacts(
        &mut self,
        contacts: &[crate::store::NewContactRecord],
        actor: &Actor,
    ) -> Result<Vec<ContactId>> {
        if let Some(load) = &mut self.bulk_load {
            load.added += contacts.len() as u64;
            // Past half the size of the book, one rebuild of everything costs less than
            // fitting each new contact in between the old ones (measured at 100k and 1M:
            // about 100 us a contact against 30 us for each contact of a rebuild).
            if load.dropped.is_none() && load.added > BULK_REBUILD_AFTER.max(load.at_start / 2) {
                load.dropped = Some(search::defer(self.conn)?);
                // The rebuild's search rows and counts come from a thread of their own, which
                // sees every contact: those in the book now, then each batch of the load.
                if !load.texts_changed {
                    load.search = SearchBuild::start(self.conn)?;
                    if let Some(build) = &load.search
                        && !build.add_book(self.conn)?
                    {
                        load.search = None;
                    }
                }
                // The first batch of a load into an empty book.
                if load.at_start == 0 && load.added == contacts.len() as u64 && !load.texts_changed {
                    load.point_keys = search::defer_one(self.conn, search::POINT_KEYS)?;
                }
            }
        }
        let load = self.bulk_load.as_ref();
        let upkeep = batch::Upkeep {
            reindex: load.is_none(),
            point_keys: load.is_none_or(|load| load.point_keys.is_none()),
            link_trigger: load.is_none_or(|load| load.dropped.is_none()),
        };
        let inserted = batch::insert_contacts(self.conn, contacts, actor, upkeep, &mut self.tag_ids);
        if let Some(load) = &mut self.bulk_load {
            // A failed batch may have written some of its contacts: rebuild in the book then.
            let handed_over = match (&inserted, &load.search) {
                (Ok(ids), Some(build)) => build.add(
                    ids.iter()
                        .map(|id| id.as_raw())
                        .zip(contacts.iter().map(search::Texts::of_new))
                        .collect(),
                ),
                _ => false,
            };
            if !handed_over {
                load.search = None;
            }
        }
        inserted
    }

    fn record_created(
        &mut self,
        first: ContactId,
        last: ContactId,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        created::record_created(self.conn, first.as_raw(), last.as_raw(), actor, at)
    }

    // --- Added for import (codec): bulk loading. ---
    fn set_bulk_load(&mut self, on: bool) -> Result<()> {
        match (self.bulk_load.is_some(), on) {
            (false, true) => {
                self.conn
                    .pragma_update(None, "cache_size", super::BULK_LOAD_CACHE_KIB)?;
                self.bulk_load = Some(BulkLoad {
                    at_start: self.contact_count()?,
                    added: 0,
                    dropped: None,
                    search: None,
                    texts_changed: false,
                    point_keys: None,
                });
            }
            (true, false) => {
                let load = self.bulk_load.take();
                let (dropped, build, point_keys) = load.map_or((None, None, None), |load| {
                    (load.dropped, load.search, load.point_keys)
                });
                let caught_up = match dropped {
                    Some(dropped) => {
                        self.rebuilt = true;
                        // Each sort of the rebuild may hold as much memory as the page cache:
                        // a smaller cache for them keeps the peak of a large import down.
                        self.conn
                            .pragma_update(None, "cache_size", super::REBUILD_CACHE_KIB)?;
                        self.conn.execute_batch("PRAGMA shrink_memory")?;
                        // The search rows come from the load's own thread, which builds them
                        // while this one rebuilds the rest.
                        let built = build.and_then(SearchBuild::finish);
                        search::rebuild_ranked(self.conn)
                            .and_then(|()| match built {
                                Some((counted, rows)) => {
                                    short::replace(self.conn, counted).map(|()| Some(rows))
                                }
                                None => search::rebuild_search_rows(self.conn)
                                    .and_then(|()| short::recount(self.conn))
                                    .map(|()| None),
                            })
                            .and_then(|rows| {
                                search::restore_in_parallel(self.conn, &dropped, point_keys.as_deref())?;
                                match rows {
                                    Some(rows) if rows.copy_into(self.conn)? => Ok(()),
                                    Some(_) => search::rebuild_search_rows(self.conn),
                                    None => Ok(()),
                                }
                            })
                    }
                    None => search::index_unranked(self.conn).and_then(|fitted| match fitted {
                        true => Ok(()),
                        false => search::rebuild(self.conn),
                    }),
                };
                self.conn
                    .pragma_update(None, "cache_size", super::WRITER_CACHE_KIB)?;
                caught_up?;
            }
            _ => {}
        }
        Ok(())
    }

    fn touch(&mut self, ids: &[ContactId], at: DateTime<Utc>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("UPDATE contacts SET updated_at = ?2 WHERE id = ?1")?;
        for id in ids {
            stmt.execute(params![id.as_raw(), to_millis(at)])?;
        }
        Ok(())
    }

    // --- The change feed, provenance and idempotency keys: SQL in feed.rs. ---
    fn append_event(&mut self, event: &EventDraft) -> Result<u64> {
        feed::append(self.conn, event)
    }

    fn scrub_events(&mut self, id: ContactId) -> Result<()> {
        feed::scrub(self.conn, id)
    }

    fn compact_events(
        &mut self,
        events_before: DateTime<Utc>,
        tombstones_before: DateTime<Utc>,
    ) -> Result<u64> {
        feed::compact(self.conn, events_before, tombstones_before)
    }

    fn set_consumer_cursor(&mut self, name: &str, seq: u64) -> Result<()> {
        feed::set_consumer(self.conn, name, seq)
    }

    fn set_provenance(&mut self, id: ContactId, field: &str, source: Option<&FieldSource>) -> Result<()> {
        created::materialize(self.conn, id)?;
        feed::set_provenance(self.conn, id, field, source)
    }

    fn remember_result(
        &mut self,
        key: &str,
        operation: &str,
        result: &str,
        contact: Option<ContactId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        feed::remember_result(self.conn, key, operation, result, contact, at)
    }

    fn forget_results_of(&mut self, id: ContactId) -> Result<()> {
        feed::forget_results_of(self.conn, id)
    }

    fn forget_results_before(&mut self, before: DateTime<Utc>) -> Result<u64> {
        feed::forget_results_before(self.conn, before)
    }

    // --- Lifecycle: SQL in lifecycle.rs. ---
    fn upsert_channel_identity(
        &mut self,
        id: ContactId,
        channel: Channel,
        external_id: &str,
        username: Option<&str>,
        display_name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        lifecycle::upsert_identity(self.conn, id, channel, external_id, username, display_name, at)
    }

    fn touch_conversation(
        &mut self,
        id: ContactId,
        channel: Channel,
        at: DateTime<Utc>,
    ) -> Result<ConversationId> {
        lifecycle::touch_conversation(self.conn, id, channel, at)
    }

    fn append_message(
        &mut self,
        conversation: ConversationId,
        direction: Direction,
        text: &str,
        at: DateTime<Utc>,
        form_name: Option<&str>,
    ) -> Result<MessageId> {
        lifecycle::append_message(self.conn, conversation, direction, text, at, form_name)
    }

    fn append_verification(
        &mut self,
        id: ContactId,
        status: Verification,
        method: Option<&str>,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()> {
        created::materialize(self.conn, id)?;
        lifecycle::append_verification(self.conn, id, status, method, actor, at)
    }

    fn append_audit(
        &mut self,
        actor: &Actor,
        action: AuditAction,
        ids: &[ContactId],
        range: Option<crate::audit::ContactRange>,
        details: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        lifecycle::append_audit(self.conn, actor, action, ids, range, details, at)
    }

    fn set_reviewed(&mut self, id: ContactId, reviewed: bool) -> Result<bool> {
        lifecycle::set_reviewed(self.conn, id, reviewed)
    }

    fn move_history(&mut self, from: ContactId, to: ContactId) -> Result<()> {
        created::materialize(self.conn, from)?;
        created::materialize(self.conn, to)?;
        lifecycle::move_history(self.conn, from, to)
    }

    // --- The Chatwoot sync's state: SQL in sync.rs. ---
    fn save_sync_link(&mut self, link: &SyncLink) -> Result<()> {
        sync::save_link(self.conn, link)
    }

    fn delete_sync_link(&mut self, id: ContactId) -> Result<()> {
        sync::delete_link(self.conn, id)
    }

    fn scrub_sync_link(&mut self, id: ContactId) -> Result<()> {
        sync::scrub_link(self.conn, id)
    }

    fn add_sync_tombstone(
        &mut self,
        remote_id: i64,
        id: ContactId,
        side: Side,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sync::add_tombstone(self.conn, remote_id, id, side, at)
    }

    fn add_sync_conflict(&mut self, record: &ConflictRecord) -> Result<()> {
        sync::add_conflict(self.conn, record)
    }

    fn park_sync(&mut self, id: ContactId, reason: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        sync::park(self.conn, id, reason, at)
    }

    fn set_setting(&mut self, key: &str, value: Option<&serde_json::Value>) -> Result<()> {
        sync::set_setting(self.conn, key, value)
    }

    fn set_point_origin(
        &mut self,
        id: ContactId,
        kind: PointKind,
        key: &str,
        origin: crate::Origin,
    ) -> Result<()> {
        let origin = match serde_json::to_value(origin) {
            Ok(serde_json::Value::String(o)) => o,
            _ => return Ok(()),
        };
        self.point_keys_needed()?;
        self.conn
            .prepare_cached(
                "UPDATE contact_points SET origin = ?4 WHERE kind = ?2 AND key = ?3 AND contact_id = ?1 AND origin IS NULL",
            )?
            .execute(params![id.as_raw(), kind.as_str(), key, origin])?;
        Ok(())
    }
}
