//! [`Book`]: the one handle every front (Rust, C, Python, the CLI) works through.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Origin};
use crate::contact::{
    Contact, ContactId, ContactPatch, EmailPoint, NewContact, PhonePoint, PointInput, Source,
    valid_attribute, valid_label, valid_name,
};
use crate::email::Email;
use crate::error::{Error, Field, Result};
use crate::feed::{events_between, tombstone};
use crate::fold::fold;
use crate::phone::{Phone, PhoneRegion};
use crate::policy::{Action, is_allowed};
use crate::provenance::{FieldSource, is_channel, may_overwrite};
use crate::store::{ContactRecord, PointKind, PointRecord, Reader, SqliteStore, Store, Writer};
use crate::tag::{TagCount, TagName, parse_tags};

/// Settings of a book, passed to [`Book::open`].
///
/// # Examples
/// ```
/// use contactkit::{BookOptions, PhoneRegion};
/// let options = BookOptions { default_region: PhoneRegion::new("BR")?, ..BookOptions::default() };
/// assert_eq!(options.default_region.as_str(), "BR");
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookOptions {
    /// The region of phone numbers written without a country code (default `US`).
    pub default_region: PhoneRegion,
    /// How long a write waits for another process's lock on the same file (default 5 s).
    #[serde(with = "millis")]
    pub busy_timeout: Duration,
}

