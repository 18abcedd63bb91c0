//! Export: scopes, formats and the writer every scope streams through.

use std::io::Write;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::book::Book;
use crate::codec::Progress;
use crate::codec::csv_export::CsvRows;
use crate::codec::json::ContactJson;
use crate::codec::vcard::write_card;
use crate::contact::{Contact, ContactId};
use crate::error::{Error, Result};
use crate::query::Query;
use crate::store::{Row, RowPage};

/// The file format of an export, and what each writes (import reads all of them back).
///
/// # CSV columns
/// In this order, always: `id`, `name`, `email`, `phone`, `additional_emails`,
/// `additional_phones`, `tags`, `source`, `verification`, `created_at`, `last_activity_at`,
/// `email_label`, `phone_label`, then one `attr:KEY` column per custom attribute key of the
/// book ([`Book::attribute_keys`](crate::Book::attribute_keys)), in key order.
/// - `email` and `phone` are the primary points (what the list page shows); `email_label` and
///   `phone_label` are their labels.
/// - `additional_emails` and `additional_phones` list the other points as
///   `label:value; label:value` (`work:ana@x.com; home:ana@y.com`); a point without a label is
///   written as its bare value. Phones are E.164. A `:` or `;` inside a label is written as a space.
/// - `tags` are comma-separated (a tag name never holds a comma).
/// - Times are ISO 8601 / RFC 3339 in UTC with milliseconds (`2024-05-01T10:00:00.000Z`).
/// - Attribute values: text as is, numbers in their shortest form, `true`/`false`, dates as
///   `YYYY-MM-DD`, times as above. On import a cell is read back as a number only when that is
///   how the number would be written (`250000`, `3.5`; not `01234`), as a yes/no only for
///   `true`/`false`, as a date or time only in those forms; anything else is text. So a text
///   attribute that reads as one of those (`"0"`, `"true"`) comes back typed, and, since
///   import trims cells and takes an empty cell for "not set", an empty or space-padded text
///   attribute does not come back exactly: JSON keeps every attribute exactly.
///
/// # Safe in spreadsheets
/// Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return as a formula (OWASP "CSV injection"). Such a cell is written with a
/// leading apostrophe (`'=HYPERLINK(...)`), with one exception: a cell in the form of an E.164
/// phone number (`+15551234567`: a plus and 7 to 15 digits, nothing else) is written as is,
/// because a plus and digits can only ever evaluate to that number, and phone columns must
/// still read as phones. (Excel may show such a cell as the number `15551234567`; format the column as text
/// to keep the plus.) A cell that starts with an apostrophe gets one more. Import strips
/// one apostrophe again, so a round trip is exact.
///
/// # JSON shape
/// One object per contact, the same in the array and in NDJSON (see [`ContactJson`]):
/// ```json
/// {"id": 7, "name": "Ana Souza", "email": "ana@example.com", "email_label": "work",
///  "phone": "+5511912345678", "phone_label": "mobile",
///  "additional_emails": [{"value": "ana@home.example", "label": "home"}],
///  "additional_phones": [{"value": "+5511955554444", "original": "(11) 95555-4444", "label": null}],
///  "tags": ["Hot"], "source": "whatsapp", "verification": "unverified",
///  "attributes": {"budget": 250000}, "created_at": "2024-05-01T10:00:00Z",
///  "updated_at": "2024-05-02T08:00:00Z", "last_activity_at": null}
/// ```
///
/// # vCard
/// Export writes vCard 4.0: `UID`, `FN`, every `EMAIL` and `TEL` (`tel:` URIs) with its `TYPE`
/// (`cell` for `mobile`; `work`, `home`, `fax`, `pager`, `text`, `video`, `voice` as they are;
/// any other label as an Apple-style `itemN.X-ABLabel`), `PREF=1` on the primary ones,
/// `CATEGORIES` for the tags and `ORG` for a `company` attribute. Other attributes are not
/// written to vCards.
///
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// CSV with the columns documented above, safe to open in spreadsheets.
    Csv,
    /// One JSON array of contacts ([`ContactJson`]).
    Json,
    /// One JSON contact per line.
    Ndjson,
    /// vCard 4.0.
    Vcard,
}

/// Options of an export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportOptions {
    /// Start a CSV file with a UTF-8 byte order mark, so Excel reads it as UTF-8.
    pub bom: bool,
    /// Who exports, for the audit log (every export is recorded there); `None` records the
    /// system.
    pub actor: Option<crate::Actor>,
}

