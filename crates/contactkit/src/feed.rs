//! The change feed: every change to the book is an event, written in the same transaction as
//! the change itself, numbered by a strictly increasing sequence without gaps.
//!
//! This module holds the event types, the one function that turns a before/after pair of a
//! contact into events ([`events_between`]), and the [`Book`] methods that read the feed.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::actor::{Actor, Origin, Role};
use crate::book::Book;
use crate::contact::{Contact, ContactId};
use crate::error::{Error, Result};

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A contact was created; `changes` holds every field it was created with.
    Created,
    /// Fields of a contact changed (name, emails, phones, source, last activity).
    Updated,
    /// Tags were added to a contact.
    TagAdded,
    /// Tags were removed from a contact.
    TagRemoved,
    /// The verification status changed.
    VerificationChanged,
    /// Custom attributes were set.
    AttributeSet,
    /// Custom attributes were removed.
    AttributeUnset,
    /// A contact was deleted: a tombstone with the id only.
    Deleted,
    /// A contact was merged into another (`changes`: `absorbed`, `survivor`).
    Merged,
    /// An import committed: `changes` is `{"created": N, "updated": M, "created_ids":
    /// {"first": ID, "last": ID} or null}`. The contacts it created have no `created` event
    /// each: they are exactly the ids from `first` to `last` ([`Event::batch_ids`],
    /// [`Book::batch_contacts`]); each contact it updated has its own `updated` event.
    ImportBatch,
    /// A message was appended to a contact's conversation history.
    MessageAppended,
}

impl EventKind {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Updated => "updated",
            EventKind::TagAdded => "tag_added",
            EventKind::TagRemoved => "tag_removed",
            EventKind::VerificationChanged => "verification_changed",
            EventKind::AttributeSet => "attribute_set",
            EventKind::AttributeUnset => "attribute_unset",
            EventKind::Deleted => "deleted",
            EventKind::Merged => "merged",
            EventKind::ImportBatch => "import_batch",
            EventKind::MessageAppended => "message_appended",
        }
    }

    /// Whether events of this kind are tombstones, kept longer by retention.
    pub fn is_tombstone(self) -> bool {
        matches!(self, EventKind::Deleted | EventKind::Merged)
    }
}

/// Who made a change, as the feed records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventActor {
    /// The actor's id (a team member, a channel, a system).
    pub id: String,
    /// The actor's role.
    pub role: Role,
}

/// One committed change.
///
/// `changes` is a JSON object. For contact field changes each key is a field (`name`,
/// `emails`, `phones`, `source`, `verification`, `last_activity_at`, `tags`, or
/// `attributes.KEY`) and each value is `{"old": …, "new": …}`; a created contact has `old`
/// null throughout. Tombstones (`deleted`) carry an empty object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The sequence number: strictly increasing, no gaps among committed events.
    pub seq: u64,
    /// When the change was committed (UTC).
    pub time: DateTime<Utc>,
    /// What kind of change it was.
    pub kind: EventKind,
    /// The contact concerned (none for book-wide events such as an import batch).
    pub contact_id: Option<ContactId>,
    /// Who made it.
    pub actor: EventActor,
    /// Through which door it came in.
    pub origin: Origin,
    /// False for system noise: a change that only moved `last_activity_at`.
    pub meaningful: bool,
    /// What changed (see above).
    pub changes: Value,
}

impl Event {
    /// The first and last id of the contacts an `import_batch` event created (`None` for
    /// other events and for batches that created none).
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ChangeFilter, EventKind, ImportOptions};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let csv = "name,email\nAna,ana@example.com\nBo,bo@example.com\n";
    /// book.import_commit(&Actor::api("crm"), csv.as_bytes(), &ImportOptions::default(), |_| std::ops::ControlFlow::Continue(()), None)?;
    /// let page = book.changes(0, 10, &ChangeFilter::default())?;
    /// assert_eq!(page.events.len(), 1);
    /// assert_eq!(page.events[0].kind, EventKind::ImportBatch);
    /// let (first, last) = page.events[0].batch_ids().expect("two created");
    /// assert_eq!(last.as_raw() - first.as_raw(), 1);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn batch_ids(&self) -> Option<(ContactId, ContactId)> {
        if self.kind != EventKind::ImportBatch {
            return None;
        }
        let ids = self.changes.get("created_ids")?;
        let first = ids.get("first")?.as_i64()?;
        let last = ids.get("last")?.as_i64()?;
        Some((ContactId::from_raw(first), ContactId::from_raw(last)))
    }
}

