//! Verification status changes with who, when and how; the history is kept.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Role};
use crate::book::{Book, now, record_change_with};
use crate::contact::{Contact, ContactId, Verification};
use crate::error::{Error, Result};

/// One change of a contact's verification status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRecord {
    /// The status set.
    pub status: Verification,
    /// How it was verified (`sms_code`, `document`, `call`, free text), if said.
    pub method: Option<String>,
    /// Who set it.
    pub actor_id: String,
    /// Their role.
    pub actor_role: Role,
    /// When.
    pub at: DateTime<Utc>,
}

impl Book {
    /// Sets a contact's verification status, recording who, when and by which method.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, Role, Verification};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let agent = Actor::member("u-2", Role::Agent);
    /// let c = book.create(&agent, NewContact::new("Ana"))?;
    /// book.set_verification(&agent, c.id, Verification::Verified, Some("sms_code"))?;
    /// let history = book.verification_history(c.id)?;
    /// assert_eq!(history.last().map(|h| h.method.as_deref()), Some(Some("sms_code")));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn set_verification(
        &self,
        actor: &Actor,
        id: ContactId,
        status: Verification,
        method: Option<&str>,
    ) -> Result<Contact> {
        let method = method.map(str::trim).filter(|m| !m.is_empty());
        self.write_store(|w| {
            let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
            if before.verification == status {
                return Ok(before);
            }
            let mut record = crate::book::record_of(&before);
            let now = now();
            record.verification = status;
            record.updated_at = now;
            w.update_contact(id, &record)?;
            let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
            record_change_with(w, actor, now, Some(&before), &after, method)?;
            crate::book::reloaded(w, after)
        })
    }

    /// The verification history of a contact, oldest first (its creation status included).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn verification_history(&self, id: ContactId) -> Result<Vec<VerificationRecord>> {
        self.read_store(|r| {
            r.contact(id)?.ok_or(Error::NotFound(id))?;
            r.verification_history(id)
        })
    }
}
