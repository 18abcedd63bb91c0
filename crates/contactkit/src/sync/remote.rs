//! The other side of a sync, as the engine sees it: Chatwoot's contact API reduced to the calls
//! the engine makes. The HTTP client implements it; tests use a fake that follows the same rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A contact as Chatwoot renders it (the fields the sync maps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteContact {
    /// Chatwoot's id.
    pub id: i64,
    /// The name (`""` when unset).
    #[serde(default)]
    pub name: String,
    /// The email, lowercase, or none.
    #[serde(default)]
    pub email: Option<String>,
    /// The phone in E.164, or none.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// The identifier (where the sync keeps our contact id), or none.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Custom attributes.
    #[serde(default)]
    pub custom_attributes: BTreeMap<String, Value>,
}

/// What the sync writes to a Chatwoot contact: only the fields given are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteDraft {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email (`Some(None)` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Option<String>>,
    /// The phone (`Some(None)` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<Option<String>>,
    /// The identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Custom attributes to set (Chatwoot merges them into the stored ones).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, Value>,
}

impl RemoteDraft {
    /// Whether the draft would change nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.phone_number.is_none()
            && self.identifier.is_none()
            && self.custom_attributes.is_empty()
    }
}

/// One page of Chatwoot's contact list (15 a page, fixed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemotePage {
    /// The contacts of the page.
    pub contacts: Vec<RemoteContact>,
    /// The total number of contacts the list has (`meta.count`).
    pub total: u64,
}

/// How a call to the other side failed. Each carries what the server answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum RemoteError {
    /// 401: a bad token, or a role that may not do this (Chatwoot uses 401 for both).
    #[error("Chatwoot refused the token or the action (401): {body}")]
    Unauthorized {
        /// The response body.
        body: String,
    },
    /// 404: no such contact (any more).
    #[error("Chatwoot has no such contact (404)")]
    NotFound,
    /// 422: Chatwoot refused the values.
    #[error("Chatwoot refused the contact (422): {message}")]
    Unprocessable {
        /// Chatwoot's message (`Email has already been taken, ...`).
        message: String,
        /// The fields it names.
        attributes: Vec<String>,
    },
    /// 429 or 5xx or a dropped connection, after the retries ran out.
    #[error("Chatwoot is unavailable: {0}")]
    Unavailable(String),
    /// A response that is not what the API documents.
    #[error("Chatwoot answered something unexpected: {0}")]
    Malformed(String),
}

/// The calls the sync engine makes.
pub trait Remote {
    /// A page of the contact list, 1-based.
    fn list(&mut self, page: u32) -> Result<RemotePage, RemoteError>;
    /// One contact.
    fn show(&mut self, id: i64) -> Result<RemoteContact, RemoteError>;
    /// Contacts whose name, email, phone or identifier contains `q` (the first page).
    fn search(&mut self, q: &str) -> Result<Vec<RemoteContact>, RemoteError>;
    /// Creates a contact.
    fn create(&mut self, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError>;
    /// Updates a contact (custom attributes are merged).
    fn update(&mut self, id: i64, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError>;
    /// Deletes a contact.
    fn delete(&mut self, id: i64) -> Result<(), RemoteError>;
    /// The contact's labels.
    fn labels(&mut self, id: i64) -> Result<Vec<String>, RemoteError>;
    /// Replaces the contact's labels; returns what Chatwoot kept.
    fn set_labels(&mut self, id: i64, labels: &[String]) -> Result<Vec<String>, RemoteError>;
    /// Removes custom attribute keys.
    fn remove_custom_attributes(&mut self, id: i64, keys: &[String]) -> Result<RemoteContact, RemoteError>;
    /// Makes sure these account labels exist before a contact is given them: some Chatwoot
    /// versions keep only labels the account already has, dropping the rest in silence.
    /// A remote without account labels does nothing.
    fn ensure_labels(&mut self, labels: &[String]) -> Result<(), RemoteError> {
        let _ = labels;
        Ok(())
    }
}
