//! Bidirectional sync with Chatwoot.
//!
//! # The sync model
//! - **Links.** A linked pair (local id ↔ Chatwoot id) keeps the *base*: what both sides held
//!   after their last sync. Our id is written into Chatwoot's unique `identifier` as
//!   `contactkit:<id>`, so either side can always find the other, also after a crash between
//!   a remote create and the local link.
//! - **What maps.** name ↔ name, primary email ↔ email (lowercase), primary phone ↔
//!   phone_number (E.164), tags ↔ labels (a tag becomes a valid label title,
//!   [`label_for_tag`]), custom attributes ↔ custom_attributes. Additional emails and phones,
//!   source, verification and history stay local: they are never sent, so they can never
//!   collide with another Chatwoot contact's unique email or phone.
//! - **Merge.** Field by field against the base: a field changed on one side takes that side;
//!   changed on both to different values takes the newer change and is recorded as a conflict
//!   ([`crate::Book::sync_conflicts`]). The local change time is the field's provenance time; Chatwoot
//!   keeps no `updated_at`, so a remote change found by a scan is dated when the scan saw it.
//!   Labels merge as sets (adds and removes of both sides kept); attributes key by key.
//! - **Deletes.** A contact deleted here is deleted there on the next sync (its link outlives
//!   it, with the base scrubbed); one gone there (missing from the scan, and `show` answers
//!   404) is deleted here. Both leave a tombstone, so no later scan or late webhook brings a
//!   deleted contact back. Tombstones are kept for good: they hold two ids and a time.
//! - **First sync.** Remote contacts are linked to local ones by identifier, then email, then
//!   phone, never duplicated; the rest are created on the other side.
//! - **Refusals.** A contact Chatwoot refuses (422) is parked with Chatwoot's reason and not
//!   retried until it changes again.
//! - **Crashes and cancels.** Everything the engine needs is in the book (links, tombstones,
//!   the contacts themselves), so a sync that stopped half-way is resumed by running it again:
//!   what was done is found done, nothing is duplicated.

mod engine;
mod merge;
mod remote;
mod snapshot;
pub mod webhook;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::ContactId;

pub use merge::{Conflict, Side};
pub use remote::{Remote, RemoteContact, RemoteDraft, RemoteError, RemotePage};
pub use snapshot::{IDENTIFIER_PREFIX, Snapshot, label_for_tag};
pub use webhook::{WEBHOOK_MAX_AGE, WebhookError, WebhookOutcome, WebhookSecret, verify_webhook};

/// Where the book syncs to, kept in the book. Never the API token (read from the environment
/// or a file by whoever runs the sync) and never the webhook secret itself: only the name of
/// the environment variable that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// The Chatwoot installation's base URL.
    pub base_url: String,
    /// The account id.
    pub account_id: u64,
    /// The environment variable holding the webhook secret, if webhooks are signed.
    #[serde(default)]
    pub webhook_secret_env: Option<String>,
}

/// What a sync status shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// The settings, if configured.
    pub settings: Option<SyncSettings>,
    /// Linked pairs.
    pub links: u64,
    /// Local changes not pushed yet (change-feed events after the sync's cursor).
    pub pending: u64,
    /// When a pair was last synced.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Conflicts recorded.
    pub conflicts: u64,
    /// Contacts Chatwoot refused.
    pub parked: u64,
}

/// A linked pair and its base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncLink {
    /// The local contact.
    pub contact_id: ContactId,
    /// The Chatwoot contact.
    pub remote_id: i64,
    /// What both held after the last sync.
    pub base: Snapshot,
    /// When that was.
    pub synced_at: DateTime<Utc>,
}

/// A contact Chatwoot refused: not retried until it changes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The local contact.
    pub contact_id: ContactId,
    /// Chatwoot's reason.
    pub reason: String,
    /// When it was refused.
    pub at: DateTime<Utc>,
}

/// A recorded conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictRecord {
    /// The local contact.
    pub contact_id: ContactId,
    /// The conflict.
    #[serde(flatten)]
    pub conflict: Conflict,
    /// When it was resolved.
    pub at: DateTime<Utc>,
}

/// The phase a sync is in, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Pushing deletes made here.
    PushDeletes,
    /// Reading every Chatwoot contact.
    Scan,
    /// Merging linked and matching contacts.
    Merge,
    /// Creating local contacts on Chatwoot.
    PushNew,
    /// Checking linked contacts the scan did not see.
    Reconcile,
}

/// Progress of a sync: `done` of `total` in `phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// The phase.
    pub phase: Phase,
    /// Steps done in it.
    pub done: u64,
    /// Steps it has.
    pub total: u64,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Contacts created here from Chatwoot.
    pub created_local: u64,
    /// Contacts changed here from Chatwoot.
    pub updated_local: u64,
    /// Contacts deleted here because they were deleted there.
    pub deleted_local: u64,
    /// Contacts created on Chatwoot.
    pub created_remote: u64,
    /// Contacts changed on Chatwoot.
    pub updated_remote: u64,
    /// Contacts deleted on Chatwoot.
    pub deleted_remote: u64,
    /// Pairs linked by identifier, email or phone (first sync).
    pub linked: u64,
    /// Conflicts resolved (and recorded).
    pub conflicts: u64,
    /// Contacts Chatwoot refused, with its reason.
    pub refused: Vec<(ContactId, String)>,
}
