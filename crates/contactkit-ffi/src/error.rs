//! Errors at the boundary: [`FfiError`], the thread-local last error, and the [`fence`]
//! every exported body runs in.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde_json::{Value, json};

use crate::status::contactkit_status;

/// Everything a call can fail with: the core's errors plus the boundary's own.
#[derive(Debug)]
pub(crate) enum FfiError {
    /// A required pointer was NULL.
    NullArgument(&'static str),
    /// A string was not UTF-8.
    InvalidUtf8(&'static str),
    /// A JSON argument did not parse into its type.
    InvalidJson {
        argument: &'static str,
        shape: &'static str,
        error: serde_json::Error,
    },
    /// A scalar argument was out of range.
    InvalidArgument { argument: &'static str, reason: String },
    /// The core refused.
    Core(contactkit::Error),
    /// Something that should not happen (a result that did not serialize).
    Internal(String),
    /// A panic, caught by the fence.
    Panic(String),
}

impl From<contactkit::Error> for FfiError {
    fn from(err: contactkit::Error) -> Self {
        FfiError::Core(err)
    }
}

impl FfiError {
    fn status(&self) -> contactkit_status {
        use contactkit::ErrorKind as K;
        match self {
            FfiError::NullArgument(_) => contactkit_status::NullArgument,
            FfiError::InvalidUtf8(_) => contactkit_status::InvalidUtf8,
            FfiError::InvalidJson { .. } => contactkit_status::InvalidJson,
            FfiError::InvalidArgument { .. } => contactkit_status::InvalidArgument,
            FfiError::Internal(_) => contactkit_status::Internal,
            FfiError::Panic(_) => contactkit_status::Panic,
            FfiError::Core(err) => match err.kind() {
                K::Invalid => contactkit_status::Invalid,
                K::Duplicate => contactkit_status::Duplicate,
                K::NotFound => contactkit_status::NotFound,
                K::SchemaTooNew => contactkit_status::SchemaTooNew,
                K::PermissionDenied => contactkit_status::PermissionDenied,
                K::ResyncRequired => contactkit_status::ResyncRequired,
                K::Storage => contactkit_status::Storage,
                K::Import => contactkit_status::Import,
                K::Io => contactkit_status::Io,
                K::Cancelled => contactkit_status::Cancelled,
                K::Sync => contactkit_status::Sync,
                K::Webhook => contactkit_status::Webhook,
                _ => contactkit_status::Internal,
            },
        }
    }

    fn message(&self) -> String {
        match self {
            FfiError::NullArgument(arg) => format!("argument `{arg}` is NULL"),
            FfiError::InvalidUtf8(arg) => format!("argument `{arg}` is not valid UTF-8"),
            FfiError::InvalidJson {
                argument,
                shape,
                error,
            } => {
                format!("argument `{argument}` is not valid JSON for {shape}: {error}")
            }
            FfiError::InvalidArgument { argument, reason } => format!("argument `{argument}` {reason}"),
            FfiError::Core(err) => err.to_string(),
            FfiError::Internal(what) => format!("internal error: {what}"),
            FfiError::Panic(what) => format!("contactkit panicked (a bug; please report it): {what}"),
        }
    }

    fn details(&self) -> Value {
        use contactkit::Error as E;
        match self {
            FfiError::NullArgument(arg) => json!({"kind": "null_argument", "argument": arg}),
            FfiError::InvalidUtf8(arg) => json!({"kind": "invalid_utf8", "argument": arg}),
            FfiError::InvalidJson { argument, error, .. } => json!({
                "kind": "invalid_json", "argument": argument,
                "line": error.line(), "column": error.column(),
            }),
            FfiError::InvalidArgument { argument, .. } => {
                json!({"kind": "invalid_argument", "argument": argument})
            }
            FfiError::Internal(_) => json!({"kind": "internal"}),
            FfiError::Panic(_) => json!({"kind": "panic"}),
            FfiError::Core(err) => {
                let kind = serde_json::to_value(err.kind()).unwrap_or(Value::Null);
                match err {
                    E::Invalid { field, value, reason } => {
                        json!({"kind": kind, "field": field, "value": value, "reason": reason})
                    }
                    E::Duplicate {
                        field,
                        value,
                        existing,
                    } => {
                        json!({"kind": kind, "field": field, "value": value, "existing_id": existing})
                    }
                    E::NotFound(id) => json!({"kind": kind, "id": id}),
                    E::TagNotFound(name) => json!({"kind": kind, "field": "tag", "value": name}),
                    E::SchemaTooNew { found, supported } => {
                        json!({"kind": kind, "found": found, "supported": supported})
                    }
                    E::PermissionDenied { action, role } => {
                        json!({"kind": kind, "action": action, "role": role})
                    }
                    E::ResyncRequired { after, oldest } => {
                        json!({"kind": kind, "after": after, "oldest": oldest})
                    }
                    E::Import {
                        line,
                        column,
                        byte,
                        reason,
                    } => {
                        json!({"kind": kind, "line": line, "column": column, "byte": byte, "reason": reason})
                    }
                    _ => json!({"kind": kind}),
                }
            }
        }
    }
}

/// The last error of this thread.
struct LastError {
    status: contactkit_status,
    message: CString,
    details: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// A C string of `text`; a NUL inside (from a JSON `\u0000`) becomes U+FFFD.
pub(crate) fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|err| {
        let text = String::from_utf8_lossy(&err.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(text).unwrap_or_default()
    })
}

/// Records `err` as this thread's last error and returns its status.
fn set_last_error(err: FfiError) -> contactkit_status {
    let status = err.status();
    let last = LastError {
        status,
        message: c_string(err.message()),
        details: c_string(err.details().to_string()),
    };
    // `try_with` fails only while the thread is being torn down; the status still tells.
    let _ = LAST_ERROR.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = Some(last);
        }
    });
    status
}