impl Default for BookOptions {
    fn default() -> Self {
        BookOptions {
            default_region: PhoneRegion::default(),
            busy_timeout: SqliteStore::DEFAULT_BUSY_TIMEOUT,
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// A contact book: the contacts, their tags and everything else contactkit keeps.
///
/// `Book` is `Send + Sync` and every method takes `&self`: share one with an `Arc` between
/// threads. Every change is one transaction: it happens whole or not at all.
///
/// # Examples
/// ```
/// use contactkit::{Actor, Book, BookOptions, NewContact, Role};
/// let book = Book::open_in_memory(BookOptions::default())?;
/// let me = Actor::member("u-1", Role::Admin);
/// let c = book.create(&me, NewContact::new("Marta Nowak").phone("+48 601 234 567").tag("Buyer"))?;
/// assert_eq!(book.get(c.id)?.tags, vec!["Buyer"]);
/// book.delete(&me, c.id)?;
/// assert!(book.get(c.id).is_err());
/// # Ok::<(), contactkit::Error>(())
/// ```
pub struct Book {
    store: Box<dyn Store>,
    options: BookOptions,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The current time at the precision the book stores (milliseconds).
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

pub(crate) fn at_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// The source a new contact gets when the caller names none.
fn default_source(origin: Origin) -> Source {
    match origin {
        Origin::Ui => Source::Referral,
        Origin::Api | Origin::SyncChatwoot => Source::Api,
        Origin::Import => Source::Import,
        Origin::Whatsapp => Source::Whatsapp,
        Origin::Telegram => Source::Telegram,
        Origin::WebWidget => Source::WebWidget,
    }
}

impl Book {
    /// Opens (or creates) the book file at `path` on the embedded SQLite backend.
    ///
    /// # Errors
    /// [`Error::SchemaTooNew`] for a file from a newer contactkit (left untouched);
    /// [`Error::Storage`] when the file cannot be opened.
    ///
    /// # Examples
    /// ```
    /// let dir = tempfile::tempdir().map_err(|e| contactkit::StorageError::new(e.to_string()))?;
    /// let book = contactkit::Book::open(dir.path().join("contacts.db"), Default::default())?;
    /// assert!(book.tags()?.is_empty());
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, options: BookOptions) -> Result<Book> {
        let store = SqliteStore::open(path, options.busy_timeout)?;
        Ok(Book::with_store(Box::new(store), options))
    }

    /// Opens a private, empty book in memory.
    ///
    /// # Errors
    /// [`Error::Storage`] when SQLite cannot create it.
    ///
    /// # Examples
    /// ```
    /// let book = contactkit::Book::open_in_memory(Default::default())?;
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn open_in_memory(options: BookOptions) -> Result<Book> {
        Ok(Book::with_store(
            Box::new(SqliteStore::open_in_memory()?),
            options,
        ))
    }

    /// A book over any storage backend.
    pub fn with_store(store: Box<dyn Store>, options: BookOptions) -> Book {
        Book { store, options }
    }

    /// The book's settings.
    pub fn options(&self) -> &BookOptions {
        &self.options
    }

    /// The storage backend.
    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Runs `body` in one read snapshot of the store.
    pub(crate) fn read_store<T>(&self, body: impl FnOnce(&mut dyn Reader) -> Result<T>) -> Result<T> {
        let mut body = Some(body);
        let mut out = None;
        self.store.read(&mut |reader| {
            if let Some(body) = body.take() {
                out = Some(body(reader)?);
            }
            Ok(())
        })?;
        out.ok_or_else(|| Error::Storage(crate::StorageError::new("the store did not run the read")))
    }

    /// Runs `body` in one write transaction of the store.
    pub(crate) fn write_store<T>(&self, body: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
        let mut body = Some(body);
        let mut out = None;
        self.store.write(&mut |writer| {
            if let Some(body) = body.take() {
                out = Some(body(writer)?);
            }
            Ok(())
        })?;
        out.ok_or_else(|| Error::Storage(crate::StorageError::new("the store did not run the write")))
    }

    fn email_record(&self, input: &PointInput) -> Result<PointRecord> {
        let email = Email::parse(&input.value)?;
        Ok(PointRecord {
            key: email.key(),
            value: email.as_str().to_owned(),
            original: None,
            label: valid_label(input.label.as_deref())?,
        })
    }

    fn phone_record(&self, input: &PointInput) -> Result<PointRecord> {
        let phone = Phone::parse(&input.value, self.options.default_region)?;
        Ok(PointRecord {
            key: phone.as_str().to_owned(),
            value: phone.as_str().to_owned(),
            original: Some(input.value.trim().to_owned()),
            label: valid_label(input.label.as_deref())?,
        })
    }

    fn point_record(&self, kind: PointKind, input: &PointInput) -> Result<PointRecord> {
        match kind {
            PointKind::Email => self.email_record(input),
            PointKind::Phone => self.phone_record(input),
        }
    }

    /// Creates a contact.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field for a bad name, email, phone, tag or attribute;
    /// [`Error::Duplicate`] when an email or phone already belongs to another contact (nothing
    /// is written).
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, Source};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let c = book.create(&Actor::api("crm"), NewContact::new(" Li  Wei ").email("li@example.cn"))?;
    /// assert_eq!((c.name.as_str(), c.source), ("Li Wei", Source::Api));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn create(&self, actor: &Actor, new: NewContact) -> Result<Contact> {
        self.create_with_key(actor, new, None)
    }

    /// Creates a contact once per idempotency key: repeating the call with the same `key`
    /// (a retry after a timeout, from this process or another) returns the first call's
    /// result and changes nothing. Keys expire after [`IDEMPOTENCY_KEY_TTL`].
    ///
    /// # Errors
    /// As [`Book::create`]; [`Error::Invalid`] on [`Field::IdempotencyKey`] when the key was
    /// used for another kind of call.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let api = Actor::api("crm");
    /// let first = book.create_with_key(&api, NewContact::new("Ana").email("ana@x.com"), Some("req-1"))?;
    /// let retry = book.create_with_key(&api, NewContact::new("Ana").email("ana@x.com"), Some("req-1"))?;
    /// assert_eq!(first, retry);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn create_with_key(&self, actor: &Actor, new: NewContact, key: Option<&str>) -> Result<Contact> {
        self.write_store(|w| {
            idempotent(
                w,
                key,
                "create",
                now(),
                |c: &Contact| Some(c.id),
                |w| self.create_in(w, actor, new),
            )
        })
    }

