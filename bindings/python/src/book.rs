//! `ContactBook`: the Python face of `contactkit::Book`. Each method converts its arguments,
//! releases the GIL for the core call, and converts the result or the error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contactkit::{
    Book, BookOptions, ChangeFilter, Channel, ContactPatch, EventKind, InboundMessage, MergeChoices,
    PhoneRegion, PointInput, Sender, WebForm,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::actor::Actor;
use crate::contact::{Contact, Tag};
use crate::convert::{attributes, contact_id, contact_ids, to_plain, utc_opt, wire};
use crate::edit::{NewContactArgs, verification};
use crate::errors::{self, BookClosedError};
use crate::query::{ContactIterator, Page, Query, query_of};
use crate::transfer;
use crate::values::{
    BulkOutcome, ChangePage, Conversation, DuplicatePair, ExportSummary, ImportReport, InboundOutcome,
    MessagePage, UpsertOutcome,
};

const CHANNELS: &str = "whatsapp, telegram, web_widget";

/// A contact book: the contacts, their tags and everything else contactkit keeps, in one
/// SQLite file (or in memory with `":memory:"`).
///
/// One book may be shared by many threads: every call releases the GIL while it works, and
/// every change is one transaction. Use it as a context manager to close it at the end.
///
/// Writing calls take an optional `actor=` (an `Actor`); without one they act as the
/// book's default actor, `Actor.api("python")` unless `ContactBook(..., actor=...)` says
/// otherwise.
///
/// >>> with ContactBook(":memory:") as book:
/// ...     ana = book.create("Ana Souza", email="ana@example.com", tags=["Hot"])
/// ...     book.get(ana.id).tags
/// ['Hot']
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct ContactBook {
    book: Mutex<Option<Arc<Book>>>,
    actor: contactkit::Actor,
    path: String,
}

impl ContactBook {
    fn book(&self) -> PyResult<Arc<Book>> {
        let guard = self
            .book
            .lock()
            .map_err(|_| errors::storage("the book's handle was poisoned by a panic".into()))?;
        guard
            .as_ref()
            .map(Arc::clone)
            .ok_or_else(|| BookClosedError::new_err(format!("the book {:?} is closed", self.path)))
    }

    fn actor_of(&self, actor: Option<&Bound<'_, Actor>>) -> contactkit::Actor {
        actor.map_or_else(|| self.actor.clone(), |a| a.get().inner.clone())
    }

    /// Runs `call` on the book with the GIL released.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&Book) -> contactkit::Result<T> + Send,
    ) -> PyResult<T> {
        let book = self.book()?;
        py.detach(move || call(&book)).map_err(errors::to_py)
    }

    /// Runs `call` and wraps the contact it returns.
    fn contact(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&Book) -> contactkit::Result<contactkit::Contact> + Send,
    ) -> PyResult<Py<Contact>> {
        let contact = self.run(py, call)?;
        Contact::wrap(py, contact)
    }
}

