//! The Chatwoot sync: settings, "sync now" with progress, status, and webhooks.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ops::ControlFlow;

use contactkit::chatwoot::{ApiToken, ChatwootClient, ChatwootConfig};
use contactkit::sync::{SyncSettings, WebhookSecret};
use contactkit::{Book, Phase, SyncProgress};

use crate::args::{json_arg, opt_str_arg, out_ptr, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::{FfiError, fence};
use crate::status::contactkit_status;

/// A progress callback of a sync: called on the calling thread at every step with
/// `user_data` as given, the phase (`"push_deletes"`, `"scan"`, `"merge"`, `"push_new"`,
/// `"reconcile"`; a static string, valid for the call only) and `done` of `total` steps in
/// it. Returning non-zero cancels the sync (running it again resumes without duplicates).
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub type contactkit_sync_progress_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, phase: *const c_char, done: u64, total: u64) -> c_int,
>;

fn phase_name(phase: Phase) -> &'static CStr {
    match phase {
        Phase::PushDeletes => c"push_deletes",
        Phase::Scan => c"scan",
        Phase::Merge => c"merge",
        Phase::PushNew => c"push_new",
        Phase::Reconcile => c"reconcile",
    }
}

/// The Chatwoot client of the book's settings, with `token`.
fn client(book: &Book, token: &str) -> Result<ChatwootClient, FfiError> {
    let settings = book.sync_settings()?.ok_or_else(|| FfiError::InvalidArgument {
        argument: "book",
        reason: "the book has no sync settings: call contactkit_sync_configure first".into(),
    })?;
    let config = ChatwootConfig::new(&settings.base_url, settings.account_id, ApiToken::new(token));
    Ok(ChatwootClient::new(config))
}

/// Stores where the book syncs to. `settings_json` is a SyncSettings:
/// `{"base_url": "https://chat.example", "account_id": 3, "webhook_secret_env": null}`. The
/// API token is never stored.
///
/// Ownership: nothing is allocated; the arguments are only read.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID (a URL that is not http(s)),
/// STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `settings_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_sync_configure(
    book: *const contactkit_book,
    settings_json: *const c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (book, settings) = unsafe {
            (
                book_arg(book)?,
                json_arg::<SyncSettings>(settings_json, "settings_json", "sync settings")?,
            )
        };
        Ok(book.configure_sync(&settings)?)
    })
}

/// The sync's status as JSON: `{"settings": SyncSettings or null, "links": N, "pending": N,
/// "last_synced_at": time or null, "conflicts": N, "parked": N}`.
///
/// Ownership: on success the caller owns `*out_status_json` and frees it with
/// `contactkit_string_free`; on failure it is NULL.
/// Errors: NULL_ARGUMENT, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `out_status_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_sync_status(
    book: *const contactkit_book,
    out_status_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book) = unsafe { (out_ptr(out_status_json, "out_status_json")?, book_arg(book)?) };
        put_json(out, &book.sync_status()?)
    })
}

/// Syncs the book with Chatwoot now, with the user's API `token` (sent only in the
/// `api_access_token` header, never stored or put in an error). `progress` (NULL for none)
/// is called with `user_data` at every step; non-zero cancels. The report is a SyncReport:
/// `{"created_local", "updated_local", "deleted_local", "created_remote", "updated_remote",
/// "deleted_remote", "linked", "conflicts", "refused": [[contact_id, reason]...]}`.
///
/// Ownership: on success the caller owns `*out_report_json` and frees it with
/// `contactkit_string_free`; on failure it is NULL. contactkit does not keep `user_data`.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_ARGUMENT (no sync settings), SYNC (Chatwoot
/// unreachable or refusing the token, after retries; details `kind`), CANCELLED, STORAGE.
/// Threads: any thread; `progress` runs on the calling thread, during the call only.
///
/// # Safety
/// `book` is NULL or a live handle; `token` is NULL or NUL-terminated; `progress` is NULL
/// or callable with `user_data`; `out_report_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_sync_now(
    book: *const contactkit_book,
    token: *const c_char,
    progress: contactkit_sync_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, token) = unsafe {
            (
                out_ptr(out_report_json, "out_report_json")?,
                book_arg(book)?,
                str_arg(token, "token")?,
            )
        };
        let mut remote = client(book, token)?;
        let report = book.sync_now(&mut remote, |p: SyncProgress| {
            let Some(callback) = progress else {
                return ControlFlow::Continue(());
            };
            // SAFETY: the caller promised a callable function and a `user_data` it accepts for
            // the duration of this call; the phase string is static.
            let answer = unsafe { callback(user_data, phase_name(p.phase).as_ptr(), p.done, p.total) };
            if answer == 0 {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        })?;
        put_json(out, &report)
    })
}

/// Applies a Chatwoot webhook as received: `headers_json` is a JSON array of `[name, value]`
/// pairs, `body` the raw body (`body_len` bytes, not NUL-terminated), `secret` the webhook
/// secret (NULL when webhooks are not signed). The contact's current state is read with the
/// user's `token` and merged. The outcome is `{"outcome": "applied"|"created", "contact_id":
/// N}` or `{"outcome": "ignored", "reason": "…"}`.
///
/// Ownership: on success the caller owns `*out_outcome_json` and frees it with
/// `contactkit_string_free`; on failure it is NULL.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT (no sync settings),
/// WEBHOOK (unsigned, a bad signature, stale, malformed; details `kind`), SYNC, STORAGE.
/// Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; `token`, `headers_json` and `secret` are NULL or
/// NUL-terminated; `body` is NULL or points to `body_len` readable bytes;
/// `out_outcome_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_sync_apply_webhook(
    book: *const contactkit_book,
    token: *const c_char,
    headers_json: *const c_char,
    body: *const u8,
    body_len: usize,
    secret: *const c_char,
    out_outcome_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: the pointers are NULL or valid (the caller's contract).
        let (out, book, token, headers, secret) = unsafe {
            (
                out_ptr(out_outcome_json, "out_outcome_json")?,
                book_arg(book)?,
                str_arg(token, "token")?,
                json_arg::<Vec<(String, String)>>(headers_json, "headers_json", "webhook headers")?,
                opt_str_arg(secret, "secret")?,
            )
        };
        if body.is_null() {
            return Err(FfiError::NullArgument("body"));
        }
        // SAFETY: `body` is not NULL and points to `body_len` readable bytes (the caller's contract).
        let body = unsafe { std::slice::from_raw_parts(body, body_len) };
        let mut remote = client(book, token)?;
        let secret = secret.map(WebhookSecret::new);
        put_json(
            out,
            &book.apply_webhook(&mut remote, &headers, body, secret.as_ref())?,
        )
    })
}