    /// [`Book::create`] inside the caller's write transaction.
    pub(crate) fn create_in(&self, w: &mut dyn Writer, actor: &Actor, new: NewContact) -> Result<Contact> {
        let name = valid_name(&new.name)?;
        let mut emails = Vec::new();
        for input in new
            .email
            .iter()
            .map(PointInput::new)
            .chain(new.additional_emails.iter().cloned())
        {
            push_unique(&mut emails, self.email_record(&input)?);
        }
        let mut phones = Vec::new();
        for input in new
            .phone
            .iter()
            .map(PointInput::new)
            .chain(new.additional_phones.iter().cloned())
        {
            push_unique(&mut phones, self.phone_record(&input)?);
        }
        let tags = parse_tags(&new.tags)?;
        let mut attributes = crate::contact::Attributes::new();
        for (key, value) in new.attributes {
            attributes.insert(valid_attribute(&key, &value)?, value);
        }
        let now = now();
        let record = ContactRecord {
            name_key: fold(&name),
            name,
            source: new.source.unwrap_or_else(|| default_source(actor.origin)),
            verification: new.verification.unwrap_or_default(),
            attributes,
            created_at: new.created_at.map(at_millis).unwrap_or(now),
            updated_at: now,
            last_activity_at: new.last_activity_at.map(at_millis),
        };
        let id = w.insert_contact(&record)?;
        w.replace_points(id, PointKind::Email, &emails)?;
        w.replace_points(id, PointKind::Phone, &phones)?;
        w.link_tags(id, &tags)?;
        let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
        record_change(w, actor, now, None, &after)?;
        reloaded(w, after)
    }

