//! Argument checks and conversions: every pointer is checked for NULL, every string for
//! UTF-8, every JSON for its shape, and each error names the argument.

use std::ffi::{CStr, c_char};
use std::ptr;

use contactkit::{Actor, ContactId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{FfiError, c_string};

/// Checks an out-parameter for a pointer result and sets it to NULL (what it holds on failure).
///
/// # Safety
/// `out` is NULL or valid for a write of one pointer.
pub(crate) unsafe fn out_ptr<'a, T>(
    out: *mut *mut T,
    name: &'static str,
) -> Result<&'a mut *mut T, FfiError> {
    // SAFETY: the caller guarantees `out` is NULL or valid for writes; `as_mut` checks NULL.
    let out = unsafe { out.as_mut() }.ok_or(FfiError::NullArgument(name))?;
    *out = ptr::null_mut();
    Ok(out)
}

/// Checks an out-parameter for a scalar result and sets it to its zero value.
///
/// # Safety
/// `out` is NULL or valid for a write of one `T`.
pub(crate) unsafe fn out_value<'a, T: Default>(
    out: *mut T,
    name: &'static str,
) -> Result<&'a mut T, FfiError> {
    // SAFETY: the caller guarantees `out` is NULL or valid for writes; `as_mut` checks NULL.
    let out = unsafe { out.as_mut() }.ok_or(FfiError::NullArgument(name))?;
    *out = T::default();
    Ok(out)
}

/// A required UTF-8 string argument.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn str_arg<'a>(text: *const c_char, name: &'static str) -> Result<&'a str, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { opt_str_arg(text, name) }?.ok_or(FfiError::NullArgument(name))
}

/// An optional UTF-8 string argument (NULL: none).
///
/// # Safety
/// `text` is NULL or a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn opt_str_arg<'a>(
    text: *const c_char,
    name: &'static str,
) -> Result<Option<&'a str>, FfiError> {
    if text.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string living for `'a`.
    let text = unsafe { CStr::from_ptr(text) };
    text.to_str().map(Some).map_err(|_| FfiError::InvalidUtf8(name))
}

/// A required JSON argument of type `T`; `shape` names the type in the error message.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(
    text: *const c_char,
    name: &'static str,
    shape: &'static str,
) -> Result<T, FfiError> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { str_arg(text, name) }?;
    parse_json(text, name, shape)
}

/// An optional JSON argument: NULL means `T::default()`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_json_arg<T: DeserializeOwned + Default>(
    text: *const c_char,
    name: &'static str,
    shape: &'static str,
) -> Result<T, FfiError> {
    // SAFETY: forwarded from the caller.
    match unsafe { opt_str_arg(text, name) }? {
        Some(text) => parse_json(text, name, shape),
        None => Ok(T::default()),
    }
}

fn parse_json<T: DeserializeOwned>(
    text: &str,
    name: &'static str,
    shape: &'static str,
) -> Result<T, FfiError> {
    serde_json::from_str(text).map_err(|error| FfiError::InvalidJson {
        argument: name,
        shape,
        error,
    })
}

/// The actor JSON every changing call takes: `{"id": "u-7", "role": "agent", "origin": "ui"}`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn actor_arg(text: *const c_char) -> Result<Actor, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { json_arg(text, "actor_json", "an actor") }
}

/// A contact id from C: a positive integer.
pub(crate) fn id_arg(raw: i64, name: &'static str) -> Result<ContactId, FfiError> {
    if raw > 0 {
        Ok(ContactId::from_raw(raw))
    } else {
        Err(FfiError::InvalidArgument {
            argument: name,
            reason: format!("is {raw}, but a contact id is a positive whole number"),
        })
    }
}

/// Writes `value` as a newly allocated JSON string to `out` (freed with `contactkit_string_free`).
pub(crate) fn put_json<T: Serialize>(out: &mut *mut c_char, value: &T) -> Result<(), FfiError> {
    let json = serde_json::to_string(value).map_err(|err| FfiError::Internal(err.to_string()))?;
    *out = c_string(json).into_raw();
    Ok(())
}

/// Frees a string that contactkit returned (a JSON result). NULL is ignored.
///
/// Ownership: takes back a string from any contactkit out-parameter of type `char **`; the
/// pointer is invalid afterwards. Never pass a string contactkit did not allocate, nor a
/// borrowed one (`contactkit_last_error_message`, `contactkit_version`).
/// Errors: none (a free cannot fail). Threads: any thread may free a string, once.
///
/// # Safety
/// `text` is NULL or a string returned by contactkit and not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_string_free(text: *mut c_char) {
    crate::error::fence_void(|| {
        if !text.is_null() {
            // SAFETY: `text` came from `CString::into_raw` in `put_json` and is freed once
            // (the caller's contract).
            drop(unsafe { std::ffi::CString::from_raw(text) });
        }
    })
}
