//! The three readers of an import (CSV, JSON, vCard): each turns its input into rows for the
//! shared pipeline, one row in memory at a time.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use calcard::vcard::VCard;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::codec::decode::{Decoded, bytes_done};
use crate::codec::import::ImportOptions;
use crate::codec::intake::{Intake, Layout};
use crate::codec::jcard;
use crate::codec::json::ContactJson;
use crate::codec::json_shapes::{self, Columns};
use crate::codec::mapping::{ColumnMapping, Target, suggest_mapping, tidy};
use crate::codec::points::{in_country, parse_points};
use crate::codec::report::UnmappedColumn;
use crate::codec::rows::{AttrIn, Candidate, PointVal, Problem, Val, split_tags};
use crate::codec::sniff::{excel_separator, preamble_records, sniff_delimiter};
use crate::codec::spreadsheet_safe::unprotect;
use crate::codec::surrogates::LoneSurrogates;
use crate::contact::MAX_LABEL_CHARS;
use crate::email::Email;
use crate::error::{Error, Result};
use crate::phone::{Phone, PhoneRegion};

/// Counts line ends (LF, CR, CRLF) of the text passing through, so that the line of a record
/// can be told from its byte offset. (The `csv` crate's own line numbers count a CRLF twice
/// after the first record.) Only the line ends of the read-ahead window are kept.
struct LineIndex {
    pending: VecDeque<u64>,
    passed: u64,
    offset: u64,
    after_cr: bool,
}

impl LineIndex {
    /// The 1-based line of the byte at `offset` (offsets must not go backwards).
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|end| *end <= offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

struct Lines<R> {
    inner: R,
    index: Rc<RefCell<LineIndex>>,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.index.borrow_mut();
        for b in &buf[..n] {
            index.offset += 1;
            let end = index.offset;
            match b {
                b'\r' => index.pending.push_back(end),
                b'\n' if !index.after_cr => index.pending.push_back(end),
                _ => {}
            }
            index.after_cr = *b == b'\r';
        }
        Ok(n)
    }
}

fn read_error(line: u64, byte: Option<u64>, err: impl std::fmt::Display) -> Error {
    Error::Import {
        line,
        column: None,
        byte,
        reason: format!("the input could not be read: {err}"),
    }
}

/// A field quoted after a space (`a@x.com, "Foo 3", "Bar3"`: the space keeps the `csv`
/// crate from reading the quotes as quotes): its text without them (`""` in it is `"`).
/// Any other field comes back as it is.
fn unquote_after_space(field: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = field.trim();
    if field.starts_with(' ') && trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"') {
        return std::borrow::Cow::Owned(trimmed[1..trimmed.len() - 1].replace("\"\"", "\""));
    }
    std::borrow::Cow::Borrowed(field)
}

/// Tidies a header cell: spreadsheet marks and surrounding space gone.
fn tidy_cell(cell: &str) -> String {
    unprotect(unquote_after_space(cell).trim()).trim().to_owned()
}

/// Whether `cells`, the row under the header, describe the columns instead of holding a
/// contact (`Full name,E-mail address,Mobile number` under `name,email,phone`), as import
/// templates and some CRM exports carry: read as a header, at least two of its cells (and half
/// of the mapped columns) map onto the same kind of field as their column's header, and no
/// cell holds an email or a number's worth of digits.
fn describes_columns(mapping: &[ColumnMapping], cells: &[String]) -> bool {
    let holds_data =
        |c: &String| Email::parse(c).is_ok() || c.chars().filter(char::is_ascii_digit).count() >= 5;
    if cells.iter().any(holds_data) {
        return false;
    }
    let as_header = suggest_mapping(cells);
    let mapped: Vec<&ColumnMapping> = mapping.iter().filter(|m| m.target != Target::Ignore).collect();
    let same = mapped
        .iter()
        .filter(|m| {
            as_header
                .get(m.column)
                .is_some_and(|h| field_kind(&h.target) == field_kind(&m.target))
        })
        .count();
    same >= 2 && same * 2 >= mapped.len()
}

/// The kind of field a target fills, labels and name parts aside: what two wordings of one
/// column's header share.
fn field_kind(target: &Target) -> std::mem::Discriminant<Target> {
    use std::mem::discriminant;
    match target {
        Target::FirstName | Target::MiddleName | Target::LastName => discriminant(&Target::Name),
        Target::AdditionalEmail { .. } | Target::AdditionalEmails => {
            discriminant(&Target::Email { label: None })
        }
        Target::AdditionalPhone { .. } | Target::AdditionalPhones => {
            discriminant(&Target::Phone { label: None })
        }
        other => discriminant(other),
    }
}

/// The tidied label of a Google `... - Type` cell (`* Home` → `home`).
fn label_cell(cell: &str) -> Option<String> {
    let first = cell.split(":::").next().unwrap_or("");
    let label = first.trim().trim_start_matches('*').trim().to_lowercase();
    (!label.is_empty()).then_some(label)
}

