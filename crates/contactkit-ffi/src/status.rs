//! `contactkit_status`: the code every function returns.

use std::ffi::{CStr, c_char};

/// The result of every contactkit call. `CONTACTKIT_STATUS_OK` (0) is success; any other code
/// is a failure whose message and details are in the thread's last error
/// (`contactkit_last_error_message`, `contactkit_last_error_details`).
///
/// Codes come in families and are never renumbered; a retired code stays reserved.
/// 1xx: the arguments of the call. 2xx: the book refused the operation. 3xx: the
/// environment (storage, files). 9xx: a bug in contactkit.
/// Reserved (retired) codes: none yet.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub enum contactkit_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL; the details name it (`argument`).
    NullArgument = 100,
    /// A string argument was not valid UTF-8; the details name it.
    InvalidUtf8 = 101,
    /// A JSON argument did not parse or did not have the documented shape (an unknown field,
    /// a wrong type); the details name it and give `line` and `column`.
    InvalidJson = 102,
    /// A scalar argument was out of range (an id that is not positive, an unknown enum
    /// value); the details name it.
    InvalidArgument = 103,
    /// A value failed validation (a bad email, phone, name, tag, query); the details give
    /// `field`, `value` and `reason`.
    Invalid = 200,
    /// An email or phone already belongs to another contact; the details give `field`,
    /// `value` and `existing_id`.
    Duplicate = 201,
    /// No contact has this id (details `id`), or no tag this name (details `field`, `value`).
    NotFound = 202,
    /// The actor's role may not take this action (details `action`, `role`); nothing changed.
    PermissionDenied = 203,
    /// The change feed no longer holds the events asked for (details `after`, `oldest`):
    /// resynchronise from the book, then follow from `contactkit_last_change`.
    ResyncRequired = 204,
    /// An import could not go on (details `line`, `column`, `byte`, `reason`); nothing was
    /// written.
    Import = 205,
    /// The progress callback returned non-zero.
    Cancelled = 206,
    /// The Chatwoot sync failed after its retries (unreachable, the token refused, an answer
    /// it cannot read); details `kind`. Running the sync again resumes it.
    Sync = 207,
    /// A Chatwoot webhook was refused (unsigned, a bad signature, stale, malformed).
    Webhook = 208,
    /// The storage backend (SQLite) failed.
    Storage = 300,
    /// The book file was written by a newer contactkit (details `found`, `supported`); it
    /// was left untouched.
    SchemaTooNew = 301,
    /// Reading or writing a file failed.
    Io = 302,
    /// contactkit panicked; the call was abandoned and no panic crossed into C. A bug: please
    /// report it with the message.
    Panic = 900,
    /// An error contactkit does not know how to classify yet. A bug: please report it.
    Internal = 901,
}

impl contactkit_status {
    /// Every status, for the conversion from `u32`.
    const ALL: [contactkit_status; 19] = [
        contactkit_status::Ok,
        contactkit_status::NullArgument,
        contactkit_status::InvalidUtf8,
        contactkit_status::InvalidJson,
        contactkit_status::InvalidArgument,
        contactkit_status::Invalid,
        contactkit_status::Duplicate,
        contactkit_status::NotFound,
        contactkit_status::PermissionDenied,
        contactkit_status::ResyncRequired,
        contactkit_status::Import,
        contactkit_status::Cancelled,
        contactkit_status::Sync,
        contactkit_status::Webhook,
        contactkit_status::Storage,
        contactkit_status::SchemaTooNew,
        contactkit_status::Io,
        contactkit_status::Panic,
        contactkit_status::Internal,
    ];

    /// The status of a code that came from C; `None` for a number that is no status.
    pub(crate) fn from_code(code: u32) -> Option<contactkit_status> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
    }

    /// The constant's name in the header, without the `CONTACTKIT_STATUS_` prefix.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            contactkit_status::Ok => c"OK",
            contactkit_status::NullArgument => c"NULL_ARGUMENT",
            contactkit_status::InvalidUtf8 => c"INVALID_UTF8",
            contactkit_status::InvalidJson => c"INVALID_JSON",
            contactkit_status::InvalidArgument => c"INVALID_ARGUMENT",
            contactkit_status::Invalid => c"INVALID",
            contactkit_status::Duplicate => c"DUPLICATE",
            contactkit_status::NotFound => c"NOT_FOUND",
            contactkit_status::PermissionDenied => c"PERMISSION_DENIED",
            contactkit_status::ResyncRequired => c"RESYNC_REQUIRED",
            contactkit_status::Sync => c"SYNC",
            contactkit_status::Webhook => c"WEBHOOK",
            contactkit_status::Import => c"IMPORT",
            contactkit_status::Cancelled => c"CANCELLED",
            contactkit_status::Storage => c"STORAGE",
            contactkit_status::SchemaTooNew => c"SCHEMA_TOO_NEW",
            contactkit_status::Io => c"IO",
            contactkit_status::Panic => c"PANIC",
            contactkit_status::Internal => c"INTERNAL",
        }
    }
}

/// The name of a status code without its prefix (`"NOT_FOUND"` for 202), or `"UNKNOWN"` for
/// a number that is no status. Takes a plain `uint32_t` so any integer is safe to pass.
///
/// Ownership: the string is static; do not free it. Errors: none (this function cannot
/// fail and does not touch the last error). Threads: safe from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn contactkit_status_name(status: u32) -> *const c_char {
    crate::error::fence_value(c"UNKNOWN".as_ptr(), || {
        match contactkit_status::from_code(status) {
            Some(status) => status.name().as_ptr(),
            None => c"UNKNOWN".as_ptr(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_converts_back_and_has_a_distinct_name() {
        let mut names = std::collections::HashSet::new();
        for status in contactkit_status::ALL {
            assert_eq!(contactkit_status::from_code(status as u32), Some(status));
            assert!(names.insert(status.name()));
        }
        assert_eq!(contactkit_status::from_code(7), None);
    }
}
