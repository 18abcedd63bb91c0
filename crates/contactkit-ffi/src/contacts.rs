//! One contact: create, get, update, delete, tags, emails and phones.

use std::ffi::c_char;

use contactkit::{ContactPatch, NewContact, PointInput};

use crate::args::{actor_arg, id_arg, json_arg, opt_str_arg, out_ptr, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::fence;
use crate::status::contactkit_status;

/// Creates a contact from `new_contact_json` (a NewContact: `{"name": "Ana", "email": ...,
/// "phone": ..., "tags": [...], ...}`, see docs/c-api.md) as `actor_json`
/// (`{"id": "u-7", "role": "agent", "origin": "ui"}`). `idempotency_key` is NULL or a key:
/// repeating the call with the same key returns the first result and changes nothing.
///
/// Ownership: on success `*out_contact_json` is the new Contact as JSON, owned by the caller
/// (free it with `contactkit_string_free`); NULL on failure. Arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (details name the field),
/// DUPLICATE (details give `existing_id`; nothing is written), STORAGE.
/// Threads: any thread; the book may be shared.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_contact_json`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_create(
    book: *const contactkit_book,
    actor_json: *const c_char,
    new_contact_json: *const c_char,
    idempotency_key: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid as the caller's contract above says.
        let (out, book, actor, new, key) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                json_arg::<NewContact>(new_contact_json, "new_contact_json", "a new contact")?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        put_json(out, &book.create_with_key(&actor, new, key)?)
    })
}

/// Reads the contact with id `id`.
///
/// Ownership: `*out_contact_json` (Contact JSON) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_ARGUMENT (`id` not positive), NOT_FOUND, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `out_contact_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_get(
    book: *const contactkit_book,
    id: i64,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_ptr(out_contact_json, "out_contact_json")?, book_arg(book)?) };
        put_json(out, &book.get(id_arg(id, "id")?)?)
    })
}

/// Edits contact `id` with `patch_json` (a ContactPatch: `{"name": ..., "email": null, ...}`;
/// a field left out is left alone, `"email": null` removes the primary email; see
/// docs/c-api.md).
///
/// Ownership: `*out_contact_json` (the updated Contact) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, INVALID, DUPLICATE,
/// NOT_FOUND, STORAGE. Threads: any thread.
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_update(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    patch_json: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, patch) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                json_arg::<ContactPatch>(patch_json, "patch_json", "a contact patch")?,
            )
        };
        put_json(out, &book.update(&actor, id_arg(id, "id")?, patch)?)
    })
}

/// Deletes contact `id` and everything hanging off it, for good (the change feed keeps a
/// tombstone with the id only).
///
/// Ownership: nothing is allocated; the arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, PERMISSION_DENIED
/// (only owners, admins and the system may delete; nothing changes), NOT_FOUND, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `actor_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_delete(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (book, actor) = unsafe { (book_arg(book)?, actor_arg(actor_json)?) };
        Ok(book.delete(&actor, id_arg(id, "id")?)?)
    })
}

/// Adds the tags of `tags_json` (a JSON array of names, `["Hot", "VIP"]`) to contact `id`;
/// tags it already has (in any case or spacing) are left as they are.
///
/// Ownership: `*out_contact_json` (the updated Contact) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, INVALID (a bad tag
/// name), NOT_FOUND, STORAGE. Threads: any thread.
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_add_tags(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    tags_json: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, tags) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                json_arg::<Vec<String>>(tags_json, "tags_json", "an array of tag names")?,
            )
        };
        put_json(out, &book.add_tags(&actor, id_arg(id, "id")?, &tags)?)
    })
}

/// Removes the tags of `tags_json` (a JSON array of names) from contact `id`; tags it does
/// not have are ignored.
///
/// Ownership, errors and threads: as for `contactkit_contact_add_tags`.
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_remove_tags(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    tags_json: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, tags) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                json_arg::<Vec<String>>(tags_json, "tags_json", "an array of tag names")?,
            )
        };
        put_json(out, &book.remove_tags(&actor, id_arg(id, "id")?, &tags)?)
    })
}

/// Adds `email` (with `label`, NULL for none) to contact `id`: as its primary email if it has
/// none, else as an additional one.
///
/// Ownership: `*out_contact_json` (the updated Contact) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, INVALID (not an
/// email, a bad label), DUPLICATE (another contact has it), NOT_FOUND, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_add_email(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    email: *const c_char,
    label: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, value, label) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(email, "email")?,
                opt_str_arg(label, "label")?,
            )
        };
        let point = PointInput {
            value: value.to_owned(),
            label: label.map(str::to_owned),
        };
        put_json(out, &book.add_email(&actor, id_arg(id, "id")?, point)?)
    })
}

/// Adds `phone` (any notation; with `label`, NULL for none) to contact `id`: as its primary
/// phone if it has none, else as an additional one. Numbers without a country code take the
/// book's default region.
///
/// Ownership, errors and threads: as for `contactkit_contact_add_email` (INVALID: not a
/// phone number).
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_add_phone(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    phone: *const c_char,
    label: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, value, label) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(phone, "phone")?,
                opt_str_arg(label, "label")?,
            )
        };
        let point = PointInput {
            value: value.to_owned(),
            label: label.map(str::to_owned),
        };
        put_json(out, &book.add_phone(&actor, id_arg(id, "id")?, point)?)
    })
}

/// Removes `email` (primary or additional, in any case) from contact `id`; the next email
/// becomes primary.
///
/// Ownership: `*out_contact_json` (the updated Contact) is the caller's, freed with
/// `contactkit_string_free`; NULL on failure.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT, INVALID (not an
/// email, or the contact has no such email), NOT_FOUND (no such contact), STORAGE.
/// Threads: any thread.
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_remove_email(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    email: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, email) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(email, "email")?,
            )
        };
        put_json(out, &book.remove_email(&actor, id_arg(id, "id")?, email)?)
    })
}

/// Removes `phone` (primary or additional, in any notation) from contact `id`; the next
/// phone becomes primary.
///
/// Ownership, errors and threads: as for `contactkit_contact_remove_email` (INVALID: not a
/// phone number, or the contact has no such phone).
///
/// # Safety
/// As for `contactkit_contact_create`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_contact_remove_phone(
    book: *const contactkit_book,
    actor_json: *const c_char,
    id: i64,
    phone: *const c_char,
    out_contact_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, phone) = unsafe {
            (
                out_ptr(out_contact_json, "out_contact_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(phone, "phone")?,
            )
        };
        put_json(out, &book.remove_phone(&actor, id_arg(id, "id")?, phone)?)
    })
}