    /// The contact with this id.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    ///
    /// # Examples
    /// ```
    /// let book = contactkit::Book::open_in_memory(Default::default())?;
    /// let err = book.get("99".parse()?).unwrap_err();
    /// assert_eq!(err.kind(), contactkit::ErrorKind::NotFound);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn get(&self, id: ContactId) -> Result<Contact> {
        self.read_store(|r| r.contact(id)?.ok_or(Error::NotFound(id)))
    }

    /// Applies a partial edit: only the fields set in `patch` change; `updated_at` moves only
    /// when something did change.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Invalid`], [`Error::Duplicate`] as for [`Book::create`];
    /// on any error nothing changes.
    pub fn update(&self, actor: &Actor, id: ContactId, patch: ContactPatch) -> Result<Contact> {
        self.write_store(|w| self.update_in(w, actor, id, &patch))
    }

    /// [`Book::update`] inside the caller's write transaction.
    pub(crate) fn update_in(
        &self,
        w: &mut dyn Writer,
        actor: &Actor,
        id: ContactId,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        let name = patch.name.as_deref().map(valid_name).transpose()?;
        let email = match &patch.email {
            Some(Some(text)) => Some(Some(self.email_record(&PointInput::new(text.clone()))?)),
            Some(None) => Some(None),
            None => None,
        };
        let phone = match &patch.phone {
            Some(Some(text)) => Some(Some(self.phone_record(&PointInput::new(text.clone()))?)),
            Some(None) => Some(None),
            None => None,
        };
        let mut set_attributes = Vec::new();
        for (key, value) in &patch.set_attributes {
            set_attributes.push((valid_attribute(key, value)?, value.clone()));
        }
        {
            let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
            // An automatic update from a channel fills or refreshes only what may_overwrite allows.
            let provenance = if is_channel(actor.origin) {
                w.provenance(id)?
            } else {
                Default::default()
            };
            let allowed = |field: &str, empty: bool| may_overwrite(provenance.get(field), empty, actor);
            let name = name.filter(|_| allowed("name", false));
            let set_attributes: Vec<_> = set_attributes
                .into_iter()
                .filter(|(key, _)| {
                    allowed(&format!("attributes.{key}"), !before.attributes.contains_key(key))
                })
                .collect();
            let mut record = record_of(&before);
            if let Some(name) = name {
                record.name_key = fold(&name);
                record.name = name;
            }
            if let Some(source) = patch.source {
                record.source = source;
            }
            if let Some(verification) = patch.verification {
                record.verification = verification;
            }
            for (key, value) in set_attributes {
                record.attributes.insert(key, value);
            }
            for key in &patch.unset_attributes {
                if allowed(&format!("attributes.{}", key.trim()), false) {
                    record.attributes.remove(key.trim());
                }
            }
            if let Some(at) = patch.last_activity_at {
                record.last_activity_at = Some(at_millis(at));
            }
            let mut changed = record != record_of(&before);
            if let Some(primary) = email {
                let points = if allowed("email", before.emails.is_empty()) {
                    with_primary(email_records(&before.emails), primary)
                } else {
                    // Never replace a primary someone else set: keep the new value as an extra.
                    with_additional(email_records(&before.emails), primary)
                };
                if points != email_records(&before.emails) {
                    w.replace_points(id, PointKind::Email, &points)?;
                    changed = true;
                }
            }
            if let Some(primary) = phone {
                let points = if allowed("phone", before.phones.is_empty()) {
                    with_primary(phone_records(&before.phones), primary)
                } else {
                    with_additional(phone_records(&before.phones), primary)
                };
                if points != phone_records(&before.phones) {
                    w.replace_points(id, PointKind::Phone, &points)?;
                    changed = true;
                }
            }
            if !changed {
                return Ok(before);
            }
            let now = now();
            record.updated_at = now;
            w.update_contact(id, &record)?;
            let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
            record_change(w, actor, now, Some(&before), &after)?;
            reloaded(w, after)
        }
    }

    /// Deletes a contact and everything hanging off it, for good.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] unless the actor is an owner, an admin or the system;
    /// [`Error::NotFound`] when there is no such contact.
    pub fn delete(&self, actor: &Actor, id: ContactId) -> Result<()> {
        require(actor, Action::DeleteContact)?;
        self.write_store(|w| {
            erase_in(w, actor, id)?;
            crate::audit::record(
                w,
                actor,
                crate::audit::AuditAction::Delete,
                &[id],
                serde_json::json!({}),
            )
        })?;
        self.store.scrub_journal()
    }

    /// Adds tags to a contact (tags it already has are left as they are).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad tag name; [`Error::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let a = Actor::api("x");
    /// let c = book.create(&a, NewContact::new("Ana").tag("Hot"))?;
    /// let c = book.add_tags(&a, c.id, &[" hot ", "VIP"])?;
    /// assert_eq!(c.tags, vec!["Hot", "VIP"]);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn add_tags<S: AsRef<str>>(&self, actor: &Actor, id: ContactId, tags: &[S]) -> Result<Contact> {
        self.write_store(|w| self.add_tags_in(w, actor, id, tags))
    }

    /// [`Book::add_tags`] inside the caller's write transaction.
    pub(crate) fn add_tags_in<S: AsRef<str>>(
        &self,
        w: &mut dyn Writer,
        actor: &Actor,
        id: ContactId,
        tags: &[S],
    ) -> Result<Contact> {
        let tags = parse_tags(tags)?;
        let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
        w.link_tags(id, &tags)?;
        finish_tag_change(w, actor, before)
    }

    /// Removes tags from a contact (tags it does not have are ignored).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad tag name; [`Error::NotFound`].
    pub fn remove_tags<S: AsRef<str>>(&self, actor: &Actor, id: ContactId, tags: &[S]) -> Result<Contact> {
        self.write_store(|w| self.remove_tags_in(w, actor, id, tags))
    }

    /// [`Book::remove_tags`] inside the caller's write transaction.
    pub(crate) fn remove_tags_in<S: AsRef<str>>(
        &self,
        w: &mut dyn Writer,
        actor: &Actor,
        id: ContactId,
        tags: &[S],
    ) -> Result<Contact> {
        let keys: Vec<String> = parse_tags(tags)?.iter().map(TagName::key).collect();
        let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
        w.unlink_tags(id, &keys)?;
        finish_tag_change(w, actor, before)
    }

    /// Adds an additional email (the primary one if the contact has none).
    ///
    /// # Errors
    /// [`Error::Invalid`], [`Error::Duplicate`] (also when another contact holds it as an
    /// additional email), [`Error::NotFound`].
    pub fn add_email(&self, actor: &Actor, id: ContactId, email: PointInput) -> Result<Contact> {
        self.add_point(actor, id, PointKind::Email, email)
    }

    /// Adds an additional phone (the primary one if the contact has none).
    ///
    /// # Errors
    /// As [`Book::add_email`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, PointInput};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let a = Actor::api("x");
    /// let c = book.create(&a, NewContact::new("Ana").phone("+1 415 555 2671"))?;
    /// let c = book.add_phone(&a, c.id, PointInput::labelled("+44 7400 123456", "Work"))?;
    /// assert_eq!(c.phones[1].e164.as_str(), "+447400123456");
    /// assert_eq!(c.phones[1].label.as_deref(), Some("work"));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn add_phone(&self, actor: &Actor, id: ContactId, phone: PointInput) -> Result<Contact> {
        self.add_point(actor, id, PointKind::Phone, phone)
    }

    fn add_point(&self, actor: &Actor, id: ContactId, kind: PointKind, input: PointInput) -> Result<Contact> {
        self.write_store(|w| self.add_point_in(w, actor, id, kind, &input))
    }

    /// Adds an email or phone inside the caller's write transaction.
    pub(crate) fn add_point_in(
        &self,
        w: &mut dyn Writer,
        actor: &Actor,
        id: ContactId,
        kind: PointKind,
        input: &PointInput,
    ) -> Result<Contact> {
        let record = self.point_record(kind, input)?;
        change_points_in(w, actor, id, kind, move |points| {
            match points.iter_mut().find(|p| p.key == record.key) {
                // The same value again: keep it, but take a label if it had none.
                Some(existing) => {
                    if existing.label.is_none() {
                        existing.label = record.label;
                    }
                }
                None => points.push(record),
            }
            Ok(())
        })
    }

    /// Removes an email (primary or additional); the next one becomes primary.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `email` is not an email; [`Error::NotFound`] when the contact
    /// does not exist or has no such email.
    pub fn remove_email(&self, actor: &Actor, id: ContactId, email: &str) -> Result<Contact> {
        self.remove_point(actor, id, PointKind::Email, email)
    }

    /// Removes a phone (primary or additional, written in any notation); the next one becomes
    /// primary.
    ///
    /// # Errors
    /// As [`Book::remove_email`].
    pub fn remove_phone(&self, actor: &Actor, id: ContactId, phone: &str) -> Result<Contact> {
        self.remove_point(actor, id, PointKind::Phone, phone)
    }

    fn remove_point(&self, actor: &Actor, id: ContactId, kind: PointKind, value: &str) -> Result<Contact> {
        let key = self.point_record(kind, &PointInput::new(value))?.key;
        self.change_points(actor, id, kind, |points| {
            let before = points.len();
            points.retain(|p| p.key != key);
            if points.len() == before {
                return Err(point_not_found(kind, value));
            }
            Ok(())
        })
    }

    /// Makes one of the contact's emails its primary email.
    ///
    /// # Errors
    /// As [`Book::remove_email`].
    pub fn promote_email(&self, actor: &Actor, id: ContactId, email: &str) -> Result<Contact> {
        self.promote_point(actor, id, PointKind::Email, email)
    }

    /// Makes one of the contact's phones its primary phone.
    ///
    /// # Errors
    /// As [`Book::remove_email`].
    pub fn promote_phone(&self, actor: &Actor, id: ContactId, phone: &str) -> Result<Contact> {
        self.promote_point(actor, id, PointKind::Phone, phone)
    }

    fn promote_point(&self, actor: &Actor, id: ContactId, kind: PointKind, value: &str) -> Result<Contact> {
        let key = self.point_record(kind, &PointInput::new(value))?.key;
        self.change_points(actor, id, kind, |points| {
            let index = points
                .iter()
                .position(|p| p.key == key)
                .ok_or_else(|| point_not_found(kind, value))?;
            let point = points.remove(index);
            points.insert(0, point);
            Ok(())
        })
    }

    fn change_points(
        &self,
        actor: &Actor,
        id: ContactId,
        kind: PointKind,
        change: impl FnOnce(&mut Vec<PointRecord>) -> Result<()>,
    ) -> Result<Contact> {
        self.write_store(|w| change_points_in(w, actor, id, kind, change))
    }

    /// Every tag of the book with the number of contacts carrying it, in name order.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        self.read_store(|r| r.tag_counts())
    }

    /// Existing tags whose name starts with `prefix` (case and spacing ignored), most used
    /// first: what an "add tag" box offers.
    ///
    /// # Errors
    /// [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("x"), NewContact::new("Ana").tag("Hot lead").tag("Holiday"))?;
    /// let found: Vec<String> = book.find_tags("HO", 10)?.into_iter().map(|t| t.name).collect();
    /// assert_eq!(found, vec!["Holiday", "Hot lead"]);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn find_tags(&self, prefix: &str, limit: u32) -> Result<Vec<TagCount>> {
        let key = prefix
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        self.read_store(|r| r.tags_with_prefix(&key, limit))
    }

    /// Renames a tag everywhere. Changing only its case or spacing is a rename too.
    ///
    /// # Errors
    /// [`Error::TagNotFound`] when `from` does not exist; [`Error::Invalid`] when `to` is not a
    /// valid name or is already another tag (merge them instead).
    pub fn rename_tag(&self, actor: &Actor, from: &str, to: &str) -> Result<()> {
        require(actor, Action::ManageTags)?;
        let from = TagName::parse(from)?;
        let to = TagName::parse(to)?;
        self.write_store(|w| {
            if w.tag_name(&from.key())?.is_none() {
                return Err(Error::TagNotFound(from.as_str().to_owned()));
            }
            if to.key() != from.key()
                && let Some(existing) = w.tag_name(&to.key())?
            {
                return Err(Error::invalid(
                    Field::Tag,
                    to.as_str(),
                    format!("the tag {existing:?} already exists; merge the two tags instead"),
                ));
            }
            let ids = w.contacts_with_tag(&from.key())?;
            let before = contacts_of(w, &ids)?;
            w.rename_tag(&from.key(), &to)?;
            record_many(w, actor, before)
        })
    }

    /// Merges tag `from` into tag `into`: every contact with `from` gets `into`, and `from`
    /// is deleted. Returns how many contacts carried `from`.
    ///
    /// # Errors
    /// [`Error::TagNotFound`] when either tag does not exist; [`Error::Invalid`] when both
    /// name the same tag.
    pub fn merge_tags(&self, actor: &Actor, from: &str, into: &str) -> Result<u64> {
        require(actor, Action::ManageTags)?;
        let from = TagName::parse(from)?;
        let into = TagName::parse(into)?;
        if from.key() == into.key() {
            return Err(Error::invalid(
                Field::Tag,
                from.as_str(),
                "a tag cannot be merged into itself",
            ));
        }
        self.write_store(|w| {
            let ids = w.contacts_with_tag(&from.key())?;
            let before = contacts_of(w, &ids)?;
            w.merge_tags(&from.key(), &into.key())?;
            let count = before.len() as u64;
            record_many(w, actor, before)?;
            Ok(count)
        })
    }

    /// Deletes a tag from the book and from every contact. Returns how many contacts had it.
    ///
    /// # Errors
    /// [`Error::TagNotFound`].
    pub fn delete_tag(&self, actor: &Actor, name: &str) -> Result<u64> {
        require(actor, Action::ManageTags)?;
        let tag = TagName::parse(name)?;
        self.write_store(|w| {
            let ids = w.contacts_with_tag(&tag.key())?;
            let before = contacts_of(w, &ids)?;
            w.delete_tag(&tag.key())?;
            let count = before.len() as u64;
            record_many(w, actor, before)?;
            Ok(count)
        })
    }
}

