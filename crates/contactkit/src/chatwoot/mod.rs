//! The Chatwoot Application API client: [`Remote`] over HTTP (ureq), behind the `chatwoot`
//! feature (on by default).
//!
//! - Auth: the user's access token in the `api_access_token` header. The token lives in an
//!   [`ApiToken`], whose `Debug` prints `***`; no error or log line ever contains it.
//! - Retries: 429, 5xx, timeouts and dropped connections are retried with exponential backoff
//!   and jitter (a `Retry-After` header, which only a proxy would add, is honoured), up to
//!   [`ChatwootConfig::max_retries`]; then [`RemoteError::Unavailable`]. Calls are spaced to
//!   stay under Chatwoot's default limits (3000 requests a minute, 100 searches a minute).
//! - Errors: 401 (a bad token, or a role that may not do this: Chatwoot uses 401 for both),
//!   404 and 422 become typed [`RemoteError`]s with what Chatwoot answered.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::sync::{Remote, RemoteContact, RemoteDraft, RemoteError, RemotePage};

/// A Chatwoot API access token. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        ApiToken(token.into())
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Where and how to reach a Chatwoot account.
#[derive(Debug, Clone)]
pub struct ChatwootConfig {
    /// The installation's base URL (`https://app.chatwoot.com`).
    pub base_url: String,
    /// The account id.
    pub account_id: u64,
    /// The user's API access token.
    pub token: ApiToken,
    /// The timeout of one request.
    pub timeout: Duration,
    /// How many times a failed call is retried.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it (with jitter), up to 30 s.
    pub backoff: Duration,
}

impl ChatwootConfig {
    /// A config with the default timeout (30 s), retries (5) and backoff (500 ms).
    pub fn new(base_url: impl Into<String>, account_id: u64, token: ApiToken) -> Self {
        ChatwootConfig {
            base_url: base_url.into(),
            account_id,
            token,
            timeout: Duration::from_secs(30),
            max_retries: 5,
            backoff: Duration::from_millis(500),
        }
    }
}

/// The Chatwoot client.
///
/// # Examples
/// ```
/// use contactkit::chatwoot::{ApiToken, ChatwootClient, ChatwootConfig};
/// let client = ChatwootClient::new(ChatwootConfig::new("https://chatwoot.example", 3, ApiToken::new("secret-token")));
/// assert!(!format!("{client:?}").contains("secret-token"));
/// ```
#[derive(Debug)]
pub struct ChatwootClient {
    config: ChatwootConfig,
    agent: ureq::Agent,
    last_call: Option<Instant>,
    last_search: Option<Instant>,
    jitter: u64,
    /// The account's label titles, once read.
    account_labels: Option<std::collections::BTreeSet<String>>,
}

/// Chatwoot's default limits: 3000 requests a minute per IP, 100 searches a minute.
const CALL_SPACING: Duration = Duration::from_millis(20);
const SEARCH_SPACING: Duration = Duration::from_millis(600);

#[derive(Deserialize)]
struct Wrapped<T> {
    payload: T,
}

#[derive(Deserialize)]
struct ListMeta {
    count: u64,
}

#[derive(Deserialize)]
struct Listed {
    meta: ListMeta,
    payload: Vec<RawContact>,
}

#[derive(Deserialize)]
struct Created {
    contact: RawContact,
}

#[derive(Deserialize)]
struct RawContact {
    id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
    #[serde(default)]
    custom_attributes: Option<serde_json::Map<String, Value>>,
}

impl From<RawContact> for RemoteContact {
    fn from(c: RawContact) -> Self {
        let blank = |v: Option<String>| v.filter(|s| !s.is_empty());
        RemoteContact {
            id: c.id,
            name: c.name.unwrap_or_default(),
            email: blank(c.email),
            phone_number: blank(c.phone_number),
            identifier: blank(c.identifier),
            custom_attributes: c.custom_attributes.unwrap_or_default().into_iter().collect(),
        }
    }
}

enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl ChatwootClient {
    /// A client for `config`.
    pub fn new(config: ChatwootConfig) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let jitter = u64::from(std::process::id()) ^ (config.account_id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        ChatwootClient {
            config,
            agent,
            last_call: None,
            last_search: None,
            jitter,
            account_labels: None,
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1/accounts/{}{path}",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_id
        )
    }

    fn next_jitter(&mut self) -> u64 {
        // xorshift: enough to spread retries of several clients apart.
        self.jitter ^= self.jitter << 13;
        self.jitter ^= self.jitter >> 7;
        self.jitter ^= self.jitter << 17;
        self.jitter
    }

    fn space(&mut self, search: bool) {
        let spacing = if search { SEARCH_SPACING } else { CALL_SPACING };
        let last = if search { self.last_search } else { self.last_call };
        if let Some(last) = last {
            let since = last.elapsed();
            if since < spacing {
                std::thread::sleep(spacing - since);
            }
        }
        let now = Instant::now();
        self.last_call = Some(now);
        if search {
            self.last_search = Some(now);
        }
    }

    /// One call of a path under the account, with retries; the body of a 2xx response.
    fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Result<String, RemoteError> {
        let url = self.url(path);
        self.call_url(method, &url, body, path.starts_with("/contacts/search"))
    }

    /// One call of `url`, with retries.
    fn call_url(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        search: bool,
    ) -> Result<String, RemoteError> {
        let mut attempt = 0;
        loop {
            self.space(search);
            let token = self.config.token.0.as_str();
            let sent = match (&method, body) {
                (Method::Get, _) => self.agent.get(url).header("api_access_token", token).call(),
                (Method::Delete, _) => self.agent.delete(url).header("api_access_token", token).call(),
                (Method::Post, Some(b)) => self
                    .agent
                    .post(url)
                    .header("api_access_token", token)
                    .content_type("application/json")
                    .send(b.to_string()),
                (Method::Post, None) => self
                    .agent
                    .post(url)
                    .header("api_access_token", token)
                    .send_empty(),
                (Method::Patch, b) => self
                    .agent
                    .patch(url)
                    .header("api_access_token", token)
                    .content_type("application/json")
                    .send(b.map(Value::to_string).unwrap_or_default()),
            };
            let retry_after;
            let failure = match sent {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let text = response.body_mut().read_to_string().unwrap_or_default();
                    match status {
                        200..=299 => return Ok(text),
                        401 | 403 => return Err(RemoteError::Unauthorized { body: text }),
                        404 => return Err(RemoteError::NotFound),
                        422 => return Err(unprocessable(&text)),
                        429 | 500..=599 => format!("HTTP {status}"),
                        other => return Err(RemoteError::Malformed(format!("HTTP {other}: {text}"))),
                    }
                }
                Err(err) => {
                    retry_after = None;
                    // The URL and the error never hold the token (it is a header).
                    format!("{err}")
                }
            };
            if attempt >= self.config.max_retries {
                return Err(RemoteError::Unavailable(format!(
                    "{failure} after {} tries",
                    attempt + 1
                )));
            }
            let backoff = self
                .config
                .backoff
                .saturating_mul(1 << attempt.min(10))
                .min(Duration::from_secs(30));
            let jitter = Duration::from_millis(self.next_jitter() % (backoff.as_millis() as u64 / 2 + 1));
            std::thread::sleep(retry_after.unwrap_or(backoff / 2 + jitter));
            attempt += 1;
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, RemoteError> {
        serde_json::from_str(text).map_err(|e| {
            RemoteError::Malformed(format!("{e}: {}", text.chars().take(200).collect::<String>()))
        })
    }
}

fn unprocessable(text: &str) -> RemoteError {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let message = value["message"]
        .as_str()
        .or_else(|| value["error"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| text.to_owned());
    let attributes = value["attributes"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    RemoteError::Unprocessable { message, attributes }
}

fn draft_json(draft: &RemoteDraft) -> Value {
    let mut body = serde_json::Map::new();
    if let Some(name) = &draft.name {
        body.insert("name".into(), Value::from(name.clone()));
    }
    if let Some(email) = &draft.email {
        body.insert(
            "email".into(),
            email.clone().map(Value::from).unwrap_or(Value::Null),
        );
    }
    if let Some(phone) = &draft.phone_number {
        body.insert(
            "phone_number".into(),
            phone.clone().map(Value::from).unwrap_or(Value::Null),
        );
    }
    if let Some(identifier) = &draft.identifier {
        body.insert("identifier".into(), Value::from(identifier.clone()));
    }
    if !draft.custom_attributes.is_empty() {
        body.insert(
            "custom_attributes".into(),
            Value::Object(draft.custom_attributes.clone().into_iter().collect()),
        );
    }
    Value::Object(body)
}

impl ChatwootClient {
    /// `POST /contacts/filter`: one page of the contacts matching Chatwoot's filter
    /// conditions (`[{"attribute_key": "email", "filter_operator": "contains", "values":
    /// ["@example.com"], "query_operator": null}]`), with the total in `total`.
    ///
    /// # Errors
    /// As [`Remote::list`]; 422 carries Chatwoot's message for a bad key or operator.
    pub fn filter(&mut self, conditions: &Value, page: u32) -> Result<RemotePage, RemoteError> {
        let body = serde_json::json!({ "payload": conditions });
        let text = self.call(
            Method::Post,
            &format!("/contacts/filter?page={page}"),
            Some(&body),
        )?;
        let listed: Listed = Self::parse(&text)?;
        Ok(RemotePage {
            contacts: listed.payload.into_iter().map(Into::into).collect(),
            total: listed.meta.count,
        })
    }

    /// `POST /actions/contact_merge`: Chatwoot merges `mergee` into `base` (the mergee is
    /// deleted, without a webhook) and returns the base contact.
    ///
    /// # Errors
    /// As [`Remote::update`]; 404 when either contact is not in the account.
    pub fn merge(&mut self, base: i64, mergee: i64) -> Result<RemoteContact, RemoteError> {
        let body = serde_json::json!({ "base_contact_id": base, "mergee_contact_id": mergee });
        let url = format!(
            "{}/api/v1/accounts/{}/actions/contact_merge",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_id
        );
        let text = self.call_url(Method::Post, &url, Some(&body), false)?;
        Ok(Self::parse::<RawContact>(&text)?.into())
    }
}

impl Remote for ChatwootClient {
    fn list(&mut self, page: u32) -> Result<RemotePage, RemoteError> {
        let text = self.call(
            Method::Get,
            &format!("/contacts?page={page}&sort=created_at&include_contact_inboxes=false"),
            None,
        )?;
        let listed: Listed = Self::parse(&text)?;
        Ok(RemotePage {
            contacts: listed.payload.into_iter().map(Into::into).collect(),
            total: listed.meta.count,
        })
    }

    fn show(&mut self, id: i64) -> Result<RemoteContact, RemoteError> {
        let text = self.call(
            Method::Get,
            &format!("/contacts/{id}?include_contact_inboxes=false"),
            None,
        )?;
        Ok(Self::parse::<Wrapped<RawContact>>(&text)?.payload.into())
    }

    fn search(&mut self, q: &str) -> Result<Vec<RemoteContact>, RemoteError> {
        let mut encoded = String::new();
        for b in q.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    encoded.push(b as char)
                }
                _ => encoded.push_str(&format!("%{b:02X}")),
            }
        }
        let text = self.call(
            Method::Get,
            &format!("/contacts/search?q={encoded}&include_contact_inboxes=false"),
            None,
        )?;
        Ok(Self::parse::<Wrapped<Vec<RawContact>>>(&text)?
            .payload
            .into_iter()
            .map(Into::into)
            .collect())
    }

    fn create(&mut self, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError> {
        let text = self.call(Method::Post, "/contacts", Some(&draft_json(draft)))?;
        Ok(Self::parse::<Wrapped<Created>>(&text)?.payload.contact.into())
    }

    fn update(&mut self, id: i64, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError> {
        let text = self.call(
            Method::Patch,
            &format!("/contacts/{id}"),
            Some(&draft_json(draft)),
        )?;
        Ok(Self::parse::<Wrapped<RawContact>>(&text)?.payload.into())
    }

    fn delete(&mut self, id: i64) -> Result<(), RemoteError> {
        self.call(Method::Delete, &format!("/contacts/{id}"), None)
            .map(|_| ())
    }

    fn labels(&mut self, id: i64) -> Result<Vec<String>, RemoteError> {
        let text = self.call(Method::Get, &format!("/contacts/{id}/labels"), None)?;
        Ok(Self::parse::<Wrapped<Vec<String>>>(&text)?.payload)
    }

    fn set_labels(&mut self, id: i64, labels: &[String]) -> Result<Vec<String>, RemoteError> {
        let body = serde_json::json!({ "labels": labels });
        let text = self.call(Method::Post, &format!("/contacts/{id}/labels"), Some(&body))?;
        Ok(Self::parse::<Wrapped<Vec<String>>>(&text)?.payload)
    }

    fn ensure_labels(&mut self, labels: &[String]) -> Result<(), RemoteError> {
        if self.account_labels.is_none() {
            #[derive(Deserialize)]
            struct Label {
                title: String,
            }
            let text = self.call(Method::Get, "/labels", None)?;
            let known: Vec<Label> = Self::parse::<Wrapped<Vec<Label>>>(&text)?.payload;
            self.account_labels = Some(known.into_iter().map(|l| l.title.to_lowercase()).collect());
        }
        for label in labels {
            let title = label.to_lowercase();
            if self.account_labels.as_ref().is_some_and(|k| k.contains(&title)) {
                continue;
            }
            let body = serde_json::json!({ "title": title, "show_on_sidebar": false });
            match self.call(Method::Post, "/labels", Some(&body)) {
                // 422: it exists already (another client made it meanwhile).
                Ok(_) | Err(RemoteError::Unprocessable { .. }) => {}
                Err(err) => return Err(err),
            }
            if let Some(known) = self.account_labels.as_mut() {
                known.insert(title);
            }
        }
        Ok(())
    }

    fn remove_custom_attributes(&mut self, id: i64, keys: &[String]) -> Result<RemoteContact, RemoteError> {
        let body = serde_json::json!({ "custom_attributes": keys });
        let text = self.call(
            Method::Post,
            &format!("/contacts/{id}/destroy_custom_attributes"),
            Some(&body),
        )?;
        Ok(Self::parse::<Wrapped<RawContact>>(&text)?.payload.into())
    }
}
