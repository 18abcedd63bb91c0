//! The frozen result classes of the book's calls: outcomes, reports, summaries, pages of
//! the change feed and of conversations.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::contact::Contact;
use crate::convert::{json_to_py, to_plain, wire_name};

/// What a bulk action did.
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct BulkOutcome {
    /// Contacts of the selection that exist.
    pub selected: u64,
    /// Contacts the action changed (a tag a contact already had is no change).
    pub changed: u64,
}

impl From<contactkit::BulkOutcome> for BulkOutcome {
    fn from(o: contactkit::BulkOutcome) -> Self {
        BulkOutcome {
            selected: o.selected,
            changed: o.changed,
        }
    }
}

#[pymethods]
impl BulkOutcome {
    fn __repr__(&self) -> String {
        format!(
            "BulkOutcome(selected={}, changed={})",
            self.selected, self.changed
        )
    }
}

/// What recording an inbound message or a web form did.
#[pyclass(frozen, get_all, module = "contactkit._contactkit")]
pub struct InboundOutcome {
    /// The contact, as it is after the call.
    pub contact: Py<Contact>,
    /// Whether the call created it.
    pub created: bool,
    /// The conversation the message went into.
    pub conversation_id: i64,
    /// The message's id.
    pub message_id: i64,
}

impl InboundOutcome {
    /// Wraps a core outcome.
    pub fn wrap(py: Python<'_>, o: contactkit::InboundOutcome) -> PyResult<Self> {
        Ok(InboundOutcome {
            contact: Contact::wrap(py, o.contact)?,
            created: o.created,
            conversation_id: o.conversation_id.0,
            message_id: o.message_id.0,
        })
    }
}

#[pymethods]
impl InboundOutcome {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "InboundOutcome(contact={}, created={}, conversation_id={}, message_id={})",
            self.contact.bind(py).repr()?,
            if self.created { "True" } else { "False" },
            self.conversation_id,
            self.message_id
        ))
    }
}

/// What an upsert did.
#[pyclass(frozen, get_all, module = "contactkit._contactkit")]
pub struct UpsertOutcome {
    /// The contact, as it is after the call.
    pub contact: Py<Contact>,
    /// Whether the call created it (False: it updated an existing one).
    pub created: bool,
}

impl UpsertOutcome {
    /// Wraps a core outcome.
    pub fn wrap(py: Python<'_>, o: contactkit::UpsertOutcome) -> PyResult<Self> {
        Ok(UpsertOutcome {
            contact: Contact::wrap(py, o.contact)?,
            created: o.created,
        })
    }
}

#[pymethods]
impl UpsertOutcome {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "UpsertOutcome(contact={}, created={})",
            self.contact.bind(py).repr()?,
            if self.created { "True" } else { "False" }
        ))
    }
}

/// How far a long import or export has got, handed to its progress callback.
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct Progress {
    /// Rows (or contacts) done so far.
    pub rows_done: u64,
    /// Bytes read so far (exports: written).
    pub bytes_done: u64,
    /// The input's size when known (a file), for a percentage.
    pub bytes_total: Option<u64>,
}

impl From<contactkit::Progress> for Progress {
    fn from(p: contactkit::Progress) -> Self {
        Progress {
            rows_done: p.rows_done,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        }
    }
}

#[pymethods]
impl Progress {
    fn __repr__(&self) -> String {
        format!(
            "Progress(rows_done={}, bytes_done={}, bytes_total={})",
            self.rows_done,
            self.bytes_done,
            self.bytes_total.map_or("None".to_owned(), |b| b.to_string())
        )
    }
}

/// What an import did (`import_commit`) or would do (`import_preview`).
///
/// `mapping`, `unmapped` and `issues` are lists of dicts in the core's JSON shape: a mapping
/// entry is `{"column": 0, "header": "E-mail", "target": {"field": "email", "label": None}}`,
/// an issue `{"line": 3, "column": "email", "value": "x", "reason": "...", "kind": "invalid"}`.
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct ImportReport {
    inner: contactkit::ImportReport,
}

impl From<contactkit::ImportReport> for ImportReport {
    fn from(inner: contactkit::ImportReport) -> Self {
        ImportReport { inner }
    }
}

