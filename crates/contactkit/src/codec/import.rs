//! Import: options, the report, and the one pipeline that preview and commit share.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::book::{Book, email_records, now, phone_records, record_change, record_of};
use crate::codec::Progress;
use crate::codec::decode;
use crate::codec::mapping::Target;
use crate::codec::report::{ErrorReport, ImportReport, IssueKind, RowIssue};
use crate::codec::rows::{Candidate, Problem, Valid, validate};
use crate::codec::sniff::{Sniffed, sniff_format};
use crate::codec::sources;
use crate::contact::{ContactId, Source};
use crate::error::{Error, Result};
use crate::feed::{EventDraft, EventKind};
use crate::fold::fold;
use crate::phone::PhoneRegion;
use crate::store::{ContactRecord, PointKind, PointRecord, Reader, Writer};

/// The format of an import's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// CSV (any delimiter of `,` `;` tab `|`).
    Csv,
    /// A JSON array of contacts, or NDJSON (one contact per line), in the [`ContactJson`]
    /// shape.
    ///
    /// [`ContactJson`]: crate::ContactJson
    Json,
    /// vCard 2.1, 3.0 or 4.0, one or more cards.
    Vcard,
}

/// What to do with a row whose email or phone already belongs to a contact (of the book, or
/// of an earlier row of the same file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing contact alone and report the row (the default).
    #[default]
    Skip,
    /// Update the existing contact: the row's name (when it has one), verification, last
    /// activity and attributes overwrite; its emails and phones that the contact does not
    /// have yet are added as additional points (the primary ones stay); tags are united.
    /// A row that matches two different contacts is rejected.
    Update,
    /// Stop the import at the first duplicate; a commit then writes nothing.
    Abort,
}

/// How to read an import. Everything has a default: detect the format and the encoding, sniff
/// the delimiter, suggest the mapping, skip duplicates.
///
/// - **Encoding**: a byte order mark wins (UTF-8, UTF-16 LE/BE); then UTF-16 without one is
///   recognised by its zero bytes; then `chardetng` guesses from the first 64 KiB (UTF-8,
///   Windows-1252, Shift_JIS, ...). The input is decoded as it streams by `encoding_rs`.
/// - **Delimiter**: `,` `;` tab or `|`, whichever splits the first 20 records into the same
///   number of fields most often.
/// - **Rows**: the first row is the header, unless one of its cells is an email address or an
///   international phone number (then the file has none and columns are called `column 1`,
///   `column 2`...). A column the header says nothing about whose first value is an email or
///   an international phone (`+...`) becomes an additional point labelled after its header
///   (see [`crate::suggest_mapping`] for the names it knows). Quoted fields may
///   hold delimiters, quotes and line breaks; CR, LF and CRLF all end lines; short rows are
///   padded with empty cells and the extra cells of long rows ignored; a row that repeats the
///   header is skipped; cells lose a spreadsheet-safety apostrophe or a U+200D mark.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportOptions {
    /// The format; `None` to detect it (`[`/`{` is JSON, `BEGIN:VCARD` a vCard, else CSV).
    pub format: Option<ImportFormat>,
    /// A WHATWG encoding label (`windows-1252`, `shift_jis`, `utf-16le`); `None` to detect.
    pub encoding: Option<String>,
    /// The CSV delimiter; `None` to sniff it.
    pub delimiter: Option<char>,
    /// Mapping overrides by header name (exact, else ignoring case and spacing): the target
    /// of each named column replaces the suggested one.
    pub mapping: BTreeMap<String, Target>,
    /// The duplicate policy.
    pub on_duplicate: OnDuplicate,
    /// The region of phones written without a country code; `None` for the book's default.
    pub default_region: Option<PhoneRegion>,
    /// The input's size in bytes, for progress (the `*_path` methods fill it in).
    pub bytes_total: Option<u64>,
    /// An idempotency key: a commit repeated with the same key (a retry after a timeout, from
    /// any process) returns the first commit's report and writes nothing. Keys expire after
    /// [`crate::IDEMPOTENCY_KEY_TTL`].
    pub idempotency_key: Option<String>,
}

