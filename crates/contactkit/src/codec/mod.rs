//! Import and export: CSV, JSON (an array or NDJSON) and vCard, both ways.
//!
//! # Export
//! [`Book::export`](crate::Book::export) streams the contacts of an [`ExportScope`] to any
//! `io::Write` in one of the [`ExportFormat`]s; it never holds more than one contact in memory.
//! A scope the book does not know yet (a query) plugs in through [`ExportWriter`], which takes
//! contacts one at a time from any iterator.
//!
//! ## CSV columns
//! In this order, always: `id`, `name`, `email`, `phone`, `additional_emails`,
//! `additional_phones`, `tags`, `source`, `verification`, `created_at`, `last_activity_at`,
//! `email_label`, `phone_label`, then one `attr:KEY` column per custom attribute key of the
//! exported contacts, in key order.
//! - `email` and `phone` are the primary points (what the list page shows); `email_label` and
//!   `phone_label` are their labels.
//! - `additional_emails` and `additional_phones` list the other points as
//!   `label:value; label:value` (`work:ana@x.com; home:ana@y.com`); a point without a label is
//!   written as its bare value. Phones are E.164. A `:` or `;` inside a label is written as a space.
//! - `tags` are comma-separated (a tag name never holds a comma).
//! - Times are ISO 8601 / RFC 3339 in UTC with milliseconds (`2024-05-01T10:00:00.000Z`).
//! - Attribute values: text as is, numbers in their shortest form, `true`/`false`, dates as
//!   `YYYY-MM-DD`, times as above. On import a cell is read back as a number only when that is
//!   how the number would be written (`250000`, `3.5`; not `01234`), as a yes/no only for
//!   `true`/`false`, as a date or time only in those forms; anything else is text. So a text
//!   attribute that reads as one of those (`"0"`, `"true"`) comes back typed, and, since
//!   import trims cells and takes an empty cell for "not set", an empty or space-padded text
//!   attribute does not come back exactly: JSON keeps every attribute exactly.
//!
//! ## Safe in spreadsheets
//! Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return as a formula (OWASP "CSV injection"). Such a cell is written with a
//! leading apostrophe (`'=HYPERLINK(...)`), with one exception: a cell that is exactly a valid
//! E.164 phone number (`+15551234567`, checked by libphonenumber) is written as is, because a
//! plus and digits can only ever evaluate to that number, and phone columns must still read as
//! phones. (Excel may show such a cell as the number `15551234567`; format the column as text
//! to keep the plus.) A cell that starts with an apostrophe gets one more. Import strips
//! one apostrophe again, so a round trip is exact.
//!
//! ## JSON shape
//! One object per contact, the same in the array and in NDJSON (see [`ContactJson`]):
//! ```json
//! {"id": 7, "name": "Ana Souza", "email": "ana@example.com", "email_label": "work",
//!  "phone": "+5511912345678", "phone_label": "mobile",
//!  "additional_emails": [{"value": "ana@home.example", "label": "home"}],
//!  "additional_phones": [{"value": "+5511955554444", "original": "(11) 95555-4444", "label": null}],
//!  "tags": ["Hot"], "source": "whatsapp", "verification": "unverified",
//!  "attributes": {"budget": 250000}, "created_at": "2024-05-01T10:00:00Z",
//!  "updated_at": "2024-05-02T08:00:00Z", "last_activity_at": null}
//! ```
//!
//! ## vCard
//! Export writes vCard 4.0: `FN`, `N`, every `EMAIL` and `TEL` (`tel:` URIs) with its `TYPE`
//! (`cell` for `mobile`; `work`, `home`, `fax`, `pager`, `text`, `video`, `voice` as they are;
//! any other label as an Apple-style `itemN.X-ABLabel`), `PREF=1` on the primary ones,
//! `CATEGORIES` for the tags, `ORG` for a `company` attribute, and `UID`. Other attributes
//! are not written to vCards.
//!
//! # Import
//! See [`Book::import_preview`](crate::Book::import_preview) (a dry run that writes nothing)
//! and [`Book::import_commit`](crate::Book::import_commit) (one transaction), both driven by
//! [`ImportOptions`]. Files are decoded, sniffed and mapped as described on [`ImportOptions`].

mod csv_export;
mod decode;
mod export;
mod import;
mod json;
mod mapping;
mod points;
mod report;
mod rows;
mod sniff;
mod sources;
mod spreadsheet_safe;
mod vcard;

pub use export::{ExportFormat, ExportOptions, ExportScope, ExportSummary, ExportWriter};
pub use import::{ImportFormat, ImportOptions, OnDuplicate};
pub use json::{ContactJson, PointJson};
pub use mapping::{ColumnMapping, Target, suggest_mapping};
pub use report::{ImportReport, IssueKind, RowIssue, UnmappedColumn};
pub use spreadsheet_safe::spreadsheet_safe;

use serde::{Deserialize, Serialize};

/// How far a long import or export has got, handed to its progress callback.
///
/// Return [`std::ops::ControlFlow::Break`] from the callback to stop: an import then writes
/// nothing and returns [`crate::Error::Cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Rows (or contacts) done so far.
    pub rows_done: u64,
    /// Bytes of the input read so far (exports: bytes written).
    pub bytes_done: u64,
    /// The input's size when known (a file), for a percentage.
    pub bytes_total: Option<u64>,
}

/// Runs `body` in one read snapshot of the book's store.
pub(crate) fn read_in<T>(
    book: &crate::Book,
    body: impl FnOnce(&mut dyn crate::store::Reader) -> crate::Result<T>,
) -> crate::Result<T> {
    let mut body = Some(body);
    let mut out = None;
    book.store().read(&mut |reader| {
        if let Some(body) = body.take() {
            out = Some(body(reader)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| crate::Error::Storage(crate::StorageError::new("the store did not run the read")))
}

/// Runs `body` in one write transaction of the book's store: all of it commits, or none.
pub(crate) fn write_in<T>(
    book: &crate::Book,
    body: impl FnOnce(&mut dyn crate::store::Writer) -> crate::Result<T>,
) -> crate::Result<T> {
    let mut body = Some(body);
    let mut out = None;
    book.store().write(&mut |writer| {
        if let Some(body) = body.take() {
            out = Some(body(writer)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| crate::Error::Storage(crate::StorageError::new("the store did not run the write")))
}
