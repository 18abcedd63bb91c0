//! The audit log: who deleted, exported, imported or changed many contacts at once, and when.
//! It records actors, actions, counts and ids — never the personal data of a contact.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actor::{Actor, Origin, Role};
use crate::book::{Book, now};
use crate::contact::ContactId;
use crate::error::Result;
use crate::store::Writer;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// One contact was deleted.
    Delete,
    /// Contacts of a selection were deleted.
    BulkDelete,
    /// Tags were added to a selection.
    BulkAddTags,
    /// Tags were removed from a selection.
    BulkRemoveTags,
    /// Contacts were exported.
    Export,
    /// Contacts were imported.
    Import,
    /// Two contacts were merged.
    Merge,
    /// A GDPR data export of one contact.
    GdprExport,
}

impl AuditAction {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Delete => "delete",
            AuditAction::BulkDelete => "bulk_delete",
            AuditAction::BulkAddTags => "bulk_add_tags",
            AuditAction::BulkRemoveTags => "bulk_remove_tags",
            AuditAction::Export => "export",
            AuditAction::Import => "import",
            AuditAction::Merge => "merge",
            AuditAction::GdprExport => "gdpr_export",
        }
    }
}

/// The contacts with ids from `first` to `last`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactRange {
    /// The lowest id.
    pub first: ContactId,
    /// The highest id.
    pub last: ContactId,
}

impl ContactRange {
    /// How many ids the range holds.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{ContactId, ContactRange};
    /// let range = ContactRange { first: ContactId::from_raw(3), last: ContactId::from_raw(7) };
    /// assert_eq!(range.len(), 5);
    /// assert!(range.contains(ContactId::from_raw(7)) && !range.contains(ContactId::from_raw(8)));
    /// ```
    #[allow(clippy::len_without_is_empty)] // never empty: `first <= last`
    pub fn len(&self) -> u64 {
        (self.last.as_raw() - self.first.as_raw() + 1).max(0) as u64
    }

    /// Whether `id` is in the range.
    pub fn contains(&self, id: ContactId) -> bool {
        (self.first.as_raw()..=self.last.as_raw()).contains(&id.as_raw())
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_id: String,
    /// Their role.
    pub actor_role: Role,
    /// Through which door.
    pub origin: Origin,
    /// What they did.
    pub action: AuditAction,
    /// How many contacts it concerned.
    pub contacts: u64,
    /// Which contacts (ids only).
    pub contact_ids: Vec<ContactId>,
    /// Besides `contact_ids`, every contact with an id in this range: how an import names the
    /// contacts it created (consecutive ids), instead of listing a million of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_range: Option<ContactRange>,
    /// Non-personal details: tags added, export format and scope, import counts.
    pub details: Value,
}

/// Appends an audit entry inside the caller's transaction.
pub(crate) fn record(
    w: &mut dyn Writer,
    actor: &Actor,
    action: AuditAction,
    ids: &[ContactId],
    details: Value,
) -> Result<()> {
    record_with_range(w, actor, action, ids, None, details)
}

/// Appends an audit entry that also concerns every contact of `range`.
pub(crate) fn record_with_range(
    w: &mut dyn Writer,
    actor: &Actor,
    action: AuditAction,
    ids: &[ContactId],
    range: Option<ContactRange>,
    details: Value,
) -> Result<()> {
    w.append_audit(actor, action, ids, range, &details, now())?;
    Ok(())
}

impl Book {
    /// Audit entries after id `after` (0: from the start), oldest first, at most `limit`.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, AuditAction, Book, NewContact, Role};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let admin = Actor::member("u-1", Role::Admin);
    /// let c = book.create(&admin, NewContact::new("Ana"))?;
    /// book.delete(&admin, c.id)?;
    /// let log = book.audit_log(0, 10)?;
    /// assert_eq!((log[0].action, log[0].contact_ids.clone()), (AuditAction::Delete, vec![c.id]));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn audit_log(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.read_store(|r| r.audit_entries(after, limit, None))
    }

    /// Records an audit entry on its own (for actions a host performs outside the book, such
    /// as sending an export it made to someone).
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    pub fn record_audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        ids: &[ContactId],
        details: Value,
    ) -> Result<()> {
        self.write_store(|w| record(w, actor, action, ids, details))
    }
}