#[pymethods]
impl ContactBook {
    /// Opens (or creates) the book file at `path`, or a private in-memory book for
    /// `":memory:"`. `default_region` is the region of phones written without a country
    /// code; `busy_timeout` how many seconds a write waits for another process's lock.
    #[new]
    #[pyo3(signature = (path, *, actor=None, default_region="US", busy_timeout=5.0))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        actor: Option<&Bound<'_, Actor>>,
        default_region: &str,
        busy_timeout: f64,
    ) -> PyResult<ContactBook> {
        let options = BookOptions {
            default_region: PhoneRegion::new(default_region).map_err(errors::to_py)?,
            busy_timeout: Duration::try_from_secs_f64(busy_timeout).map_err(|_| {
                errors::validation("busy_timeout", &busy_timeout.to_string(), "seconds, 0 or more")
            })?,
        };
        let shown = path.display().to_string();
        let book = py
            .detach(|| {
                if path.as_os_str() == ":memory:" {
                    Book::open_in_memory(options)
                } else {
                    Book::open(&path, options)
                }
            })
            .map_err(errors::to_py)?;
        Ok(ContactBook {
            book: Mutex::new(Some(Arc::new(book))),
            actor: actor.map_or_else(|| contactkit::Actor::api("python"), |a| a.get().inner.clone()),
            path: shown,
        })
    }

    /// The path the book was opened with (`":memory:"` for an in-memory book).
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// The actor of writing calls that name none.
    #[getter]
    fn actor(&self) -> Actor {
        Actor {
            inner: self.actor.clone(),
        }
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.book.lock().map_or(true, |b| b.is_none())
    }

    /// Closes the book: later calls raise `BookClosedError`. Calls already running finish
    /// first; closing twice is harmless.
    fn close(&self) -> PyResult<()> {
        let book = self
            .book
            .lock()
            .map_err(|_| errors::storage("the book's handle was poisoned by a panic".into()))?
            .take();
        drop(book);
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close()?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("ContactBook({:?})", self.path)
    }

    /// Creates a contact and returns it. `additional_emails` / `additional_phones` take
    /// `str`s or `(value, label)` pairs; `attributes` str, int, float, bool, date or aware
    /// datetime values. With `idempotency_key`, a retry returns the first call's contact.
    ///
    /// Raises `ValidationError` for a bad value and `DuplicateContactError` when an email
    /// or phone already belongs to another contact (nothing is written).
    #[pyo3(signature = (
        name, *, email=None, phone=None, additional_emails=None, additional_phones=None,
        tags=None, source=None, verification=None, attributes=None, created_at=None,
        last_activity_at=None, idempotency_key=None, actor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per field, as Python callers expect
    fn create(
        &self,
        py: Python<'_>,
        name: String,
        email: Option<String>,
        phone: Option<String>,
        additional_emails: Option<&Bound<'_, PyAny>>,
        additional_phones: Option<&Bound<'_, PyAny>>,
        tags: Option<Vec<String>>,
        source: Option<&str>,
        verification: Option<&str>,
        attributes: Option<&Bound<'_, PyDict>>,
        created_at: Option<&Bound<'_, PyAny>>,
        last_activity_at: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let new = NewContactArgs {
            name,
            email,
            phone,
            additional_emails,
            additional_phones,
            tags,
            source,
            verification,
            attributes,
            created_at,
            last_activity_at,
        }
        .build()?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| {
            b.create_with_key(&actor, new, idempotency_key.as_deref())
        })
    }

    /// Creates the contact, or updates the one holding any of its emails or phones: the
    /// fields given overwrite, tags and points are added. Same arguments as `create`.
    #[pyo3(signature = (
        name, *, email=None, phone=None, additional_emails=None, additional_phones=None,
        tags=None, source=None, verification=None, attributes=None, created_at=None,
        last_activity_at=None, idempotency_key=None, actor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per field, as Python callers expect
    fn upsert(
        &self,
        py: Python<'_>,
        name: String,
        email: Option<String>,
        phone: Option<String>,
        additional_emails: Option<&Bound<'_, PyAny>>,
        additional_phones: Option<&Bound<'_, PyAny>>,
        tags: Option<Vec<String>>,
        source: Option<&str>,
        verification: Option<&str>,
        attributes: Option<&Bound<'_, PyDict>>,
        created_at: Option<&Bound<'_, PyAny>>,
        last_activity_at: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<UpsertOutcome> {
        let new = NewContactArgs {
            name,
            email,
            phone,
            additional_emails,
            additional_phones,
            tags,
            source,
            verification,
            attributes,
            created_at,
            last_activity_at,
        }
        .build()?;
        let actor = self.actor_of(actor);
        let outcome = self.run(py, move |b| b.upsert(&actor, new, idempotency_key.as_deref()))?;
        UpsertOutcome::wrap(py, outcome)
    }

    /// The contact with this id. Raises `ContactNotFoundError` when there is none.
    fn get(&self, py: Python<'_>, id: i64) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        self.contact(py, move |b| b.get(id))
    }

    /// Edits a contact: only the arguments given change. `email` / `phone` replace the
    /// primary one; `clear_email` / `clear_phone` remove it (the next one becomes primary).
    #[pyo3(signature = (
        id, *, name=None, email=None, phone=None, clear_email=false, clear_phone=false,
        source=None, verification=None, set_attributes=None, unset_attributes=None,
        last_activity_at=None, actor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per field, as Python callers expect
    fn update(
        &self,
        py: Python<'_>,
        id: i64,
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        clear_email: bool,
        clear_phone: bool,
        source: Option<&str>,
        verification: Option<&str>,
        set_attributes: Option<&Bound<'_, PyDict>>,
        unset_attributes: Option<Vec<String>>,
        last_activity_at: Option<&Bound<'_, PyAny>>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let patch = ContactPatch {
            name,
            email: if clear_email { Some(None) } else { email.map(Some) },
            phone: if clear_phone { Some(None) } else { phone.map(Some) },
            source: source.map(crate::edit::source).transpose()?,
            verification: verification.map(crate::edit::verification).transpose()?,
            set_attributes: attributes(set_attributes)?,
            unset_attributes: unset_attributes.unwrap_or_default(),
            last_activity_at: utc_opt(last_activity_at, "last_activity_at")?,
        };
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.update(&actor, id, patch))
    }

    /// Deletes a contact and everything hanging off it, for good. Raises
    /// `PermissionDeniedError` for an agent, `ContactNotFoundError` for an unknown id.
    #[pyo3(signature = (id, *, actor=None))]
    fn delete(&self, py: Python<'_>, id: i64, actor: Option<&Bound<'_, Actor>>) -> PyResult<()> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.run(py, move |b| b.delete(&actor, id))
    }

    /// Adds tags to a contact (tags it has already are left alone).
    #[pyo3(signature = (id, tags, *, actor=None))]
    fn add_tags(
        &self,
        py: Python<'_>,
        id: i64,
        tags: Vec<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.add_tags(&actor, id, &tags))
    }

    /// Removes tags from a contact (tags it does not have are ignored).
    #[pyo3(signature = (id, tags, *, actor=None))]
    fn remove_tags(
        &self,
        py: Python<'_>,
        id: i64,
        tags: Vec<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.remove_tags(&actor, id, &tags))
    }

    /// Adds an email (the primary one if the contact has none), with an optional label.
    #[pyo3(signature = (id, email, *, label=None, actor=None))]
    fn add_email(
        &self,
        py: Python<'_>,
        id: i64,
        email: String,
        label: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| {
            b.add_email(&actor, id, PointInput { value: email, label })
        })
    }

    /// Adds a phone in any notation (the primary one if the contact has none).
    #[pyo3(signature = (id, phone, *, label=None, actor=None))]
    fn add_phone(
        &self,
        py: Python<'_>,
        id: i64,
        phone: String,
        label: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| {
            b.add_phone(&actor, id, PointInput { value: phone, label })
        })
    }

    /// Removes an email; the next one becomes primary.
    #[pyo3(signature = (id, email, *, actor=None))]
    fn remove_email(
        &self,
        py: Python<'_>,
        id: i64,
        email: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.remove_email(&actor, id, &email))
    }

    /// Removes a phone (written in any notation); the next one becomes primary.
    #[pyo3(signature = (id, phone, *, actor=None))]
    fn remove_phone(
        &self,
        py: Python<'_>,
        id: i64,
        phone: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.remove_phone(&actor, id, &phone))
    }

    /// Makes one of the contact's emails its primary email.
    #[pyo3(signature = (id, email, *, actor=None))]
    fn promote_email(
        &self,
        py: Python<'_>,
        id: i64,
        email: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.promote_email(&actor, id, &email))
    }

    /// Makes one of the contact's phones its primary phone.
    #[pyo3(signature = (id, phone, *, actor=None))]
    fn promote_phone(
        &self,
        py: Python<'_>,
        id: i64,
        phone: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.promote_phone(&actor, id, &phone))
    }

    /// Sets the verification status, recording who, when and by which `method`.
    #[pyo3(signature = (id, status, *, method=None, actor=None))]
    fn set_verification(
        &self,
        py: Python<'_>,
        id: i64,
        status: &str,
        method: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let id = contact_id(id)?;
        let status = verification(status)?;
        let actor = self.actor_of(actor);
        self.contact(py, move |b| {
            b.set_verification(&actor, id, status, method.as_deref())
        })
    }

    /// The verification history of a contact, oldest first, as dicts
    /// (`status`, `method`, `actor_id`, `actor_role`, `at`).
    fn verification_history<'py>(&self, py: Python<'py>, id: i64) -> PyResult<Bound<'py, PyAny>> {
        let id = contact_id(id)?;
        let history = self.run(py, move |b| b.verification_history(id))?;
        to_plain(py, &history)
    }

    /// Marks contacts as reviewed; returns how many exist.
    #[pyo3(signature = (ids, *, actor=None))]
    fn mark_reviewed(
        &self,
        py: Python<'_>,
        ids: Vec<i64>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<u64> {
        let ids = contact_ids(&ids)?;
        let actor = self.actor_of(actor);
        self.run(py, move |b| b.mark_reviewed(&actor, &ids))
    }

    /// Every tag of the book with its contact count, in name order.
    fn tags(&self, py: Python<'_>) -> PyResult<Vec<Tag>> {
        Ok(self.run(py, |b| b.tags())?.into_iter().map(Tag::from).collect())
    }

    /// Existing tags starting with `prefix` (case and spacing ignored), most used first.
    #[pyo3(signature = (prefix, limit=10))]
    fn find_tags(&self, py: Python<'_>, prefix: String, limit: u32) -> PyResult<Vec<Tag>> {
        let found = self.run(py, move |b| b.find_tags(&prefix, limit))?;
        Ok(found.into_iter().map(Tag::from).collect())
    }

    /// Renames a tag everywhere. Raises `TagNotFoundError` when `old` does not exist.
    #[pyo3(signature = (old, new, *, actor=None))]
    fn rename_tag(
        &self,
        py: Python<'_>,
        old: String,
        new: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<()> {
        let actor = self.actor_of(actor);
        self.run(py, move |b| b.rename_tag(&actor, &old, &new))
    }

    /// Merges tag `source` into tag `into`; returns how many contacts carried `source`.
    #[pyo3(signature = (source, into, *, actor=None))]
    fn merge_tags(
        &self,
        py: Python<'_>,
        source: String,
        into: String,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<u64> {
        let actor = self.actor_of(actor);
        self.run(py, move |b| b.merge_tags(&actor, &source, &into))
    }

    /// Deletes a tag from the book and every contact; returns how many contacts had it.
    #[pyo3(signature = (name, *, actor=None))]
    fn delete_tag(&self, py: Python<'_>, name: String, actor: Option<&Bound<'_, Actor>>) -> PyResult<u64> {
        let actor = self.actor_of(actor);
        self.run(py, move |b| b.delete_tag(&actor, &name))
    }

    /// One page of the contacts matching a query: a `Query`, or `Query`'s keyword
    /// arguments (`search=`, `tags_any=`, `sort=`, `limit=`, `cursor=`...).
    #[pyo3(signature = (query=None, /, **kwargs))]
    fn query(
        &self,
        py: Python<'_>,
        query: Option<&Bound<'_, Query>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Page> {
        let q = query_of(py, query, kwargs)?;
        let page = self.run(py, move |b| b.query(&q))?;
        Page::wrap(py, page)
    }

    /// How many contacts match a query (sort, limit and cursor are ignored).
    #[pyo3(signature = (query=None, /, **kwargs))]
    fn count(
        &self,
        py: Python<'_>,
        query: Option<&Bound<'_, Query>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u64> {
        let q = query_of(py, query, kwargs)?;
        self.run(py, move |b| b.count(&q))
    }

    /// Every contact matching a query, in its order, read one page (of its `limit`) at a
    /// time: iterate a large book without loading it.
    #[pyo3(signature = (query=None, /, **kwargs))]
    fn iter(
        &self,
        py: Python<'_>,
        query: Option<&Bound<'_, Query>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<ContactIterator> {
        let q = query_of(py, query, kwargs)?;
        Ok(ContactIterator::new(self.book()?, q))
    }

    /// Adds tags to every contact of `selection` (a `Query` or a list of ids), in one
    /// transaction.
    #[pyo3(signature = (selection, tags, *, actor=None))]
    fn bulk_add_tags(
        &self,
        py: Python<'_>,
        selection: &Bound<'_, PyAny>,
        tags: Vec<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<BulkOutcome> {
        let selection = crate::edit::selection(selection)?;
        let actor = self.actor_of(actor);
        Ok(self
            .run(py, move |b| b.bulk_add_tags(&actor, &selection, &tags))?
            .into())
    }

    /// Removes tags from every contact of `selection`, in one transaction.
    #[pyo3(signature = (selection, tags, *, actor=None))]
    fn bulk_remove_tags(
        &self,
        py: Python<'_>,
        selection: &Bound<'_, PyAny>,
        tags: Vec<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<BulkOutcome> {
        let selection = crate::edit::selection(selection)?;
        let actor = self.actor_of(actor);
        Ok(self
            .run(py, move |b| b.bulk_remove_tags(&actor, &selection, &tags))?
            .into())
    }

    /// Deletes every contact of `selection` for good, in one transaction (owners, admins
    /// and system actors only: `PermissionDeniedError` otherwise, and nothing changes).
    #[pyo3(signature = (selection, *, actor=None))]
    fn bulk_delete(
        &self,
        py: Python<'_>,
        selection: &Bound<'_, PyAny>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<BulkOutcome> {
        let selection = crate::edit::selection(selection)?;
        let actor = self.actor_of(actor);
        Ok(self.run(py, move |b| b.bulk_delete(&actor, &selection))?.into())
    }

    /// Records an inbound message on `channel` (`whatsapp`, `telegram`, `web_widget`) from
    /// the sender with this channel id: finds or creates the contact, appends the message to
    /// its conversation and moves its last activity.
    #[pyo3(signature = (
        channel, sender_id, text, *, name=None, phone=None, email=None, username=None, at=None,
        idempotency_key=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per field, as Python callers expect
    fn record_inbound(
        &self,
        py: Python<'_>,
        channel: &str,
        sender_id: String,
        text: String,
        name: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        username: Option<String>,
        at: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
    ) -> PyResult<InboundOutcome> {
        let message = InboundMessage {
            channel: wire::<Channel>(channel, "channel", CHANNELS)?,
            sender: Sender {
                id: sender_id,
                phone,
                email,
                name,
                username,
            },
            text,
            at: crate::edit::at(at)?,
            idempotency_key,
        };
        let outcome = self.run(py, move |b| b.record_inbound(message))?;
        InboundOutcome::wrap(py, outcome)
    }

    /// Records a web form submission like a message on the web widget (matched by visitor
    /// id, phone, then email). Raises `ValidationError` when it has no way to find the
    /// person again, or a typed email or phone does not validate.
    #[pyo3(signature = (
        form_name, *, visitor_id=None, name=None, email=None, phone=None, message=None, at=None,
        idempotency_key=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per field, as Python callers expect
    fn submit_web_form(
        &self,
        py: Python<'_>,
        form_name: String,
        visitor_id: Option<String>,
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        message: Option<String>,
        at: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
    ) -> PyResult<InboundOutcome> {
        let form = WebForm {
            form_name,
            visitor_id,
            name,
            email,
            phone,
            message,
            at: crate::edit::at(at)?,
            idempotency_key,
        };
        let outcome = self.run(py, move |b| b.submit_web_form(form))?;
        InboundOutcome::wrap(py, outcome)
    }

    /// Records a message sent to a contact on `channel`; returns the message id.
    #[pyo3(signature = (id, channel, text, *, at=None, actor=None))]
    fn record_outbound(
        &self,
        py: Python<'_>,
        id: i64,
        channel: &str,
        text: String,
        at: Option<&Bound<'_, PyAny>>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<i64> {
        let id = contact_id(id)?;
        let channel: Channel = wire(channel, "channel", CHANNELS)?;
        let at = crate::edit::at(at)?;
        let actor = self.actor_of(actor);
        Ok(self
            .run(py, move |b| b.record_outbound(&actor, id, channel, &text, at))?
            .0)
    }

    /// The conversations of a contact, one per channel.
    fn conversations(&self, py: Python<'_>, id: i64) -> PyResult<Vec<Conversation>> {
        let id = contact_id(id)?;
        Ok(self
            .run(py, move |b| b.conversations(id))?
            .into_iter()
            .map(Conversation::from)
            .collect())
    }

    /// A page of a conversation's messages, newest first; pass `next_before` as `before=`
    /// for the next, older page.
    #[pyo3(signature = (conversation_id, *, before=None, limit=50))]
    fn messages(
        &self,
        py: Python<'_>,
        conversation_id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> PyResult<MessagePage> {
        let conversation = contactkit::ConversationId(conversation_id);
        let before = before.map(contactkit::MessageId);
        let page = self.run(py, move |b| b.messages(conversation, before, limit))?;
        MessagePage::wrap(py, page)
    }

    /// How a contact is known on the channels, as dicts (`channel`, `external_id`,
    /// `username`, `display_name`, `first_seen`, `last_seen`).
    fn channel_identities<'py>(&self, py: Python<'py>, id: i64) -> PyResult<Bound<'py, PyAny>> {
        let id = contact_id(id)?;
        let identities = self.run(py, move |b| b.channel_identities(id))?;
        to_plain(py, &identities)
    }

    /// Reads an import without writing anything: what would be created, updated, skipped
    /// or rejected, the mapping used and the columns left out. `source` is a path, `bytes`,
    /// or a file object. `mapping` overrides columns: `{"Cell": "phone:mobile"}`.
    #[pyo3(signature = (
        source, *, format=None, encoding=None, delimiter=None, mapping=None, on_duplicate="skip",
        default_region=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per option, as Python callers expect
    fn import_preview(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        format: Option<&str>,
        encoding: Option<String>,
        delimiter: Option<char>,
        mapping: Option<BTreeMap<String, String>>,
        on_duplicate: &str,
        default_region: Option<&str>,
    ) -> PyResult<ImportReport> {
        let options =
            transfer::import_options(format, encoding, delimiter, mapping, on_duplicate, default_region)?;
        Ok(transfer::import(py, self.book()?, None, source, options, None, None)?.into())
    }

    /// Imports in one transaction: every row is written, or none. `progress(p)` is called
    /// with a `Progress` (at most every 0.1 s); raising in it cancels the import, writes
    /// nothing, and the exception propagates. `errors` (a path or file) receives a CSV of
    /// the rejected rows with the reason. With `idempotency_key`, a retried upload returns
    /// the first commit's report and writes nothing.
    #[pyo3(signature = (
        source, *, format=None, encoding=None, delimiter=None, mapping=None, on_duplicate="skip",
        default_region=None, progress=None, errors=None, idempotency_key=None, actor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per option, as Python callers expect
    fn import_commit(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        format: Option<&str>,
        encoding: Option<String>,
        delimiter: Option<char>,
        mapping: Option<BTreeMap<String, String>>,
        on_duplicate: &str,
        default_region: Option<&str>,
        progress: Option<Py<PyAny>>,
        errors: Option<&Bound<'_, PyAny>>,
        idempotency_key: Option<String>,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<ImportReport> {
        let mut options =
            transfer::import_options(format, encoding, delimiter, mapping, on_duplicate, default_region)?;
        options.idempotency_key = idempotency_key;
        let actor = Some(self.actor_of(actor));
        Ok(transfer::import(py, self.book()?, actor, source, options, progress, errors)?.into())
    }

    /// Streams contacts to `destination` (a path, or a binary or text file object) as
    /// `csv`, `json`, `ndjson` or `vcard`. `scope` is None (every contact), a `Query` or a
    /// list of ids. `progress` is as for `import_commit`; raising stops the export (what
    /// was written stays written).
    #[pyo3(signature = (destination, *, format="csv", scope=None, bom=false, progress=None))]
    fn export(
        &self,
        py: Python<'_>,
        destination: &Bound<'_, PyAny>,
        format: &str,
        scope: Option<&Bound<'_, PyAny>>,
        bom: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<ExportSummary> {
        let scope = transfer::export_scope(scope)?;
        Ok(transfer::export(py, self.book()?, destination, format, scope, bom, progress)?.into())
    }

    /// Every custom attribute key any contact uses, in key order.
    fn attribute_keys(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |b| b.attribute_keys())
    }

    /// The full data export of one contact for a data subject's access request, as a dict
    /// in its JSON shape (times as RFC 3339 text), ready for `json.dumps`. Audited.
    #[pyo3(signature = (id, *, actor=None))]
    fn gdpr_export<'py>(
        &self,
        py: Python<'py>,
        id: i64,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = contact_id(id)?;
        let actor = self.actor_of(actor);
        let export = self.run(py, move |b| b.gdpr_export(&actor, id))?;
        to_plain(py, &export)
    }

    /// Audit entries after id `after`, oldest first, as dicts.
    #[pyo3(signature = (after=0, limit=100))]
    fn audit_log<'py>(&self, py: Python<'py>, after: i64, limit: u32) -> PyResult<Bound<'py, PyAny>> {
        let entries = self.run(py, move |b| b.audit_log(after, limit))?;
        to_plain(py, &entries)
    }

    /// Change-feed events after sequence number `after` (0: from the start). Raises
    /// `ResyncRequiredError` when they have been compacted away.
    #[pyo3(signature = (after=0, *, limit=100, meaningful_only=false, kinds=None, contact_id=None))]
    fn changes(
        &self,
        py: Python<'_>,
        after: u64,
        limit: u32,
        meaningful_only: bool,
        kinds: Option<Vec<String>>,
        contact_id: Option<i64>,
    ) -> PyResult<ChangePage> {
        let filter = ChangeFilter {
            meaningful_only,
            kinds: kinds
                .unwrap_or_default()
                .iter()
                .map(|k| wire::<EventKind>(k, "kinds", "created, updated, tag_added, tag_removed, verification_changed, attribute_set, attribute_unset, deleted, merged, import_batch, message_appended"))
                .collect::<PyResult<_>>()?,
            contact_id: contact_id.map(crate::convert::contact_id).transpose()?,
        };
        let page = self.run(py, move |b| b.changes(after, limit, &filter))?;
        Ok(ChangePage::new(&page))
    }

    /// The sequence number of the newest event (0 when there is none).
    fn last_change(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |b| b.last_change())
    }

    /// Waits (GIL released) until an event newer than `after` is committed, by this process
    /// or another, or `timeout` seconds pass. Returns whether there is one.
    #[pyo3(signature = (after, timeout=30.0))]
    fn wait_for_changes(&self, py: Python<'_>, after: u64, timeout: f64) -> PyResult<bool> {
        let timeout = Duration::try_from_secs_f64(timeout)
            .map_err(|_| errors::validation("timeout", &timeout.to_string(), "seconds, 0 or more"))?;
        self.run(py, move |b| b.wait_for_changes(after, timeout))
    }

    /// Removes feed events older than `events` (default 30 days) and tombstones older than
    /// `tombstones` (default 400 days), as of `now` (default: now). Returns how many went.
    #[pyo3(signature = (*, events=None, tombstones=None, now=None))]
    fn compact_changes(
        &self,
        py: Python<'_>,
        events: Option<Duration>,
        tombstones: Option<Duration>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let default = contactkit::Retention::default();
        let retention = contactkit::Retention {
            events: events.unwrap_or(default.events),
            tombstones: tombstones.unwrap_or(default.tombstones),
        };
        let now = utc_opt(now, "now")?.unwrap_or_else(chrono::Utc::now);
        self.run(py, move |b| b.compact_changes(retention, now))
    }

    /// The durable cursor of consumer `name` (0 for a new one).
    fn consumer_cursor(&self, py: Python<'_>, name: String) -> PyResult<u64> {
        self.run(py, move |b| b.consumer_cursor(&name))
    }

    /// Records that consumer `name` has handled every event up to `seq`.
    fn acknowledge(&self, py: Python<'_>, name: String, seq: u64) -> PyResult<()> {
        self.run(py, move |b| b.acknowledge(&name, seq))
    }

    /// Likely duplicate pairs, best first, at most `limit`.
    #[pyo3(signature = (limit=100))]
    fn find_duplicates(&self, py: Python<'_>, limit: usize) -> PyResult<Vec<DuplicatePair>> {
        Ok(self
            .run(py, move |b| b.find_duplicates(limit))?
            .into_iter()
            .map(DuplicatePair::from)
            .collect())
    }

    /// Merges contact `absorbed` into `survivor` and returns the survivor. By default the
    /// survivor's values win; each `*_from_absorbed=True` takes the other's instead.
    #[pyo3(signature = (
        survivor, absorbed, *, name_from_absorbed=false, email_from_absorbed=false,
        phone_from_absorbed=false, source_from_absorbed=false,
        verification_from_absorbed=false, attributes_from_absorbed=false, actor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per choice, as Python callers expect
    fn merge(
        &self,
        py: Python<'_>,
        survivor: i64,
        absorbed: i64,
        name_from_absorbed: bool,
        email_from_absorbed: bool,
        phone_from_absorbed: bool,
        source_from_absorbed: bool,
        verification_from_absorbed: bool,
        attributes_from_absorbed: bool,
        actor: Option<&Bound<'_, Actor>>,
    ) -> PyResult<Py<Contact>> {
        let (survivor, absorbed) = (contact_id(survivor)?, contact_id(absorbed)?);
        let choices = MergeChoices {
            name_from_absorbed,
            email_from_absorbed,
            phone_from_absorbed,
            source_from_absorbed,
            verification_from_absorbed,
            attributes_from_absorbed,
        };
        let actor = self.actor_of(actor);
        self.contact(py, move |b| b.merge(&actor, survivor, absorbed, choices))
    }

    /// Writes a consistent copy of the whole book to a new file at `path` while the book
    /// stays in use. Raises `StorageError` when the file exists already.
    fn backup(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        self.run(py, move |b| b.backup(&path))
    }

    /// Stores where the book syncs to: a Chatwoot base URL and account id, and optionally the
    /// name of the environment variable that holds the webhook secret. The API token is never
    /// stored.
    #[pyo3(signature = (base_url, account_id, *, webhook_secret_env=None))]
    fn configure_sync(
        &self,
        py: Python<'_>,
        base_url: String,
        account_id: u64,
        webhook_secret_env: Option<String>,
    ) -> PyResult<()> {
        let settings = contactkit::sync::SyncSettings {
            base_url,
            account_id,
            webhook_secret_env,
        };
        self.run(py, move |b| b.configure_sync(&settings))
    }

    /// Syncs with Chatwoot now (see `configure_sync`), with the user's API `token`, and
    /// returns the report as a dict. `progress(phase, done, total)` is called as it goes;
    /// raising in it cancels the sync, and running it again resumes without duplicates.
    /// Raises `SyncError` when Chatwoot cannot be reached or refuses the token.
    #[pyo3(signature = (token, *, progress=None))]
    fn sync_now<'py>(
        &self,
        py: Python<'py>,
        token: String,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let book = self.book()?;
        let mut raised: Option<PyErr> = None;
        let result = py.detach(|| {
            let settings = book.sync_settings()?.ok_or_else(|| {
                contactkit::Error::Sync(contactkit::RemoteError::Malformed(
                    "the book has no sync settings: call configure_sync first".into(),
                ))
            })?;
            let config = contactkit::chatwoot::ChatwootConfig::new(
                &settings.base_url,
                settings.account_id,
                contactkit::chatwoot::ApiToken::new(token),
            );
            let mut client = contactkit::chatwoot::ChatwootClient::new(config);
            book.sync_now(&mut client, |p| {
                let Some(func) = &progress else {
                    return std::ops::ControlFlow::Continue(());
                };
                let phase = crate::convert::wire_name(&p.phase);
                match Python::attach(|py| func.bind(py).call1((phase, p.done, p.total)).map(drop)) {
                    Ok(()) => std::ops::ControlFlow::Continue(()),
                    Err(err) => {
                        raised = Some(err);
                        std::ops::ControlFlow::Break(())
                    }
                }
            })
        });
        if let Some(err) = raised {
            return Err(err);
        }
        let report = result.map_err(errors::to_py)?;
        to_plain(py, &report)
    }

    /// Links, pending changes, the last sync, conflicts and refusals, as a dict.
    fn sync_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let status = self.run(py, |b| b.sync_status())?;
        to_plain(py, &status)
    }
}
