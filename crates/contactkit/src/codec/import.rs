//! Import: options, the report, and the one pipeline that preview and commit share.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::book::{Book, email_records, now, phone_records, record_change, record_of};
use crate::codec::Progress;
use crate::codec::decode;
use crate::codec::intake::{Incoming, Intake, PendingRow};
use crate::codec::mapping::Target;
use crate::codec::region_guess::RegionGuess;
use crate::codec::report::{ErrorReport, ImportReport, IssueKind, RowIssue};
use crate::codec::rows::{Problem, Valid, validate};
use crate::codec::seen::SeenKeys;
use crate::codec::sniff::{Sniffed, sniff_format};
use crate::codec::sources;
use crate::contact::{ContactId, Source};
use crate::error::{Error, Result};
use crate::feed::{EventDraft, EventKind};
use crate::fold::fold;
use crate::phone::PhoneRegion;
use crate::store::{ContactRecord, NewContactRecord, PointKind, PointRecord, Reader, Writer};

/// The format of an import's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// CSV (any delimiter of `,` `;` tab `|`).
    Csv,
    /// A JSON array of contacts, NDJSON (one contact per line), or a document holding the
    /// array (`{"payload": [...]}`), in the [`ContactJson`] shape or another system's
    /// (its keys mapped as CSV headers).
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
    /// The region of phones written without a country code. `None`: the one the file points
    /// to (its header's language, an encoding of one country's; reported as
    /// [`ImportReport::region_guess`]), else the book's default.
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
///
/// Three threads share the work. The source reads rows on one and hands them to an
/// [`Intake`], which sends them in batches to the second; that one validates them (phone
/// parsing is most of a row's cost); this one decides each validated batch in file order
/// ([`Run::decide_batch`]) and writes it. New contacts are written in batches too
/// ([`Writer::insert_contacts`]) and announced by one `import_batch` event; updated contacts
/// go one by one, each with its own change event.
pub(crate) struct Run<'a, 'p, 'w> {
    mode: Mode<'a>,
    on_duplicate: OnDuplicate,
    pub report: ImportReport,
    /// Every email/phone key seen in the file, with the line of its first row.
    seen: SeenKeys,
    progress: &'p mut dyn FnMut(Progress) -> ControlFlow<()>,
    bytes_total: Option<u64>,
    errors: Option<ErrorReport<'w>>,
    now: DateTime<Utc>,
    /// The contacts updated (commit), for the audit entry (the created ones are `created_ids`).
    touched: Vec<ContactId>,
    /// The first and last id this import created.
    created_ids: Option<(ContactId, ContactId)>,
    /// The contacts the book held when the import began.
    contacts_at_start: u64,
    /// The CSV header, for the error report.
    header: Option<Vec<String>>,
    /// Validated new contacts not written yet.
    creates: Vec<NewContactRecord>,
}

/// New contacts are written this many at a time (or fewer at the end), their points in key
/// order: the larger the batch, the closer together its inserts land in the points' index.
const WRITE_BATCH: usize = 8 * 1024;

