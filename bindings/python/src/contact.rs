//! The value classes of a contact: `Contact`, `EmailAddress`, `PhoneNumber`, `Tag`.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{attributes_to_py, repr, to_plain};

/// A contact as stored: a frozen snapshot (edits return a new `Contact`).
///
/// Times are timezone-aware `datetime`s in UTC; `attributes` is a new `dict` on every access
/// (str, int, float, bool, `date` or aware `datetime` values; numbers are stored as floats,
/// and a whole one comes back as an `int`); `tags` is a `list[str]` as first written;
/// `emails` and `phones` hold every address and number, the primary first.
#[pyclass(frozen, eq, module = "contactkit._contactkit")]
#[derive(PartialEq)]
pub struct Contact {
    pub inner: contactkit::Contact,
}

impl Contact {
    /// Wraps a core contact as a Python object.
    pub fn wrap(py: Python<'_>, inner: contactkit::Contact) -> PyResult<Py<Contact>> {
        Py::new(py, Contact { inner })
    }
}

#[pymethods]
impl Contact {
    /// The stable id (a positive int, never reused).
    #[getter]
    fn id(&self) -> i64 {
        self.inner.id.as_raw()
    }

    /// The display name (never empty).
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The primary email address, or None.
    #[getter]
    fn email(&self) -> Option<&str> {
        self.inner.email()
    }

    /// The primary phone number in E.164 (`+5511912345678`), or None.
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.inner.phone()
    }

    /// Every email address, the primary one first.
    #[getter]
    fn emails(&self) -> Vec<EmailAddress> {
        self.inner
            .emails
            .iter()
            .map(|p| EmailAddress {
                address: p.address.as_str().to_owned(),
                label: p.label.clone(),
            })
            .collect()
    }

    /// Every phone number, the primary one first.
    #[getter]
    fn phones(&self) -> Vec<PhoneNumber> {
        self.inner
            .phones
            .iter()
            .map(|p| PhoneNumber {
                e164: p.e164.as_str().to_owned(),
                original: p.original.clone(),
                label: p.label.clone(),
            })
            .collect()
    }

    /// Tag names as first written, in alphabetical order.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.inner.tags.clone()
    }

    /// The channel the contact came through (`whatsapp`, `telegram`, `web_widget`, `api`,
    /// `import`, `referral`).
    #[getter]
    fn source(&self) -> &'static str {
        self.inner.source.as_str()
    }

    /// The verification status (`unverified`, `pending`, `verified`, `failed`).
    #[getter]
    fn verification(&self) -> &'static str {
        self.inner.verification.as_str()
    }

    /// Custom attributes, as a new dict.
    #[getter]
    fn attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        attributes_to_py(py, &self.inner.attributes)
    }

    /// When the contact was created (aware, UTC).
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.inner.created_at
    }

    /// When any field last changed (aware, UTC).
    #[getter]
    fn updated_at(&self) -> DateTime<Utc> {
        self.inner.updated_at
    }

    /// When the contact last did something (a message, a form), or None if never.
    #[getter]
    fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.inner.last_activity_at
    }

    /// False for a contact created automatically (a first message, a web form) until a team
    /// member marks it reviewed.
    #[getter]
    fn reviewed(&self) -> bool {
        self.inner.reviewed
    }

    /// Whether the contact carries `tag` (case and spacing ignored).
    fn has_tag(&self, tag: &str) -> bool {
        self.inner.has_tag(tag)
    }

    /// The contact in its JSON shape (times as RFC 3339 text), ready for `json.dumps`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Contact(id={}, name={})",
            self.inner.id,
            repr(py, &self.inner.name)?
        ))
    }
}

/// An email address of a contact, with an optional lowercase label (`work`, `home`...).
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct EmailAddress {
    /// The validated address.
    pub address: String,
    /// A lowercase label, or None.
    pub label: Option<String>,
}

#[pymethods]
impl EmailAddress {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "EmailAddress(address={}, label={})",
            repr(py, &self.address)?,
            optional_repr(py, self.label.as_deref())?
        ))
    }
}

/// A phone number of a contact: E.164, the text it was given as, an optional label.
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct PhoneNumber {
    /// The number in E.164 (`+14155552671`).
    pub e164: String,
    /// The text the number was given as (`(415) 555-2671`).
    pub original: String,
    /// A lowercase label (`mobile`, `work`, `whatsapp`...), or None.
    pub label: Option<String>,
}

#[pymethods]
impl PhoneNumber {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PhoneNumber(e164={}, label={})",
            repr(py, &self.e164)?,
            optional_repr(py, self.label.as_deref())?
        ))
    }
}

/// A tag of the book with the number of contacts carrying it.
#[pyclass(frozen, eq, get_all, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct Tag {
    /// The tag's name as first written.
    pub name: String,
    /// How many contacts carry it.
    pub contacts: u64,
}

impl From<contactkit::TagCount> for Tag {
    fn from(t: contactkit::TagCount) -> Self {
        Tag {
            name: t.name,
            contacts: t.contacts,
        }
    }
}

#[pymethods]
impl Tag {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Tag(name={}, contacts={})",
            repr(py, &self.name)?,
            self.contacts
        ))
    }
}

fn optional_repr(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    text.map_or(Ok("None".to_owned()), |t| repr(py, t))
}

/// Contacts as a new Python list.
pub fn contact_list<'py>(py: Python<'py>, contacts: &[Py<Contact>]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, contacts.iter().map(|c| c.clone_ref(py)))
}