/// An event about to be written: everything but the sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    /// See [`Event::time`].
    pub time: DateTime<Utc>,
    /// See [`Event::kind`].
    pub kind: EventKind,
    /// See [`Event::contact_id`].
    pub contact_id: Option<ContactId>,
    /// See [`Event::actor`].
    pub actor: EventActor,
    /// See [`Event::origin`].
    pub origin: Origin,
    /// See [`Event::meaningful`].
    pub meaningful: bool,
    /// See [`Event::changes`].
    pub changes: Value,
}

impl EventDraft {
    /// A meaningful event by `actor` at `time`, for [`crate::store::Writer::append_event`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, EventDraft, EventKind, Origin};
    /// let draft = EventDraft::new(&Actor::api("crm"), chrono::Utc::now(), EventKind::ImportBatch, None, serde_json::json!({}));
    /// assert_eq!((draft.origin, draft.meaningful), (Origin::Api, true));
    /// ```
    pub fn new(
        actor: &Actor,
        time: DateTime<Utc>,
        kind: EventKind,
        contact_id: Option<ContactId>,
        changes: Value,
    ) -> Self {
        EventDraft {
            time,
            kind,
            contact_id,
            actor: EventActor {
                id: actor.id.clone(),
                role: actor.role,
            },
            origin: actor.origin,
            meaningful: true,
            changes,
        }
    }
}

/// Which events [`Book::changes`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeFilter {
    /// Leave out system noise (changes that only moved `last_activity_at`).
    pub meaningful_only: bool,
    /// Only these kinds (empty: all).
    pub kinds: Vec<EventKind>,
    /// Only events about this contact.
    pub contact_id: Option<ContactId>,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePage {
    /// The events, in sequence order.
    pub events: Vec<Event>,
    /// The cursor for the next call: the last sequence number looked at (pass it as `after`).
    pub next: u64,
}

/// How long the feed keeps its history; see [`Book::compact_changes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Ordinary events older than this are removed (default 30 days).
    pub events: Duration,
    /// Tombstones (deletes, merges) older than this are removed (default 400 days), so a sync
    /// that was offline for months still learns of every delete.
    pub tombstones: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            events: Duration::from_secs(30 * 24 * 3600),
            tombstones: Duration::from_secs(400 * 24 * 3600),
        }
    }
}

fn change(old: Value, new: Value) -> Value {
    json!({ "old": old, "new": new })
}