/// A header as the caller's mapping matches it when not exactly: case and spacing ignored.
pub(crate) fn loose(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Applies the caller's mapping by header name (exactly, else ignoring case and spacing). A
/// name no column has is refused: a typo must not leave a column mapped as suggested.
pub(crate) fn apply_overrides(mapping: &mut [ColumnMapping], options: &ImportOptions) -> Result<()> {
    for (name, target) in &options.mapping {
        let hit = mapping
            .iter()
            .position(|m| m.header == *name)
            .or_else(|| mapping.iter().position(|m| loose(&m.header) == loose(name)));
        match hit {
            Some(i) => mapping[i].target = target.clone(),
            None => {
                let headers: Vec<String> = mapping.iter().map(|m| format!("{:?}", m.header)).collect();
                return Err(Error::Import {
                    line: 1,
                    column: Some(name.clone()),
                    byte: None,
                    reason: format!(
                        "the mapping names a column {name:?} that the header does not have (it has {})",
                        headers.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A file without a header row: its first row is data. Columns holding an email become
/// emails, and the first text column before them the name.
fn headerless_mapping(first: &[String]) -> Vec<ColumnMapping> {
    let mut email_seen = false;
    let mut phone_seen = false;
    let mut name_seen = false;
    first
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let target = if Email::parse(cell).is_ok() {
                let t = if email_seen {
                    Target::AdditionalEmail { label: None }
                } else {
                    Target::Email { label: None }
                };
                email_seen = true;
                t
            } else if is_international_phone(cell) {
                let t = if phone_seen {
                    Target::AdditionalPhone { label: None }
                } else {
                    Target::Phone { label: None }
                };
                phone_seen = true;
                t
            } else if !name_seen && !cell.trim().is_empty() {
                name_seen = true;
                Target::Name
            } else {
                Target::Ignore
            };
            ColumnMapping {
                column: i,
                header: format!("column {}", i + 1),
                target,
            }
        })
        .collect()
}

/// Whether a cell is an international phone number (a `+`, then a number libphonenumber
/// accepts): safe to recognise by its content, whatever the column is called.
fn is_international_phone(cell: &str) -> bool {
    cell.starts_with('+') && Phone::parse(cell, PhoneRegion::default()).is_ok()
}

/// Columns whose header says nothing the mapping knows, but whose value in the first data row
/// is an email address or an international phone number (a `WhatsApp` column, say), become
/// additional points labelled after the header, so no such column is dropped unseen.
pub(crate) fn content_hints<'c>(mapping: &mut [ColumnMapping], first_row: impl Fn(usize) -> Option<&'c str>) {
    // A display name column (`E-mail 2 Display Name: Ana (ana@x.com)`) shows the address of
    // the column beside it, which is mapped already.
    let display_name = |m: &ColumnMapping| {
        let t = tidy(&m.header);
        t.ends_with("display name") || t.ends_with("angezeigter name")
    };
    for m in mapping
        .iter_mut()
        .filter(|m| m.target == Target::Ignore && !display_name(m))
    {
        let cell = unprotect(first_row(m.column).unwrap_or("").trim());
        let label = Some(m.header.trim().to_lowercase())
            .filter(|l| !l.is_empty() && l.chars().count() <= MAX_LABEL_CHARS);
        if Email::parse(cell).is_ok() {
            m.target = Target::AdditionalEmail { label };
        } else if is_international_phone(cell) {
            m.target = Target::AdditionalPhone { label };
        }
    }
}

/// The columns that say something about another column: its points' label
/// ([`Target::LabelOf`]) or its phones' country ([`Target::CountryOf`]), by that column.
pub(crate) struct ColumnLinks {
    labels: Vec<Option<usize>>,
    countries: Vec<Vec<usize>>,
}

impl ColumnLinks {
    pub(crate) fn new(mapping: &[ColumnMapping], width: usize) -> ColumnLinks {
        let mut links = ColumnLinks {
            labels: vec![None; width],
            countries: vec![Vec::new(); width],
        };
        for m in mapping {
            match m.target {
                Target::LabelOf { column } => {
                    if let Some(slot) = links.labels.get_mut(column) {
                        *slot = Some(m.column);
                    }
                }
                Target::CountryOf { column } => {
                    if let Some(slot) = links.countries.get_mut(column) {
                        slot.push(m.column);
                    }
                }
                _ => {}
            }
        }
        links
    }
}

/// The email address Outlook gives beside an Exchange address: for an `E-mail Address` that
/// is an X.500 name (`/o=ExchangeLabs/ou=.../cn=ana`, type EX, what contacts saved from a
/// company directory hold), the address in its `E-mail Display Name` (`Ana Souza
/// (ana@example.com)`; German Outlook: `E-Mail-Adresse` and `E-Mail: angezeigter Name`).
/// `None` for any other value, or when that column has no address.
fn exchange_smtp(mapping: &[ColumnMapping], cells: &[String], header: &str, value: &str) -> Option<String> {
    if !value
        .get(..3)
        .is_some_and(|start| start.eq_ignore_ascii_case("/o="))
    {
        return None;
    }
    let tidied = tidy(header);
    let wanted = match tidied.strip_suffix(" address") {
        Some(stem) => format!("{stem} display name"),
        None => format!("{} angezeigter name", tidied.strip_suffix(" adresse")?),
    };
    let column = mapping.iter().find(|m| tidy(&m.header) == wanted)?.column;
    let address = crate::codec::rows::address_in(cells.get(column)?);
    address.contains('@').then(|| address.to_owned())
}

/// Builds the candidate of one CSV record.
pub(crate) fn csv_candidate(mapping: &[ColumnMapping], links: &ColumnLinks, cells: &[String]) -> Candidate {
    let mut c = Candidate::default();
    let mut parts: [Option<Val>; 3] = [None, None, None];
    let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
    for m in mapping {
        let text = cell(m.column);
        if text.is_empty() {
            continue;
        }
        let val = || Val::new(text, m.header.clone());
        let label_from_column = links
            .labels
            .get(m.column)
            .copied()
            .flatten()
            .and_then(|l| label_cell(cell(l)));
        let is_phone = matches!(m.target, Target::Phone { .. } | Target::AdditionalPhone { .. });
        let country = links
            .countries
            .get(m.column)
            .into_iter()
            .flatten()
            .map(|&c| cell(c).trim())
            .find(|c| is_phone && !c.is_empty());
        let points = |list: &mut Vec<PointVal>, label: &Option<String>, primary: bool| {
            for (n, one) in text
                .split(":::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .enumerate()
            {
                let one = country
                    .and_then(|country| in_country(one, country))
                    .or_else(|| exchange_smtp(mapping, cells, &m.header, one))
                    .unwrap_or_else(|| one.to_owned());
                list.push(PointVal {
                    value: Val::new(one, m.header.clone()),
                    original: None,
                    label: label_from_column.clone().or_else(|| label.clone()),
                    primary: primary && n == 0,
                });
            }
        };
        match &m.target {
            Target::Ignore | Target::LabelOf { .. } | Target::CountryOf { .. } => {}
            Target::Name => c.name = c.name.take().or_else(|| Some(val())),
            Target::FirstName => parts[0] = Some(val()),
            Target::MiddleName => parts[1] = Some(val()),
            Target::LastName => parts[2] = Some(val()),
            Target::Email { label } => points(&mut c.emails, label, true),
            Target::Phone { label } => points(&mut c.phones, label, true),
            Target::AdditionalEmail { label } => points(&mut c.emails, label, false),
            Target::AdditionalPhone { label } => points(&mut c.phones, label, false),
            Target::AdditionalEmails | Target::AdditionalPhones => {
                let list = if m.target == Target::AdditionalEmails {
                    &mut c.emails
                } else {
                    &mut c.phones
                };
                for p in parse_points(text) {
                    list.push(PointVal {
                        value: Val::new(p.value, m.header.clone()),
                        original: None,
                        label: p.label,
                        primary: false,
                    });
                }
            }
            Target::Tags => c.tags.extend(
                split_tags(text)
                    .into_iter()
                    .map(|t| Val::new(t, m.header.clone())),
            ),
            Target::Source => c.source = Some(val()),
            Target::Verification => c.verification = Some(val()),
            Target::CreatedAt => c.created_at = Some(val()),
            Target::LastActivityAt => c.last_activity_at = Some(val()),
            Target::Attribute { key } => {
                c.attributes
                    .push((key.clone(), AttrIn::Text(text.to_owned()), m.header.clone()))
            }
        }
    }
    // Chatwoot's `name` beside its `middle_name` and `last_name`: the ones the name leaves out
    // follow it. (A "Display Name" is the whole name as its owner wants it shown.)
    if let Some(name) = c.name.as_mut().filter(|name| name.column == "name") {
        let lower = name.text.to_lowercase();
        for part in parts[1..].iter().flatten() {
            let part = part.text.trim();
            if !part.is_empty() && !lower.contains(&part.to_lowercase()) {
                name.text = format!("{} {part}", name.text.trim());
            }
        }
    }
    c.name_parts = parts.into_iter().flatten().collect();
    // Only one primary of each kind: the first one flagged.
    for list in [&mut c.emails, &mut c.phones] {
        let mut taken = false;
        for p in list.iter_mut() {
            if p.primary && taken {
                p.primary = false;
            }
            taken |= p.primary;
        }
    }
    c
}

/// A row with more values than the header because one value held the delimiter without
/// quotes (`Doe, John,john@x.com,+1 415 555 0142` under `name,email,phone`): when joining
/// some neighbouring cells again (with the delimiter between them, as the file had them)
/// puts emails and phones back under the columns mapped to them, and the row fits the
/// header, the cells are joined. A row no join fits better stays as it was.
fn rejoin_unquoted_delimiter(
    cells: &mut Vec<String>,
    record: &csv::StringRecord,
    mapping: &[ColumnMapping],
    width: usize,
    delimiter: u8,
) {
    let extra = cells.len() - width;
    if extra > 3 || record.len() != cells.len() {
        return;
    }
    let fit = |cells: &[String]| -> i32 {
        mapping
            .iter()
            .filter_map(|m| Some((&m.target, cells.get(m.column).filter(|c| !c.is_empty())?)))
            .map(|(target, cell)| {
                let email = Email::parse(cell).is_ok();
                match target {
                    Target::Email { .. } | Target::AdditionalEmail { .. } => {
                        if email {
                            2
                        } else {
                            -2
                        }
                    }
                    Target::Phone { .. } | Target::AdditionalPhone { .. } => {
                        if email {
                            -2
                        } else if looks_like_phone(cell) {
                            1
                        } else {
                            -1
                        }
                    }
                    Target::Ignore => 0,
                    _ => {
                        if email || looks_like_phone(cell) {
                            -1
                        } else {
                            0
                        }
                    }
                }
            })
            .sum()
    };
    let as_is = fit(&cells[..width]);
    let joined_at = |at: usize| -> Vec<String> {
        let raw: Vec<&str> = record.iter().collect();
        let joined = raw[at..=at + extra].join(&char::from(delimiter).to_string());
        let mut out: Vec<String> = cells[..at].to_vec();
        out.push(unprotect(unquote_after_space(&joined).trim()).to_owned());
        out.extend_from_slice(&cells[at + extra + 1..]);
        out
    };
    // A join must keep emails and phones whole: a cell that is one is no part of a name.
    let best = (0..width)
        .filter(|&at| {
            cells[at..=at + extra]
                .iter()
                .all(|c| Email::parse(c).is_err() && !looks_like_phone(c))
        })
        .map(|at| (fit(&joined_at(at)), at))
        .max_by_key(|&(score, at)| (score, std::cmp::Reverse(at)));
    if let Some((score, at)) = best
        && score > as_is
    {
        *cells = joined_at(at);
    }
}

/// Whether a cell reads as a phone number: mostly digits, in phone punctuation.
fn looks_like_phone(cell: &str) -> bool {
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    digits >= 6
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.' | '/'))
}

/// The cells of a row beyond its header's columns that are an email address or an
/// international phone: additional points of the row (an export whose rows outgrew its
/// header still gives its addresses), named after their column (`column 29`).
fn points_beyond_header(candidate: &mut Candidate, cells: &[String], width: usize) {
    for (i, cell) in cells.iter().enumerate().skip(width) {
        let list = if Email::parse(cell).is_ok() {
            &mut candidate.emails
        } else if is_international_phone(cell) {
            &mut candidate.phones
        } else {
            if !cell.is_empty() {
                candidate.left_out.push(Problem {
                    column: Some(format!("column {}", i + 1)),
                    value: cell.clone(),
                    reason: format!(
                        "the value is beyond the header's {width} columns (the row has {}); not imported",
                        cells.len()
                    ),
                });
            }
            continue;
        };
        list.push(PointVal {
            value: Val::new(cell.clone(), format!("column {}", i + 1)),
            original: None,
            label: None,
            primary: false,
        });
    }
}

/// A row with values, but none in a column that is imported, is not blank: it is an error
/// that names those columns (a name in columns the mapping did not know, say), so the row is
/// not dropped unseen.
pub(crate) fn unimported_only(
    candidate: Candidate,
    mapping: &[ColumnMapping],
    cells: &[String],
) -> std::result::Result<Candidate, Problem> {
    if !candidate.is_blank() {
        return Ok(candidate);
    }
    let filled: Vec<(&str, &str)> = mapping
        .iter()
        .filter_map(|m| Some((m.header.as_str(), cells.get(m.column)?.trim())))
        .filter(|(_, cell)| !cell.is_empty())
        .collect();
    let Some(&(column, value)) = filled.first() else {
        return Ok(candidate);
    };
    let columns: Vec<String> = filled.iter().take(4).map(|(h, _)| format!("{h:?}")).collect();
    Err(Problem {
        column: Some(column.to_owned()),
        value: value.to_owned(),
        reason: format!(
            "the row has values only in columns that are not imported ({}): map one to a field \
             (--map COLUMN=FIELD) to import it",
            columns.join(", ")
        ),
    })
}

/// Whether a row of one value is the first line of the footer a CRM's report export ends
/// with (Salesforce: `Grand Totals (3 records)`, `Copyright (c) 2000-2024 salesforce.com,
/// inc.`, `Confidential Information - Do Not Distribute`, `Generated By: Ana  12/1/2024`).
fn is_report_footer(cells: &[String]) -> bool {
    let Some(value) = cells.iter().find(|c| !c.is_empty()) else {
        return false;
    };
    let t = value.trim().to_lowercase();
    [
        "grand totals",
        "subtotal",
        "copyright (c)",
        "copyright ©",
        "confidential information",
        "generated by",
    ]
    .iter()
    .any(|start| t.starts_with(start))
}

/// Reads a CSV input.
pub(crate) fn csv<R: Read>(decoded: Decoded<R>, options: &ImportOptions, run: &mut Intake) -> Result<()> {
    let delimiter = match options.delimiter {
        Some(d) if d.is_ascii() => d as u8,
        Some(d) => {
            return Err(Error::Import {
                line: 1,
                column: None,
                byte: None,
                reason: format!("the delimiter {d:?} is not an ASCII character"),
            });
        }
        None => excel_separator(&decoded.prefix).unwrap_or_else(|| sniff_delimiter(&decoded.prefix)),
    };
    // Excel's `sep=` line, and lines of text before the header, are no rows.
    let before_header = preamble_records(&decoded.prefix, delimiter);
    run.layout.delimiter = Some(delimiter as char);
    let bytes = decoded.bytes_read;
    let repairs = Arc::clone(&decoded.repairs);
    let index = Rc::new(RefCell::new(LineIndex {
        pending: VecDeque::new(),
        passed: 0,
        offset: 0,
        after_cr: false,
    }));
    let lines = Lines {
        inner: decoded.reader,
        index: Rc::clone(&index),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(lines);
    let mut record = csv::StringRecord::new();
    let position = |r: &csv::StringRecord| {
        r.position()
            .map(|p| (index.borrow_mut().line_at(p.byte()), p.byte()))
    };
    let mut more = true;
    for _ in 0..=before_header {
        more = reader
            .read_record(&mut record)
            .map_err(|e| read_error(1, e.position().map(|p| p.byte()), e))?;
        if !more {
            break;
        }
    }
    // Lines of spaces before the header are no header.
    while more && record.iter().all(|c| c.trim().is_empty()) {
        more = reader
            .read_record(&mut record)
            .map_err(|e| read_error(1, e.position().map(|p| p.byte()), e))?;
    }
    if !more {
        // An empty file (an export of an empty book as NDJSON or vCard is one) holds no rows.
        return Ok(());
    }
    let first: Vec<String> = record.iter().map(tidy_cell).collect();
    let headerless = first
        .iter()
        .any(|c| Email::parse(c).is_ok() || is_international_phone(c));
    let (header, mut mapping) = if headerless {
        let mapping = headerless_mapping(&first);
        (
            mapping.iter().map(|m| m.header.clone()).collect::<Vec<_>>(),
            mapping,
        )
    } else {
        (first.clone(), suggest_mapping(&first))
    };
    let mut pending_first = headerless;
    if !headerless {
        match reader.read_record(&mut record) {
            Ok(true) => {
                pending_first = true;
                content_hints(&mut mapping, |i| record.get(i));
            }
            Ok(false) => {}
            Err(e) => {
                let (line, byte) = e.position().map_or((0, None), |p| (p.line(), Some(p.byte())));
                return Err(read_error(line, byte, e));
            }
        }
    }
    apply_overrides(&mut mapping, options)?;
    if !headerless {
        run.guess_region_from_headers(&header);
    }
    let links = ColumnLinks::new(&mapping, header.len());
    run.layout.mapping = mapping.clone();
    run.layout.unmapped = mapping
        .iter()
        .filter(|m| m.target == Target::Ignore && !m.header.is_empty())
        .map(|m| UnmappedColumn {
            column: m.column,
            header: m.header.clone(),
            sample: None,
        })
        .collect();

    let mut cells: Vec<String> = Vec::new();
    // The next record is the first under the header.
    let mut before_first_row = true;
    // Past the first line of a report's footer, each line of one value is the footer's.
    let mut in_footer = false;
    // The line and text of the record before, which the text repairs before this record's
    // first byte are in.
    let mut before = (1u64, short(&first.join(",")));
    loop {
        let (line, start) = if pending_first {
            pending_first = false;
            position(&record).map_or((1, 0), |p| p)
        } else {
            match reader.read_record(&mut record) {
                Ok(true) => position(&record).map_or((0, 0), |p| p),
                Ok(false) => break,
                Err(e) => {
                    let (line, byte) = e.position().map_or((0, None), |p| (p.line(), Some(p.byte())));
                    return Err(read_error(line, byte, e));
                }
            }
        };
        if let Some(column) = swallowed_rows(&record, header.len(), delimiter) {
            return Err(Error::Import {
                line,
                column: header.get(column).cloned(),
                byte: Some(start),
                reason: "a quote opened in this row's field is closed only lines later (or never): \
                         the lines it swallowed look like rows of their own, so the file's quotes \
                         need fixing before it can be read"
                    .to_owned(),
            });
        }
        if repaired_before(&repairs, Some(start)) {
            run.note(before.0, std::mem::take(&mut before.1), REPAIRED)?;
        }
        cells.clear();
        cells.extend(
            record
                .iter()
                .map(|c| unprotect(unquote_after_space(c).trim()).to_owned()),
        );
        if !repairs_none(&repairs) {
            before = (line, short(&cells.join(",")));
        }
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        let first_row = std::mem::take(&mut before_first_row);
        let not_a_row = if !headerless && cells == header {
            Some("repeats the header; skipped")
        } else if !headerless && first_row && describes_columns(&mapping, &cells) {
            Some("describes the columns (a second header row), not a contact; skipped")
        } else if header.len() > 1 && filled == 1 && (in_footer || is_report_footer(&cells)) {
            in_footer = true;
            Some("is a report's footer (totals, copyright, who generated it), not a contact; skipped")
        } else {
            None
        };
        if let Some(reason) = not_a_row {
            run.skip(line, bytes_done(&bytes), short(&cells.join(",")), reason)?;
            continue;
        }
        if header.len() == 1 && filled > 1 {
            return Err(Error::Import {
                line,
                column: None,
                byte: position(&record).map(|p| p.1),
                reason: format!(
                    "the header has one column but this row has {filled} values: the file mixes \
                     delimiters, or its first line is not a header; give the delimiter or fix the first line"
                ),
            });
        }
        let ragged = cells.len() > header.len() && cells[header.len()..].iter().any(|c| !c.is_empty());
        if ragged {
            run.layout.ragged += 1;
            rejoin_unquoted_delimiter(&mut cells, &record, &mapping, header.len(), delimiter);
        }
        for u in run.layout.unmapped.iter_mut().filter(|u| u.sample.is_none()) {
            if let Some(c) = cells.get(u.column).filter(|c| !c.is_empty()) {
                u.sample = Some(c.clone());
            }
        }
        let mut candidate = csv_candidate(&mapping, &links, &cells);
        if cells.len() > header.len() {
            points_beyond_header(&mut candidate, &cells, header.len());
        }
        let candidate = unimported_only(candidate, &mapping, &cells);
        run.accept(line, candidate, Some(&header), Some(&cells), bytes_done(&bytes))?;
    }
    if repaired_before(&repairs, None) {
        run.note(before.0, before.1, REPAIRED)?;
    }
    Ok(())
}

/// The field of a record, if any, that holds whole rows: a line break followed by a line
/// with as many delimiters as a row of the header has, the mark of an opening quote that
/// was not closed where it should have been. (An address or a note with line breaks has
/// few delimiters in its lines.) With a header of two columns one delimiter is too common in
/// a note's line, so such a line must also hold what rows hold: an address or a number.
fn swallowed_rows(record: &csv::StringRecord, width: usize, delimiter: u8) -> Option<usize> {
    if width < 2 {
        return None;
    }
    let delimiter = char::from(delimiter);
    let row_like = |line: &str| {
        line.matches(delimiter).count() + 1 >= width
            && (width >= 3 || line.contains('@') || line.chars().filter(char::is_ascii_digit).count() >= 7)
    };
    record
        .iter()
        .position(|field| field.lines().skip(1).any(row_like))
}

/// Why a row's text was repaired.
const REPAIRED: &str = "has bytes that are not UTF-8, in a file that is UTF-8 elsewhere (a line pasted from \
     another file?): they were read as Windows-1252; check the row's text";

/// Whether the input had text repairs before decoded byte `limit` (any, without one), and
/// forgets them.
fn repaired_before(repairs: &crate::codec::decode::Repairs, limit: Option<u64>) -> bool {
    let Ok(mut repairs) = repairs.lock() else {
        return false;
    };
    let before = repairs
        .iter()
        .take_while(|at| limit.is_none_or(|limit| **at < limit))
        .count();
    repairs.drain(..before);
    before > 0
}

/// Whether no text repair is waiting (the usual case: then the row's text is not kept).
fn repairs_none(repairs: &crate::codec::decode::Repairs) -> bool {
    repairs.lock().map_or(true, |r| r.is_empty())
}

fn json_candidate(j: ContactJson) -> Candidate {
    let point =
        |value: String, original: Option<String>, label: Option<String>, primary: bool, column: &str| {
            PointVal {
                value: Val::new(value, column),
                original,
                label,
                primary,
            }
        };
    let mut c = Candidate {
        name: Some(Val::new(j.name, "name")),
        ..Candidate::default()
    };
    if let Some(email) = j.email {
        c.emails.push(point(email, None, j.email_label, true, "email"));
    }
    if let Some(phone) = j.phone {
        c.phones
            .push(point(phone, j.phone_original, j.phone_label, true, "phone"));
    }
    for p in j.additional_emails {
        c.emails
            .push(point(p.value, None, p.label, false, "additional_emails"));
    }
    for p in j.additional_phones {
        c.phones
            .push(point(p.value, p.original, p.label, false, "additional_phones"));
    }
    c.tags = j.tags.into_iter().map(|t| Val::new(t, "tags")).collect();
    c.source = j.source.map(|s| Val::new(s.as_str(), "source"));
    c.verification = j.verification.map(|v| Val::new(v.as_str(), "verification"));
    c.attributes = j
        .attributes
        .into_iter()
        .map(|(k, v)| (k, AttrIn::Typed(v), "attributes".to_owned()))
        .collect();
    c.created_at = j.created_at.map(|t| Val::new(t.to_rfc3339(), "created_at"));
    c.last_activity_at = j
        .last_activity_at
        .map(|t| Val::new(t.to_rfc3339(), "last_activity_at"));
    c
}

/// The candidate of one JSON element: our own shape exactly, else another system's (see
/// [`json_shapes`](crate::codec::json_shapes)).
fn json_element(
    value: &Value,
    columns: &mut Columns,
    layout: &mut Layout,
) -> Result<std::result::Result<Candidate, Problem>> {
    match ContactJson::deserialize(value) {
        Ok(ours) => Ok(Ok(json_candidate(ours))),
        Err(_) => columns.candidate(value, layout),
    }
}

/// Words of the keys of a JSON document whose array holds the contacts: `{"contacts":
/// [...]}`, Chatwoot's `payload`, HubSpot's `results`, Google's `connections`, Microsoft
/// Graph's `value`, a GraphQL connection's `edges`, CiviCRM's `civicrm_contact`, and other
/// common names.
const LIST_WORDS: [&str; 22] = [
    "contacts",
    "contact",
    "payload",
    "results",
    "data",
    "items",
    "records",
    "people",
    "persons",
    "person",
    "connections",
    "value",
    "entries",
    "list",
    "rows",
    "edges",
    "members",
    "users",
    "clients",
    "customers",
    "leads",
    "subscribers",
];

fn is_list_key(key: &str) -> bool {
    tidy(key).split(' ').any(|word| LIST_WORDS.contains(&word))
}

/// The contacts of a JSON object read whole (a line of NDJSON): the elements of the array
/// under its list key (at any depth), or the object itself.
fn contacts_in(value: &Value) -> Vec<&Value> {
    if let Value::Object(object) = value {
        if let Some(listed) = listed_contacts(object) {
            return listed;
        }
        if let Some(found) = unlisted_contacts(object) {
            return found;
        }
    }
    vec![value]
}

/// The elements of an array of objects under a list key of `object`, or of an object under
/// one, at any depth: an array right under a list key first (Pipedrive's `data` before the
/// `pagination` under its `additional_data`).
fn listed_contacts(object: &serde_json::Map<String, Value>) -> Option<Vec<&Value>> {
    let listed = || {
        object
            .iter()
            .filter(|(key, _)| is_list_key(key))
            .map(|(_, inner)| inner)
    };
    listed()
        .find_map(|inner| match inner {
            Value::Array(items) if items.iter().all(|i| i.is_object() || jcard::is_jcard(i)) => {
                Some(items.iter().collect())
            }
            _ => None,
        })
        .or_else(|| {
            listed().find_map(|inner| match inner {
                Value::Object(nested) => listed_contacts(nested),
                _ => None,
            })
        })
}

/// Takes the elements of a JSON input one by one.
struct Elements<'r, 'o> {
    run: &'r mut Intake,
    columns: Columns<'o>,
    bytes: Arc<AtomicU64>,
    number: u64,
    /// Whether an array of contacts was found in a document.
    found: bool,
    failed: Option<Error>,
}

impl Elements<'_, '_> {
    /// Reads one element (a GraphQL edge's `node` is the element) as row `number`.
    fn take(&mut self, number: u64, value: &Value) -> Result<()> {
        let value = match value {
            Value::Object(o) if o.len() <= 2 && o.get("node").is_some_and(Value::is_object) => &o["node"],
            other => other,
        };
        let row = match jcard::to_vcard(value).filter(|_| jcard::is_jcard(value)) {
            Some(card) if is_group_card(&card) => {
                return self
                    .run
                    .skip(number, bytes_done(&self.bytes), short(&card), GROUP_CARD);
            }
            Some(card) => vcard_row(&card, &mut self.run.layout),
            None => json_element(value, &mut self.columns, &mut self.run.layout)?,
        };
        self.run.accept(number, row, None, None, bytes_done(&self.bytes))
    }

    fn take_in_seq<'de, A: SeqAccess<'de>>(&mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.found = true;
        while let Some(value) = seq.next_element::<Value>()? {
            self.number += 1;
            if let Err(e) = self.take(self.number, &value) {
                self.failed = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// A JSON array: its elements are the contacts.
struct Array<'a, 'r, 'o>(&'a mut Elements<'r, 'o>);

impl<'de> Visitor<'de> for Array<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of contacts")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        self.0.take_in_seq(seq)
    }
}

/// A JSON document that is an object: the array under one of its [`LIST_WORDS`] keys (at any
/// depth: `{"data": {"people": [...]}}`) holds the contacts; without one, the object is
/// the one contact. Returns the object's other keys.
struct Document<'a, 'r, 'o>(&'a mut Elements<'r, 'o>);

impl<'de> DeserializeSeed<'de> for Document<'_, '_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object or array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Value, A::Error> {
        self.0.take_in_seq(seq)?;
        Ok(Value::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut rest = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !self.0.found && is_list_key(&key) {
                let other = map.next_value_seed(Document(&mut *self.0))?;
                if !other.is_null() {
                    rest.insert(key, other);
                }
            } else {
                rest.insert(key, map.next_value::<Value>()?);
            }
        }
        Ok(Value::Object(rest))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
}

/// Whether the input's first line is a whole JSON value by itself (NDJSON), not the start
/// of one document written over many lines.
fn first_line_is_value(text: &str) -> bool {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_reader::<_, serde::de::IgnoredAny>(LoneSurrogates::new(line.as_bytes())).is_ok()
}

/// Reads a JSON input: an array of contacts, NDJSON (one contact a line), or one document
/// (an object holding the array of contacts under a key such as `contacts`, or one contact).
pub(crate) fn json<R: Read>(decoded: Decoded<R>, options: &ImportOptions, run: &mut Intake) -> Result<()> {
    let bytes = decoded.bytes_read;
    let start = decoded.prefix.trim_start();
    let is_array = start.starts_with('[');
    let is_ndjson = !is_array && first_line_is_value(start);
    let mut reader = BufReader::new(LoneSurrogates::new(decoded.reader));
    let mut elements = Elements {
        run,
        columns: Columns::new(options),
        bytes: Arc::clone(&bytes),
        number: 0,
        found: false,
        failed: None,
    };
    if is_ndjson {
        let mut line = String::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .map_err(|e| read_error(number + 1, Some(bytes_done(&bytes)), e))?;
            if n == 0 {
                break;
            }
            number += 1;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(&line) {
                // A document on one line holds its contacts as one that spans many does.
                Ok(value) => {
                    for one in contacts_in(&value) {
                        elements.take(number, one)?;
                    }
                }
                Err(e) => {
                    let problem = Problem {
                        column: None,
                        value: short(&line),
                        reason: format!("not a contact: {e}"),
                    };
                    elements
                        .run
                        .accept(number, Err(problem), None, None, bytes_done(&bytes))?;
                }
            }
        }
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    // One jCard (`["vcard", [...]]`) is one contact, not an array of them.
    let one_jcard = is_array
        && start[1..]
            .trim_start()
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("\"vcard\""));
    if one_jcard {
        let value = Value::deserialize(&mut de)
            .map_err(|e| read_error(e.line() as u64, None, format!("the jCard is not valid JSON: {e}")))?;
        de.end().map_err(|e| read_error(e.line() as u64, None, e))?;
        return elements.take(1, &value);
    }
    let parsed = if is_array {
        (&mut de).deserialize_seq(Array(&mut elements))
    } else {
        Document(&mut elements).deserialize(&mut de).map(|rest| {
            if elements.found {
                return;
            }
            let Value::Object(object) = &rest else { return };
            if let Some(items) = unlisted_contacts(object) {
                for (i, value) in items.into_iter().enumerate() {
                    if let Err(e) = elements.take(i as u64 + 1, value) {
                        elements.failed = Some(e);
                        return;
                    }
                }
                return;
            }
            // An object of contacts by their ids (`{"ana": {...}, "bo": {...}}`): objects
            // alike, each with the same keys. Else the object is the one contact.
            let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
            let first = object.values().next().and_then(keys);
            let alike = object.len() >= 2 && first.is_some() && object.values().all(|v| keys(v) == first);
            let elements_of: Vec<&Value> = if alike {
                object.values().collect()
            } else {
                vec![&rest]
            };
            for (i, value) in elements_of.into_iter().enumerate() {
                if let Err(e) = elements.take(i as u64 + 1, value) {
                    elements.failed = Some(e);
                    return;
                }
            }
        })
    };
    if let Some(e) = elements.failed {
        return Err(e);
    }
    parsed.map_err(|e| {
        read_error(
            e.line() as u64,
            None,
            format!("the JSON is not an array of contacts, NDJSON or a document holding them: {e}"),
        )
    })?;
    de.end().map_err(|e| read_error(e.line() as u64, None, e))
}

/// The contacts of a document without a list key: under wrappers of one key (`{"payload":
/// {"contact": {...}}}`, one contact as an API returns it), the one contact; in a document
/// that is no contact itself, its largest array of objects (`responses`, `hits`,
/// `elements`), whose elements read as one contact would all be merged into one. `None`
/// when the document is the one contact as it is.
fn unlisted_contacts(document: &serde_json::Map<String, Value>) -> Option<Vec<&Value>> {
    let mut object = document;
    let mut unwrapped = None;
    while !json_shapes::looks_like_contact(object)
        && object.len() == 1
        && let Some(inner @ Value::Object(o)) = object.values().next()
    {
        object = o;
        unwrapped = Some(inner);
    }
    if !json_shapes::looks_like_contact(object)
        && let Some(items) = largest_array_of_objects(object)
    {
        return Some(items.iter().collect());
    }
    unwrapped.map(|one| vec![one])
}

/// The array with the most elements, all objects (or jCards), at any depth of `object`.
fn largest_array_of_objects(object: &serde_json::Map<String, Value>) -> Option<&Vec<Value>> {
    fn visit<'v>(value: &'v Value, best: &mut Option<&'v Vec<Value>>) {
        match value {
            Value::Array(items) => {
                let of_objects =
                    !items.is_empty() && items.iter().all(|i| i.is_object() || jcard::is_jcard(i));
                if !of_objects {
                    items.iter().for_each(|i| visit(i, best));
                } else if best.is_none_or(|b| items.len() > b.len()) {
                    *best = Some(items);
                }
            }
            Value::Object(o) => o.values().for_each(|v| visit(v, best)),
            _ => {}
        }
    }
    let mut best = None;
    object.values().for_each(|v| visit(v, &mut best));
    best
}

fn short(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

/// Reads a vCard input card by card: lines are gathered from `BEGIN:VCARD` to `END:VCARD`,
/// and each card is parsed by `calcard`.
/// Why the card of a group is skipped.
const GROUP_CARD: &str = "is the vCard of a group (its members are cards of their own); skipped";

/// Whether a card stands for a group of contacts, not a person (vCard 4.0's `KIND:group`,
/// Apple's `X-ADDRESSBOOKSERVER-KIND:group`): skipped, as its members are cards of their own.
fn is_group_card(card: &str) -> bool {
    card.lines().any(|line| {
        let Some((name, value)) = line.trim().split_once(':') else {
            return false;
        };
        (name.eq_ignore_ascii_case("kind") || name.eq_ignore_ascii_case("x-addressbookserver-kind"))
            && value.trim().eq_ignore_ascii_case("group")
    })
}

/// vCard 2.1's shorthand for an encoding parameter (`FN;QUOTED-PRINTABLE:Ad=C3=A8le`), which
/// `calcard` reads only in full: each property's `;QUOTED-PRINTABLE` becomes
/// `;ENCODING=QUOTED-PRINTABLE`.
fn spell_out_encodings(card: &str) -> std::borrow::Cow<'_, str> {
    let shorthand = |line: &str| {
        line.split_once(':').is_some_and(|(head, _)| {
            head.split(';')
                .skip(1)
                .any(|p| p.trim().eq_ignore_ascii_case("quoted-printable"))
        })
    };
    if !card.lines().any(shorthand) {
        return std::borrow::Cow::Borrowed(card);
    }
    let mut out = String::with_capacity(card.len() + 64);
    for line in card.split_inclusive('\n') {
        match line.split_once(':') {
            Some((head, value)) if shorthand(line) => {
                let params: Vec<String> = head
                    .split(';')
                    .enumerate()
                    .map(|(i, p)| {
                        if i > 0 && p.trim().eq_ignore_ascii_case("quoted-printable") {
                            "ENCODING=QUOTED-PRINTABLE".to_owned()
                        } else {
                            p.to_owned()
                        }
                    })
                    .collect();
                out.push_str(&params.join(";"));
                out.push(':');
                out.push_str(value);
            }
            _ => out.push_str(line),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether a line of a card begins a property (`TEL;CELL:`, `item1.EMAIL:`, `END:VCARD`)
/// rather than continuing a quoted-printable value from the line before.
fn begins_property(line: &str) -> bool {
    const NAMES: [&str; 24] = [
        "BEGIN",
        "END",
        "VERSION",
        "N",
        "FN",
        "TEL",
        "EMAIL",
        "ADR",
        "ORG",
        "TITLE",
        "ROLE",
        "NOTE",
        "URL",
        "BDAY",
        "PHOTO",
        "LABEL",
        "CATEGORIES",
        "NICKNAME",
        "UID",
        "REV",
        "GEO",
        "TZ",
        "SOUND",
        "AGENT",
    ];
    let head = line.split([':', ';']).next().unwrap_or("");
    if head.len() == line.len() {
        return false;
    }
    let name = head.rsplit('.').next().unwrap_or(head).trim();
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
        || name.get(..2).is_some_and(|x| x.eq_ignore_ascii_case("X-"))
}

/// Quoted-printable values as phones really write them, made what `calcard` reads: a soft
/// line break (`=` at the end of a line, spaces after it or not) joins the next line, unless
/// that line begins a property or the card's end, so a value ending in `=` does not swallow
/// the next property; a `=` that starts no escape (a fold left inside a value: `=B0==D0`) is
/// dropped instead of making the whole value unreadable.
fn mend_quoted_printable(card: &str) -> std::borrow::Cow<'_, str> {
    let is_qp = |line: &str| {
        line.split_once(':').is_some_and(|(head, _)| {
            head.split(';').skip(1).any(|p| {
                let p = p.trim();
                p.eq_ignore_ascii_case("quoted-printable")
                    || p.eq_ignore_ascii_case("encoding=quoted-printable")
            })
        })
    };
    if !card.lines().any(is_qp) {
        return std::borrow::Cow::Borrowed(card);
    }
    let lines: Vec<&str> = card.lines().collect();
    let mut out = String::with_capacity(card.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let Some((head, first)) = line.split_once(':').filter(|_| is_qp(line)) else {
            out.push_str(line);
            out.push_str("\r\n");
            continue;
        };
        let mut value = first.trim_end_matches([' ', '\t']).to_owned();
        while value.ends_with('=') {
            value.pop();
            match lines.get(i) {
                Some(next) if !next.trim().is_empty() && !begins_property(next) => {
                    value.push_str(next.trim_start().trim_end_matches([' ', '\t']));
                    i += 1;
                }
                _ => break,
            }
        }
        out.push_str(head);
        out.push(':');
        let bytes = value.as_bytes();
        for (at, c) in value.char_indices() {
            let escape = c == '='
                && bytes
                    .get(at + 1..at + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if c != '=' || escape {
                out.push(c);
            }
        }
        out.push_str("\r\n");
    }
    std::borrow::Cow::Owned(out)
}

/// Hands one whole card, from BEGIN:VCARD to END:VCARD, that began at line `start` to `run`.
/// The card is unfolded as bytes before it is read as UTF-8: a folded line may split a
/// character between its two parts.
fn end_card(run: &mut Intake, card: &[u8], start: u64, bytes_done: u64) -> Result<()> {
    let unfolded = crate::codec::decode::unfold(card);
    // A card that is not UTF-8 in a file that is (a card written by another program, in
    // its own charset): read in the CHARSET it names, else as Windows-1252.
    let text = match std::str::from_utf8(&unfolded) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            crate::codec::decode::declared_charset(&unfolded)
                .unwrap_or(encoding_rs::WINDOWS_1252)
                .decode_without_bom_handling(&unfolded)
                .0
        }
    };
    let mended = mend_quoted_printable(&text);
    let card = spell_out_encodings(&mended);
    if is_group_card(&card) {
        return run.skip(start, bytes_done, short(&card), GROUP_CARD);
    }
    let row = vcard_row(&card, &mut run.layout);
    run.accept(start, row, None, None, bytes_done)
}

/// The candidate of one card's text; the properties it leaves out are added to `layout`'s
/// unmapped ones.
fn vcard_row(card: &str, layout: &mut Layout) -> std::result::Result<Candidate, Problem> {
    match VCard::parse(card) {
        Ok(parsed) => {
            for (name, sample) in crate::codec::vcard::unread_properties(&parsed) {
                if !layout.unmapped.iter().any(|u| u.header == name) {
                    layout.unmapped.push(UnmappedColumn {
                        column: layout.unmapped.len(),
                        header: name,
                        sample: Some(sample),
                    });
                }
            }
            Ok(crate::codec::vcard::candidate(&parsed))
        }
        Err(e) => Err(Problem {
            column: None,
            value: short(card),
            reason: format!("not a readable vCard ({e:?})"),
        }),
    }
}

/// Reads a vCard input card by card: lines are gathered from `BEGIN:VCARD` to `END:VCARD`,
/// and each card is parsed by `calcard`. Lines are bytes until a card is whole (UTF-8 input
/// comes as it is; see [`end_card`]).
pub(crate) fn vcard<R: Read>(decoded: Decoded<R>, run: &mut Intake) -> Result<()> {
    let bytes = decoded.bytes_read;
    let mut reader = BufReader::new(decoded.reader);
    let mut line = Vec::new();
    let mut card: Vec<u8> = Vec::new();
    let mut number = 0u64;
    let mut start = 0u64;
    // Inside the card of an `AGENT` property: how many cards deep; right after `AGENT:`.
    let mut nested = 0usize;
    let mut after_agent = false;
    // `BEGIN:VCAR` too: a card cut short in its first line still begins there.
    let is_begin = |b: &[u8]| b.get(..10).is_some_and(|s| s.eq_ignore_ascii_case(b"BEGIN:VCAR"));
    // A property line outside a card: a card whose BEGIN line is missing begins there.
    let is_property = |b: &[u8]| {
        let name_end = b.iter().position(|c| matches!(c, b':' | b';')).unwrap_or(0);
        let name = &b[..name_end];
        ["VERSION", "FN", "N", "EMAIL", "TEL", "ORG", "NICKNAME", "UID"]
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p.as_bytes()))
    };
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| read_error(number + 1, Some(bytes_done(&bytes)), e))?;
        if n == 0 {
            break;
        }
        // LF and CRLF end lines, and so does a lone CR: old Mac files use only CR, and some
        // exporters write CR CR LF.
        let mut text = &line[..];
        while let [rest @ .., b'\r' | b'\n'] = text {
            text = rest;
        }
        for piece in text.split(|b| *b == b'\r') {
            number += 1;
            let bare = piece.trim_ascii();
            let bare = bare.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(bare);
            if card.is_empty() {
                if is_begin(bare) {
                    start = number;
                    card.extend_from_slice(b"BEGIN:VCARD\r\n");
                } else if is_property(bare) {
                    start = number;
                    card.extend_from_slice(b"BEGIN:VCARD\r\n");
                    card.extend_from_slice(piece);
                    card.extend_from_slice(b"\r\n");
                }
                continue;
            }
            if piece.is_empty() {
                continue;
            }
            // vCard 2.1's `AGENT:` followed by a whole card (the contact's assistant): that
            // card is the property's value, not a card of the file, and is not read.
            if nested > 0 {
                if is_begin(bare) {
                    nested += 1;
                } else if bare.eq_ignore_ascii_case(b"END:VCARD") {
                    nested -= 1;
                }
                continue;
            }
            if after_agent && is_begin(bare) {
                nested = 1;
                after_agent = false;
                continue;
            }
            after_agent = bare
                .split(|b| matches!(b, b':' | b';'))
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case(b"AGENT"))
                && bare.ends_with(b":");
            // A card that begins before the last one ended: that one ended there (an exporter
            // that left out its END:VCARD), so the new one is not swallowed by it.
            if is_begin(bare) {
                card.extend_from_slice(b"END:VCARD\r\n");
                end_card(run, &card, start, bytes_done(&bytes))?;
                card.clear();
                start = number;
                card.extend_from_slice(b"BEGIN:VCARD\r\n");
                continue;
            }
            card.extend_from_slice(piece);
            card.extend_from_slice(b"\r\n");
            if bare.eq_ignore_ascii_case(b"END:VCARD") {
                end_card(run, &card, start, bytes_done(&bytes))?;
                card.clear();
            }
        }
    }
    // A file cut short in its last card: the card is reported, not read, so that a file
    // that lost its end is noticed and the card fixed from the error report.
    if !card.is_empty() {
        let problem = Problem {
            column: None,
            value: short(&String::from_utf8_lossy(&card)),
            reason: "the card has no END:VCARD line (the file may be cut short)".into(),
        };
        run.accept(start, Err(problem), None, None, bytes_done(&bytes))?;
    }
    Ok(())
}
