//! Housekeeping a contacts page recommends: reviewing auto-created contacts, a cleanup report
//! of contacts that cannot be reached or went stale, and an online backup.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::book::Book;
use crate::contact::ContactId;
use crate::email::Email;
use crate::error::Result;
use crate::phone::Phone;
use crate::query::{MAX_LIMIT, Query};

/// A stored value that no longer validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidValue {
    /// The contact.
    pub contact_id: ContactId,
    /// The value.
    pub value: String,
    /// Why it fails now.
    pub reason: String,
}

/// The contacts that need attention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupReport {
    /// Contacts with neither an email nor a phone: nobody can reach them.
    pub unreachable: Vec<ContactId>,
    /// Phones that no longer validate (numbering plans change; the metadata is updated).
    pub invalid_phones: Vec<InvalidValue>,
    /// Emails that fail validation now.
    pub invalid_emails: Vec<InvalidValue>,
    /// Contacts with no activity since the date asked for (never-active ones created before it
    /// included).
    pub stale: Vec<ContactId>,
}

impl Book {
    /// Marks contacts as reviewed by a team member. Returns how many existed.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, Channel, InboundMessage, Role, Sender};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let out = book.record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("1"), "hi"))?;
    /// assert!(!out.contact.reviewed);
    /// book.mark_reviewed(&Actor::member("u-1", Role::Agent), &[out.contact.id])?;
    /// assert!(book.get(out.contact.id)?.reviewed);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn mark_reviewed(&self, _actor: &Actor, ids: &[ContactId]) -> Result<u64> {
        self.write_store(|w| {
            let mut n = 0;
            for id in ids {
                n += u64::from(w.set_reviewed(*id, true)?);
            }
            Ok(n)
        })
    }

    /// Contacts that cannot be reached, hold values that no longer validate, or have had no
    /// activity since `stale_before`.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    pub fn cleanup_report(&self, stale_before: DateTime<Utc>) -> Result<CleanupReport> {
        let mut report = CleanupReport::default();
        for contact in self.iter(&Query::new().limit(MAX_LIMIT)) {
            let c = contact?;
            if c.emails.is_empty() && c.phones.is_empty() {
                report.unreachable.push(c.id);
            }
            for p in &c.phones {
                if let Err(err) = Phone::parse(p.e164.as_str(), self.options().default_region) {
                    report.invalid_phones.push(InvalidValue {
                        contact_id: c.id,
                        value: p.e164.to_string(),
                        reason: err.to_string(),
                    });
                }
            }
            for e in &c.emails {
                if let Err(err) = Email::parse(e.address.as_str()) {
                    report.invalid_emails.push(InvalidValue {
                        contact_id: c.id,
                        value: e.address.to_string(),
                        reason: err.to_string(),
                    });
                }
            }
            let last = c.last_activity_at.unwrap_or(c.created_at);
            if last < stale_before {
                report.stale.push(c.id);
            }
        }
        for list in [&mut report.unreachable, &mut report.stale] {
            list.sort();
        }
        Ok(report)
    }

    /// Writes a consistent copy of the whole book to a new file at `path` while the book
    /// stays in use (writers are not blocked). The copy is a book of its own.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the file exists already or cannot be written.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let dir = tempfile::tempdir().map_err(|e| contactkit::Error::Io(e.to_string()))?;
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("x"), NewContact::new("Ana"))?;
    /// book.backup(dir.path().join("copy.db"))?;
    /// let copy = Book::open(dir.path().join("copy.db"), Default::default())?;
    /// assert_eq!(copy.get("1".parse()?)?.name, "Ana");
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn backup(&self, path: impl AsRef<Path>) -> Result<()> {
        self.store().backup_to(path.as_ref())
    }
}