/// A row after validation.
enum Checked {
    /// A row with nothing in it.
    Blank,
    /// A valid row, and the values left out of it.
    Valid(Valid, Vec<Problem>),
    /// A rejected row and why.
    Invalid(Vec<Problem>),
    /// A row its source skipped, what it holds and why.
    Skipped { value: String, reason: &'static str },
    /// A note on the row at its line (no row of its own).
    Note { value: String, reason: &'static str },
}

/// A validated row, with what its source gave besides.
struct CheckedRow {
    line: u64,
    checked: Checked,
    header: Option<Vec<String>>,
    cells: Option<Vec<String>>,
    bytes_done: u64,
}

/// The region national numbers are read in: the one the caller gave, else the one guessed
/// from the file, else the book's.
fn region_in_use(given: Option<PhoneRegion>, guess: Option<&RegionGuess>, book: PhoneRegion) -> PhoneRegion {
    given.or_else(|| guess.map(|g| g.region)).unwrap_or(book)
}

fn check(rows: Vec<PendingRow>, region: PhoneRegion) -> Vec<CheckedRow> {
    rows.into_iter()
        .map(|p| CheckedRow {
            line: p.line,
            checked: match p.incoming {
                Incoming::Row(Ok(c)) if c.is_blank() => Checked::Blank,
                Incoming::Row(Ok(c)) => match validate(c, region) {
                    Ok((valid, dropped)) => Checked::Valid(valid, dropped),
                    Err(problems) => Checked::Invalid(problems),
                },
                Incoming::Row(Err(problem)) => Checked::Invalid(vec![problem]),
                Incoming::Skipped { value, reason } => Checked::Skipped { value, reason },
                Incoming::Note { value, reason } => Checked::Note { value, reason },
            },
            header: p.header,
            cells: p.cells,
            bytes_done: p.bytes_done,
        })
        .collect()
}

impl Run<'_, '_, '_> {
    /// Writes the last new contacts.
    fn finish(&mut self) -> Result<()> {
        self.flush_creates()
    }

    fn decide_batch(&mut self, rows: Vec<CheckedRow>) -> Result<()> {
        for row in rows {
            self.decide_row(row)?;
        }
        if self.creates.len() >= WRITE_BATCH {
            self.flush_creates()?;
        }
        Ok(())
    }

    fn decide_row(&mut self, row: CheckedRow) -> Result<()> {
        if let Checked::Note { value, reason } = row.checked {
            self.report.issues.push(RowIssue {
                line: row.line,
                column: None,
                value,
                reason: reason.to_owned(),
                kind: IssueKind::Repaired,
            });
            return Ok(());
        }
        self.report.rows_read += 1;
        if self.header.is_none() {
            self.header = row.header;
        }
        let header = self.header.take();
        let cells = row.cells.as_deref();
        let decided = self.decide_checked(row.line, row.checked, header.as_deref(), cells);
        self.header = header;
        decided?;
        let p = Progress {
            rows_done: self.report.rows_read,
            bytes_done: row.bytes_done,
            bytes_total: self.bytes_total,
        };
        match (self.progress)(p) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Error::Cancelled),
        }
    }

    fn decide_checked(
        &mut self,
        line: u64,
        checked: Checked,
        header: Option<&[String]>,
        cells: Option<&[String]>,
    ) -> Result<()> {
        match checked {
            Checked::Blank => {
                self.report.blank += 1;
                Ok(())
            }
            // Taken by `decide_row`: no row.
            Checked::Note { .. } => Ok(()),
            Checked::Skipped { value, reason } => {
                self.report.skipped += 1;
                // Not in the error report: such a row is not one to fix.
                self.report.issues.push(RowIssue {
                    line,
                    column: None,
                    value,
                    reason: reason.to_owned(),
                    kind: IssueKind::Skipped,
                });
                Ok(())
            }
            Checked::Valid(valid, dropped) => {
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
                self.decide(line, valid, header, cells)
            }
            Checked::Invalid(problems) => {
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
                Ok(())
            }
        }
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
                .first_line(*kind, &p.key)
                .map(|first| (first, p.value.clone()))
        });
        let mut owners = BTreeSet::new();
        let mut clash = None;
        // A book that was empty holds only this file's contacts, which `seen` knows, so its
        // points need no lookup. A row that repeats an earlier one is a duplicate in the file
        // whoever owns the point: only an update needs the owner (written first if queued).
        let update_of_earlier_row = in_file.is_some() && self.on_duplicate == OnDuplicate::Update;
        if (self.contacts_at_start > 0 && in_file.is_none()) || update_of_earlier_row {
            if update_of_earlier_row {
                self.flush_creates()?;
            }
            for (kind, p) in &keys {
                if let Some(owner) = self.mode.reader().point_owner(*kind, &p.key)? {
                    owners.insert(owner);
                    clash.get_or_insert_with(|| (owner, p.value.clone()));
                }
            }
        }
        for (kind, p) in &keys {
            self.seen.insert(*kind, &p.key, line);
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
            self.create(valid);
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
                // A preview has not written the earlier row that this one repeats, so it has no
                // owner to find: the row still counts as the update it would be.
                if let Some(id) = owners.first() {
                    self.update(*id, valid)?;
                }
                self.report.updated += 1;
                Ok(())
            }
        }
    }

    /// Queues a new contact (commit); [`Run::flush_creates`] writes the queue.
    fn create(&mut self, v: Valid) {
        if !matches!(self.mode, Mode::Commit(..)) {
            return;
        }
        let record = ContactRecord {
            // Folded here, not on the validation thread: a string made there and kept until
            // its batch is written left glibc's heap 6 MB larger at 1M rows.
            name_key: fold(&v.name),
            name: v.name,
            source: v.source.unwrap_or(Source::Import),
            verification: v.verification.unwrap_or_default(),
            attributes: v.attributes,
            created_at: v.created_at.unwrap_or(self.now),
            updated_at: self.now,
            last_activity_at: v.last_activity_at,
        };
        self.creates.push(NewContactRecord {
            record,
            emails: v.emails,
            phones: v.phones,
            tags: v.tags,
        });
    }

    fn flush_creates(&mut self) -> Result<()> {
        let Mode::Commit(w, actor) = &mut self.mode else {
            return Ok(());
        };
        if self.creates.is_empty() {
            return Ok(());
        }
        let ids = w.insert_contacts(&self.creates, actor)?;
        self.creates.clear();
        if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
            // Before any later row of the file updates one of them, so that update's
            // provenance and verification record come after these.
            w.record_created(*first, *last, actor, self.now)?;
            self.created_ids = Some(self.created_ids.map_or((*first, *last), |(f, _)| (f, *last)));
        }
        Ok(())
    }

    fn update(&mut self, id: ContactId, v: Valid) -> Result<()> {
        let Mode::Commit(w, actor) = &mut self.mode else {
            return Ok(());
        };
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
        mut mode: Mode<'_>,
        input: &mut (dyn Read + Send),
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
        let contacts_at_start = match &mut mode {
            Mode::Preview(r) => r.contact_count()?,
            Mode::Commit(w, _) => {
                w.set_bulk_load(true)?;
                w.contact_count()?
            }
        };
        let book_region = self.options().default_region;
        // Set by the source from what the file says before it sends its first rows.
        let guess: Arc<OnceLock<RegionGuess>> = Arc::new(OnceLock::new());
        let region_of_rows = {
            let guess = Arc::clone(&guess);
            move || region_in_use(options.default_region, guess.get(), book_region)
        };
        let mut run = Run {
            mode,
            on_duplicate: options.on_duplicate,
            report: ImportReport::new(format, decoded.encoding.name()),
            seen: SeenKeys::default(),
            progress,
            bytes_total: options.bytes_total,
            errors: errors.map(ErrorReport::new),
            now: now(),
            touched: Vec::new(),
            created_ids: None,
            contacts_at_start,
            header: None,
            creates: Vec::with_capacity(WRITE_BATCH),
        };
        let keep_cells = run.errors.is_some();
        let intake_guess = Arc::clone(&guess);
        let (decided, read) = std::thread::scope(|scope| {
            // The channels are this closure's: should it unwind, the other threads' sends
            // fail and they end before the scope waits for them.
            let (to_check, unchecked) = mpsc::sync_channel::<Vec<PendingRow>>(1);
            let (to_decide, checked) = mpsc::sync_channel::<Vec<CheckedRow>>(1);
            scope.spawn(move || {
                for rows in unchecked {
                    if to_decide.send(check(rows, region_of_rows())).is_err() {
                        break;
                    }
                }
            });
            let source = scope.spawn(move || {
                let mut intake = Intake::new(
                    to_check,
                    keep_cells,
                    decoded.encoding.name(),
                    intake_guess,
                    options.default_region.is_none().then_some(book_region),
                );
                let read = match format {
                    ImportFormat::Csv => sources::csv(decoded, options, &mut intake),
                    ImportFormat::Json => sources::json(decoded, options, &mut intake),
                    ImportFormat::Vcard => sources::vcard(decoded, &mut intake),
                };
                // The rows before a reading error are decided too: theirs come first.
                let layout = intake.finish();
                read.and(layout)
            });
            let mut decided = Ok(());
            for rows in checked.iter() {
                decided = run.decide_batch(rows);
                if decided.is_err() {
                    break;
                }
            }
            drop(checked); // stops the other two threads when this one stopped early
            let read = source
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (decided.and_then(|()| run.finish()), read)
        });
        // A decision's error is the earlier one (its row was read before the reading stopped).
        let layout = decided.and(read)?;
        run.report.delimiter = layout.delimiter;
        run.report.mapping = layout.mapping;
        run.report.unmapped = layout.unmapped;
        run.report.ragged = layout.ragged;
        run.report.region_guess = guess.get().cloned();
        run.report.default_region = region_in_use(options.default_region, guess.get(), book_region);
        if let Some(mut errors) = run.errors.take() {
            errors.finish()?;
        }
        if let Mode::Commit(w, actor) = &mut run.mode {
            let r = &run.report;
            let details = serde_json::json!({
                "format": r.format,
                "rows_read": r.rows_read,
                "created": r.created,
                "updated": r.updated,
                "skipped": r.skipped,
                "invalid": r.invalid,
            });
            // The created contacts as their id range, the updated ones (that it did not create
            // itself) by id.
            let created = run
                .created_ids
                .map(|(first, last)| crate::audit::ContactRange { first, last });
            run.touched
                .retain(|id| !created.is_some_and(|range| range.contains(*id)));
            run.touched.sort_unstable();
            run.touched.dedup();
            crate::audit::record_with_range(
                &mut **w,
                actor,
                AuditAction::Import,
                &run.touched,
                created,
                details,
            )?;
            // The contacts it created have no event each: this one names them as an id range
            // (their ids are consecutive: one writer holds the book for the whole import).
            let batch = serde_json::json!({
                "created": r.created,
                "updated": r.updated,
                "created_ids": run.created_ids.map(|(first, last)| serde_json::json!({
                    "first": first,
                    "last": last,
                })),
            });
            w.append_event(&EventDraft::new(
                actor,
                run.now,
                EventKind::ImportBatch,
                None,
                batch,
            ))?;
            // The file's keys and the touched ids are done with: free them (tens of MB at
            // 1M rows) before the search index catches up, which sorts the whole book.
            run.seen = SeenKeys::default();
            run.touched = Vec::new();
            w.set_bulk_load(false)?;
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
    pub fn import_preview<R: Read + Send>(
        &self,
        mut input: R,
        options: &ImportOptions,
    ) -> Result<ImportReport> {
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
    /// gives one.
    ///
    /// The change feed gets one `import_batch` event naming the created contacts as an id
    /// range ([`crate::Event::batch_ids`]) and an `updated` event per updated contact. Each
    /// created contact has the provenance, point origins and first verification record of a
    /// single create by `actor`, and one audit entry records the import (ids and counts).
    ///
    /// Rows are read on one thread, validated on a second and decided on the caller's (so
    /// `input` must be `Send`); new contacts are written in batches, and the search index is
    /// brought up to date once, inside the same transaction, before the commit (see
    /// [`Writer::set_bulk_load`]). `progress` is called after every row; `errors`, if given,
    /// receives a CSV of the rejected and skipped rows with the reason in an `import_error`
    /// column (for CSV input, the original columns first, ready to fix and import again).
    ///
    /// [`Writer::set_bulk_load`]: crate::store::Writer::set_bulk_load
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
    pub fn import_commit<R: Read + Send>(
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
