//! The one error type of the core crate, and the stable kinds that every front maps.

use serde::{Deserialize, Serialize};

use crate::contact::ContactId;

/// The field of a contact (or of a call) that an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// The contact's display name.
    Name,
    /// An email address (primary or additional).
    Email,
    /// A phone number (primary or additional).
    Phone,
    /// A tag name.
    Tag,
    /// The source channel.
    Source,
    /// The verification status.
    Verification,
    /// A custom attribute key or value.
    Attribute,
    /// The label of an email or phone.
    Label,
    /// The default phone region of the book options.
    Region,
    /// The contact id.
    Id,
    /// A part of a query: its limit, cursor, sort or an attribute operand.
    Query,
    /// An idempotency key.
    IdempotencyKey,
    /// A messaging channel or a sender's identity on it.
    Channel,
    /// The target of an import's column mapping (`phone:mobile`, `attribute:budget`).
    Mapping,
}

impl Field {
    /// The snake_case wire name of the field, as in JSON and error messages.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(contactkit::Field::Phone.as_str(), "phone");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Tag => "tag",
            Field::Source => "source",
            Field::Verification => "verification",
            Field::Attribute => "attribute",
            Field::Label => "label",
            Field::Region => "region",
            Field::Id => "id",
            Field::Query => "query",
            Field::IdempotencyKey => "idempotency_key",
            Field::Channel => "channel",
            Field::Mapping => "mapping",
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A failure of the storage backend (SQLite today, PostgreSQL later).
///
/// It carries the backend's message as text so that no backend type leaks into the public API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    message: String,
}

impl StorageError {
    /// Wraps a backend's message.
    ///
    /// # Examples
    /// ```
    /// let err = contactkit::StorageError::new("disk I/O error");
    /// assert_eq!(err.to_string(), "disk I/O error");
    /// ```
    pub fn new(message: impl Into<String>) -> Self {
        StorageError {
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(err: rusqlite::Error) -> Self {
        StorageError::new(err.to_string())
    }
}

/// Everything that can go wrong in contactkit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field failed validation.
    #[error("{field} {value:?} is not valid: {reason}")]
    Invalid {
        /// The field that failed.
        field: Field,
        /// The value as given.
        value: String,
        /// Why it was refused, as a sentence fragment.
        reason: String,
    },
    /// The email or phone already belongs to another contact.
    #[error("{field} {value:?} already belongs to contact {existing}")]
    Duplicate {
        /// Email or phone.
        field: Field,
        /// The normalised value that clashed (lowercased email, E.164 phone).
        value: String,
        /// The contact that already holds the value.
        existing: ContactId,
    },
    /// No contact has this id (any more).
    #[error("contact {0} was not found")]
    NotFound(ContactId),
    /// No tag has this name.
    #[error("tag {0:?} was not found")]
    TagNotFound(String),
    /// The book was written by a newer contactkit, whose schema this version does not know.
    #[error(
        "the book has schema version {found}, newer than {supported} (the newest this contactkit knows); \
         upgrade contactkit to open it (the file was not modified)"
    )]
    SchemaTooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// The actor's role may not take this action; nothing was changed.
    #[error("a {role:?} may not {action}; ask an owner or admin")]
    PermissionDenied {
        /// The action refused.
        action: crate::policy::Action,
        /// The actor's role.
        role: crate::actor::Role,
    },
    /// A change-feed reader asked for events that retention has already removed: it must
    /// resynchronise from the book's current state, then follow the feed from its newest event.
    #[error(
        "the change feed no longer holds the events after {after} (the oldest kept is {oldest}); resynchronise"
    )]
    ResyncRequired {
        /// The cursor the reader asked from.
        after: u64,
        /// The oldest sequence number the feed still guarantees.
        oldest: u64,
    },
    /// A Chatwoot webhook was refused (unsigned, a bad signature, stale, malformed).
    #[error("webhook: {0}")]
    Webhook(crate::sync::WebhookError),
    /// The Chatwoot sync failed in a way retrying did not fix; it can be run again.
    #[error("sync: {0}")]
    Sync(#[from] crate::sync::RemoteError),
    /// The storage backend failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// An import could not go on (an unreadable file, a duplicate under the `abort` policy);
    /// nothing was written.
    #[error("import stopped at line {line}{}: {reason}; nothing was written", import_place(.column, .byte))]
    Import {
        /// The 1-based line (CSV, NDJSON, vCard) or element number (JSON array) of the input.
        line: u64,
        /// The column (CSV header name) or field the problem is about, if any.
        column: Option<String>,
        /// The byte offset in the input, when known.
        byte: Option<u64>,
        /// What went wrong, as a sentence a user can act on.
        reason: String,
    },
    /// Reading or writing a stream (an import's input, an export's output) failed.
    #[error("reading or writing failed: {0}")]
    Io(String),
    /// The caller's progress callback asked to stop; nothing was written.
    #[error("cancelled by the caller; nothing was written")]
    Cancelled,
}

fn import_place(column: &Option<String>, byte: &Option<u64>) -> String {
    let mut place = String::new();
    if let Some(column) = column {
        place.push_str(&format!(", column {column:?}"));
    }
    if let Some(byte) = byte {
        place.push_str(&format!(", byte {byte}"));
    }
    place
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Io(err.to_string())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        Error::Storage(err.into())
    }
}

/// The stable kind of an [`Error`]: what the C status codes, the Python exception classes and
/// the CLI exit codes are derived from. Kinds are never renamed or renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Invalid`].
    Invalid,
    /// See [`Error::Duplicate`].
    Duplicate,
    /// See [`Error::NotFound`] and [`Error::TagNotFound`].
    NotFound,
    /// See [`Error::SchemaTooNew`].
    SchemaTooNew,
    /// See [`Error::PermissionDenied`].
    PermissionDenied,
    /// See [`Error::ResyncRequired`].
    ResyncRequired,
    /// See [`Error::Sync`].
    Sync,
    /// See [`Error::Webhook`].
    Webhook,
    /// See [`Error::Storage`].
    Storage,
    /// See [`Error::Import`].
    Import,
    /// See [`Error::Io`].
    Io,
    /// See [`Error::Cancelled`].
    Cancelled,
}

impl Error {
    /// The stable kind of this error.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Book, BookOptions, ErrorKind, NewContact};
    /// let book = Book::open_in_memory(BookOptions::default())?;
    /// let err = book.create(&contactkit::Actor::api("docs"), NewContact::new("  ")).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Invalid);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid { .. } => ErrorKind::Invalid,
            Error::Duplicate { .. } => ErrorKind::Duplicate,
            Error::NotFound(_) | Error::TagNotFound(_) => ErrorKind::NotFound,
            Error::SchemaTooNew { .. } => ErrorKind::SchemaTooNew,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::ResyncRequired { .. } => ErrorKind::ResyncRequired,
            Error::Sync(_) => ErrorKind::Sync,
            Error::Webhook(_) => ErrorKind::Webhook,
            Error::Storage(_) => ErrorKind::Storage,
            Error::Import { .. } => ErrorKind::Import,
            Error::Io(_) => ErrorKind::Io,
            Error::Cancelled => ErrorKind::Cancelled,
        }
    }

    /// Builds an [`Error::Invalid`].
    pub(crate) fn invalid(field: Field, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            value: value.into(),
            reason: reason.into(),
        }
    }
}

/// The result type of contactkit.
pub type Result<T, E = Error> = std::result::Result<T, E>;
