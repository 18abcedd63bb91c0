//! Looking after a book: GDPR export, duplicates and merges, backups.

use std::ffi::c_char;

use contactkit::MergeChoices;

use crate::args::{actor_arg, id_arg, opt_json_arg, out_ptr, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::fence;
use crate::status::contactkit_status;

/// Everything the book holds on contact `id`, for a data subject's access request: a
/// GdprExport (`{"schema": ..., "contact": {...}, "provenance": {...}, "conversations":
/// [...], "changes": [...], "audit": [...], ...}`). The export is itself recorded in the
/// audit log as made by `actor_json`.
///
/// Ownership: `*out_export_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT,
/// NOT_FOUND, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `actor_json` is NULL or NUL-terminated;
/// `out_export_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_gdpr_export(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    out_export_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, actor) = unsafe {
            (
                out_ptr(out_export_json, "out_export_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
            )
        };
        put_json(out, &book.gdpr_export(&actor, id_arg(id, "id")?)?)
    })
}

/// At most `limit` likely duplicate pairs, best first, as a JSON array
/// `[{"a": 3, "b": 9, "score": 0.92, "reasons": [...]}, ...]`.
///
/// Ownership: `*out_pairs_json` is the caller's, freed with `contactkit_string_free`; NULL on
/// failure. Errors: NULL_ARGUMENT, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `out_pairs_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_find_duplicates(
    book: *const contactkit_book,
    limit: u32,
    out_pairs_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_ptr(out_pairs_json, "out_pairs_json")?, book_arg(book)?) };
        put_json(out, &book.find_duplicates(limit as usize)?)
    })
}

/// Merges contact `absorbed` into contact `survivor`: the survivor gets the union of emails,
/// phones, tags and attributes, the absorbed contact is deleted (the feed records the merge).
/// `choices_json` is NULL (keep the survivor's values) or MergeChoices
/// (`{"name_from_absorbed": true, "email_from_absorbed": false, ...}`).
///
/// Ownership: `*out_contact_json` (the merged Contact) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, INVALID (the same
/// contact twice), NOT_FOUND, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_contact_json` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_merge(
    book: *const contactkit_book,
    actor_json: *const c_char,
    survivor: i64,
    absorbed: i64,
    choices_json: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, choices) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                opt_json_arg::<MergeChoices>(choices_json, "choices_json", "merge choices")?,
            )
        };
        let (survivor, absorbed) = (id_arg(survivor, "survivor")?, id_arg(absorbed, "absorbed")?);
        put_json(out, &book.merge(&actor, survivor, absorbed, choices)?)
    })
}

/// Copies the book, consistent as of one moment, to a new file at `path` while it stays in
/// use (writers are not blocked). The copy is a book of its own.
///
/// Ownership: nothing is allocated; the arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, STORAGE (the file exists already or cannot be
/// written). Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_backup(
    book: *const contactkit_book,
    path: *const c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (book, path) = unsafe { (book_arg(book)?, str_arg(path, "path")?) };
        Ok(book.backup(path)?)
    })
}
