//! The storage trait: what a backend (SQLite today, PostgreSQL later) must provide.
//!
//! A backend provides transactions and a small set of primitive reads and writes over
//! validated values; all business rules (validation, tag identity, duplicate policy,
//! permissions) live once in [`crate::Book`]. Nothing here names a backend type, so the
//! same [conformance checks](crate::conformance) run against every backend.

pub(crate) mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{Attributes, Contact, ContactId, Source, Verification};
use crate::error::Result;
use crate::query::{Page, Query};
use crate::tag::{TagCount, TagName};

pub use sqlite::SqliteStore;

/// The row of a contact without its points and tags, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// The tidy display name.
    pub name: String,
    /// The folded name that sort and search compare ([`crate::fold`]).
    pub name_key: String,
    /// The source channel.
    pub source: Source,
    /// The verification status.
    pub verification: Verification,
    /// Custom attributes.
    pub attributes: Attributes,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
    /// Last activity time.
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// Email or phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
}

impl PointKind {
    /// The wire name (`email`, `phone`).
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Email => "email",
            PointKind::Phone => "phone",
        }
    }
}

/// One validated email or phone of a contact as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointRecord {
    /// What uniqueness compares: the lowercased email or the E.164 phone.
    pub key: String,
    /// The value shown: the email as written (domain lowercased) or the E.164 phone.
    pub value: String,
    /// The phone's original text (emails: `None`).
    pub original: Option<String>,
    /// The label.
    pub label: Option<String>,
}

/// Reads inside one consistent snapshot.
pub trait Reader {
    /// The whole contact with its points and tags, or `None` if there is no such contact.
    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>>;
    /// The contact holding the email or phone whose key is `key`.
    fn point_owner(&mut self, kind: PointKind, key: &str) -> Result<Option<ContactId>>;
    /// Every tag with its contact count, in key order.
    fn tag_counts(&mut self) -> Result<Vec<TagCount>>;
    /// Tags whose key starts with `key_prefix`, most used first, at most `limit`.
    fn tags_with_prefix(&mut self, key_prefix: &str, limit: u32) -> Result<Vec<TagCount>>;
    /// The name of the tag whose key is `key`.
    fn tag_name(&mut self, key: &str) -> Result<Option<String>>;

    // --- Added for import/export (codec): keyset paging over every id, attribute keys. ---

    /// Up to `limit` contact ids greater than `after` (all ids when `None`), ascending: a
    /// keyset page, so walking every contact costs the same on every page.
    fn contact_ids_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<Vec<ContactId>>;
    /// Every custom attribute key used by any contact, in key order.
    fn attribute_keys(&mut self) -> Result<Vec<String>>;
}

/// Writes inside one transaction; everything a closure given to [`Store::write`] does commits
/// together or not at all.
pub trait Writer: Reader {
    /// Inserts a contact row and returns its new, never reused id.
    fn insert_contact(&mut self, record: &ContactRecord) -> Result<ContactId>;
    /// Overwrites a contact row. Returns false when there is no such contact.
    fn update_contact(&mut self, id: ContactId, record: &ContactRecord) -> Result<bool>;
    /// Deletes a contact and everything hanging off it. Returns false when there was none.
    fn delete_contact(&mut self, id: ContactId) -> Result<bool>;
    /// Replaces every email or phone of a contact with `points`, the primary one first.
    ///
    /// # Errors
    /// [`crate::Error::Duplicate`] when a point's key already belongs to another contact; the
    /// backend must enforce this with a constraint, so concurrent writers cannot race past it.
    fn replace_points(&mut self, id: ContactId, kind: PointKind, points: &[PointRecord]) -> Result<()>;
    /// Links tags to a contact, creating tags that do not exist yet.
    fn link_tags(&mut self, id: ContactId, tags: &[TagName]) -> Result<()>;
    /// Unlinks the tags with these keys from a contact.
    fn unlink_tags(&mut self, id: ContactId, keys: &[String]) -> Result<()>;
    /// Changes the name of the tag `key` to `to` (whose key may differ). Returns the ids of the
    /// contacts carrying it.
    fn rename_tag(&mut self, key: &str, to: &TagName) -> Result<Vec<ContactId>>;
    /// Moves every link of tag `from_key` to tag `into_key` and deletes `from_key`. Returns the
    /// ids of the contacts whose tags changed.
    fn merge_tags(&mut self, from_key: &str, into_key: &str) -> Result<Vec<ContactId>>;
    /// Deletes a tag and its links. Returns the ids of the contacts that carried it.
    fn delete_tag(&mut self, key: &str) -> Result<Vec<ContactId>>;
    /// Sets `updated_at` of these contacts.
    fn touch(&mut self, ids: &[ContactId], at: DateTime<Utc>) -> Result<()>;
}

/// A storage backend. Implementations are shared between threads.
pub trait Store: Send + Sync {
    /// Runs `body` in a read snapshot.
    fn read(&self, body: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()>;
    /// Runs `body` in a write transaction that commits when it returns `Ok` and rolls back
    /// otherwise.
    fn write(&self, body: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()>;
    /// One page of the contacts matching `query` and their total count, read in one snapshot.
    /// The query has been validated ([`Query::validate`]); the backend follows the semantics
    /// documented on [`Query`], [`crate::Filter`] and [`crate::Sort`].
    fn query(&self, query: &Query) -> Result<Page>;
    /// One page of the contacts matching `query` and the cursor after it, without the total.
    fn page(&self, query: &Query) -> Result<(Vec<Contact>, Option<String>)>;
    /// How many contacts match `query` (its sort, limit and cursor do not matter).
    fn count(&self, query: &Query) -> Result<u64>;
}
