//! What an import did or would do: the report, its row issues, and the error-report CSV.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::codec::import::ImportFormat;
use crate::codec::mapping::ColumnMapping;
use crate::codec::region_guess::RegionGuess;
use crate::contact::ContactId;
use crate::error::{Error, Result};
use crate::phone::PhoneRegion;

/// Why a row was not imported as a new contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// A value failed validation; the row is not imported.
    Invalid,
    /// An email or phone failed validation, or a CSV value stood beyond the header's
    /// columns, and was left out; the rest of the row is imported.
    DroppedValue,
    /// An email or phone of the row is also in an earlier row of the file.
    DuplicateInFile {
        /// The line of the earlier row.
        first_line: u64,
    },
    /// An email or phone of the row belongs to a contact of the book.
    DuplicateExisting {
        /// That contact.
        existing: ContactId,
    },
    /// The row is not a contact and was skipped: it repeats the header (two exports pasted
    /// together), or it is the vCard of a group, whose members are cards of their own. Not in
    /// the error report: there is nothing to fix.
    Skipped,
    /// The row was read with its text repaired: bytes of a UTF-8 file that are not UTF-8
    /// (a line pasted from a Windows-1252 file) were read as Windows-1252 instead of being
    /// lost. The row is imported as read; its value is the row's text, to check.
    Repaired,
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    /// The 1-based line where the row starts (JSON arrays: the element's number).
    pub line: u64,
    /// The column (CSV header, vCard property, JSON field) the problem is about.
    pub column: Option<String>,
    /// The value as given.
    pub value: String,
    /// Why, as a sentence fragment.
    pub reason: String,
    /// What kind of problem.
    #[serde(flatten)]
    pub kind: IssueKind,
}

/// A column the mapping ignores, with the first value seen in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedColumn {
    /// The 0-based column index (vCard: the order in which the properties were first seen).
    pub column: usize,
    /// The header (JSON: the key path; vCard: the property name, `NOTE`).
    pub header: String,
    /// The first non-empty value of the column, if any.
    pub sample: Option<String>,
}

/// What an import did (commit) or would do (preview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The format read.
    pub format: ImportFormat,
    /// The encoding the input was read in (WHATWG name).
    pub encoding: String,
    /// The CSV delimiter used.
    pub delimiter: Option<char>,
    /// Where every CSV column went.
    pub mapping: Vec<ColumnMapping>,
    /// The CSV columns not imported, with a sample value each.
    pub unmapped: Vec<UnmappedColumn>,
    /// Data rows read (the header excluded).
    pub rows_read: u64,
    /// Contacts created (preview: that would be).
    pub created: u64,
    /// Contacts updated under [`OnDuplicate::Update`](crate::OnDuplicate::Update).
    pub updated: u64,
    /// Rows skipped: duplicates under [`OnDuplicate::Skip`](crate::OnDuplicate::Skip), repeated headers.
    pub skipped: u64,
    /// Rows with nothing in them.
    pub blank: u64,
    /// Rows rejected by validation.
    pub invalid: u64,
    /// Rows with more cells than the header (the extra cells are ignored).
    pub ragged: u64,
    /// Every problem, in file order.
    pub issues: Vec<RowIssue>,
    /// Whether the book was written (false for a preview).
    pub committed: bool,
    /// The region phones written without a country code were read in: the one the caller
    /// gave ([`ImportOptions::default_region`](crate::ImportOptions::default_region)), else
    /// the one guessed from the file ([`ImportReport::region_guess`]), else the book's.
    #[serde(default)]
    pub default_region: PhoneRegion,
    /// The region guessed from the file (the language of its header, an encoding of one
    /// country's) and why, when the caller gave none and the file told.
    #[serde(default)]
    pub region_guess: Option<RegionGuess>,
}

impl ImportReport {
    pub(crate) fn new(format: ImportFormat, encoding: &str) -> Self {
        ImportReport {
            format,
            encoding: encoding.to_owned(),
            delimiter: None,
            mapping: Vec::new(),
            unmapped: Vec::new(),
            rows_read: 0,
            created: 0,
            updated: 0,
            skipped: 0,
            blank: 0,
            invalid: 0,
            ragged: 0,
            issues: Vec::new(),
            committed: false,
            default_region: PhoneRegion::default(),
            region_guess: None,
        }
    }
}

/// The rejected rows, as CSV ready to fix and import again: one record per CSV row, with all
/// of that row's reasons in it.
pub(crate) struct ErrorReport<'w> {
    writer: csv::Writer<&'w mut dyn Write>,
    started: bool,
    /// The issues of the latest row, written once the next row (or the end) comes.
    held: Option<HeldRow>,
}

/// One input row's issues so far.
struct HeldRow {
    line: u64,
    /// The header and the cells, for CSV input.
    csv: Option<(Vec<String>, Vec<String>)>,
    /// For other inputs: the column and value of the one issue.
    column: String,
    value: String,
    reasons: Vec<String>,
}

impl<'w> ErrorReport<'w> {
    pub(crate) fn new(out: &'w mut dyn Write) -> Self {
        ErrorReport {
            writer: csv::Writer::from_writer(out),
            started: false,
            held: None,
        }
    }

    /// CSV input: the original columns plus `import_line` and `import_error`. Other inputs:
    /// `import_line`, `column`, `value`, `import_error`. The issues of one CSV row make one
    /// record, their reasons joined by ` | `; other inputs get a record per issue.
    pub(crate) fn row(
        &mut self,
        header: Option<&[String]>,
        cells: Option<&[String]>,
        issue: &RowIssue,
    ) -> Result<()> {
        if let Some(held) = &mut self.held
            && held.line == issue.line
            && held.csv.is_some()
        {
            held.reasons.push(issue.reason.clone());
            return Ok(());
        }
        self.write_held()?;
        self.held = Some(HeldRow {
            line: issue.line,
            csv: header.zip(cells).map(|(h, c)| (h.to_vec(), c.to_vec())),
            column: issue.column.clone().unwrap_or_default(),
            value: issue.value.clone(),
            reasons: vec![issue.reason.clone()],
        });
        Ok(())
    }

    /// Writes what is held and flushes the output.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.write_held()?;
        self.writer.flush()?;
        Ok(())
    }

    fn write_held(&mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let fail = |e: csv::Error| Error::Io(e.to_string());
        if !self.started {
            self.started = true;
            match &held.csv {
                Some((h, _)) => self.writer.write_record(
                    h.iter()
                        .map(String::as_str)
                        .chain(["import_line", "import_error"]),
                ),
                None => self
                    .writer
                    .write_record(["import_line", "column", "value", "import_error"]),
            }
            .map_err(fail)?;
        }
        let line = held.line.to_string();
        let reasons = held.reasons.join(" | ");
        match &held.csv {
            Some((h, cells)) => {
                let padded = (0..h.len()).map(|i| cells.get(i).map(String::as_str).unwrap_or(""));
                self.writer
                    .write_record(padded.chain([line.as_str(), reasons.as_str()]))
            }
            None => self.writer.write_record([
                line.as_str(),
                held.column.as_str(),
                held.value.as_str(),
                reasons.as_str(),
            ]),
        }
        .map_err(fail)
    }
}