/// The text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Drops a panic payload; a payload whose own drop panics is leaked instead of unwinding.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

/// Runs an exported function's body: an error becomes its status (and the last error), and a
/// panic becomes `CONTACTKIT_STATUS_PANIC` instead of unwinding into C.
pub(crate) fn fence(body: impl FnOnce() -> Result<(), FfiError>) -> contactkit_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => contactkit_status::Ok,
        Ok(Err(err)) => set_last_error(err),
        Err(payload) => {
            let text = panic_text(payload.as_ref());
            drop_payload(payload);
            set_last_error(FfiError::Panic(text))
        }
    }
}

/// [`fence`] for the functions that return nothing (the `*_free` functions): a panic is
/// recorded as the last error and goes no further.
pub(crate) fn fence_void(body: impl FnOnce()) {
    let _ = fence(|| {
        body();
        Ok(())
    });
}

/// [`fence`] for the few functions that cannot fail and return a value directly (the
/// version, status names, last-error accessors): a panic returns `fallback` instead. These
/// do not record a panic as the last error, since reading the last error must not change it.
pub(crate) fn fence_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            drop_payload(payload);
            fallback
        }
    }
}

/// Reads a field of this thread's last error, or `none` when there is none.
fn read_last_error<T>(read: impl Fn(&LastError) -> T, none: T) -> T {
    LAST_ERROR
        .try_with(|cell| match cell.try_borrow() {
            Ok(slot) => slot.as_ref().map(&read),
            Err(_) => None,
        })
        .ok()
        .flatten()
        .unwrap_or(none)
}

/// The status of the last failed call on this thread, or `CONTACTKIT_STATUS_OK` if no call
/// has failed on it yet. Successful calls do not reset it.
///
/// Ownership: a plain value; nothing to free.
/// Errors: none (cannot fail, does not change the last error). Threads: each thread has its
/// own last error.
#[unsafe(no_mangle)]
pub extern "C" fn contactkit_last_error_code() -> contactkit_status {
    fence_value(contactkit_status::Internal, || {
        read_last_error(|last| last.status, contactkit_status::Ok)
    })
}

/// The message of the last failed call on this thread: a sentence a user can act on
/// (`email "ana@x" is not valid: ...`), or `""` if no call has failed on it yet.
///
/// Ownership: borrowed; do not free. It stays valid until the next failing contactkit call on
/// this thread (successful calls leave it alone); copy it to keep it.
/// Errors: none. Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn contactkit_last_error_message() -> *const c_char {
    fence_value(c"".as_ptr(), || {
        read_last_error(|last| last.message.as_ptr(), c"".as_ptr())
    })
}

/// The details of the last failed call on this thread as a JSON object, or `"{}"` if no call
/// has failed on it yet. It always has `kind` (`"invalid"`, `"duplicate"`, `"not_found"`,
/// `"null_argument"`...) and, as they apply, `argument` (the C argument at fault), `field`,
/// `value`, `reason`, `existing_id` (the twin contact of a duplicate), `id`, `line`,
/// `column`, `byte`. docs/c-api.md lists the keys of every kind.
///
/// Ownership: borrowed; do not free; valid as for `contactkit_last_error_message`.
/// Errors: none. Threads: each thread has its own last error.
#[unsafe(no_mangle)]
pub extern "C" fn contactkit_last_error_details() -> *const c_char {
    fence_value(c"{}".as_ptr(), || {
        read_last_error(|last| last.details.as_ptr(), c"{}".as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_message() -> String {
        // SAFETY: the pointer is this thread's NUL-terminated message, valid until the next failure.
        unsafe { std::ffi::CStr::from_ptr(contactkit_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = fence(|| panic!("boom at the boundary"));
        assert_eq!(status, contactkit_status::Panic);
        assert_eq!(contactkit_last_error_code(), contactkit_status::Panic);
        assert!(
            last_message().contains("boom at the boundary"),
            "{}",
            last_message()
        );
    }

    #[test]
    fn a_panic_in_a_value_returning_export_gives_its_fallback() {
        assert_eq!(fence_value(7, || panic!("no value")), 7);
        assert_eq!(fence_value(7, || 8), 8);
    }

    #[test]
    fn success_leaves_the_last_error_alone() {
        assert_eq!(
            fence(|| Err(FfiError::NullArgument("book"))),
            contactkit_status::NullArgument
        );
        assert_eq!(fence(|| Ok(())), contactkit_status::Ok);
        assert_eq!(last_message(), "argument `book` is NULL");
    }

    #[test]
    fn a_nul_inside_a_message_does_not_truncate_it() {
        assert_eq!(c_string("a\0b".to_owned()).to_str().ok(), Some("a\u{FFFD}b"));
    }
}