#[pymethods]
impl ImportReport {
    /// The format read: `csv`, `json` or `vcard`.
    #[getter]
    fn format(&self) -> String {
        wire_name(&self.inner.format)
    }
    /// The encoding the input was read in (WHATWG name, `UTF-8`, `windows-1252`...).
    #[getter]
    fn encoding(&self) -> &str {
        &self.inner.encoding
    }
    /// The CSV delimiter used, or None.
    #[getter]
    fn delimiter(&self) -> Option<String> {
        self.inner.delimiter.map(String::from)
    }
    /// Where every CSV column went.
    #[getter]
    fn mapping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner.mapping)
    }
    /// The CSV columns not imported, with a sample value each.
    #[getter]
    fn unmapped<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner.unmapped)
    }
    /// Every problem, in file order.
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner.issues)
    }
    /// Data rows read (the header excluded).
    #[getter]
    fn rows_read(&self) -> u64 {
        self.inner.rows_read
    }
    /// Contacts created (a preview: that would be).
    #[getter]
    fn created(&self) -> u64 {
        self.inner.created
    }
    /// Contacts updated (`on_duplicate="update"`).
    #[getter]
    fn updated(&self) -> u64 {
        self.inner.updated
    }
    /// Rows skipped: duplicates under `on_duplicate="skip"`, repeated headers.
    #[getter]
    fn skipped(&self) -> u64 {
        self.inner.skipped
    }
    /// Rows with nothing in them.
    #[getter]
    fn blank(&self) -> u64 {
        self.inner.blank
    }
    /// Rows rejected by validation.
    #[getter]
    fn invalid(&self) -> u64 {
        self.inner.invalid
    }
    /// Rows with more cells than the header.
    #[getter]
    fn ragged(&self) -> u64 {
        self.inner.ragged
    }
    /// Whether the book was written (False for a preview).
    #[getter]
    fn committed(&self) -> bool {
        self.inner.committed
    }
    /// The region phones without a country code were read in (`"DE"`).
    #[getter]
    fn default_region(&self) -> String {
        self.inner.default_region.as_str()
    }
    /// The region guessed from the file and why (`{"region": "DE", "reason": "the headers
    /// are in German"}`), or None when the caller gave one or the file told nothing.
    #[getter]
    fn region_guess<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner.region_guess)
    }
    /// The whole report in its JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "ImportReport(rows_read={}, created={}, updated={}, skipped={}, invalid={}, committed={})",
            self.inner.rows_read,
            self.inner.created,
            self.inner.updated,
            self.inner.skipped,
            self.inner.invalid,
            if self.inner.committed { "True" } else { "False" }
        )
    }
}

/// What an export wrote.
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct ExportSummary {
    /// Contacts written.
    pub contacts: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl From<contactkit::ExportSummary> for ExportSummary {
    fn from(s: contactkit::ExportSummary) -> Self {
        ExportSummary {
            contacts: s.contacts,
            bytes: s.bytes,
        }
    }
}

#[pymethods]
impl ExportSummary {
    fn __repr__(&self) -> String {
        format!("ExportSummary(contacts={}, bytes={})", self.contacts, self.bytes)
    }
}

/// A page of the change feed: `events` are dicts in the core's JSON shape
/// (`{"seq": 1, "time": "...", "kind": "created", "contact_id": 1, "changes": {...}, ...}`).
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct ChangePage {
    events: serde_json::Value,
    /// The cursor for the next call: pass it as `after`.
    #[pyo3(get)]
    next: u64,
}

impl ChangePage {
    /// Wraps a core page.
    pub fn new(page: &contactkit::ChangePage) -> Self {
        ChangePage {
            events: serde_json::to_value(&page.events).unwrap_or_default(),
            next: page.next,
        }
    }
}

#[pymethods]
impl ChangePage {
    /// The events, in sequence order (a new list of dicts).
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.events)
    }
    fn __repr__(&self) -> String {
        let n = self.events.as_array().map_or(0, Vec::len);
        format!("ChangePage(events=<{n} events>, next={})", self.next)
    }
}