/// Preview reads; commit writes. Both look points up the same way.
pub(crate) enum Mode<'a> {
    Preview(&'a mut dyn Reader),
    /// Writes as this actor: its changes go to the change feed, provenance and audit log.
    Commit(&'a mut dyn Writer, &'a Actor),
}

impl Mode<'_> {
    fn reader(&mut self) -> &mut dyn Reader {
        match self {
            Mode::Preview(r) => &mut **r,
            Mode::Commit(w, _) => &mut **w,
        }
    }
}

/// The state of one import pass.
pub(crate) struct Run<'a, 'p, 'w> {
    mode: Mode<'a>,
    on_duplicate: OnDuplicate,
    region: PhoneRegion,
    pub report: ImportReport,
    /// Every email/phone key seen in the file (as a 64-bit hash, so a million-row file
    /// costs tens of megabytes, not hundreds), with the line of its first row.
    seen: HashMap<u64, u64>,
    progress: &'p mut dyn FnMut(Progress) -> ControlFlow<()>,
    bytes_total: Option<u64>,
    errors: Option<ErrorReport<'w>>,
    now: DateTime<Utc>,
    /// The contacts created or updated (commit), for the audit entry.
    touched: Vec<ContactId>,
    /// Whether the store is bulk loading (past [`BULK_AFTER`] rows).
    bulk: bool,
}

/// After this many rows a commit stops keeping the search index up to date row by row and
/// rebuilds it once before committing: per-row upkeep costs more than a rebuild past here.
const BULK_AFTER: u64 = 1000;

fn seen_key(kind: PointKind, key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (kind, key).hash(&mut hasher);
    hasher.finish()
}

