//! A fake Chatwoot account for tests, following the contact rules of `shared/chatwoot/`
//! (Chatwoot v4.15.1's code): email lowercased, `[^@\s]+@[^@\s]+`, unique case-insensitively;
//! phone must end in `+` and 2–15 digits, unique as an exact string; identifier unique;
//! strings at most 255 characters; custom attributes merged shallowly on update and removed
//! only by `destroy_custom_attributes`; labels replaced as a whole set, split on commas,
//! trimmed, reusing an existing spelling case-insensitively; the list returns only contacts
//! with an email, phone or identifier, 15 a page; 422 bodies join every message with ", ".
//!
//! It implements [`contactkit::Remote`] in process. Tests change it "from the Chatwoot UI"
//! through its own methods, and can make calls fail.

use std::collections::{BTreeMap, VecDeque};

use contactkit::{Remote, RemoteContact, RemoteDraft, RemoteError, RemotePage};
use serde_json::Value;

/// Chatwoot's fixed page size.
pub const PAGE_SIZE: usize = 15;

/// One stored contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The name (`""` by default).
    pub name: String,
    /// The email.
    pub email: Option<String>,
    /// The phone.
    pub phone_number: Option<String>,
    /// The identifier.
    pub identifier: Option<String>,
    /// Custom attributes.
    pub custom_attributes: BTreeMap<String, Value>,
    /// Labels.
    pub labels: Vec<String>,
}

/// A call of the API, for aiming a fault at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Whatever call comes next.
    Any,
    /// `GET /contacts`.
    List,
    /// `GET /contacts/{id}`.
    Show,
    /// `GET /contacts/search`.
    Search,
    /// `POST /contacts`.
    Create,
    /// `PATCH /contacts/{id}`.
    Update,
    /// `DELETE /contacts/{id}`.
    Delete,
    /// `GET /contacts/{id}/labels`.
    Labels,
    /// `POST /contacts/{id}/labels`.
    SetLabels,
    /// `POST /contacts/{id}/destroy_custom_attributes`.
    RemoveAttributes,
}

/// A fake Chatwoot account.
#[derive(Debug, Default)]
pub struct FakeChatwoot {
    contacts: BTreeMap<i64, Stored>,
    by_email: BTreeMap<String, i64>,
    by_phone: BTreeMap<String, i64>,
    by_identifier: BTreeMap<String, i64>,
    /// Every label spelling the account has used (Chatwoot reuses an existing spelling).
    labels_known: Vec<String>,
    /// The account labels (`/labels`).
    account_label_titles: Vec<String>,
    next_id: i64,
    /// Errors to return: the first one fires on the next call of its kind, then the next one.
    pub faults: VecDeque<(Op, RemoteError)>,
    /// How many calls were made.
    pub calls: u64,
}

