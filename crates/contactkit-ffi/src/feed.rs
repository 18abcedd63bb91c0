//! The change feed: read events, wait for new ones, keep a consumer's place.

use std::ffi::c_char;
use std::time::Duration;

use contactkit::ChangeFilter;

use crate::args::{opt_json_arg, out_ptr, out_value, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::fence;
use crate::status::contactkit_status;

/// At most `limit` events after sequence number `after` (0: from the start), in order.
/// `filter_json` is NULL for every event or a ChangeFilter (`{"meaningful_only": true,
/// "kinds": ["created", "deleted"], "contact_id": 7}`). The page is
/// `{"events": [...], "next": 42}`; pass `next` as `after` to go on.
///
/// Ownership: `*out_page_json` is the caller's, freed with `contactkit_string_free`; NULL on
/// failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, RESYNC_REQUIRED (the events
/// were compacted away: resynchronise, then follow from `contactkit_last_change`), STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `filter_json` is NULL or NUL-terminated;
/// `out_page_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_changes(
    book: *const contactkit_book,
    after: u64,
    limit: u32,
    filter_json: *const c_char,
    out_page_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, filter) = unsafe {
            (
                out_ptr(out_page_json, "out_page_json")?,
                book_arg(book)?,
                opt_json_arg::<ChangeFilter>(filter_json, "filter_json", "a change filter")?,
            )
        };
        put_json(out, &book.changes(after, limit, &filter)?)
    })
}

/// The sequence number of the newest event, 0 when there is none.
///
/// Ownership: `*out_seq` is set to 0 on failure. Errors: NULL_ARGUMENT, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `out_seq` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_last_change(
    book: *const contactkit_book,
    out_seq: *mut u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_value(out_seq, "out_seq")?, book_arg(book)?) };
        *out = book.last_change()?;
        Ok(())
    })
}

/// Blocks until an event newer than `after` is committed (by this process or another one
/// writing the same file) or `timeout_ms` milliseconds pass; `*out_ready` tells which.
///
/// Ownership: `*out_ready` is set to false on failure. Errors: NULL_ARGUMENT, STORAGE.
/// Threads: blocks the calling thread only; other threads may use the book meanwhile.
///
/// # Safety
/// `book` is NULL or a live handle; `out_ready` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_wait_for_changes(
    book: *const contactkit_book,
    after: u64,
    timeout_ms: u32,
    out_ready: *mut bool,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_value(out_ready, "out_ready")?, book_arg(book)?) };
        *out = book.wait_for_changes(after, Duration::from_millis(timeout_ms.into()))?;
        Ok(())
    })
}

/// The durable cursor of the feed consumer `name`: the last sequence number it acknowledged
/// (0 for a new consumer).
///
/// Ownership: `*out_seq` is set to 0 on failure. Errors: NULL_ARGUMENT, INVALID_UTF8,
/// STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `name` is NULL or NUL-terminated; `out_seq` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_consumer_cursor(
    book: *const contactkit_book,
    name: *const c_char,
    out_seq: *mut u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, name) = unsafe {
            (
                out_value(out_seq, "out_seq")?,
                book_arg(book)?,
                str_arg(name, "name")?,
            )
        };
        *out = book.consumer_cursor(name)?;
        Ok(())
    })
}

/// Records that feed consumer `name` has handled every event up to `seq`; a restarted
/// consumer resumes from `contactkit_consumer_cursor`. A cursor never moves backwards.
///
/// Ownership: nothing is allocated; the arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `name` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_acknowledge(
    book: *const contactkit_book,
    name: *const c_char,
    seq: u64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (book, name) = unsafe { (book_arg(book)?, str_arg(name, "name")?) };
        Ok(book.acknowledge(name, seq)?)
    })
}
