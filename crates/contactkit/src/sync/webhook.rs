//! Chatwoot webhooks: signature checks and idempotent application.
//!
//! Chatwoot sends `contact_created` and `contact_updated` (no delete, no merge), built when
//! its job runs, delivered once and never retried, in no guaranteed order; `contact_updated`
//! also fires on every incoming message. So a webhook is only a hint that a contact changed:
//! the engine reads the contact's current state with `show` and merges that, which makes a
//! repeat, a late or an out-of-order delivery harmless, and a webhook for a contact deleted
//! here (a tombstone) or there (`show` answers 404) never brings it back. Scans stay the
//! source of truth; webhooks make changes arrive sooner.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::book::Book;
use crate::contact::ContactId;
use crate::error::{Error, Result};
use crate::sync::remote::{Remote, RemoteError};

/// How old a signed webhook may be before it is refused as a replay (Chatwoot sets none).
pub const WEBHOOK_MAX_AGE: Duration = Duration::from_secs(300);

/// A webhook secret. Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(secret.into())
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum WebhookError {
    /// A secret is configured and the request has no `X-Chatwoot-Signature` or timestamp.
    #[error("the webhook is not signed, but a secret is configured")]
    Unsigned,
    /// The signature does not match the body.
    #[error("the webhook signature does not match")]
    BadSignature,
    /// The timestamp is too old (or from the future): a replay.
    #[error("the webhook timestamp {0} is outside the accepted window")]
    Stale(i64),
    /// The body is not a Chatwoot contact event.
    #[error("the webhook body is not a contact event: {0}")]
    Malformed(String),
}

/// What applying a webhook did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum WebhookOutcome {
    /// Merged into the linked (or newly matched) local contact.
    Applied {
        /// The local contact.
        contact_id: ContactId,
    },
    /// A new local contact was created.
    Created {
        /// The local contact.
        contact_id: ContactId,
    },
    /// Nothing to do, and why (another event, a deleted contact, nothing changed).
    Ignored {
        /// Why.
        reason: String,
    },
}

#[derive(Deserialize)]
struct Body {
    event: String,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    changed_attributes: Vec<serde_json::Map<String, serde_json::Value>>,
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Checks a webhook's signature: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of
/// "{X-Chatwoot-Timestamp}.{raw body}">`, and that the timestamp is within
/// [`WEBHOOK_MAX_AGE`] of `now`. Without a configured secret every webhook passes (older
/// Chatwoot versions sign nothing).
///
/// # Errors
/// [`WebhookError::Unsigned`], [`WebhookError::BadSignature`], [`WebhookError::Stale`].
///
/// # Examples
/// ```
/// use contactkit::sync::{verify_webhook, WebhookSecret};
/// use hmac::{Hmac, KeyInit, Mac};
/// let body = br#"{"event":"contact_updated","id":7}"#;
/// let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
/// mac.update(b"1764590000.");
/// mac.update(body);
/// let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
/// let headers = vec![("X-Chatwoot-Timestamp".to_owned(), "1764590000".to_owned()), ("X-Chatwoot-Signature".to_owned(), signature)];
/// let now = chrono::DateTime::from_timestamp(1764590010, 0).unwrap();
/// assert!(verify_webhook(&headers, body, Some(&WebhookSecret::new("s3cret")), now).is_ok());
/// assert!(verify_webhook(&headers, body, Some(&WebhookSecret::new("other")), now).is_err());
/// ```
pub fn verify_webhook(
    headers: &[(String, String)],
    body: &[u8],
    secret: Option<&WebhookSecret>,
    now: DateTime<Utc>,
) -> std::result::Result<(), WebhookError> {
    let Some(secret) = secret else { return Ok(()) };
    let (Some(timestamp), Some(signature)) = (
        header(headers, "X-Chatwoot-Timestamp"),
        header(headers, "X-Chatwoot-Signature"),
    ) else {
        return Err(WebhookError::Unsigned);
    };
    let sent: i64 = timestamp.parse().map_err(|_| WebhookError::Unsigned)?;
    let age = now.timestamp() - sent;
    if age.unsigned_abs() > WEBHOOK_MAX_AGE.as_secs() {
        return Err(WebhookError::Stale(sent));
    }
    let hex_signature = signature
        .strip_prefix("sha256=")
        .ok_or(WebhookError::BadSignature)?;
    let expected = hex::decode(hex_signature).map_err(|_| WebhookError::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.0.as_bytes()).map_err(|_| WebhookError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)
}

impl Book {
    /// Applies a Chatwoot webhook (raw headers and body, as received): checks the signature
    /// when a secret is given, then merges the contact's current state (read with `show`) as
    /// a scan would. Idempotent; a webhook for a contact deleted on either side changes
    /// nothing. See [the module docs](crate::sync::webhook).
    ///
    /// # Errors
    /// [`Error::Webhook`] for a refused or malformed webhook; [`Error::Sync`] when Chatwoot
    /// cannot be reached.
    pub fn apply_webhook(
        &self,
        remote: &mut dyn Remote,
        headers: &[(String, String)],
        body: &[u8],
        secret: Option<&WebhookSecret>,
    ) -> Result<WebhookOutcome> {
        verify_webhook(headers, body, secret, Utc::now()).map_err(Error::Webhook)?;
        let body: Body = serde_json::from_slice(body)
            .map_err(|e| Error::Webhook(WebhookError::Malformed(e.to_string())))?;
        if body.event != "contact_created" && body.event != "contact_updated" {
            return Ok(WebhookOutcome::Ignored {
                reason: format!("event {} is not about contacts", body.event),
            });
        }
        let id = body
            .id
            .ok_or_else(|| Error::Webhook(WebhookError::Malformed("no contact id".into())))?;
        // Only last_activity_at (and updated_at) changed: an incoming message, not an edit.
        let noise = !body.changed_attributes.is_empty()
            && body
                .changed_attributes
                .iter()
                .flat_map(|m| m.keys())
                .all(|k| k == "last_activity_at" || k == "updated_at");
        if noise {
            return Ok(WebhookOutcome::Ignored {
                reason: "only the activity time changed".into(),
            });
        }
        let remote_time = body
            .changed_attributes
            .iter()
            .find_map(|m| {
                m.get("updated_at")?
                    .get("current_value")?
                    .as_str()
                    .map(str::to_owned)
            })
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc));
        if self.read_store(|r| r.sync_tombstone(id))?.is_some() {
            return Ok(WebhookOutcome::Ignored {
                reason: "the contact was deleted".into(),
            });
        }
        let rc = match remote.show(id) {
            Ok(rc) => rc,
            Err(RemoteError::NotFound) => {
                return Ok(WebhookOutcome::Ignored {
                    reason: "the contact no longer exists in Chatwoot".into(),
                });
            }
            Err(err) => return Err(Error::Sync(err)),
        };
        self.sync_observed(remote, rc, remote_time)
    }
}