/// Deletes a contact and everything hanging off it, inside the caller's transaction. Erase
/// wins over history: the feed keeps a tombstone with the id only.
pub(crate) fn erase_in(w: &mut dyn Writer, actor: &Actor, id: ContactId) -> Result<()> {
    if !w.delete_contact(id)? {
        return Err(Error::NotFound(id));
    }
    w.scrub_events(id)?;
    w.forget_results_of(id)?;
    w.scrub_sync_link(id)?;
    w.append_event(&tombstone(actor, now(), id))?;
    Ok(())
}

pub(crate) fn require(actor: &Actor, action: Action) -> Result<()> {
    if is_allowed(actor.role, action) {
        Ok(())
    } else {
        Err(Error::PermissionDenied {
            action,
            role: actor.role,
        })
    }
}

fn point_not_found(kind: PointKind, value: &str) -> Error {
    let field = match kind {
        PointKind::Email => Field::Email,
        PointKind::Phone => Field::Phone,
    };
    Error::invalid(field, value, "the contact has no such value")
}

fn push_unique(points: &mut Vec<PointRecord>, point: PointRecord) {
    if !points.iter().any(|p| p.key == point.key) {
        points.push(point);
    }
}

/// Adds `point` after the others unless the contact already has it (`None`: no change).
fn with_additional(mut points: Vec<PointRecord>, point: Option<PointRecord>) -> Vec<PointRecord> {
    if let Some(point) = point {
        push_unique(&mut points, point);
    }
    points
}