impl Run<'_, '_, '_> {
    /// Takes one row: validates it, finds its duplicates, and creates, updates or skips it.
    pub(crate) fn accept(
        &mut self,
        line: u64,
        row: std::result::Result<Candidate, Problem>,
        header: Option<&[String]>,
        cells: Option<&[String]>,
        bytes_done: u64,
    ) -> Result<()> {
        self.report.rows_read += 1;
        let valid = match row {
            Ok(c) if c.is_blank() => {
                self.report.blank += 1;
                Ok(None)
            }
            Ok(c) => validate(c, self.region).map(Some),
            Err(p) => Err(vec![p]),
        };
        match valid {
            Ok(None) => {}
            Ok(Some((valid, dropped))) => {
                for p in dropped {
                    let issue = RowIssue {
                        line,
                        column: p.column,
                        value: p.value,
                        reason: p.reason,
                        kind: IssueKind::DroppedValue,
                    };
                    self.issue(issue, header, cells)?;
                }
                self.decide(line, valid, header, cells)?
            }
            Err(problems) => {
                self.report.invalid += 1;
                for p in problems {
                    let issue = RowIssue {
                        line,
                        column: p.column,
                        value: p.value,
                        reason: p.reason,
                        kind: IssueKind::Invalid,
                    };
                    self.issue(issue, header, cells)?;
                }
            }
        }
        let p = Progress {
            rows_done: self.report.rows_read,
            bytes_done,
            bytes_total: self.bytes_total,
        };
        match (self.progress)(p) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Error::Cancelled),
        }
    }

    /// Counts a row skipped for a reason of its own (a repeated header).
    pub(crate) fn skip(&mut self) {
        self.report.rows_read += 1;
        self.report.skipped += 1;
    }

    fn issue(&mut self, issue: RowIssue, header: Option<&[String]>, cells: Option<&[String]>) -> Result<()> {
        if let Some(errors) = &mut self.errors {
            errors.row(header, cells, &issue)?;
        }
        self.report.issues.push(issue);
        Ok(())
    }

    fn decide(
        &mut self,
        line: u64,
        valid: Valid,
        header: Option<&[String]>,
        cells: Option<&[String]>,
    ) -> Result<()> {
        let keys: Vec<(PointKind, &PointRecord)> = valid
            .emails
            .iter()
            .map(|p| (PointKind::Email, p))
            .chain(valid.phones.iter().map(|p| (PointKind::Phone, p)))
            .collect();
        let in_file = keys.iter().find_map(|(kind, p)| {
            self.seen
                .get(&seen_key(*kind, &p.key))
                .map(|first| (*first, p.value.clone()))
        });
        let mut owners = BTreeSet::new();
        let mut clash = None;
        for (kind, p) in &keys {
            if let Some(owner) = self.mode.reader().point_owner(*kind, &p.key)? {
                owners.insert(owner);
                clash.get_or_insert_with(|| (owner, p.value.clone()));
            }
        }
        for (kind, p) in &keys {
            self.seen.entry(seen_key(*kind, &p.key)).or_insert(line);
        }

        let duplicate = match (in_file, clash) {
            (Some((first_line, value)), _) => Some(RowIssue {
                line,
                column: None,
                value,
                reason: format!("is also in the row at line {first_line}"),
                kind: IssueKind::DuplicateInFile { first_line },
            }),
            (None, Some((existing, value))) => Some(RowIssue {
                line,
                column: None,
                value,
                reason: format!("already belongs to contact {existing}"),
                kind: IssueKind::DuplicateExisting { existing },
            }),
            (None, None) => None,
        };
        let Some(mut duplicate) = duplicate else {
            self.create(valid)?;
            self.report.created += 1;
            return Ok(());
        };
        match self.on_duplicate {
            OnDuplicate::Abort => Err(Error::Import {
                line,
                column: None,
                byte: None,
                reason: format!(
                    "{:?} {} (the duplicate policy is abort)",
                    duplicate.value, duplicate.reason
                ),
            }),
            OnDuplicate::Skip => {
                duplicate.reason.push_str("; skipped");
                self.report.skipped += 1;
                self.issue(duplicate, header, cells)
            }
            OnDuplicate::Update if owners.len() > 1 => {
                let ids: Vec<String> = owners.iter().map(ContactId::to_string).collect();
                duplicate.reason = format!("matches several contacts ({}); not merged", ids.join(", "));
                duplicate.kind = IssueKind::Invalid;
                self.report.invalid += 1;
                self.issue(duplicate, header, cells)
            }
            OnDuplicate::Update => {
                if let Some(id) = owners.first() {
                    self.update(*id, valid)?;
                }
                self.report.updated += 1;
                Ok(())
            }
        }
    }

    fn create(&mut self, v: Valid) -> Result<()> {
        let Mode::Commit(w, actor) = &mut self.mode else {
            return Ok(());
        };
        if !self.bulk && self.report.rows_read > BULK_AFTER {
            w.set_bulk_load(true)?;
            self.bulk = true;
        }
        let record = ContactRecord {
            name_key: fold(&v.name),
            name: v.name,
            source: v.source.unwrap_or(Source::Import),
            verification: v.verification.unwrap_or_default(),
            attributes: v.attributes,
            created_at: v.created_at.unwrap_or(self.now),
            updated_at: self.now,
            last_activity_at: v.last_activity_at,
        };
        let id = w.insert_contact(&record)?;
        w.replace_points(id, PointKind::Email, &v.emails)?;
        w.replace_points(id, PointKind::Phone, &v.phones)?;
        w.link_tags(id, &v.tags)?;
        let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
        record_change(&mut **w, actor, self.now, None, &after)?;
        self.touched.push(id);
        Ok(())
    }

    fn update(&mut self, id: ContactId, v: Valid) -> Result<()> {
        let Mode::Commit(w, actor) = &mut self.mode else {
            return Ok(());
        };
        if !self.bulk && self.report.rows_read > BULK_AFTER {
            w.set_bulk_load(true)?;
            self.bulk = true;
        }
        let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
        let mut record = record_of(&before);
        if v.name_given {
            record.name_key = fold(&v.name);
            record.name = v.name;
        }
        if let Some(verification) = v.verification {
            record.verification = verification;
        }
        if let Some(at) = v.last_activity_at {
            record.last_activity_at = Some(at);
        }
        record.attributes.extend(v.attributes);
        record.updated_at = self.now;
        w.update_contact(id, &record)?;
        let old_emails = email_records(&before.emails);
        let emails = union(old_emails.clone(), v.emails);
        if emails != old_emails {
            w.replace_points(id, PointKind::Email, &emails)?;
        }
        let old_phones = phone_records(&before.phones);
        let phones = union(old_phones.clone(), v.phones);
        if phones != old_phones {
            w.replace_points(id, PointKind::Phone, &phones)?;
        }
        w.link_tags(id, &v.tags)?;
        let after = w.contact(id)?.ok_or(Error::NotFound(id))?;
        if after != before {
            record_change(&mut **w, actor, self.now, Some(&before), &after)?;
        }
        self.touched.push(id);
        Ok(())
    }
}