fn json_of(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The events that turn `before` into `after` (`before` `None`: a creation). This is the one
/// place that decides what a change records; every write path of [`Book`] goes through it.
pub(crate) fn events_between(
    actor: &Actor,
    time: DateTime<Utc>,
    before: Option<&Contact>,
    after: &Contact,
) -> Vec<EventDraft> {
    let id = Some(after.id);
    let Some(before) = before else {
        let mut fields = Map::new();
        fields.insert("name".into(), change(Value::Null, json!(after.name)));
        fields.insert("emails".into(), change(Value::Null, json_of(&after.emails)));
        fields.insert("phones".into(), change(Value::Null, json_of(&after.phones)));
        fields.insert("tags".into(), change(Value::Null, json!(after.tags)));
        fields.insert("source".into(), change(Value::Null, json!(after.source)));
        fields.insert(
            "verification".into(),
            change(Value::Null, json!(after.verification)),
        );
        fields.insert("attributes".into(), change(Value::Null, json!(after.attributes)));
        fields.insert(
            "last_activity_at".into(),
            change(Value::Null, json!(after.last_activity_at)),
        );
        return vec![EventDraft::new(
            actor,
            time,
            EventKind::Created,
            id,
            Value::Object(fields),
        )];
    };

    let mut events = Vec::new();
    let mut fields = Map::new();
    if before.name != after.name {
        fields.insert("name".into(), change(json!(before.name), json!(after.name)));
    }
    // Compared as values first: most edits touch neither, and JSON is only built for a diff.
    if before.emails != after.emails {
        fields.insert(
            "emails".into(),
            change(json_of(&before.emails), json_of(&after.emails)),
        );
    }
    if before.phones != after.phones {
        fields.insert(
            "phones".into(),
            change(json_of(&before.phones), json_of(&after.phones)),
        );
    }
    if before.source != after.source {
        fields.insert("source".into(), change(json!(before.source), json!(after.source)));
    }
    let activity_moved = before.last_activity_at != after.last_activity_at;
    if activity_moved {
        fields.insert(
            "last_activity_at".into(),
            change(json!(before.last_activity_at), json!(after.last_activity_at)),
        );
    }
    if !fields.is_empty() {
        let only_activity = activity_moved && fields.len() == 1;
        let mut event = EventDraft::new(actor, time, EventKind::Updated, id, Value::Object(fields));
        event.meaningful = !only_activity;
        events.push(event);
    }

    if before.verification != after.verification {
        events.push(EventDraft::new(
            actor,
            time,
            EventKind::VerificationChanged,
            id,
            json!({ "verification": change(json!(before.verification), json!(after.verification)) }),
        ));
    }

    let mut set = Map::new();
    let mut unset = Map::new();
    for (key, value) in &after.attributes {
        if before.attributes.get(key) != Some(value) {
            set.insert(
                format!("attributes.{key}"),
                change(json!(before.attributes.get(key)), json!(value)),
            );
        }
    }
    for (key, value) in &before.attributes {
        if !after.attributes.contains_key(key) {
            unset.insert(format!("attributes.{key}"), change(json!(value), Value::Null));
        }
    }
    if !set.is_empty() {
        events.push(EventDraft::new(
            actor,
            time,
            EventKind::AttributeSet,
            id,
            Value::Object(set),
        ));
    }
    if !unset.is_empty() {
        events.push(EventDraft::new(
            actor,
            time,
            EventKind::AttributeUnset,
            id,
            Value::Object(unset),
        ));
    }

    let old_tags: BTreeSet<String> = before.tags.iter().map(|t| t.to_lowercase()).collect();
    let new_tags: BTreeSet<String> = after.tags.iter().map(|t| t.to_lowercase()).collect();
    let renamed = old_tags == new_tags && before.tags != after.tags;
    let tags = json!({ "tags": change(json!(before.tags), json!(after.tags)) });
    if new_tags.difference(&old_tags).next().is_some() || renamed {
        events.push(EventDraft::new(
            actor,
            time,
            EventKind::TagAdded,
            id,
            tags.clone(),
        ));
    }
    if old_tags.difference(&new_tags).next().is_some() {
        events.push(EventDraft::new(actor, time, EventKind::TagRemoved, id, tags));
    }
    events
}

/// The tombstone of a deleted contact: its id and nothing else.
pub(crate) fn tombstone(actor: &Actor, time: DateTime<Utc>, id: ContactId) -> EventDraft {
    EventDraft::new(actor, time, EventKind::Deleted, Some(id), json!({}))
}

/// How long [`Book::wait_for_changes`] sleeps between looks at another process's commits.
const CROSS_PROCESS_LOOK: Duration = Duration::from_millis(20);

impl Book {
    /// Events after sequence number `after` (0: from the start), in order, at most `limit`.
    ///
    /// # Errors
    /// [`Error::ResyncRequired`] when events after `after` have already been compacted away:
    /// the caller must resynchronise from the book's current state, then follow from
    /// [`Book::last_change`]. Never a silent gap.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ChangeFilter, EventKind, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("crm"), NewContact::new("Ana").tag("Hot"))?;
    /// let page = book.changes(0, 100, &ChangeFilter::default())?;
    /// assert_eq!(page.events[0].kind, EventKind::Created);
    /// assert_eq!(page.next, page.events[0].seq);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn changes(&self, after: u64, limit: u32, filter: &ChangeFilter) -> Result<ChangePage> {
        self.read_store(|r| {
            let horizon = r.feed_horizon()?;
            if after < horizon {
                return Err(Error::ResyncRequired {
                    after,
                    oldest: horizon + 1,
                });
            }
            let (events, scanned) = r.events_after(after, limit.max(1), filter)?;
            Ok(ChangePage {
                events,
                next: scanned.max(after),
            })
        })
    }

    /// The contacts an `import_batch` event created that still exist, in id order (empty for
    /// any other event).
    ///
    /// # Errors
    /// [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ChangeFilter, ImportOptions, Role};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let csv = "name,email\nAna,ana@example.com\nBo,bo@example.com\n";
    /// book.import_commit(&Actor::api("crm"), csv.as_bytes(), &ImportOptions::default(), |_| std::ops::ControlFlow::Continue(()), None)?;
    /// let batch = book.changes(0, 10, &ChangeFilter::default())?.events.remove(0);
    /// let ids = book.batch_contacts(&batch)?;
    /// assert_eq!(ids.len(), 2);
    /// book.delete(&Actor::member("admin", Role::Admin), ids[0])?;
    /// assert_eq!(book.batch_contacts(&batch)?, [ids[1]]); // deleted ones are left out
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn batch_contacts(&self, event: &Event) -> Result<Vec<ContactId>> {
        let Some((first, last)) = event.batch_ids() else {
            return Ok(Vec::new());
        };
        let mut ids = Vec::new();
        let mut after = ContactId::from_raw(first.as_raw() - 1);
        loop {
            let page = self.read_store(|r| r.contact_ids_after(Some(after), 10_000))?;
            let done = page.len() < 10_000 || page.last().is_none_or(|id| *id >= last);
            ids.extend(page.into_iter().take_while(|id| *id <= last));
            match ids.last() {
                Some(id) if !done => after = *id,
                _ => return Ok(ids),
            }
        }
    }

    /// The sequence number of the newest committed event (0 when there is none).
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn last_change(&self) -> Result<u64> {
        self.read_store(|r| r.last_event_seq())
    }

    /// Waits until an event newer than `after` is committed (by this process or another one
    /// writing the same file) or `timeout` passes. Returns whether there is one.
    ///
    /// Commits of this process wake the waiter at once; another process's commits are seen
    /// by looking at the file's data version every 20 ms, a cheap read that never spins.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn wait_for_changes(&self, after: u64, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.last_change()? > after {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            self.store()
                .wait_for_commit((deadline - now).min(CROSS_PROCESS_LOOK));
        }
    }

    /// The durable cursor of the consumer `name` (0 for a new consumer): the last sequence
    /// number it acknowledged.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn consumer_cursor(&self, name: &str) -> Result<u64> {
        self.read_store(|r| Ok(r.consumer_cursor(name)?.unwrap_or(0)))
    }

    /// Records that consumer `name` has handled every event up to `seq`; a restarted
    /// consumer resumes from [`Book::consumer_cursor`]. A cursor never moves backwards.
    ///
    /// # Errors
    /// [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ChangeFilter, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("crm"), NewContact::new("Ana"))?;
    /// let page = book.changes(book.consumer_cursor("webhooks")?, 100, &ChangeFilter::default())?;
    /// book.acknowledge("webhooks", page.next)?;
    /// assert_eq!(book.consumer_cursor("webhooks")?, page.next);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn acknowledge(&self, name: &str, seq: u64) -> Result<()> {
        self.write_store(|w| w.set_consumer_cursor(name, seq))
    }

    /// Removes events older than the retention periods, as of `now`. Returns how many were
    /// removed. A consumer whose cursor points before what is left gets
    /// [`Error::ResyncRequired`] from [`Book::changes`].
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn compact_changes(&self, retention: Retention, now: DateTime<Utc>) -> Result<u64> {
        let events_before =
            now - chrono::Duration::from_std(retention.events).unwrap_or(chrono::Duration::MAX);
        let tombstones_before =
            now - chrono::Duration::from_std(retention.tombstones).unwrap_or(chrono::Duration::MAX);
        self.write_store(|w| w.compact_events(events_before, tombstones_before))
    }
}