/// Puts `primary` first: an existing point with the same key moves up (keeping its label),
/// otherwise the old primary is replaced. `None` removes the primary.
fn with_primary(mut points: Vec<PointRecord>, primary: Option<PointRecord>) -> Vec<PointRecord> {
    match primary {
        None => {
            if !points.is_empty() {
                points.remove(0);
            }
        }
        Some(new) => match points.iter().position(|p| p.key == new.key) {
            Some(0) => points[0].original = new.original.or(points[0].original.take()),
            Some(index) => {
                let point = points.remove(index);
                points.insert(0, point);
            }
            None if points.is_empty() => points.push(new),
            None => points[0] = new,
        },
    }
    points
}

pub(crate) fn record_of(contact: &Contact) -> ContactRecord {
    ContactRecord {
        name: contact.name.clone(),
        name_key: fold(&contact.name),
        source: contact.source,
        verification: contact.verification,
        attributes: contact.attributes.clone(),
        created_at: contact.created_at,
        updated_at: contact.updated_at,
        last_activity_at: contact.last_activity_at,
    }
}

pub(crate) fn email_records(points: &[EmailPoint]) -> Vec<PointRecord> {
    points
        .iter()
        .map(|p| PointRecord {
            key: p.address.key(),
            value: p.address.as_str().to_owned(),
            original: None,
            label: p.label.clone(),
        })
        .collect()
}