/// Which contacts an export writes. Contacts from anywhere else go through
/// [`Book::export_contacts`] (any iterator of contacts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportScope {
    /// Every contact, in id order, from one snapshot.
    All,
    /// These contacts, in the order given, from one snapshot.
    Ids(Vec<ContactId>),
    /// The contacts matching a query, in its order, read page by page through its keyset
    /// cursor ([`Book::iter`]): writers are not blocked during a long export.
    Filtered(Query),
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Contacts written.
    pub contacts: u64,
    /// Bytes written.
    pub bytes: u64,
}

struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

enum Inner<W: Write> {
    Csv(Box<CsvRows<CountingWriter<W>>>),
    Json { out: CountingWriter<W>, first: bool },
    Ndjson(CountingWriter<W>),
    Vcard { out: CountingWriter<W>, card: String },
}

/// Writes contacts one at a time in an export format: what every export scope streams
/// through, and the hook for contacts that come from elsewhere (a query's iterator).
///
/// # Examples
/// ```
/// use contactkit::{Actor, Book, ExportFormat, ExportOptions, ExportWriter, NewContact};
/// let book = Book::open_in_memory(Default::default())?;
/// let ana = book.create(&Actor::api("x"), NewContact::new("Ana").phone("+1 415 555 2671"))?;
/// let mut w = ExportWriter::new(ExportFormat::Csv, &ExportOptions::default(), Vec::new(), Vec::new())?;
/// w.write(&ana)?;
/// let csv = String::from_utf8(w.finish()?).unwrap_or_default();
/// assert!(csv.starts_with("id,name,email,phone,additional_emails,additional_phones,tags,"));
/// assert!(csv.contains(",Ana,,+14155552671,"));
/// # Ok::<(), contactkit::Error>(())
/// ```
pub struct ExportWriter<W: Write> {
    inner: Inner<W>,
    contacts: u64,
}

impl<W: Write> std::fmt::Debug for ExportWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportWriter")
            .field("contacts", &self.contacts)
            .finish_non_exhaustive()
    }
}

fn json_error(err: serde_json::Error) -> Error {
    Error::Io(err.to_string())
}

impl<W: Write> ExportWriter<W> {
    /// Starts an export to `out`. `attribute_keys` are the CSV's `attr:KEY` columns (other
    /// formats carry every attribute and ignore it); [`Book::attribute_keys`] gives the book's.
    ///
    /// # Errors
    /// [`Error::Io`] when `out` fails.
    pub fn new(
        format: ExportFormat,
        options: &ExportOptions,
        out: W,
        attribute_keys: Vec<String>,
    ) -> Result<Self> {
        let mut out = CountingWriter { inner: out, bytes: 0 };
        let inner = match format {
            ExportFormat::Csv => Inner::Csv(Box::new(CsvRows::new(out, options.bom, attribute_keys)?)),
            ExportFormat::Json => {
                out.write_all(b"[")?;
                Inner::Json { out, first: true }
            }
            ExportFormat::Ndjson => Inner::Ndjson(out),
            ExportFormat::Vcard => Inner::Vcard {
                out,
                card: String::new(),
            },
        };
        Ok(ExportWriter { inner, contacts: 0 })
    }

    /// Writes one contact.
    ///
    /// # Errors
    /// [`Error::Io`] when `out` fails.
    pub fn write(&mut self, contact: &Contact) -> Result<()> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.write(contact)?,
            Inner::Json { out, first } => {
                if !*first {
                    out.write_all(b",")?;
                }
                *first = false;
                out.write_all(b"\n")?;
                serde_json::to_writer(&mut *out, &ContactJson::from(contact)).map_err(json_error)?;
            }
            Inner::Ndjson(out) => {
                serde_json::to_writer(&mut *out, &ContactJson::from(contact)).map_err(json_error)?;
                out.write_all(b"\n")?;
            }
            Inner::Vcard { out, card } => {
                card.clear();
                write_card(contact, card).map_err(|e| Error::Io(e.to_string()))?;
                out.write_all(card.as_bytes())?;
            }
        }
        self.contacts += 1;
        Ok(())
    }

    /// Writes row `row` of `page` (CSV only: a row holds the CSV's columns, not a whole
    /// contact).
    fn write_row(&mut self, page: &RowPage, row: &Row) -> Result<()> {
        match &mut self.inner {
            Inner::Csv(rows) => rows.write_row(page, row, None)?,
            Inner::Json { .. } | Inner::Ndjson(_) | Inner::Vcard { .. } => {
                return Err(Error::Storage(crate::StorageError::new(
                    "a page of rows is written as CSV only",
                )));
            }
        }
        self.contacts += 1;
        Ok(())
    }

    /// Bytes written so far (CSV: up to the last flush of its buffer).
    pub fn bytes(&self) -> u64 {
        match &self.inner {
            Inner::Csv(rows) => rows.bytes(),
            Inner::Json { out, .. } | Inner::Ndjson(out) | Inner::Vcard { out, .. } => out.bytes,
        }
    }

    /// Ends the file (a JSON array's `]`), flushes, and gives `out` back.
    ///
    /// # Errors
    /// [`Error::Io`] when `out` fails.
    pub fn finish(self) -> Result<W> {
        self.finish_counted().map(|(out, _)| out)
    }

    fn finish_counted(self) -> Result<(W, ExportSummary)> {
        let mut out = match self.inner {
            Inner::Csv(rows) => rows.finish()?,
            Inner::Json { mut out, .. } => {
                out.write_all(b"\n]\n")?;
                out
            }
            Inner::Ndjson(out) | Inner::Vcard { out, .. } => out,
        };
        out.flush()?;
        let summary = ExportSummary {
            contacts: self.contacts,
            bytes: out.bytes,
        };
        Ok((out.inner, summary))
    }
}

