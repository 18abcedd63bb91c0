//! The storage trait: what a backend (SQLite today, PostgreSQL later) must provide.
//!
//! A backend provides transactions and a small set of primitive reads and writes over
//! validated values; all business rules (validation, tag identity, duplicate policy,
//! permissions) live once in [`crate::Book`]. Nothing here names a backend type, so the
//! same conformance checks (`tests/conformance/`, run by `tests/storage_conformance.rs`) run
//! against every backend.

mod rows;
pub(crate) mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::audit::{AuditAction, AuditEntry};
use crate::contact::{Attributes, Contact, ContactId, Source, Verification};
use crate::conversation::{
    Channel, ChannelIdentity, Conversation, ConversationId, Direction, Message, MessageId,
};
use crate::error::Result;
use crate::feed::{ChangeFilter, Event, EventDraft};
use crate::provenance::{FieldSource, Provenance};
use crate::query::{Page, Query};
use crate::sync::{ConflictRecord, Parked, Side, SyncLink};
use crate::tag::{TagCount, TagName};
use crate::verification::VerificationRecord;

pub use rows::{Row, RowPage, RowPoint, Span};
pub use sqlite::SqliteStore;

/// The row of a contact without its points and tags, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// The tidy display name.
    pub name: String,
    /// The folded name that sort and search compare ([`crate::fold()`]).
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

/// A new contact for [`Writer::insert_contacts`]: its row, emails and phones (primary first)
/// and tags, all validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContactRecord {
    /// The row.
    pub record: ContactRecord,
    /// Its emails, the primary one first.
    pub emails: Vec<PointRecord>,
    /// Its phones, the primary one first.
    pub phones: Vec<PointRecord>,
    /// Its tags.
    pub tags: Vec<TagName>,
}

/// Email or phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

/// What the duplicate finder reads of a contact: its keys, no full row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactKeys {
    /// The contact.
    pub id: ContactId,
    /// Its name.
    pub name: String,
    /// Its emails as stored.
    pub emails: Vec<String>,
    /// Its phones in E.164.
    pub phones: Vec<String>,
    /// Its tag keys.
    pub tags: Vec<String>,
}

/// Reads inside one consistent snapshot.
pub trait Reader {
    /// The whole contact with its points and tags, or `None` if there is no such contact.
    fn contact(&mut self, id: ContactId) -> Result<Option<Contact>>;
    /// The contact holding the email or phone whose key is `key`.
    fn point_owner(&mut self, kind: PointKind, key: &str) -> Result<Option<ContactId>>;
    /// How many contacts the book holds.
    fn contact_count(&mut self) -> Result<u64>;
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
    /// Up to `limit` whole contacts with ids above `after` (`None`: from the first), in id
    /// order: how an export walks the whole book.
    fn contacts_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<Vec<Contact>>;
    /// The same contacts as [`Reader::contacts_after`], as flat rows: how a CSV export
    /// walks the whole book. A backend can read them without building whole contacts; this
    /// default builds them.
    fn row_page_after(&mut self, after: Option<ContactId>, limit: u32) -> Result<RowPage> {
        let mut page = RowPage::default();
        for contact in self.contacts_after(after, limit)? {
            page.push_contact(&contact)?;
        }
        Ok(page)
    }
    /// Every custom attribute key used by any contact, in key order.
    fn attribute_keys(&mut self) -> Result<Vec<String>>;

    // --- The change feed, provenance and idempotency keys (feed.rs, provenance.rs). ---
    /// Events after `after` that pass `filter`, at most `limit`, and the last sequence number
    /// looked at (the cursor to continue from).
    fn events_after(&mut self, after: u64, limit: u32, filter: &ChangeFilter) -> Result<(Vec<Event>, u64)>;
    /// The newest committed sequence number (0 when none).
    fn last_event_seq(&mut self) -> Result<u64>;
    /// Every event with a sequence number up to this one may have been compacted away.
    fn feed_horizon(&mut self) -> Result<u64>;
    /// The acknowledged cursor of a named consumer.
    fn consumer_cursor(&mut self, name: &str) -> Result<Option<u64>>;
    /// Where each field of a contact came from.
    fn provenance(&mut self, id: ContactId) -> Result<Provenance>;
    /// The contacts carrying the tag whose key is `key`, in id order.
    fn contacts_with_tag(&mut self, key: &str) -> Result<Vec<ContactId>>;
    /// The stored result of an earlier call with this idempotency key, unless older than
    /// `not_before`. Errors when the key was used for another operation.
    fn idempotent_result(
        &mut self,
        key: &str,
        operation: &str,
        not_before: DateTime<Utc>,
    ) -> Result<Option<String>>;