pub(crate) fn phone_records(points: &[PhonePoint]) -> Vec<PointRecord> {
    points
        .iter()
        .map(|p| PointRecord {
            key: p.e164.as_str().to_owned(),
            value: p.e164.as_str().to_owned(),
            original: Some(p.original.clone()),
            label: p.label.clone(),
        })
        .collect()
}

/// Changes the emails or phones of a contact inside the caller's write transaction.
fn change_points_in(
    w: &mut dyn Writer,
    actor: &Actor,
    id: ContactId,
    kind: PointKind,
    change: impl FnOnce(&mut Vec<PointRecord>) -> Result<()>,
) -> Result<Contact> {
    let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
    let old = match kind {
        PointKind::Email => email_records(&before.emails),
        PointKind::Phone => phone_records(&before.phones),
    };
    let mut points = old.clone();
    change(&mut points)?;
    if points == old {
        return Ok(before);
    }
    w.replace_points(id, kind, &points)?;
    let now = now();
    w.touch(&[id], now)?;
    let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
    record_change(w, actor, now, Some(&before), &after)?;
    reloaded(w, after)
}

fn finish_tag_change(w: &mut dyn Writer, actor: &Actor, before: Contact) -> Result<Contact> {
    let id = before.id;
    let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
    if after.tags == before.tags {
        return Ok(before);
    }
    let now = now();
    w.touch(&[id], now)?;
    let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
    record_change(w, actor, now, Some(&before), &after)?;
    reloaded(w, after)
}

fn contacts_of(w: &mut dyn Writer, ids: &[ContactId]) -> Result<Vec<Contact>> {
    ids.iter()
        .map(|id| w.contact(*id)?.ok_or(Error::NotFound(*id)))
        .collect()
}

/// Touches and records every contact of `before` after a book-wide change (a tag renamed,
/// merged or deleted).
fn record_many(w: &mut dyn Writer, actor: &Actor, before: Vec<Contact>) -> Result<()> {
    let now = now();
    let ids: Vec<ContactId> = before.iter().map(|c| c.id).collect();
    w.touch(&ids, now)?;
    for old in &before {
        let after = w.contact(old.id)?.ok_or(Error::NotFound(old.id))?;
        record_change(w, actor, now, Some(old), &after)?;
    }
    Ok(())
}

/// The contact as stored after [`record_change`]: read again only when the change added a
/// point (whose origin it just recorded), so the caller gets what a `get` would return.
pub(crate) fn reloaded(w: &mut dyn Writer, after: Contact) -> Result<Contact> {
    let unknown_origin =
        after.emails.iter().any(|p| p.origin.is_none()) || after.phones.iter().any(|p| p.origin.is_none());
    if !unknown_origin {
        return Ok(after);
    }
    w.contact(after.id)?.ok_or(Error::NotFound(after.id))
}

