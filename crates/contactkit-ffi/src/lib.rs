//! The C ABI of contactkit. C (and C++, and any language with a C FFI) opens a book, edits
//! and tags contacts, queries, runs bulk actions, records inbound messages, imports, exports
//! and follows the change feed through the functions of `include/contactkit.h`, which
//! cbindgen generates from this crate (`scripts/gen-header`).
//!
//! The conventions, in one place (each function's comment repeats what applies to it):
//! - Every function returns a `contactkit_status` (0 = OK) and writes results to
//!   out-parameters, which are set to NULL (or 0) first, so they are NULL on failure.
//! - On failure the thread's last error holds a message and JSON details that name the
//!   argument, field, value or twin contact at fault (`contactkit_last_error_*`).
//! - Structured data crosses as UTF-8 JSON in the core's serde shapes (docs/c-api.md).
//! - Each allocation has one free function: `contactkit_book_free`, `contactkit_cursor_free`,
//!   `contactkit_string_free`; each accepts NULL.
//! - No panic crosses into C: every body runs in [`error::fence`].
//!
//! This crate only checks and converts; every behaviour is one call into `contactkit`.
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod args;
mod book;
mod bulk;
mod contacts;
mod error;
mod feed;
mod inbound;
mod maintenance;
mod query;
mod status;
mod sync;
mod tags;
mod transfer;

pub use args::contactkit_string_free;
pub use book::{
    contactkit_book, contactkit_book_free, contactkit_book_open, contactkit_book_open_in_memory,
    contactkit_version,
};
pub use bulk::{contactkit_bulk_add_tags, contactkit_bulk_delete, contactkit_bulk_remove_tags};
pub use contacts::{
    contactkit_contact_add_email, contactkit_contact_add_phone, contactkit_contact_add_tags,
    contactkit_contact_create, contactkit_contact_delete, contactkit_contact_get,
    contactkit_contact_remove_tags, contactkit_contact_update,
};
pub use error::{contactkit_last_error_code, contactkit_last_error_details, contactkit_last_error_message};
pub use feed::{
    contactkit_acknowledge, contactkit_changes, contactkit_consumer_cursor, contactkit_last_change,
    contactkit_wait_for_changes,
};
pub use inbound::{contactkit_record_inbound, contactkit_submit_web_form, contactkit_upsert};
pub use maintenance::{
    contactkit_backup, contactkit_find_duplicates, contactkit_gdpr_export, contactkit_merge,
};
pub use query::{
    contactkit_count, contactkit_cursor, contactkit_cursor_free, contactkit_cursor_new,
    contactkit_cursor_next, contactkit_query,
};
pub use status::{contactkit_status, contactkit_status_name};
pub use sync::{
    contactkit_sync_apply_webhook, contactkit_sync_configure, contactkit_sync_now,
    contactkit_sync_progress_fn, contactkit_sync_status,
};
pub use tags::{
    contactkit_tag_delete, contactkit_tag_merge, contactkit_tag_rename, contactkit_tags_find,
    contactkit_tags_list,
};
pub use transfer::{
    contactkit_export, contactkit_export_format, contactkit_import_commit, contactkit_import_preview,
    contactkit_progress_fn,
};
