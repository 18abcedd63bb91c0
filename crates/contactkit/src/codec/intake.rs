//! The reading side of an import: a source (CSV, JSON, vCard) hands each row it reads to an
//! [`Intake`], which sends the rows in batches to the validation thread.
//!
//! A source runs on a thread of its own, so reading and parsing the file overlap with the
//! validation of the batch before and with the decisions and writes of the one before that.
//! (1M rows into an empty book: 24.3 s against 26.5 s when the thread that writes also read.)
//! Batches are small and the channels hold one each, so few rows are in flight: with
//! batches of 2048 and two in each channel the peak RSS of that import rose from 98 MB to
//! 124 MB. A batch of 256 rows (110 KB) also stays below glibc's threshold for memory of its
//! own mapping: batches of 1024 (440 KB) went to the heap or to mappings as earlier frees had
//! moved that threshold, and the heap kept their fragments: 104 MB peak at 1M rows against
//! 93 MB with 256 (89 against 81 MB for 100k more into that book), in the same time.

use std::sync::mpsc::SyncSender;
use std::sync::{Arc, OnceLock};

use crate::codec::mapping::ColumnMapping;
use crate::codec::region_guess::{self, RegionGuess};
use crate::codec::report::UnmappedColumn;
use crate::codec::rows::{Candidate, Problem};
use crate::error::{Error, Result};
use crate::phone::PhoneRegion;

/// Rows are sent to be validated in batches of this many.
pub(crate) const BATCH: usize = 256;

/// What a source finds out about the file's layout as it reads it, for the report.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// The CSV delimiter used.
    pub delimiter: Option<char>,
    /// Where every CSV column went.
    pub mapping: Vec<ColumnMapping>,
    /// The CSV columns not imported, with the first value seen in each.
    pub unmapped: Vec<UnmappedColumn>,
    /// Rows with more cells than the header.
    pub ragged: u64,
}