fn phone_ok(phone: &str) -> bool {
    // Chatwoot's /\+[1-9]\d{1,14}\z/ has no start anchor: the value must END in + and digits.
    let Some(plus) = phone.rfind('+') else {
        return false;
    };
    let digits = &phone[plus + 1..];
    (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

fn email_ok(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn blank(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.is_empty())
}

impl FakeChatwoot {
    /// An empty account.
    pub fn new() -> Self {
        FakeChatwoot {
            next_id: 1,
            ..FakeChatwoot::default()
        }
    }

    /// Every stored contact by id.
    pub fn contacts(&self) -> &BTreeMap<i64, Stored> {
        &self.contacts
    }

    /// A contact created "in the Chatwoot UI"; validated like the API.
    pub fn ui_create(
        &mut self,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<i64, RemoteError> {
        let draft = RemoteDraft {
            name: Some(name.to_owned()),
            email: email.map(|e| Some(e.to_owned())),
            phone_number: phone.map(|p| Some(p.to_owned())),
            ..RemoteDraft::default()
        };
        self.apply(None, &draft).map(|c| c.id)
    }

    /// An edit "in the Chatwoot UI".
    pub fn ui_update(&mut self, id: i64, draft: &RemoteDraft) -> Result<(), RemoteError> {
        self.apply(Some(id), draft).map(|_| ())
    }

    /// Labels set "in the Chatwoot UI".
    pub fn ui_set_labels(&mut self, id: i64, labels: &[&str]) -> Result<(), RemoteError> {
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        self.replace_labels(id, &labels).map(|_| ())
    }

    /// A delete "in the Chatwoot UI" (Chatwoot sends no webhook for it).
    pub fn ui_delete(&mut self, id: i64) {
        self.remove(id);
    }

    /// The account's labels (`GET /labels`), lowercase.
    pub fn account_labels(&self) -> &[String] {
        &self.account_label_titles
    }

    /// `POST /labels`: creates an account label. Titles are lowercased and must be letters,
    /// digits, `-` and `_` (422 otherwise, or when it exists).
    pub fn create_account_label(&mut self, title: &str) -> Result<(), RemoteError> {
        let title = title.to_lowercase();
        if title.is_empty() || !title.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            return Err(RemoteError::Unprocessable {
                message: "Title is invalid".into(),
                attributes: vec!["title".into()],
            });
        }
        if self.account_label_titles.contains(&title) {
            return Err(RemoteError::Unprocessable {
                message: "Title has already been taken".into(),
                attributes: vec!["title".into()],
            });
        }
        self.account_label_titles.push(title);
        Ok(())
    }

    /// `POST /actions/contact_merge`: the mergee is deleted (no webhook); the base keeps its
    /// non-blank values and takes the mergee's where it has none; custom attributes are
    /// combined; the mergee's labels are not carried over (Chatwoot v4.15.1).
    pub fn merge(&mut self, base: i64, mergee: i64) -> Result<i64, RemoteError> {
        if !self.contacts.contains_key(&base) || !self.contacts.contains_key(&mergee) {
            return Err(RemoteError::NotFound);
        }
        if base == mergee {
            return Ok(base);
        }
        let gone = self.remove(mergee).ok_or(RemoteError::NotFound)?;
        let mut kept = self.contacts.get(&base).cloned().ok_or(RemoteError::NotFound)?;
        let fill = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.as_deref().is_none_or(str::is_empty) {
                *mine = theirs;
            }
        };
        if kept.name.is_empty() {
            kept.name = gone.name.clone();
        }
        fill(&mut kept.email, gone.email.clone());
        fill(&mut kept.phone_number, gone.phone_number.clone());
        fill(&mut kept.identifier, gone.identifier.clone());
        for (key, value) in gone.custom_attributes {
            kept.custom_attributes.entry(key).or_insert(value);
        }
        self.unindex(&self.contacts[&base].clone());
        self.index(base, &kept);
        self.contacts.insert(base, kept);
        Ok(base)
    }

    /// `POST /contacts/filter` over the resolved contacts: `equal_to` and `contains` on
    /// `name`, `email`, `phone_number` and `identifier`, joined left to right by AND / OR.
    pub fn filter(&self, conditions: &[Value]) -> Result<Vec<i64>, RemoteError> {
        let mut out = Vec::new();
        for (id, c) in &self.contacts {
            let mut result: Option<bool> = None;
            let mut join = "AND".to_owned();
            for cond in conditions {
                let key = cond["attribute_key"].as_str().unwrap_or_default();
                let op = cond["filter_operator"].as_str().unwrap_or_default();
                let want = cond["values"][0].as_str().unwrap_or_default().to_lowercase();
                let have = match key {
                    "name" => Some(c.name.to_lowercase()),
                    "email" => c.email.clone(),
                    "phone_number" => c.phone_number.clone(),
                    "identifier" => c.identifier.clone(),
                    other => {
                        return Err(RemoteError::Unprocessable {
                            message: format!("Invalid attribute key - [{other}]."),
                            attributes: Vec::new(),
                        });
                    }
                }
                .unwrap_or_default()
                .to_lowercase();
                let hit = match op {
                    "equal_to" => have == want,
                    "contains" => have.contains(&want),
                    other => {
                        return Err(RemoteError::Unprocessable {
                            message: format!(
                                "Invalid operator. The allowed operators for {key} are [equal_to,contains]. ({other})"
                            ),
                            attributes: Vec::new(),
                        });
                    }
                };
                result = Some(match (result, join.as_str()) {
                    (None, _) => hit,
                    (Some(r), "OR") => r || hit,
                    (Some(r), _) => r && hit,
                });
                join = cond["query_operator"].as_str().unwrap_or("AND").to_owned();
            }
            let resolved = c.email.is_some() || c.phone_number.is_some() || c.identifier.is_some();
            if resolved && result.unwrap_or(true) {
                out.push(*id);
            }
        }
        Ok(out)
    }

    fn fault(&mut self, op: Op) -> Result<(), RemoteError> {
        self.calls += 1;
        match self.faults.front() {
            Some((aim, _)) if *aim == Op::Any || *aim == op => match self.faults.pop_front() {
                Some((_, err)) => Err(err),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn render(&self, id: i64) -> Result<RemoteContact, RemoteError> {
        let c = self.contacts.get(&id).ok_or(RemoteError::NotFound)?;
        Ok(RemoteContact {
            id,
            name: c.name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
            identifier: c.identifier.clone(),
            custom_attributes: c.custom_attributes.clone(),
        })
    }

    /// Validates and stores a create (`id` none) or an update, as the Rails model does.
    fn apply(&mut self, id: Option<i64>, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError> {
        let mut next = match id {
            Some(id) => self.contacts.get(&id).cloned().ok_or(RemoteError::NotFound)?,
            None => Stored {
                name: String::new(),
                email: None,
                phone_number: None,
                identifier: None,
                custom_attributes: BTreeMap::new(),
                labels: Vec::new(),
            },
        };
        if let Some(name) = &draft.name {
            next.name = name.clone();
        }
        if let Some(email) = &draft.email {
            next.email = blank(&email.as_ref().map(|e| e.to_lowercase()));
        }
        if let Some(phone) = &draft.phone_number {
            next.phone_number = phone.clone();
        }
        if let Some(identifier) = &draft.identifier {
            next.identifier = Some(identifier.clone());
        }
        for (key, value) in &draft.custom_attributes {
            next.custom_attributes.insert(key.clone(), value.clone());
        }
        // Uniqueness through indexes, as the database does: a 10k-contact account stays fast.
        let taken = |index: &BTreeMap<String, i64>, value: &str| {
            index.get(value).is_some_and(|owner| Some(*owner) != id)
        };
        let mut messages = Vec::new();
        let mut attributes = Vec::new();
        if let Some(email) = &next.email {
            if !email_ok(email) {
                messages.push("Email Invalid email".to_owned());
                attributes.push("email".to_owned());
            } else if taken(&self.by_email, email) {
                messages.push("Email has already been taken".to_owned());
                attributes.push("email".to_owned());
            }
        }
        if let Some(phone) = next.phone_number.as_ref().filter(|p| !p.is_empty()) {
            if !phone_ok(phone) {
                messages.push("Phone number should be in e164 format".to_owned());
                attributes.push("phone_number".to_owned());
            } else if taken(&self.by_phone, phone) {
                messages.push("Phone number has already been taken".to_owned());
                attributes.push("phone_number".to_owned());
            }
        }
        if let Some(identifier) = next.identifier.as_ref().filter(|i| !i.is_empty())
            && taken(&self.by_identifier, identifier)
        {
            messages.push("Identifier has already been taken".to_owned());
            attributes.push("identifier".to_owned());
        }
        if next.name.chars().count() > 255 {
            messages.push("Name is too long (maximum is 255 characters)".to_owned());
            attributes.push("name".to_owned());
        }
        if !messages.is_empty() {
            return Err(RemoteError::Unprocessable {
                message: messages.join(", "),
                attributes,
            });
        }
        let id = id.unwrap_or_else(|| {
            let id = self.next_id;
            self.next_id += 1;
            id
        });
        if let Some(old) = self.contacts.get(&id).cloned() {
            self.unindex(&old);
        }
        self.index(id, &next);
        self.contacts.insert(id, next);
        self.render(id)
    }

    fn index(&mut self, id: i64, c: &Stored) {
        for (index, value) in [
            (&mut self.by_email, &c.email),
            (&mut self.by_phone, &c.phone_number),
            (&mut self.by_identifier, &c.identifier),
        ] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                index.insert(v.clone(), id);
            }
        }
    }

    fn unindex(&mut self, c: &Stored) {
        for (index, value) in [
            (&mut self.by_email, &c.email),
            (&mut self.by_phone, &c.phone_number),
            (&mut self.by_identifier, &c.identifier),
        ] {
            if let Some(v) = value {
                index.remove(v);
            }
        }
    }

    fn remove(&mut self, id: i64) -> Option<Stored> {
        let removed = self.contacts.remove(&id)?;
        self.unindex(&removed);
        Some(removed)
    }

    fn replace_labels(&mut self, id: i64, labels: &[String]) -> Result<Vec<String>, RemoteError> {
        let known: Vec<String> = self.labels_known.clone();
        let mut set: Vec<String> = Vec::new();
        for label in labels
            .iter()
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let spelled = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(label))
                .cloned()
                .unwrap_or_else(|| label.to_owned());
            if !set.iter().any(|s| s.eq_ignore_ascii_case(&spelled)) {
                set.push(spelled);
            }
        }
        let contact = self.contacts.get_mut(&id).ok_or(RemoteError::NotFound)?;
        contact.labels = set.clone();
        for label in &set {
            if !self.labels_known.iter().any(|k| k.eq_ignore_ascii_case(label)) {
                self.labels_known.push(label.clone());
            }
        }
        Ok(set)
    }
}

impl Remote for FakeChatwoot {
    fn list(&mut self, page: u32) -> Result<RemotePage, RemoteError> {
        self.fault(Op::List)?;
        let resolved: Vec<i64> = self
            .contacts
            .iter()
            .filter(|(_, c)| {
                c.email.as_deref().is_some_and(|v| !v.is_empty())
                    || c.phone_number.as_deref().is_some_and(|v| !v.is_empty())
                    || c.identifier.as_deref().is_some_and(|v| !v.is_empty())
            })
            .map(|(id, _)| *id)
            .collect();
        let start = (page.max(1) as usize - 1) * PAGE_SIZE;
        let contacts = resolved
            .iter()
            .skip(start)
            .take(PAGE_SIZE)
            .map(|id| self.render(*id))
            .collect::<Result<_, _>>()?;
        Ok(RemotePage {
            contacts,
            total: resolved.len() as u64,
        })
    }

    fn show(&mut self, id: i64) -> Result<RemoteContact, RemoteError> {
        self.fault(Op::Show)?;
        self.render(id)
    }

    fn search(&mut self, q: &str) -> Result<Vec<RemoteContact>, RemoteError> {
        self.fault(Op::Search)?;
        let q = q.trim();
        let lower = q.to_lowercase();
        let hits: Vec<i64> = self
            .contacts
            .iter()
            .filter(|(_, c)| {
                c.name.to_lowercase().contains(&lower)
                    || c.email.as_deref().is_some_and(|e| e.contains(&lower))
                    || c.phone_number.as_deref().is_some_and(|p| p.contains(q))
                    || c.identifier.as_deref().is_some_and(|i| i.contains(q))
            })
            .map(|(id, _)| *id)
            .take(PAGE_SIZE)
            .collect();
        hits.into_iter().map(|id| self.render(id)).collect()
    }

    fn create(&mut self, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError> {
        self.fault(Op::Create)?;
        self.apply(None, draft)
    }

    fn update(&mut self, id: i64, draft: &RemoteDraft) -> Result<RemoteContact, RemoteError> {
        self.fault(Op::Update)?;
        self.apply(Some(id), draft)
    }

    fn delete(&mut self, id: i64) -> Result<(), RemoteError> {
        self.fault(Op::Delete)?;
        self.remove(id).map(|_| ()).ok_or(RemoteError::NotFound)
    }

    fn labels(&mut self, id: i64) -> Result<Vec<String>, RemoteError> {
        self.fault(Op::Labels)?;
        Ok(self
            .contacts
            .get(&id)
            .ok_or(RemoteError::NotFound)?
            .labels
            .clone())
    }

    fn set_labels(&mut self, id: i64, labels: &[String]) -> Result<Vec<String>, RemoteError> {
        self.fault(Op::SetLabels)?;
        self.replace_labels(id, labels)
    }

    fn remove_custom_attributes(&mut self, id: i64, keys: &[String]) -> Result<RemoteContact, RemoteError> {
        self.fault(Op::RemoveAttributes)?;
        let contact = self.contacts.get_mut(&id).ok_or(RemoteError::NotFound)?;
        for key in keys {
            contact.custom_attributes.remove(key);
        }
        self.render(id)
    }
}
