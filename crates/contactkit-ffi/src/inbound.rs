//! Contacts that arrive on their own: channel messages, web forms, and upserts.

use std::ffi::c_char;

use contactkit::{InboundMessage, NewContact, WebForm};

use crate::args::{actor_arg, json_arg, opt_str_arg, out_ptr, put_json};
use crate::book::{book_arg, contactkit_book};
use crate::error::fence;
use crate::status::contactkit_status;

/// Records an inbound channel message, `message_json` (an InboundMessage: `{"channel":
/// "whatsapp", "sender": {"id": "5511912345678", "name": "Ana"}, "text": "Oi!"}`): finds the
/// sender's contact or creates it, appends the message to its conversation and moves its
/// last activity. The outcome is `{"contact": {...}, "created": true, "conversation_id": 1,
/// "message_id": 1}`.
///
/// Ownership: `*out_outcome_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (an empty sender
/// id, a too long name), STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `message_json` is NULL or NUL-terminated;
/// `out_outcome_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_record_inbound(
    book: *const contactkit_book,
    message_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, message) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                json_arg::<InboundMessage>(message_json, "message_json", "an inbound message")?,
            )
        };
        put_json(out, &book.record_inbound(message)?)
    })
}

/// Records a web form submission, `form_json` (a WebForm: `{"form_name": "contact-us",
/// "name": "Ana", "email": "ana@example.com", "message": "Call me"}`), like an inbound
/// message on the web widget. The outcome has the shape of `contactkit_record_inbound`'s.
///
/// Ownership, errors and threads: as for `contactkit_record_inbound`.
///
/// # Safety
/// As for `contactkit_record_inbound`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_submit_web_form(
    book: *const contactkit_book,
    form_json: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, form) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                json_arg::<WebForm>(form_json, "form_json", "a web form")?,
            )
        };
        put_json(out, &book.submit_web_form(form)?)
    })
}

/// Creates the contact of `new_contact_json` (a NewContact), or updates the contact that
/// already has one of its emails or phones. `idempotency_key` is NULL or a retry key. The
/// outcome is `{"contact": {...}, "created": false}`.
///
/// Ownership: `*out_outcome_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID, DUPLICATE (its
/// points belong to two different contacts), STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_outcome_json`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_upsert(
    book: *const contactkit_book,
    actor_json: *const c_char,
    new_contact_json: *const c_char,
    idempotency_key: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, new, key) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                json_arg::<NewContact>(new_contact_json, "new_contact_json", "a new contact")?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        put_json(out, &book.upsert(&actor, new, key)?)
    })
}