/// One row as its source read it.
// Skipped rows are rare and rows travel in batches: boxing the candidate would cost an
// allocation per row, on one thread and its free on another.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Incoming {
    /// A row to validate (or the problem that kept it from being read as one).
    Row(std::result::Result<Candidate, Problem>),
    /// A row skipped for a reason of its own (a repeated header, a vCard of a group): the
    /// row's text, shortened, and why.
    Skipped { value: String, reason: &'static str },
    /// Something to tell about the row read at this line before (its text was repaired):
    /// no row of its own.
    Note { value: String, reason: &'static str },
}

/// A row on its way to validation.
pub(crate) struct PendingRow {
    pub line: u64,
    pub incoming: Incoming,
    /// The CSV header, with the first row only.
    pub header: Option<Vec<String>>,
    /// The row's CSV cells, when the import writes an error report.
    pub cells: Option<Vec<String>>,
    /// Bytes of input read when the row was.
    pub bytes_done: u64,
}

/// Takes the rows of a source and sends them on in batches of [`BATCH`].
pub(crate) struct Intake {
    pub layout: Layout,
    /// Whether the rows' cells go along (for the error report).
    keep_cells: bool,
    header_sent: bool,
    pending: Vec<PendingRow>,
    to: SyncSender<Vec<PendingRow>>,
    /// The default region guessed from the file, set before the first batch is sent.
    guess: Arc<OnceLock<RegionGuess>>,
    /// The input's encoding (WHATWG name), the guess of a file whose header says nothing.
    encoding: &'static str,
    /// The book's default region, which a guess from the file's numbers must do better
    /// than; none when the caller gave the region, and nothing is guessed.
    guess_against: Option<PhoneRegion>,
}

impl Intake {
    pub(crate) fn new(
        to: SyncSender<Vec<PendingRow>>,
        keep_cells: bool,
        encoding: &'static str,
        guess: Arc<OnceLock<RegionGuess>>,
        guess_against: Option<PhoneRegion>,
    ) -> Self {
        Intake {
            layout: Layout::default(),
            keep_cells,
            header_sent: false,
            pending: Vec::with_capacity(BATCH),
            to,
            guess,
            encoding,
            guess_against,
        }
    }

    /// Guesses the default region from the file's header (see [`region_guess`]); without a
    /// guess from it, the encoding's or the first rows' numbers' is taken when they go.
    pub(crate) fn guess_region_from_headers<S: AsRef<str>>(&mut self, headers: &[S]) {
        if self.guess_against.is_none() {
            return;
        }
        if let Some(guess) = region_guess::from_headers(headers) {
            // Only the first guess counts; the rows already sent were read in it.
            let _ = self.guess.set(guess);
        }
    }

    /// Takes one row read at `line`; `header` and `cells` for CSV input.
    ///
    /// # Errors
    /// When the import has stopped (the receiving side is gone).
    pub(crate) fn accept(
        &mut self,
        line: u64,
        row: std::result::Result<Candidate, Problem>,
        header: Option<&[String]>,
        cells: Option<&[String]>,
        bytes_done: u64,
    ) -> Result<()> {
        let header = match header {
            Some(header) if !self.header_sent => {
                self.header_sent = true;
                Some(header.to_vec())
            }
            _ => None,
        };
        let cells = cells.filter(|_| self.keep_cells).map(<[String]>::to_vec);
        self.push(PendingRow {
            line,
            incoming: Incoming::Row(row),
            header,
            cells,
            bytes_done,
        })
    }

    /// Counts a row skipped for a reason of its own (a repeated header, a vCard of a group),
    /// read when `bytes_done` bytes of input were: `value` is what it holds and `reason` why
    /// it is skipped, for the report.
    ///
    /// # Errors
    /// As [`Intake::accept`].
    pub(crate) fn skip(
        &mut self,
        line: u64,
        bytes_done: u64,
        value: String,
        reason: &'static str,
    ) -> Result<()> {
        self.push(PendingRow {
            line,
            incoming: Incoming::Skipped { value, reason },
            header: None,
            cells: None,
            bytes_done,
        })
    }

    /// Tells something about the row read at `line` (see [`Incoming::Note`]).
    ///
    /// # Errors
    /// As [`Intake::accept`].
    pub(crate) fn note(&mut self, line: u64, value: String, reason: &'static str) -> Result<()> {
        self.push(PendingRow {
            line,
            incoming: Incoming::Note { value, reason },
            header: None,
            cells: None,
            bytes_done: 0,
        })
    }

    fn push(&mut self, row: PendingRow) -> Result<()> {
        self.pending.push(row);
        if self.pending.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> Result<()> {
        if let Some(book) = self.guess_against
            && self.guess.get().is_none()
        {
            let numbers = self
                .pending
                .iter()
                .filter_map(|row| match &row.incoming {
                    Incoming::Row(Ok(c)) => Some(c),
                    _ => None,
                })
                .flat_map(|c| c.phones.iter().map(|p| p.value.text.as_str()));
            if let Some(guess) = region_guess::from_encoding(self.encoding)
                .or_else(|| region_guess::from_numbers(numbers, book))
            {
                let _ = self.guess.set(guess);
            }
        }
        let rows = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.to.send(rows).map_err(|_| stopped())
    }

    /// Sends the last rows and returns the layout.
    ///
    /// # Errors
    /// As [`Intake::accept`].
    pub(crate) fn finish(mut self) -> Result<Layout> {
        if !self.pending.is_empty() {
            self.send()?;
        }
        Ok(self.layout)
    }
}

/// The error of a source whose rows no one takes any more: the import stopped for a reason
/// of its own, which is the one it reports.
pub(crate) fn stopped() -> Error {
    Error::Import {
        line: 0,
        column: None,
        byte: None,
        reason: "the import stopped before the whole input was read".into(),
    }
}