    // --- Lifecycle: channel identities, conversations, verification, audit (lifecycle.rs). ---
    /// The contact known on `channel` as `external_id`.
    fn channel_identity_owner(&mut self, channel: Channel, external_id: &str) -> Result<Option<ContactId>>;
    /// How a contact is known on the channels.
    fn channel_identities(&mut self, id: ContactId) -> Result<Vec<ChannelIdentity>>;
    /// A contact's conversations, most recent first.
    fn conversations(&mut self, id: ContactId) -> Result<Vec<Conversation>>;
    /// One conversation.
    fn conversation(&mut self, id: ConversationId) -> Result<Option<Conversation>>;
    /// Messages of a conversation, newest first, older than `before`, at most `limit`.
    fn messages(
        &mut self,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<Message>>;
    /// A contact's verification history, oldest first.
    fn verification_history(&mut self, id: ContactId) -> Result<Vec<VerificationRecord>>;
    /// Audit entries after `after`, oldest first, optionally only those about one contact.
    fn audit_entries(
        &mut self,
        after: i64,
        limit: u32,
        contact: Option<ContactId>,
    ) -> Result<Vec<AuditEntry>>;
    /// Every identity on `channel`: (contact, external id), in contact order.
    fn channel_identity_list(&mut self, channel: Channel) -> Result<Vec<(ContactId, String)>>;

    // --- The Chatwoot sync's state (sync.rs). ---
    /// The link of a local contact.
    fn sync_link(&mut self, id: ContactId) -> Result<Option<SyncLink>>;
    /// The link of a Chatwoot contact.
    fn sync_link_by_remote(&mut self, remote_id: i64) -> Result<Option<SyncLink>>;
    /// Every link, in contact order.
    fn sync_links(&mut self) -> Result<Vec<SyncLink>>;
    /// Whether (and on which side) the Chatwoot contact was deleted.
    fn sync_tombstone(&mut self, remote_id: i64) -> Result<Option<Side>>;
    /// The most recent conflicts, newest first.
    fn sync_conflicts(&mut self, limit: u32) -> Result<Vec<ConflictRecord>>;
    /// Contacts Chatwoot refused, with its reason.
    fn sync_parked(&mut self) -> Result<Vec<Parked>>;

    /// A book setting (JSON), by key.
    fn setting(&mut self, key: &str) -> Result<Option<serde_json::Value>>;

    /// The keys of every contact, in id order (a few scans, not one read per contact).
    fn all_contact_keys(&mut self) -> Result<Vec<ContactKeys>>;
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

    /// Inserts new contacts, in order, as written by `actor`, and returns their ids:
    /// increasing, and consecutive with those of the other calls in the same transaction (a
    /// batch event names them as one range). For each contact: the row, its points (with the
    /// actor's origin) and its tags. The caller then writes [`Writer::record_created`] for the
    /// range and one event for the whole batch.
    ///
    /// # Errors
    /// [`crate::Error::Duplicate`] when a point already belongs to a contact (enforced by the
    /// same constraint as [`Writer::replace_points`]).
    fn insert_contacts(&mut self, contacts: &[NewContactRecord], actor: &Actor) -> Result<Vec<ContactId>>;

    /// Records, for every contact with an id from `first` to `last` (created by
    /// [`Writer::insert_contacts`]), what a single create records besides its event: the
    /// provenance of its name, email, phone and each attribute (`actor`, `at`) and its first
    /// verification record. How is the backend's choice, as long as
    /// [`Reader::provenance`] and [`Reader::verification_history`] read them back: SQLite
    /// stores one row for the range and writes a contact's records out at its first change.
    fn record_created(
        &mut self,
        first: ContactId,
        last: ContactId,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()>;

    // --- Added for import (codec): bulk loading. ---
    /// Turns bulk loading on or off for the rest of this transaction. While it is on, the
    /// contacts [`Writer::insert_contacts`] adds skip the per-row upkeep of derived indexes
    /// (search); turning it off brings those up to date inside the same transaction, so no
    /// reader ever sees them disagree. How is the backend's choice: SQLite fits the new
    /// contacts in between the old ones when the load is less than half the book, and past
    /// that drops its derived indexes and rebuilds them once.
    fn set_bulk_load(&mut self, on: bool) -> Result<()>;

    // --- The change feed, provenance and idempotency keys. ---
    /// Appends an event and returns its sequence number.
    fn append_event(&mut self, event: &EventDraft) -> Result<u64>;
    /// Removes the personal values from every event about a contact (erase).
    fn scrub_events(&mut self, id: ContactId) -> Result<()>;
    /// Removes ordinary events older than `events_before` and tombstones older than
    /// `tombstones_before`, moving the horizon. Returns how many were removed.
    fn compact_events(
        &mut self,
        events_before: DateTime<Utc>,
        tombstones_before: DateTime<Utc>,
    ) -> Result<u64>;
    /// Moves a named consumer's cursor forward to `seq` (never backwards).
    fn set_consumer_cursor(&mut self, name: &str, seq: u64) -> Result<()>;
    /// Records (or with `None` forgets) where a field's value came from.
    fn set_provenance(&mut self, id: ContactId, field: &str, source: Option<&FieldSource>) -> Result<()>;
    /// Stores the result of a call made with an idempotency key.
    fn remember_result(
        &mut self,
        key: &str,
        operation: &str,
        result: &str,
        contact: Option<ContactId>,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Forgets the stored results about a contact (erase).
    fn forget_results_of(&mut self, id: ContactId) -> Result<()>;
    /// Forgets stored results older than `before` (expired keys).
    fn forget_results_before(&mut self, before: DateTime<Utc>) -> Result<u64>;

    // --- Lifecycle. ---
    /// Records (or refreshes) how a contact is known on a channel.
    fn upsert_channel_identity(
        &mut self,
        id: ContactId,
        channel: Channel,
        external_id: &str,
        username: Option<&str>,
        display_name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// The contact's conversation on `channel` (created if needed), its last message time
    /// moved to `at`.
    fn touch_conversation(
        &mut self,
        id: ContactId,
        channel: Channel,
        at: DateTime<Utc>,
    ) -> Result<ConversationId>;
    /// Appends a message.
    fn append_message(
        &mut self,
        conversation: ConversationId,
        direction: Direction,
        text: &str,
        at: DateTime<Utc>,
        form_name: Option<&str>,
    ) -> Result<MessageId>;
    /// Appends a verification history record.
    fn append_verification(
        &mut self,
        id: ContactId,
        status: Verification,
        method: Option<&str>,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Appends an audit entry about `ids` and every contact of `range`, and returns its id.
    fn append_audit(
        &mut self,
        actor: &Actor,
        action: AuditAction,
        ids: &[ContactId],
        range: Option<crate::audit::ContactRange>,
        details: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<i64>;
    /// Sets the reviewed flag. Returns false when there is no such contact.
    fn set_reviewed(&mut self, id: ContactId, reviewed: bool) -> Result<bool>;
    /// Moves conversations (uniting two on the same channel), channel identities and
    /// verification history from one contact to another (a merge).
    fn move_history(&mut self, from: ContactId, to: ContactId) -> Result<()>;

    // --- The Chatwoot sync's state. ---
    /// Stores (or replaces) a link.
    fn save_sync_link(&mut self, link: &SyncLink) -> Result<()>;
    /// Removes a link.
    fn delete_sync_link(&mut self, id: ContactId) -> Result<()>;
    /// Empties the base of a deleted contact's link (its remote delete is still to be pushed)
    /// and forgets its conflicts and refusals (erase).
    fn scrub_sync_link(&mut self, id: ContactId) -> Result<()>;
    /// Records that a Chatwoot contact was deleted on `side`.
    fn add_sync_tombstone(
        &mut self,
        remote_id: i64,
        id: ContactId,
        side: Side,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Records a resolved conflict.
    fn add_sync_conflict(&mut self, record: &ConflictRecord) -> Result<()>;
    /// Parks a contact with Chatwoot's reason (`None` unparks it).
    fn park_sync(&mut self, id: ContactId, reason: Option<&str>, at: DateTime<Utc>) -> Result<()>;

    /// Stores a book setting (JSON); `None` removes it.
    fn set_setting(&mut self, key: &str, value: Option<&serde_json::Value>) -> Result<()>;

    /// Records where a point came from, unless it has an origin already.
    fn set_point_origin(
        &mut self,
        id: ContactId,
        kind: PointKind,
        key: &str,
        origin: crate::Origin,
    ) -> Result<()>;
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
    /// Blocks until this store commits a write or `timeout` passes (whichever is first).
    /// Backends that cannot be woken by their own commits just sleep.
    fn wait_for_commit(&self, timeout: std::time::Duration) {
        std::thread::sleep(timeout);
    }

    /// Makes sure erased data does not survive in a journal (SQLite: checkpoints and truncates
    /// the WAL). Called after every delete. Backends without such a journal do nothing.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    fn scrub_journal(&self) -> Result<()> {
        Ok(())
    }

    /// Writes a consistent copy of the whole store to a new file at `path`, without blocking
    /// writers for long.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    fn backup_to(&self, path: &std::path::Path) -> Result<()>;
}