fn union(mut points: Vec<PointRecord>, more: Vec<PointRecord>) -> Vec<PointRecord> {
    for p in more {
        match points.iter_mut().find(|q| q.key == p.key) {
            Some(q) => {
                if q.label.is_none() {
                    q.label = p.label;
                }
            }
            None => points.push(p),
        }
    }
    points
}

impl Book {
    fn run_import(
        &self,
        mode: Mode<'_>,
        input: &mut dyn Read,
        options: &ImportOptions,
        progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
        errors: Option<&mut dyn Write>,
    ) -> Result<ImportReport> {
        let decoded = decode::open(input, options.encoding.as_deref())?;
        let format = options.format.unwrap_or(match sniff_format(&decoded.prefix) {
            Sniffed::Csv => ImportFormat::Csv,
            Sniffed::JsonArray | Sniffed::Ndjson => ImportFormat::Json,
            Sniffed::Vcard => ImportFormat::Vcard,
        });
        let mut run = Run {
            mode,
            on_duplicate: options.on_duplicate,
            region: options.default_region.unwrap_or(self.options().default_region),
            report: ImportReport::new(format, decoded.encoding.name()),
            seen: HashMap::new(),
            progress,
            bytes_total: options.bytes_total,
            errors: errors.map(ErrorReport::new),
            now: now(),
            touched: Vec::new(),
            bulk: false,
        };
        match format {
            ImportFormat::Csv => sources::csv(decoded, options, &mut run)?,
            ImportFormat::Json => sources::json(decoded, &mut run)?,
            ImportFormat::Vcard => sources::vcard(decoded, &mut run)?,
        }
        if let Some(mut errors) = run.errors.take() {
            errors.writer.flush()?;
        }
        if let Mode::Commit(w, actor) = &mut run.mode {
            if run.bulk {
                w.set_bulk_load(false)?;
            }
            let r = &run.report;
            let details = serde_json::json!({
                "format": r.format,
                "rows_read": r.rows_read,
                "created": r.created,
                "updated": r.updated,
                "skipped": r.skipped,
                "invalid": r.invalid,
            });
            crate::audit::record(&mut **w, actor, AuditAction::Import, &run.touched, details)?;
            // One book-wide event for feed readers that follow batches rather than contacts.
            let batch = serde_json::json!({
                "batch": run.now.timestamp_millis(),
                "created": r.created,
                "updated": r.updated,
            });
            w.append_event(&EventDraft::new(
                actor,
                run.now,
                EventKind::ImportBatch,
                None,
                batch,
            ))?;
        }
        Ok(run.report)
    }

