//! contactkit is the contacts engine of an AI-agent platform: an embeddable library that keeps
//! contacts (leads and customers who write on WhatsApp, Telegram or a web widget), their
//! emails and phones, tags and custom attributes, in a book backed by an embedded SQLite
//! file (or in memory), behind a storage trait that other backends implement.
//!
//! # Example
//! ```
//! use contactkit::{Actor, Book, BookOptions, NewContact, Role, Source};
//!
//! let book = Book::open_in_memory(BookOptions::default())?;
//! let agent = Actor::member("u-7", Role::Agent);
//! let lead = book.create(
//!     &agent,
//!     NewContact::new("José Álvarez")
//!         .email("Jose@Example.com")
//!         .phone("+34 612 34 56 78")
//!         .tag("Hot")
//!         .source(Source::Whatsapp),
//! )?;
//! assert_eq!(lead.phone(), Some("+34612345678"));
//!
//! // The same email in another case is the same contact point: refused, not duplicated.
//! let twin = book.create(&agent, NewContact::new("Pepe").email("JOSE@example.com"));
//! assert_eq!(twin.unwrap_err().kind(), contactkit::ErrorKind::Duplicate);
//! # Ok::<(), contactkit::Error>(())
//! ```
#![deny(missing_docs)]
// Library code never panics on input; unit tests fail by panicking.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod actor;
mod audit;
mod book;
mod bulk;
#[cfg(feature = "chatwoot")]
pub mod chatwoot;
mod codec;
mod contact;
mod conversation;
mod duplicates;
mod email;
mod error;
mod feed;
mod fold;
mod gdpr;
mod housekeeping;
mod inbound;
mod phone;
mod policy;
mod provenance;
mod query;
pub mod store;
pub mod sync;
mod tag;
mod verification;

pub use actor::{Actor, Origin, Role};
pub use audit::{AuditAction, AuditEntry, ContactRange};
pub use book::{Book, BookOptions, IDEMPOTENCY_KEY_TTL};
pub use bulk::{BulkOutcome, Selection};
pub use codec::{
    ColumnMapping, ContactJson, ExportFormat, ExportOptions, ExportScope, ExportSummary, ExportWriter,
    ImportFormat, ImportOptions, ImportReport, IssueKind, OnDuplicate, PointJson, Progress, RegionGuess,
    RowIssue, Target, UnmappedColumn, spreadsheet_safe, suggest_mapping,
};
pub use contact::{
    AttributeValue, Attributes, Contact, ContactId, ContactPatch, EmailPoint, MAX_ATTRIBUTE_KEY_CHARS,
    MAX_LABEL_CHARS, MAX_NAME_CHARS, NewContact, PhonePoint, PointInput, Source, Verification,
};
pub use conversation::{
    Channel, ChannelIdentity, Conversation, ConversationId, Direction, Message, MessageId, MessagePage,
};
pub use duplicates::{DuplicatePair, DuplicateReason, MergeChoices};
pub use email::Email;
pub use error::{Error, ErrorKind, Field, Result, StorageError};
pub use feed::{ChangeFilter, ChangePage, Event, EventActor, EventDraft, EventKind, Retention};
pub use fold::fold;
pub use gdpr::{ConversationExport, GDPR_EXPORT_SCHEMA, GdprExport};
pub use housekeeping::{CleanupReport, InvalidValue};
pub use inbound::{InboundMessage, InboundOutcome, Sender, UpsertOutcome, WebForm};
pub use phone::{Phone, PhoneRegion, brazilian_mobile_twin, phone_digits};
pub use policy::{Action, is_allowed};
pub use provenance::{FieldSource, Provenance, is_channel, may_overwrite};
pub use query::{
    AttributeFilter, AttributeOp, DEFAULT_LIMIT, Filter, Iter, MAX_LIMIT, Page, Query, Sort, TimeRange,
};
pub use store::SqliteStore;
pub use sync::{
    Conflict, ConflictRecord, IDENTIFIER_PREFIX, Parked, Phase, Remote, RemoteContact, RemoteDraft,
    RemoteError, RemotePage, Side, Snapshot, SyncLink, SyncProgress, SyncReport, label_for_tag,
};
pub use tag::{MAX_TAG_CHARS, TagCount, TagName};
pub use verification::VerificationRecord;
