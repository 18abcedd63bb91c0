//! Bulk actions on a selection of contacts.

use std::ffi::c_char;

use contactkit::Selection;

use crate::args::{actor_arg, json_arg, out_ptr, put_json};
use crate::book::{book_arg, contactkit_book};
use crate::error::{FfiError, fence};
use crate::status::contactkit_status;

/// The `selection_json` argument.
///
/// # Safety
/// `selection_json` is NULL or a NUL-terminated string.
unsafe fn selection_arg(selection_json: *const c_char) -> Result<Selection, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { json_arg(selection_json, "selection_json", "a selection") }
}

/// The `tags_json` argument.
///
/// # Safety
/// `tags_json` is NULL or a NUL-terminated string.
unsafe fn tags_arg(tags_json: *const c_char) -> Result<Vec<String>, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { json_arg(tags_json, "tags_json", "an array of tag names") }
}

/// Adds the tags of `tags_json` (a JSON array of names) to every contact of `selection_json`
/// (`{"ids": [1, 2]}`, or `{"query": {...}}` for every contact a Query matches now), in one
/// transaction. The outcome is `{"selected": 2, "changed": 1}`.
///
/// Ownership: `*out_outcome_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (nothing
/// changes), STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_outcome_json`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_bulk_add_tags(
    book: *const contactkit_book,
    actor_json: *const c_char,
    selection_json: *const c_char,
    tags_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, selection, tags) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                selection_arg(selection_json)?,
                tags_arg(tags_json)?,
            )
        };
        put_json(out, &book.bulk_add_tags(&actor, &selection, &tags)?)
    })
}

/// Removes the tags of `tags_json` from every contact of `selection_json`, in one
/// transaction. Shapes, ownership, errors and threads: as for `contactkit_bulk_add_tags`.
///
/// # Safety
/// As for `contactkit_bulk_add_tags`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_bulk_remove_tags(
    book: *const contactkit_book,
    actor_json: *const c_char,
    selection_json: *const c_char,
    tags_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, selection, tags) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                selection_arg(selection_json)?,
                tags_arg(tags_json)?,
            )
        };
        put_json(out, &book.bulk_remove_tags(&actor, &selection, &tags)?)
    })
}

/// Deletes every contact of `selection_json`, in one transaction. The outcome is
/// `{"selected": n, "changed": n}`.
///
/// Ownership: as for `contactkit_bulk_add_tags`. Errors: NULL_ARGUMENT, INVALID_UTF8,
/// INVALID_JSON, INVALID, PERMISSION_DENIED (only owners, admins and the system; nothing
/// changes), STORAGE. Threads: any thread.
///
/// # Safety
/// As for `contactkit_bulk_add_tags`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_bulk_delete(
    book: *const contactkit_book,
    actor_json: *const c_char,
    selection_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, selection) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                selection_arg(selection_json)?,
            )
        };
        put_json(out, &book.bulk_delete(&actor, &selection)?)
    })
}
