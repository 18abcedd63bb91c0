//! `Query` (built from keyword arguments), `Page`, and `ContactIterator`, which pages
//! through every match without loading them all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use contactkit::{AttributeOp, Book, Filter, Source, TimeRange, Verification};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::contact::{Contact, contact_list};
use crate::convert::{attribute_value, one_or_many, py_to_json, to_plain, utc_opt};
use crate::errors;

/// What to list: filters, a search text, an order, a page size and where to start.
///
/// Every argument is optional and the filters combine with AND:
///
/// - `search`: matches folded names (case and accents ignored), emails, and phone digits
///   ("555-123" finds +15551234567).
/// - `tags_any` / `tags_all` / `tags_none`: lists of tag names (case and spacing ignored).
/// - `source`, `verification`: one wire name or a list of them.
/// - `created_from` / `created_to`, `active_from` / `active_to`: aware datetimes, inclusive.
/// - `never_active`, `has_email`, `has_phone`: booleans.
/// - `attributes`: `{"plan": "pro"}` keeps contacts whose attribute equals the value.
/// - `filter`: any core filter in its JSON shape, for OR and NOT:
///   `{"or": [{"tags_any": ["hot"]}, {"not": {"verification_in": ["failed"]}}]}`.
/// - `sort`: `name` (default), `-name`, `created`, `-created`, `activity`, `-activity`.
/// - `limit`: the page size, 1 to 1000 (default 50); `cursor`: a page's `next_cursor`.
///
/// >>> Query(search="jose", tags_any=["hot"], sort="-activity", limit=20).limit
/// 20
#[pyclass(frozen, eq, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct Query {
    pub inner: contactkit::Query,
}

#[pymethods]
impl Query {
    #[new]
    #[pyo3(signature = (
        *, search=None, tags_any=None, tags_all=None, tags_none=None, source=None,
        verification=None, created_from=None, created_to=None, active_from=None,
        active_to=None, never_active=false, has_email=None, has_phone=None, attributes=None,
        filter=None, sort="name", limit=None, cursor=None
    ))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per filter, as Python callers expect
    fn new(
        search: Option<String>,
        tags_any: Option<Vec<String>>,
        tags_all: Option<Vec<String>>,
        tags_none: Option<Vec<String>>,
        source: Option<&Bound<'_, PyAny>>,
        verification: Option<&Bound<'_, PyAny>>,
        created_from: Option<&Bound<'_, PyAny>>,
        created_to: Option<&Bound<'_, PyAny>>,
        active_from: Option<&Bound<'_, PyAny>>,
        active_to: Option<&Bound<'_, PyAny>>,
        never_active: bool,
        has_email: Option<bool>,
        has_phone: Option<bool>,
        attributes: Option<&Bound<'_, PyDict>>,
        filter: Option<&Bound<'_, PyAny>>,
        sort: &str,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> PyResult<Query> {
        let mut q = contactkit::Query::new()
            .sort(sort.parse().map_err(errors::to_py)?)
            .after(cursor);
        q.search = search;
        q.limit = limit;
        if let Some(tags) = tags_any {
            q = q.tags_any(tags);
        }
        if let Some(tags) = tags_all {
            q = q.tags_all(tags);
        }
        if let Some(tags) = tags_none {
            q = q.tags_none(tags);
        }
        if let Some(source) = source.filter(|s| !s.is_none()) {
            let set = one_or_many(source)?
                .iter()
                .map(|s| s.parse::<Source>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(errors::to_py)?;
            q = q.source_in(set);
        }
        if let Some(verification) = verification.filter(|v| !v.is_none()) {
            let set = one_or_many(verification)?
                .iter()
                .map(|s| s.parse::<Verification>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(errors::to_py)?;
            q = q.verification_in(set);
        }
        if let Some(range) = range(created_from, created_to, "created_from", "created_to")? {
            q = q.created(range);
        }
        if let Some(range) = range(active_from, active_to, "active_from", "active_to")? {
            q = q.last_activity(range);
        }
        if never_active {
            q = q.and(Filter::NeverActive);
        }
        match has_email {
            Some(true) => q = q.and(Filter::HasEmail),
            Some(false) => q = q.and(Filter::NoEmail),
            None => {}
        }
        match has_phone {
            Some(true) => q = q.and(Filter::HasPhone),
            Some(false) => q = q.and(Filter::NoPhone),
            None => {}
        }
        if let Some(attributes) = attributes {
            for (key, value) in attributes.iter() {
                let key: String = key.extract()?;
                let value = attribute_value(&value, &key)?;
                q = q.and(Filter::attribute(key, AttributeOp::Eq(value)));
            }
        }
        if let Some(filter) = filter.filter(|f| !f.is_none()) {
            let json = py_to_json(filter)?;
            let shown = filter.str()?.to_string();
            let parsed: Filter = serde_json::from_value(json)
                .map_err(|err| errors::validation("query", &shown, &err.to_string()))?;
            q = q.and(parsed);
        }
        q.validate().map_err(errors::to_py)?;
        Ok(Query { inner: q })
    }

    /// The same query starting after `cursor` (a page's `next_cursor`; None: the first page).
    #[pyo3(signature = (cursor))]
    fn after(&self, cursor: Option<String>) -> Query {
        Query {
            inner: self.inner.clone().after(cursor),
        }
    }

    /// The search text, or None.
    #[getter]
    fn search(&self) -> Option<&str> {
        self.inner.search.as_deref()
    }

    /// The order's wire name.
    #[getter]
    fn sort(&self) -> &'static str {
        self.inner.sort.as_str()
    }

    /// The page size asked for, or None for the default (50).
    #[getter]
    fn limit(&self) -> Option<u32> {
        self.inner.limit
    }

    /// Where the query starts, or None for the first page.
    #[getter]
    fn cursor(&self) -> Option<&str> {
        self.inner.cursor.as_deref()
    }

    /// The query in its JSON shape (what the C API and the CLI take).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_plain(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Query({})",
            serde_json::to_string(&self.inner).unwrap_or_default()
        )
    }
}