/// The one write path of history: appends the events of a change and updates the
/// provenance of the fields it touched.
pub(crate) fn record_change(
    w: &mut dyn Writer,
    actor: &Actor,
    now: DateTime<Utc>,
    before: Option<&Contact>,
    after: &Contact,
) -> Result<()> {
    record_change_with(w, actor, now, before, after, None)
}

/// [`record_change`], naming how a verification status change was made.
pub(crate) fn record_change_with(
    w: &mut dyn Writer,
    actor: &Actor,
    now: DateTime<Utc>,
    before: Option<&Contact>,
    after: &Contact,
    verification_method: Option<&str>,
) -> Result<()> {
    if before.is_none_or(|b| b.verification != after.verification) {
        w.append_verification(after.id, after.verification, verification_method, actor, now)?;
    }
    for event in events_between(actor, now, before, after) {
        w.append_event(&event)?;
    }
    let source = FieldSource::of(actor, now);
    let id = after.id;
    // Every point the change added remembers the door it came through.
    for point in &after.emails {
        if before.is_none_or(|b| !b.emails.iter().any(|p| p.address.key() == point.address.key())) {
            w.set_point_origin(id, PointKind::Email, &point.address.key(), actor.origin)?;
        }
    }
    for point in &after.phones {
        if before.is_none_or(|b| !b.phones.iter().any(|p| p.e164 == point.e164)) {
            w.set_point_origin(id, PointKind::Phone, point.e164.as_str(), actor.origin)?;
        }
    }
    let changed = |old: Option<&str>, new: Option<&str>| match before {
        None => new.is_some(),
        Some(_) => old != new,
    };
    if changed(before.map(|b| b.name.as_str()), Some(after.name.as_str())) {
        w.set_provenance(id, "name", Some(&source))?;
    }
    if changed(before.and_then(Contact::email), after.email()) {
        w.set_provenance(id, "email", after.email().map(|_| &source))?;
    }
    if changed(before.and_then(Contact::phone), after.phone()) {
        w.set_provenance(id, "phone", after.phone().map(|_| &source))?;
    }
    for (key, value) in &after.attributes {
        if before.is_none_or(|b| b.attributes.get(key) != Some(value)) {
            w.set_provenance(id, &format!("attributes.{key}"), Some(&source))?;
        }
    }
    if let Some(before) = before {
        for key in before
            .attributes
            .keys()
            .filter(|k| !after.attributes.contains_key(*k))
        {
            w.set_provenance(id, &format!("attributes.{key}"), None)?;
        }
    }
    Ok(())
}

/// How long an idempotency key is remembered: a retry later than this is a new call.
pub const IDEMPOTENCY_KEY_TTL: Duration = Duration::from_secs(24 * 3600);

/// Runs `call` once per `key`: a repeat within [`IDEMPOTENCY_KEY_TTL`] returns the stored
/// result. Runs inside the caller's write transaction, so two processes retrying at once
/// are serialized and the second sees the first's result.
pub(crate) fn idempotent<T: serde::Serialize + serde::de::DeserializeOwned>(
    w: &mut dyn Writer,
    key: Option<&str>,
    operation: &str,
    now: DateTime<Utc>,
    contact_of: impl Fn(&T) -> Option<ContactId>,
    call: impl FnOnce(&mut dyn Writer) -> Result<T>,
) -> Result<T> {
    let Some(key) = key else { return call(w) };
    let not_before = now - chrono::Duration::from_std(IDEMPOTENCY_KEY_TTL).unwrap_or(chrono::Duration::MAX);
    if let Some(stored) = w.idempotent_result(key, operation, not_before)? {
        return serde_json::from_str(&stored).map_err(|err| {
            Error::Storage(crate::StorageError::new(format!(
                "stored result of key {key:?}: {err}"
            )))
        });
    }
    w.forget_results_before(not_before)?;
    let result = call(w)?;
    let json = serde_json::to_string(&result)
        .map_err(|err| Error::Storage(crate::StorageError::new(format!("result of key {key:?}: {err}"))))?;
    w.remember_result(key, operation, &json, contact_of(&result), now)?;
    Ok(result)
}
