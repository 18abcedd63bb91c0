//! Queries: one page, a count, and `contactkit_cursor` over every match.

use std::ffi::c_char;
use std::sync::Arc;

use contactkit::{Book, Iter, Query};

use crate::args::{json_arg, out_ptr, out_value, put_json};
use crate::book::{book_arc, book_arg, contactkit_book};
use crate::error::{fence, fence_void};
use crate::status::contactkit_status;

/// The `query_json` argument.
///
/// # Safety
/// `query_json` is NULL or a NUL-terminated string.
unsafe fn query_arg(query_json: *const c_char) -> Result<Query, crate::error::FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { json_arg(query_json, "query_json", "a query") }
}

/// One page of the contacts matching `query_json` (a Query: `{"filter": {...}, "search":
/// "jose", "sort": "-activity", "limit": 50, "cursor": "..."}`, every field optional, unknown
/// fields refused; `"{}"` lists everyone by name). The page is
/// `{"contacts": [...], "total": 1234, "next_cursor": "..." | null}`; pass `next_cursor` back
/// as the query's `cursor` for the next page.
///
/// Ownership: `*out_page_json` is the caller's, freed with `contactkit_string_free`; NULL on
/// failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (a bad limit, cursor,
/// tag or operand; details `field` = `"query"` or `"tag"`), STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `query_json` is NULL or NUL-terminated; `out_page_json`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_query(
    book: *const contactkit_book,
    query_json: *const c_char,
    out_page_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, query) = unsafe {
            (
                out_ptr(out_page_json, "out_page_json")?,
                book_arg(book)?,
                query_arg(query_json)?,
            )
        };
        put_json(out, &book.query(&query)?)
    })
}

/// How many contacts match `query_json` (shape as for `contactkit_query`; its sort, limit
/// and cursor are ignored).
///
/// Ownership: `*out_count` is set to 0 on failure. Errors: as for `contactkit_query`.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `query_json` is NULL or NUL-terminated; `out_count` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_count(
    book: *const contactkit_book,
    query_json: *const c_char,
    out_count: *mut u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, query) = unsafe {
            (
                out_value(out_count, "out_count")?,
                book_arg(book)?,
                query_arg(query_json)?,
            )
        };
        *out = book.count(&query)?;
        Ok(())
    })
}

/// An iterator over every contact matching a query, reading one page (of the query's limit)
/// at a time through the keyset cursor. Opaque.
///
/// Threads: a cursor may move between threads but must not be used by two at once. It holds
/// its own reference to the book, so it stays valid after `contactkit_book_free`; it holds no
/// lock between pages, so writers are never blocked.
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub struct contactkit_cursor {
    _private: [u8; 0],
}

/// What a `contactkit_cursor` points at. `iter` borrows the book that `_book` keeps alive:
/// the borrow is the one place the `'static` is a promise rather than a fact.
struct Cursor {
    // Declared first, so dropped before the book it borrows.
    iter: Iter<'static>,
    _book: Arc<Book>,
}

/// Starts iterating over the contacts matching `query_json` (shape as for
/// `contactkit_query`), in its order, from its cursor on. The query is checked now, so a bad
/// one fails here rather than on the first `contactkit_cursor_next`.
///
/// Ownership: on success the caller owns `*out_cursor` and frees it with
/// `contactkit_cursor_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID. Threads: see
/// `contactkit_cursor`.
///
/// # Safety
/// `book` is NULL or a live handle; `query_json` is NULL or NUL-terminated; `out_cursor` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_cursor_new(
    book: *const contactkit_book,
    query_json: *const c_char,
    out_cursor: *mut *mut contactkit_cursor,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, query) = unsafe {
            (
                out_ptr(out_cursor, "out_cursor")?,
                book_arc(book)?,
                query_arg(query_json)?,
            )
        };
        query.validate()?;
        // SAFETY: the reference points into the `Arc`'s heap allocation, which never moves and
        // which `Cursor::_book` keeps alive for as long as `iter` exists (`iter` drops first).
        let borrowed: &'static Book = unsafe { &*Arc::as_ptr(&book) };
        let cursor = Cursor {
            iter: borrowed.iter(&query),
            _book: book,
        };
        *out = Box::into_raw(Box::new(cursor)).cast();
        Ok(())
    })
}

/// The next contact of the cursor as Contact JSON, or NULL in `*out_contact_json` (with
/// `CONTACTKIT_STATUS_OK`) when there are no more. After an error the cursor is finished.
///
/// Ownership: a non-NULL `*out_contact_json` is the caller's, freed with
/// `contactkit_string_free`; NULL at the end and on failure.
/// Errors: NULL_ARGUMENT, INVALID, STORAGE. Threads: see `contactkit_cursor`.
///
/// # Safety
/// `cursor` is NULL or a live cursor not used by another thread during the call;
/// `out_contact_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_cursor_next(
    cursor: *mut contactkit_cursor,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: `out_contact_json` is NULL or writable (the caller's contract).
        let out = unsafe { out_ptr(out_contact_json, "out_contact_json") }?;
        // SAFETY: a non-NULL `cursor` is a live `Cursor` this thread has to itself (the caller's contract).
        let cursor = unsafe { cursor.cast::<Cursor>().as_mut() }
            .ok_or(crate::error::FfiError::NullArgument("cursor"))?;
        match cursor.iter.next() {
            Some(contact) => put_json(out, &contact?),
            None => Ok(()),
        }
    })
}

/// Frees a cursor. NULL is ignored.
///
/// Ownership: takes back the cursor; it is invalid afterwards. Errors: none (a free cannot
/// fail). Threads: any thread, once, when no other thread uses the cursor.
///
/// # Safety
/// `cursor` is NULL or a cursor from `contactkit_cursor_new` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_cursor_free(cursor: *mut contactkit_cursor) {
    fence_void(|| {
        if !cursor.is_null() {
            // SAFETY: the cursor came from `Box::into_raw` and is freed once (the caller's contract).
            drop(unsafe { Box::from_raw(cursor.cast::<Cursor>()) });
        }
    })
}
