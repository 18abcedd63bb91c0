//! `contactkit_book`: opening and freeing a book, and the library version.

use std::ffi::{CStr, c_char};
use std::sync::Arc;

use contactkit::{Book, BookOptions};

use crate::args::{opt_json_arg, out_ptr, str_arg};
use crate::error::{FfiError, fence, fence_void};
use crate::status::contactkit_status;

/// An open contact book. Opaque: it is an `Arc<Book>` on the Rust side.
///
/// Threads: a book may be shared by any number of threads at once; every call on it is
/// thread-safe and each change is one transaction. Free it once, with `contactkit_book_free`,
/// after every other thread is done with it (cursors keep their own reference).
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub struct contactkit_book {
    _private: [u8; 0],
}

impl contactkit_book {
    fn into_raw(book: Book) -> *mut contactkit_book {
        Arc::into_raw(Arc::new(book)).cast_mut().cast()
    }
}

/// The book behind a handle.
///
/// # Safety
/// `book` is NULL or a live handle from `contactkit_book_open*` that outlives `'a`.
pub(crate) unsafe fn book_arg<'a>(book: *const contactkit_book) -> Result<&'a Book, FfiError> {
    // SAFETY: a non-NULL handle points at the `Book` inside a live `Arc` (the caller's contract).
    unsafe { book.cast::<Book>().as_ref() }.ok_or(FfiError::NullArgument("book"))
}

/// A new strong reference to the book behind a handle, for objects that outlive the call.
///
/// # Safety
/// As [`book_arg`].
pub(crate) unsafe fn book_arc(book: *const contactkit_book) -> Result<Arc<Book>, FfiError> {
    if book.is_null() {
        return Err(FfiError::NullArgument("book"));
    }
    let book = book.cast::<Book>();
    // SAFETY: `book` came from `Arc::into_raw` and its Arc is alive, so the count may be raised.
    unsafe { Arc::increment_strong_count(book) };
    // SAFETY: the count was just raised for this new `Arc`.
    Ok(unsafe { Arc::from_raw(book) })
}

/// The `options_json` argument of the open functions.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string.
unsafe fn options_arg(options_json: *const c_char) -> Result<BookOptions, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { opt_json_arg(options_json, "options_json", "book options") }
}

/// Opens (or creates) the book file at `path` (UTF-8). `options_json` is NULL for the
/// defaults or a JSON object `{"default_region": "BR", "busy_timeout": 5000}` (both fields
/// optional; the timeout is in milliseconds).
///
/// Ownership: on success the caller owns `*out` and frees it with `contactkit_book_free`; on
/// failure `*out` is NULL. The strings are only read during the call.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON (also for an unknown region), STORAGE,
/// SCHEMA_TOO_NEW (the file is left untouched).
/// Threads: any thread; the handle may then be shared by all threads.
///
/// # Safety
/// `path` and `options_json` are NULL or NUL-terminated strings; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_book_open(
    path: *const c_char,
    options_json: *const c_char,
    out: *mut *mut contactkit_book,
) -> contactkit_status {
    fence(|| {
        // SAFETY: `out` is NULL or writable (the caller's contract).
        let out = unsafe { out_ptr(out, "out") }?;
        // SAFETY: `path` is NULL or a NUL-terminated string (the caller's contract).
        let path = unsafe { str_arg(path, "path") }?;
        // SAFETY: `options_json` is NULL or a NUL-terminated string (the caller's contract).
        let options = unsafe { options_arg(options_json) }?;
        *out = contactkit_book::into_raw(Book::open(path, options)?);
        Ok(())
    })
}

/// Opens a private, empty book in memory; it disappears when freed. `options_json` as for
/// `contactkit_book_open`.
///
/// Ownership: as for `contactkit_book_open`. Errors: NULL_ARGUMENT, INVALID_UTF8,
/// INVALID_JSON, STORAGE. Threads: as for `contactkit_book_open`.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_book_open_in_memory(
    options_json: *const c_char,
    out: *mut *mut contactkit_book,
) -> contactkit_status {
    fence(|| {
        // SAFETY: `out` is NULL or writable (the caller's contract).
        let out = unsafe { out_ptr(out, "out") }?;
        // SAFETY: `options_json` is NULL or a NUL-terminated string (the caller's contract).
        let options = unsafe { options_arg(options_json) }?;
        *out = contactkit_book::into_raw(Book::open_in_memory(options)?);
        Ok(())
    })
}

/// Closes a book handle. NULL is ignored. Cursors made from the book stay usable: the book
/// closes when the last of them is freed too.
///
/// Ownership: takes back the handle; it is invalid afterwards. Errors: none (a free cannot
/// fail). Threads: call it once, when no other thread is using the handle.
///
/// # Safety
/// `book` is NULL or a handle from `contactkit_book_open*` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_book_free(book: *mut contactkit_book) {
    fence_void(|| {
        if !book.is_null() {
            // SAFETY: the handle came from `Arc::into_raw` and is released once (the caller's contract).
            drop(unsafe { Arc::from_raw(book.cast_const().cast::<Book>()) });
        }
    })
}

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(version) => version,
    Err(_) => c"unknown",
};

/// The version of the contactkit library, as `"MAJOR.MINOR.PATCH"`.
///
/// Ownership: static; do not free. Errors: none. Threads: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn contactkit_version() -> *const c_char {
    crate::error::fence_value(c"unknown".as_ptr(), || VERSION.as_ptr())
}

// The handle is shared between threads, so the book must be `Send + Sync`.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Book>();
};