impl<W: Write> CsvRows<CountingWriter<W>> {
    fn bytes(&self) -> u64 {
        self.get_ref().bytes
    }
}

/// Contacts read per page of an `All` export.
const PAGE: u32 = 1000;

/// A page of an `All` export: flat rows for a CSV, whole contacts for the other formats.
enum AllPage {
    Contacts(Vec<Contact>),
    Rows(RowPage),
}

impl AllPage {
    fn last_id(&self) -> Option<ContactId> {
        match self {
            AllPage::Contacts(contacts) => contacts.last().map(|c| c.id),
            AllPage::Rows(page) => page.rows.last().map(|row| row.id),
        }
    }
}

/// Writes one contact and reports progress.
fn step<W: Write>(
    writer: &mut ExportWriter<W>,
    contact: &Contact,
    progress: &mut impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<()> {
    writer.write(contact)?;
    report(writer, progress)
}

/// Tells `progress` how far `writer` is; a break cancels the export.
fn report<W: Write>(
    writer: &ExportWriter<W>,
    progress: &mut impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<()> {
    let p = Progress {
        rows_done: writer.contacts,
        bytes_done: writer.bytes(),
        bytes_total: None,
    };
    match progress(p) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Error::Cancelled),
    }
}

impl Book {
    /// Every custom attribute key any contact uses, in key order: the `attr:KEY` columns of
    /// a CSV export.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn attribute_keys(&self) -> Result<Vec<String>> {
        self.read_store(|r| r.attribute_keys())
    }

    /// Streams the contacts of `scope` to `out` in `format`, one contact in memory at a time
    /// (`All` and `Ids` from one consistent snapshot of the book). `progress` is called after
    /// every contact.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an id of `ExportScope::Ids` that does not exist;
    /// [`Error::Invalid`] for an invalid query;
    /// [`Error::Io`] when `out` fails; [`Error::Cancelled`] when `progress` breaks (what was
    /// written so far stays written).
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ExportFormat, ExportOptions, ExportScope, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("x"), NewContact::new("Ana").email("ana@example.com").tag("VIP"))?;
    /// let mut out = Vec::new();
    /// let done = book.export(&ExportScope::All, ExportFormat::Ndjson, &ExportOptions::default(), &mut out, |_| std::ops::ControlFlow::Continue(()))?;
    /// assert_eq!(done.contacts, 1);
    /// assert!(String::from_utf8_lossy(&out).contains("\"tags\":[\"VIP\"]"));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn export<W: Write>(
        &self,
        scope: &ExportScope,
        format: ExportFormat,
        options: &ExportOptions,
        out: W,
        progress: impl FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<ExportSummary> {
        let summary = self.export_unaudited(scope, format, options, out, progress)?;
        let (ids, scope_name) = match scope {
            ExportScope::All => (Vec::new(), "all"),
            ExportScope::Ids(ids) => (ids.clone(), "selected"),
            ExportScope::Filtered(_) => (Vec::new(), "filtered"),
        };
        self.audit_export(options, &ids, scope_name, format, summary)?;
        Ok(summary)
    }

    /// Records an export in the audit log: who, the scope, the format, how many contacts.
    fn audit_export(
        &self,
        options: &ExportOptions,
        ids: &[crate::ContactId],
        scope: &str,
        format: ExportFormat,
        summary: ExportSummary,
    ) -> Result<()> {
        let actor = options
            .actor
            .clone()
            .unwrap_or_else(|| crate::Actor::system("export", crate::Origin::Api));
        let details = serde_json::json!({ "scope": scope, "format": format, "contacts": summary.contacts });
        self.record_audit(&actor, crate::AuditAction::Export, ids, details)
    }

    fn export_unaudited<W: Write>(
        &self,
        scope: &ExportScope,
        format: ExportFormat,
        options: &ExportOptions,
        out: W,
        mut progress: impl FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<ExportSummary> {
        if let ExportScope::Filtered(query) = scope {
            let mut writer = ExportWriter::new(format, options, out, self.attribute_keys()?)?;
            for contact in self.iter(query) {
                step(&mut writer, &contact?, &mut progress)?;
            }
            return writer.finish_counted().map(|(_, summary)| summary);
        }
        if let ExportScope::All = scope {
            return self.export_all(format, options, out, progress);
        }
        self.read_store(|r| {
            let mut writer = ExportWriter::new(format, options, out, r.attribute_keys()?)?;
            match scope {
                // Read page by page above, outside any snapshot.
                ExportScope::Filtered(_) => {}
                // Read on a second thread above.
                ExportScope::All => {}
                ExportScope::Ids(ids) => {
                    for id in ids {
                        let contact = r.contact(*id)?.ok_or(Error::NotFound(*id))?;
                        step(&mut writer, &contact, &mut progress)?;
                    }
                }
            }
            writer.finish_counted().map(|(_, summary)| summary)
        })
    }

    /// Every contact in id order, from one snapshot read on a second thread while this one
    /// formats and writes (reading, SQLite and building the contacts, is the larger part: about
    /// three quarters of the CPU time of a 1M export). A CSV reads flat rows
    /// ([`Reader::row_page_after`](crate::store::Reader::row_page_after)), the other formats
    /// whole contacts. Two pages at most wait between them, so memory stays flat; when the
    /// writing stops (an error, a cancel) the reading stops too.
    fn export_all<W: Write>(
        &self,
        format: ExportFormat,
        options: &ExportOptions,
        out: W,
        mut progress: impl FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<ExportSummary> {
        let rows = format == ExportFormat::Csv;
        let (keys_tx, keys_rx) = std::sync::mpsc::sync_channel::<Result<Vec<String>>>(1);
        let (pages_tx, pages_rx) = std::sync::mpsc::sync_channel::<Result<AllPage>>(2);
        // Written pages go back to be freed where they were allocated: freeing another
        // thread's allocations contends on the allocator and cost more than the thread saved.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<AllPage>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                let mut keys_sent = false;
                let read = self.read_store(|r| {
                    let keys = r.attribute_keys();
                    let keys_ok = keys.is_ok();
                    keys_sent = true;
                    if keys_tx.send(keys).is_err() || !keys_ok {
                        return Ok(());
                    }
                    let mut after = None;
                    loop {
                        while let Ok(written) = done_rx.try_recv() {
                            drop(written);
                        }
                        let page = match rows {
                            true => AllPage::Rows(r.row_page_after(after, PAGE)?),
                            false => AllPage::Contacts(r.contacts_after(after, PAGE)?),
                        };
                        let Some(last) = page.last_id() else {
                            return Ok(());
                        };
                        after = Some(last);
                        if pages_tx.send(Ok(page)).is_err() {
                            return Ok(()); // the writing stopped
                        }
                    }
                });
                // The writer may be gone already: then nobody needs the error.
                match read {
                    Err(err) if keys_sent => drop(pages_tx.send(Err(err))),
                    Err(err) => drop(keys_tx.send(Err(err))),
                    Ok(()) => {}
                }
            });
            let gone = || Error::Storage(crate::StorageError::new("the export's reader stopped"));
            let keys = keys_rx.recv().map_err(|_| gone())??;
            let mut writer = ExportWriter::new(format, options, out, keys)?;
            for page in pages_rx {
                let page = page?;
                match &page {
                    AllPage::Contacts(contacts) => {
                        for contact in contacts {
                            step(&mut writer, contact, &mut progress)?;
                        }
                    }
                    AllPage::Rows(rows) => {
                        for row in &rows.rows {
                            writer.write_row(rows, row)?;
                            report(&writer, &mut progress)?;
                        }
                    }
                }
                // The reader may have finished: then this page is freed here.
                let _ = done_tx.send(page);
            }
            writer.finish_counted().map(|(_, summary)| summary)
        })
    }

    /// Streams any contacts (a query's iterator, say) to `out` in `format`: the hook for
    /// scopes this module does not enumerate itself. CSV columns are those of
    /// [`Book::attribute_keys`].
    ///
    /// # Errors
    /// The first error of the iterator; [`Error::Io`] when `out` fails.
    pub fn export_contacts<W: Write, I: IntoIterator<Item = Result<Contact>>>(
        &self,
        contacts: I,
        format: ExportFormat,
        options: &ExportOptions,
        out: W,
    ) -> Result<ExportSummary> {
        let mut writer = ExportWriter::new(format, options, out, self.attribute_keys()?)?;
        for contact in contacts {
            writer.write(&contact?)?;
        }
        let summary = writer.finish_counted().map(|(_, summary)| summary)?;
        self.audit_export(options, &[], "contacts", format, summary)?;
        Ok(summary)
    }
}