fn range(
    from: Option<&Bound<'_, PyAny>>,
    to: Option<&Bound<'_, PyAny>>,
    from_name: &str,
    to_name: &str,
) -> PyResult<Option<TimeRange>> {
    Ok(match (utc_opt(from, from_name)?, utc_opt(to, to_name)?) {
        (Some(from), Some(to)) => Some(TimeRange::between(from, to)),
        (Some(from), None) => Some(TimeRange::after(from)),
        (None, Some(to)) => Some(TimeRange::before(to)),
        (None, None) => None,
    })
}

/// The query of a call: a `Query` given positionally, or one built from keyword arguments
/// (the same keywords `Query()` takes), not both.
pub fn query_of(
    py: Python<'_>,
    query: Option<&Bound<'_, Query>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<contactkit::Query> {
    let kwargs = kwargs.filter(|k| !k.is_empty());
    match (query, kwargs) {
        (Some(_), Some(_)) => Err(pyo3::exceptions::PyTypeError::new_err(
            "pass either a Query or keyword arguments, not both",
        )),
        (Some(q), None) => Ok(q.get().inner.clone()),
        (None, kwargs) => {
            let built = py.get_type::<Query>().call((), kwargs)?;
            Ok(built.cast::<Query>()?.get().inner.clone())
        }
    }
}

/// One page of results.
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct Page {
    contacts: Vec<Py<Contact>>,
    /// How many contacts match the query in all (every page).
    #[pyo3(get)]
    total: u64,
    /// The cursor of the next page (pass it as `cursor=`), or None on the last page.
    #[pyo3(get)]
    next_cursor: Option<String>,
}

impl Page {
    /// Wraps a core page.
    pub fn wrap(py: Python<'_>, page: contactkit::Page) -> PyResult<Page> {
        Ok(Page {
            contacts: page
                .contacts
                .into_iter()
                .map(|c| Contact::wrap(py, c))
                .collect::<PyResult<_>>()?,
            total: page.total,
            next_cursor: page.next_cursor,
        })
    }
}

#[pymethods]
impl Page {
    /// The contacts of this page, in the query's order (a new list).
    #[getter]
    fn contacts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        contact_list(py, &self.contacts)
    }

    fn __len__(&self) -> usize {
        self.contacts.len()
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(contact_list(py, &self.contacts)?.try_iter()?.into_any().unbind())
    }

    fn __repr__(&self) -> String {
        format!(
            "Page(contacts=<{} contacts>, total={}, next_cursor={:?})",
            self.contacts.len(),
            self.total,
            self.next_cursor
        )
    }
}

struct IterState {
    query: contactkit::Query,
    buffer: VecDeque<contactkit::Contact>,
    done: bool,
}

/// Every contact matching a query, read one page at a time through the keyset cursor: a
/// long iteration never holds the book locked, and never holds more than a page.
#[pyclass(frozen, module = "contactkit._contactkit")]
pub struct ContactIterator {
    book: Arc<Book>,
    state: Mutex<IterState>,
}

impl ContactIterator {
    /// An iterator from the first page of `query` (or from its cursor).
    pub fn new(book: Arc<Book>, query: contactkit::Query) -> Self {
        ContactIterator {
            book,
            state: Mutex::new(IterState {
                query,
                buffer: VecDeque::new(),
                done: false,
            }),
        }
    }
}

#[pymethods]
impl ContactIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<Contact>>> {
        let book = Arc::clone(&self.book);
        // The lock is held while the page is read, with the GIL released: a second thread
        // calling next() on the same iterator waits for the page instead of racing it.
        let next = py.detach(|| {
            let mut state = self.state.lock().map_err(|_| "poisoned")?;
            if state.buffer.is_empty() && !state.done {
                match book.query(&state.query) {
                    Ok(page) => {
                        state.done = page.next_cursor.is_none();
                        state.query.cursor = page.next_cursor;
                        state.buffer = page.contacts.into();
                    }
                    Err(err) => {
                        state.done = true;
                        return Ok(Err(err));
                    }
                }
            }
            Ok::<_, &str>(Ok(state.buffer.pop_front()))
        });
        match next {
            Err(_) => Err(errors::storage(
                "the iterator's state was poisoned by a panic".into(),
            )),
            Ok(Err(err)) => Err(errors::to_py(err)),
            Ok(Ok(Some(contact))) => Ok(Some(Contact::wrap(py, contact)?)),
            Ok(Ok(None)) => Ok(None),
        }
    }
}
