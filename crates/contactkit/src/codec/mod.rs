//! Import and export: CSV, JSON (an array or NDJSON) and vCard, both ways.
//!
//! # Export
//! [`Book::export`](crate::Book::export) streams the contacts of an [`ExportScope`] to any
//! `io::Write` in one of the [`ExportFormat`]s; it never holds more than one contact in memory.
//! A scope the book does not know yet (a query) plugs in through [`ExportWriter`], which takes
//! contacts one at a time from any iterator.
//!
//! The formats (CSV columns, formula protection, the JSON shape, vCard properties) are
//! documented on [`ExportFormat`].
//!
//! # Import
//! See [`Book::import_preview`](crate::Book::import_preview) (a dry run that writes nothing)
//! and [`Book::import_commit`](crate::Book::import_commit) (one transaction), both driven by
//! [`ImportOptions`]. Files are decoded, sniffed and mapped as described on [`ImportOptions`].

mod csv_export;
mod decode;
mod export;
mod import;
mod intake;
mod jcard;
mod json;
mod json_shapes;
mod mapping;
mod points;
mod region_guess;
mod report;
mod rows;
mod seen;
mod sniff;
mod sources;
mod spreadsheet_safe;
mod surrogates;
mod vcard;

pub use export::{ExportFormat, ExportOptions, ExportScope, ExportSummary, ExportWriter};
pub use import::{ImportFormat, ImportOptions, OnDuplicate};
pub use json::{ContactJson, PointJson};
pub use mapping::{ColumnMapping, Target, suggest_mapping};
pub use region_guess::RegionGuess;
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
