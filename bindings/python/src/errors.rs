//! The exception tree, and [`to_py`]: the one place a core error becomes a Python exception.
//!
//! Every exception derives from `ContactKitError`; the data of the core error (the field and
//! value of a validation error, the id of the contact that already holds an email...) is set
//! as attributes of the raised instance.

use contactkit::{Error, ErrorKind};
use pyo3::IntoPyObjectExt;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::type_object::PyTypeInfo;

create_exception!(
    contactkit,
    ContactKitError,
    PyException,
    "The root of every error contactkit raises."
);
create_exception!(
    contactkit,
    ValidationError,
    ContactKitError,
    "A value failed validation. `.field` names it (`email`, `phone`, `tag`, `query`...), `.value` is the value as given and `.reason` says why."
);
create_exception!(
    contactkit,
    DuplicateContactError,
    ContactKitError,
    "The email or phone already belongs to another contact: `.existing_id` is that contact, `.field` and `.value` the clashing point (normalised)."
);
create_exception!(
    contactkit,
    ContactNotFoundError,
    ContactKitError,
    "No contact has this id (any more): `.contact_id`."
);
create_exception!(
    contactkit,
    TagNotFoundError,
    ContactKitError,
    "No tag has this name: `.tag`."
);
create_exception!(
    contactkit,
    PermissionDeniedError,
    ContactKitError,
    "The actor's role may not take this action (`.action`, `.role`); nothing was changed."
);
create_exception!(
    contactkit,
    ContactImportError,
    ContactKitError,
    "An import could not go on; nothing was written. `.line`, `.column`, `.byte` and `.reason` say where and why."
);
create_exception!(
    contactkit,
    SyncError,
    ContactKitError,
    "The Chatwoot sync failed. Reserved: the sync is not part of this version yet."
);
create_exception!(
    contactkit,
    SchemaTooNewError,
    ContactKitError,
    "The book file was written by a newer contactkit (`.found` > `.supported`); it was left untouched."
);
create_exception!(
    contactkit,
    ResyncRequiredError,
    ContactKitError,
    "The change feed no longer holds the events after `.after`; resynchronise, then follow from `.oldest`."
);
create_exception!(
    contactkit,
    StorageError,
    ContactKitError,
    "The storage backend (SQLite) failed."
);
create_exception!(
    contactkit,
    StreamError,
    ContactKitError,
    "Reading an import's input or writing an export's output failed."
);
create_exception!(
    contactkit,
    BookClosedError,
    ContactKitError,
    "The book was closed (`close()` or the end of its `with` block)."
);

/// Creates exception `T` with `message` and sets `attrs` on it.
fn raise<T: PyTypeInfo>(py: Python<'_>, message: String, attrs: &[(&str, Bound<'_, PyAny>)]) -> PyErr {
    let err = PyErr::from_type(py.get_type::<T>(), (message,));
    let value = err.value(py);
    for (name, attr) in attrs {
        if let Err(e) = value.setattr(*name, attr) {
            return e;
        }
    }
    err
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> Bound<'py, PyAny> {
    value
        .into_bound_py_any(py)
        .unwrap_or_else(|_| py.None().into_bound(py))
}

/// The Python exception of a core error. Every kind the core knows has its own class; a
/// kind added later falls back to the root `ContactKitError` (never `RuntimeError`).
pub fn to_py(err: Error) -> PyErr {
    Python::attach(|py| {
        let message = err.to_string();
        match err {
            Error::Invalid { field, value, reason } => raise::<ValidationError>(
                py,
                message,
                &[
                    ("field", obj(py, field.as_str())),
                    ("value", obj(py, value)),
                    ("reason", obj(py, reason)),
                ],
            ),
            Error::Duplicate {
                field,
                value,
                existing,
            } => raise::<DuplicateContactError>(
                py,
                message,
                &[
                    ("field", obj(py, field.as_str())),
                    ("value", obj(py, value)),
                    ("existing_id", obj(py, existing.as_raw())),
                ],
            ),
            Error::NotFound(id) => {
                raise::<ContactNotFoundError>(py, message, &[("contact_id", obj(py, id.as_raw()))])
            }
            Error::TagNotFound(tag) => raise::<TagNotFoundError>(py, message, &[("tag", obj(py, tag))]),
            Error::PermissionDenied { action, role } => raise::<PermissionDeniedError>(
                py,
                message,
                &[
                    ("action", obj(py, action.as_str())),
                    ("role", obj(py, crate::convert::wire_name(&role))),
                ],
            ),
            Error::Import {
                line,
                column,
                byte,
                reason,
            } => raise::<ContactImportError>(
                py,
                message,
                &[
                    ("line", obj(py, line)),
                    ("column", obj(py, column)),
                    ("byte", obj(py, byte)),
                    ("reason", obj(py, reason)),
                ],
            ),
            Error::SchemaTooNew { found, supported } => raise::<SchemaTooNewError>(
                py,
                message,
                &[("found", obj(py, found)), ("supported", obj(py, supported))],
            ),
            Error::ResyncRequired { after, oldest } => raise::<ResyncRequiredError>(
                py,
                message,
                &[("after", obj(py, after)), ("oldest", obj(py, oldest))],
            ),
            other => match other.kind() {
                ErrorKind::Storage => raise::<StorageError>(py, message, &[]),
                ErrorKind::Io => raise::<StreamError>(py, message, &[]),
                ErrorKind::Sync | ErrorKind::Webhook => raise::<SyncError>(py, message, &[]),
                // Cancelled never reaches Python: a progress callback cancels by raising, and
                // that exception is what the caller sees (see stream.rs).
                _ => raise::<ContactKitError>(py, message, &[]),
            },
        }
    })
}

/// A `ValidationError` for a value the binding itself checks (a naive datetime, an unknown
/// wire name), shaped like the core's.
pub fn validation(field: &str, value: &str, reason: &str) -> PyErr {
    Python::attach(|py| {
        raise::<ValidationError>(
            py,
            format!("{field} {value:?} is not valid: {reason}"),
            &[
                ("field", obj(py, field)),
                ("value", obj(py, value)),
                ("reason", obj(py, reason)),
            ],
        )
    })
}

/// A `StorageError` with a message of the binding's own.
pub fn storage(message: String) -> PyErr {
    StorageError::new_err(message)
}

/// Adds every exception class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ContactKitError", py.get_type::<ContactKitError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("DuplicateContactError", py.get_type::<DuplicateContactError>())?;
    m.add("ContactNotFoundError", py.get_type::<ContactNotFoundError>())?;
    m.add("TagNotFoundError", py.get_type::<TagNotFoundError>())?;
    m.add("PermissionDeniedError", py.get_type::<PermissionDeniedError>())?;
    m.add("ContactImportError", py.get_type::<ContactImportError>())?;
    m.add("SyncError", py.get_type::<SyncError>())?;
    m.add("SchemaTooNewError", py.get_type::<SchemaTooNewError>())?;
    m.add("ResyncRequiredError", py.get_type::<ResyncRequiredError>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("StreamError", py.get_type::<StreamError>())?;
    m.add("BookClosedError", py.get_type::<BookClosedError>())?;
    Ok(())
}