/// A likely duplicate pair, scored 0 to 1, with its reasons as dicts
/// (`{"reason": "same_mailbox", "mailbox": "ana@x.com"}`).
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct DuplicatePair {
    inner: contactkit::DuplicatePair,
}

impl From<contactkit::DuplicatePair> for DuplicatePair {
    fn from(inner: contactkit::DuplicatePair) -> Self {
        DuplicatePair { inner }
    }
}

#[pymethods]
impl DuplicatePair {
    /// The contact with the smaller id.
    #[getter]
    fn a(&self) -> i64 {
        self.inner.a.as_raw()
    }
    /// The other contact.
    #[getter]
    fn b(&self) -> i64 {
        self.inner.b.as_raw()
    }
    /// How likely they are one person, 0 to 1.
    #[getter]
    fn score(&self) -> f64 {
        self.inner.score
    }
    /// Why they look alike.
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner.reasons)
    }
    fn __repr__(&self) -> String {
        format!(
            "DuplicatePair(a={}, b={}, score={})",
            self.inner.a, self.inner.b, self.inner.score
        )
    }
}

/// A conversation of a contact on one channel.
#[pyclass(frozen, get_all, module = "contactkit._contactkit")]
pub struct Conversation {
    /// The conversation's id (for `messages()`).
    pub id: i64,
    /// The contact.
    pub contact_id: i64,
    /// The channel: `whatsapp`, `telegram` or `web_widget`.
    pub channel: String,
    /// When it started (aware, UTC).
    pub started_at: DateTime<Utc>,
    /// When its last message was sent (aware, UTC).
    pub last_message_at: DateTime<Utc>,
}

impl From<contactkit::Conversation> for Conversation {
    fn from(c: contactkit::Conversation) -> Self {
        Conversation {
            id: c.id.0,
            contact_id: c.contact_id.as_raw(),
            channel: c.channel.as_str().to_owned(),
            started_at: c.started_at,
            last_message_at: c.last_message_at,
        }
    }
}

#[pymethods]
impl Conversation {
    fn __repr__(&self) -> String {
        format!(
            "Conversation(id={}, contact_id={}, channel='{}')",
            self.id, self.contact_id, self.channel
        )
    }
}

/// One message of a conversation.
#[pyclass(frozen, get_all, module = "contactkit._contactkit")]
pub struct Message {
    /// The message's id.
    pub id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// `inbound` (from the contact) or `outbound` (to it).
    pub direction: String,
    /// The text.
    pub text: String,
    /// When it was sent (aware, UTC).
    pub at: DateTime<Utc>,
    /// The web form it came from, or None.
    pub form_name: Option<String>,
}

impl From<contactkit::Message> for Message {
    fn from(m: contactkit::Message) -> Self {
        Message {
            id: m.id.0,
            conversation_id: m.conversation_id.0,
            direction: m.direction.as_str().to_owned(),
            text: m.text,
            at: m.at,
            form_name: m.form_name,
        }
    }
}

#[pymethods]
impl Message {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Message(id={}, direction='{}', text={})",
            self.id,
            self.direction,
            crate::convert::repr(py, &self.text)?
        ))
    }
}

/// A page of a conversation's messages, newest first.
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct MessagePage {
    messages: Vec<Py<Message>>,
    /// Pass it as `before=` for the next, older page; None on the last page.
    #[pyo3(get)]
    next_before: Option<i64>,
}

impl MessagePage {
    /// Wraps a core page.
    pub fn wrap(py: Python<'_>, page: contactkit::MessagePage) -> PyResult<Self> {
        Ok(MessagePage {
            messages: page
                .messages
                .into_iter()
                .map(|m| Py::new(py, Message::from(m)))
                .collect::<PyResult<_>>()?,
            next_before: page.next_before.map(|m| m.0),
        })
    }
}

#[pymethods]
impl MessagePage {
    /// The messages of this page, newest first (a new list).
    #[getter]
    fn messages<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.messages.iter().map(|m| m.clone_ref(py)))
    }
    fn __repr__(&self) -> String {
        format!(
            "MessagePage(messages=<{} messages>, next_before={})",
            self.messages.len(),
            self.next_before.map_or("None".to_owned(), |b| b.to_string())
        )
    }
}
