//! The book's tags: list, find, rename, merge, delete.

use std::ffi::c_char;

use crate::args::{actor_arg, out_ptr, out_value, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::fence;
use crate::status::contactkit_status;

/// Every tag of the book with its number of contacts, in name order, as a JSON array
/// `[{"name": "Hot", "contacts": 12}, ...]`.
///
/// Ownership: `*out_tags_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `out_tags_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_tags_list(
    book: *const contactkit_book,
    out_tags_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_ptr(out_tags_json, "out_tags_json")?, book_arg(book)?) };
        put_json(out, &book.tags()?)
    })
}

/// At most `limit` existing tags whose name starts with `prefix` (case and spacing ignored),
/// most used first, in the shape of `contactkit_tags_list`: what an "add tag" box offers.
///
/// Ownership: as for `contactkit_tags_list`. Errors: NULL_ARGUMENT, INVALID_UTF8, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `prefix` is NULL or NUL-terminated; `out_tags_json` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_tags_find(
    book: *const contactkit_book,
    prefix: *const c_char,
    limit: u32,
    out_tags_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, prefix) = unsafe {
            (
                out_ptr(out_tags_json, "out_tags_json")?,
                book_arg(book)?,
                str_arg(prefix, "prefix")?,
            )
        };
        put_json(out, &book.find_tags(prefix, limit)?)
    })
}

/// Renames tag `from` to `to` on every contact (a change of case or spacing is a rename too).
///
/// Ownership: nothing is allocated; the arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (a bad name, or `to` is
/// another existing tag: merge them instead), NOT_FOUND (no tag `from`), PERMISSION_DENIED,
/// STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_tag_rename(
    book: *const contactkit_book,
    actor_json: *const c_char,
    from: *const c_char,
    to: *const c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (book, actor, from, to) = unsafe {
            (
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(from, "from")?,
                str_arg(to, "to")?,
            )
        };
        Ok(book.rename_tag(&actor, from, to)?)
    })
}

/// Merges tag `from` into tag `into`: every contact with `from` gets `into`, and `from` is
/// deleted. `*out_count` is the number of contacts that carried `from`.
///
/// Ownership: `*out_count` is set to 0 on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (the same tag twice),
/// NOT_FOUND, PERMISSION_DENIED, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_count` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_tag_merge(
    book: *const contactkit_book,
    actor_json: *const c_char,
    from: *const c_char,
    into: *const c_char,
    out_count: *mut u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, actor, from, into) = unsafe {
            (
                out_value(out_count, "out_count")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(from, "from")?,
                str_arg(into, "into")?,
            )
        };
        *out = book.merge_tags(&actor, from, into)?;
        Ok(())
    })
}

/// Deletes tag `name` from the book and from every contact. `*out_count` is the number of
/// contacts that had it.
///
/// Ownership: `*out_count` is set to 0 on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID, NOT_FOUND, PERMISSION_DENIED,
/// STORAGE. Threads: any thread.
///
/// # Safety
/// As for `contactkit_tag_merge`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_tag_delete(
    book: *const contactkit_book,
    actor_json: *const c_char,
    name: *const c_char,
    out_count: *mut u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, actor, name) = unsafe {
            (
                out_value(out_count, "out_count")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(name, "name")?,
            )
        };
        *out = book.delete_tag(&actor, name)?;
        Ok(())
    })
}