    /// Reads `input` and reports what an import would do, writing nothing: rows read, would
    /// create / update / skip, every invalid row (line, column, value, reason), duplicates in
    /// the file and against the book, the mapping used and every column it leaves out with a
    /// sample value.
    ///
    /// # Errors
    /// [`Error::Import`] when the input cannot be read as text or hits a duplicate under
    /// [`OnDuplicate::Abort`]; [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Book, ImportOptions};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let csv = "First Name,Last Name,E-mail Address,Mobile Phone,Notes\n\
    ///            Ana,Souza,ana@example.com,+55 11 91234-5678,met at fair\n\
    ///            ,,not-an-email,,\n";
    /// let report = book.import_preview(csv.as_bytes(), &ImportOptions::default())?;
    /// assert_eq!((report.rows_read, report.created, report.invalid), (2, 1, 1));
    /// assert_eq!(report.issues[0].line, 3);
    /// assert_eq!(report.unmapped[0].sample.as_deref(), Some("met at fair"));
    /// assert!(book.attribute_keys()?.is_empty()); // nothing was written
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn import_preview<R: Read>(&self, mut input: R, options: &ImportOptions) -> Result<ImportReport> {
        self.read_store(|r| {
            self.run_import(
                Mode::Preview(r),
                &mut input,
                options,
                &mut |_| ControlFlow::Continue(()),
                None,
            )
        })
    }

    /// Imports `input` in one transaction: every row is written or, on any error (or a kill
    /// -9 of the process), none is. New contacts get the source `import` unless a column
    /// gives one. Every created or updated contact goes to the change feed and provenance as
    /// a change by `actor`, and one audit entry records the import (ids and counts). Past
    /// 1,000 rows the search index is no longer kept up row by row but rebuilt once, inside
    /// the same transaction, before the commit. `progress` is called after every row; `errors`, if given, receives a CSV of
    /// the rejected and skipped rows with the reason in an `import_error` column (for CSV
    /// input, the original columns first, ready to fix and import again).
    ///
    /// # Errors
    /// As [`Book::import_preview`]; [`Error::Cancelled`] when `progress` breaks. In every
    /// error case the book is left as it was.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ImportOptions, OnDuplicate, Source};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let csv = "name,email,phone_number,labels\nAna,ana@example.com,+14155552671,vip|lead\n";
    /// let report = book.import_commit(&Actor::api("x"), csv.as_bytes(), &ImportOptions::default(), |_| std::ops::ControlFlow::Continue(()), None)?;
    /// assert_eq!(report.created, 1);
    /// let again = book.import_commit(&Actor::api("x"), csv.as_bytes(), &ImportOptions::default(), |_| std::ops::ControlFlow::Continue(()), None)?;
    /// assert_eq!((again.created, again.skipped), (0, 1));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn import_commit<R: Read>(
        &self,
        actor: &Actor,
        mut input: R,
        options: &ImportOptions,
        mut progress: impl FnMut(Progress) -> ControlFlow<()>,
        errors: Option<&mut dyn Write>,
    ) -> Result<ImportReport> {
        let key = options.idempotency_key.as_deref();
        let mut report = self.write_store(|w| {
            crate::book::idempotent(
                w,
                key,
                "import",
                crate::book::now(),
                |_: &ImportReport| None,
                |w| self.run_import(Mode::Commit(w, actor), &mut input, options, &mut progress, errors),
            )
        })?;
        report.committed = true;
        Ok(report)
    }

    /// [`Book::import_preview`] of a file, with its size for progress.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened; as [`Book::import_preview`].
    pub fn import_preview_path(
        &self,
        path: impl AsRef<Path>,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
        let (file, options) = open_path(path.as_ref(), options)?;
        self.import_preview(std::io::BufReader::new(file), &options)
    }

    /// [`Book::import_commit`] of a file, with its size for progress.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened; as [`Book::import_commit`].
    pub fn import_commit_path(
        &self,
        actor: &Actor,
        path: impl AsRef<Path>,
        options: &ImportOptions,
        progress: impl FnMut(Progress) -> ControlFlow<()>,
        errors: Option<&mut dyn Write>,
    ) -> Result<ImportReport> {
        let (file, options) = open_path(path.as_ref(), options)?;
        self.import_commit(actor, std::io::BufReader::new(file), &options, progress, errors)
    }
}

fn open_path(path: &Path, options: &ImportOptions) -> Result<(File, ImportOptions)> {
    let file = File::open(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    let mut options = options.clone();
    if options.bytes_total.is_none() {
        options.bytes_total = file.metadata().ok().map(|m| m.len());
    }
    Ok((file, options))
}
