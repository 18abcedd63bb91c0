//! The JSON shape of a contact, shared by export (array and NDJSON) and import.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{Attributes, Contact, ContactId, Source, Verification};

/// One additional email or phone in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointJson {
    /// The address, or the phone in E.164.
    pub value: String,
    /// The phone's original text (exports always write it for phones; emails: absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The label, if any.
    #[serde(default)]
    pub label: Option<String>,
}

/// A contact as JSON export writes it and JSON import reads it.
///
/// On import every field but `name` may be left out; `id` and `updated_at` are read and
/// ignored (the book assigns its own). An element with other keys is read in the shapes of
/// other systems (Chatwoot, HubSpot, Twenty, Google, Microsoft Graph): its keys are mapped
/// as CSV headers are, and the import report lists each key with the field it filled.
///
/// # Examples
/// ```
/// use contactkit::{Actor, Book, ContactJson, NewContact};
/// let book = Book::open_in_memory(Default::default())?;
/// let c = book.create(&Actor::api("x"), NewContact::new("Ana").email("ana@example.com").additional_email("a@work.example", Some("work")))?;
/// let json = serde_json::to_value(ContactJson::from(&c)).map_err(|e| contactkit::Error::Io(e.to_string()))?;
/// assert_eq!(json["email"], "ana@example.com");
/// assert_eq!(json["additional_emails"][0]["label"], "work");
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    /// The contact's id (ignored on import).
    #[serde(default)]
    pub id: Option<ContactId>,
    /// The display name.
    #[serde(default)]
    pub name: String,
    /// The primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// The primary email's label.
    #[serde(default)]
    pub email_label: Option<String>,
    /// The primary phone (E.164 on export; any notation on import).
    #[serde(default)]
    pub phone: Option<String>,
    /// The primary phone's original text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_original: Option<String>,
    /// The primary phone's label.
    #[serde(default)]
    pub phone_label: Option<String>,
    /// The other emails, in order.
    #[serde(default)]
    pub additional_emails: Vec<PointJson>,
    /// The other phones, in order.
    #[serde(default)]
    pub additional_phones: Vec<PointJson>,
    /// Tag names.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The source channel (import: default `import`).
    #[serde(default)]
    pub source: Option<Source>,
    /// The verification status.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Custom attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// When the contact was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed (ignored on import).
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// When it last did something.
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl From<&Contact> for ContactJson {
    fn from(c: &Contact) -> Self {
        let primary_email = c.emails.first();
        let primary_phone = c.phones.first();
        ContactJson {
            id: Some(c.id),
            name: c.name.clone(),
            email: primary_email.map(|p| p.address.as_str().to_owned()),
            email_label: primary_email.and_then(|p| p.label.clone()),
            phone: primary_phone.map(|p| p.e164.as_str().to_owned()),
            phone_original: primary_phone.map(|p| p.original.clone()),
            phone_label: primary_phone.and_then(|p| p.label.clone()),
            additional_emails: c
                .emails
                .iter()
                .skip(1)
                .map(|p| PointJson {
                    value: p.address.as_str().to_owned(),
                    original: None,
                    label: p.label.clone(),
                })
                .collect(),
            additional_phones: c
                .phones
                .iter()
                .skip(1)
                .map(|p| PointJson {
                    value: p.e164.as_str().to_owned(),
                    original: Some(p.original.clone()),
                    label: p.label.clone(),
                })
                .collect(),
            tags: c.tags.clone(),
            source: Some(c.source),
            verification: Some(c.verification),
            attributes: c.attributes.clone(),
            created_at: Some(c.created_at),
            updated_at: Some(c.updated_at),
            last_activity_at: c.last_activity_at,
        }
    }
}
