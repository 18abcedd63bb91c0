//! The GDPR full data export of one contact: everything the book holds on them, in one
//! JSON document (schema `contactkit.gdpr_export/1`, documented in docs/gdpr-export.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::book::{Book, now};
use crate::contact::{Contact, ContactId};
use crate::conversation::{ChannelIdentity, Conversation, Message};
use crate::error::{Error, Result};
use crate::feed::{ChangeFilter, Event};
use crate::provenance::Provenance;
use crate::verification::VerificationRecord;

/// The schema name written into every export.
pub const GDPR_EXPORT_SCHEMA: &str = "contactkit.gdpr_export/1";

/// A conversation with all its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationExport {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Every message, oldest first.
    pub messages: Vec<Message>,
}

/// Everything the book holds on one contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GdprExport {
    /// Always [`GDPR_EXPORT_SCHEMA`].
    pub schema: String,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Every field: name, all emails and phones with labels and original text, tags,
    /// source, verification, custom attributes, times, the reviewed flag.
    pub contact: Contact,
    /// Where each field's value came from.
    pub provenance: Provenance,
    /// How the contact is known on each channel.
    pub channel_identities: Vec<ChannelIdentity>,
    /// Every verification status change.
    pub verification_history: Vec<VerificationRecord>,
    /// Every conversation with every message.
    pub conversations: Vec<ConversationExport>,
    /// The change-feed events about the contact still retained.
    pub changes: Vec<Event>,
    /// The audit entries that concern the contact (this export's own entry included).
    pub audit: Vec<AuditEntry>,
}

impl Book {
    /// The full data export of one contact, for a data subject's access request. The export
    /// itself is recorded in the audit log.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, Channel, InboundMessage, Role, Sender};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let out = book.record_inbound(InboundMessage::new(Channel::Whatsapp, Sender::new("5511912345678"), "oi"))?;
    /// let export = book.gdpr_export(&Actor::member("dpo", Role::Admin), out.contact.id)?;
    /// assert_eq!(export.conversations[0].messages[0].text, "oi");
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn gdpr_export(&self, actor: &Actor, id: ContactId) -> Result<GdprExport> {
        self.write_store(|w| {
            let contact = w.contact(id)?.ok_or(Error::NotFound(id))?;
            audit::record(w, actor, AuditAction::GdprExport, &[id], json!({}))?;
            let mut conversations = Vec::new();
            for conversation in w.conversations(id)? {
                let mut messages = Vec::new();
                let mut before = None;
                loop {
                    let page = w.messages(conversation.id, before, 1000)?;
                    let Some(last) = page.last() else { break };
                    before = Some(last.id);
                    messages.extend(page);
                }
                messages.reverse();
                conversations.push(ConversationExport {
                    conversation,
                    messages,
                });
            }
            let filter = ChangeFilter {
                contact_id: Some(id),
                ..ChangeFilter::default()
            };
            let mut changes = Vec::new();
            let mut after = w.feed_horizon()?;
            loop {
                let (events, next) = w.events_after(after, 1000, &filter)?;
                if events.is_empty() {
                    break;
                }
                changes.extend(events);
                after = next;
            }
            let mut audit = Vec::new();
            let mut after = 0;
            loop {
                let entries = w.audit_entries(after, 1000, Some(id))?;
                let Some(last) = entries.last() else { break };
                after = last.id;
                audit.extend(entries);
            }
            Ok(GdprExport {
                schema: GDPR_EXPORT_SCHEMA.to_owned(),
                exported_at: now(),
                provenance: w.provenance(id)?,
                channel_identities: w.channel_identities(id)?,
                verification_history: w.verification_history(id)?,
                contact,
                conversations,
                changes,
                audit,
            })
        })
    }
}
