//! The CSV export writer (columns documented on [`crate::ExportFormat`]).

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::codec::points::format_points;
use crate::codec::rows::format_number;
use crate::codec::spreadsheet_safe::spreadsheet_safe;
use crate::contact::{AttributeValue, Attributes, Contact};
use crate::error::{Error, Result, StorageError};
use crate::store::{PointKind, Row, RowPage, Span};

/// The fixed columns, in their documented order.
pub(crate) const COLUMNS: [&str; 13] = [
    "id",
    "name",
    "email",
    "phone",
    "additional_emails",
    "additional_phones",
    "tags",
    "source",
    "verification",
    "created_at",
    "last_activity_at",
    "email_label",
    "phone_label",
];

pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn attribute_text(value: &AttributeValue) -> String {
    match value {
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Number(n) => format_number(*n),
        AttributeValue::DateTime(at) => iso(*at),
        AttributeValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        AttributeValue::Text(t) => t.clone(),
    }
}

fn csv_error(err: csv::Error) -> Error {
    Error::Io(err.to_string())
}

/// Streams contacts as CSV rows, each cell written straight from the contact; cells that
/// need formatting (ids, times, lists) go through one reused buffer.
pub(crate) struct CsvRows<W: Write> {
    writer: csv::Writer<W>,
    attribute_keys: Vec<String>,
    buf: String,
    /// The one-row page a whole contact is written through.
    scratch: RowPage,
}

const NO_ATTRIBUTES: &Attributes = &Attributes::new();

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// Writes `at` as `iso` does, into `out`: digit by digit for years 0 to 9999 (the
/// formatting machinery was a fifth of a CSV export's writing thread).
fn write_iso(out: &mut String, at: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    let year = at.year();
    if !(0..=9999).contains(&year) {
        out.push_str(&iso(at));
        return;
    }
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            text[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, at.month());
    put(8, 2, at.day());
    put(11, 2, at.hour());
    put(14, 2, at.minute());
    put(17, 2, at.second());
    put(20, 3, at.timestamp_subsec_millis().min(999));
    out.extend(text.iter().map(|&b| char::from(b)));
}

impl<W: Write> CsvRows<W> {
    pub(crate) fn new(mut out: W, bom: bool, attribute_keys: Vec<String>) -> Result<Self> {
        if bom {
            out.write_all("\u{FEFF}".as_bytes())?;
        }
        let mut writer = csv::WriterBuilder::new().from_writer(out);
        let header = COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .chain(attribute_keys.iter().map(|k| format!("attr:{k}")));
        writer.write_record(header).map_err(csv_error)?;
        Ok(CsvRows {
            writer,
            attribute_keys,
            buf: String::new(),
            scratch: RowPage::default(),
        })
    }

    fn cell(&mut self, text: &str) -> Result<()> {
        self.writer
            .write_field(spreadsheet_safe(text).as_ref())
            .map_err(csv_error)
    }

    /// Writes the buffer as a cell and empties it.
    fn buffered_cell(&mut self) -> Result<()> {
        let text = std::mem::take(&mut self.buf);
        let written = self.cell(&text);
        self.buf = text;
        self.buf.clear();
        written
    }

    pub(crate) fn write(&mut self, c: &Contact) -> Result<()> {
        let mut page = std::mem::take(&mut self.scratch);
        page.clear();
        page.push_contact_without_attributes(c);
        let written = match page.rows.first() {
            Some(row) => self.write_row(&page, row, Some(&c.attributes)),
            None => Ok(()),
        };
        self.scratch = page;
        written
    }

    /// Writes `row` of `page`, with these attributes or, when `None`, the row's own.
    pub(crate) fn write_row(
        &mut self,
        page: &RowPage,
        row: &Row,
        attributes: Option<&Attributes>,
    ) -> Result<()> {
        push_decimal(&mut self.buf, row.id.as_raw());
        self.buffered_cell()?;
        let text = |span: Option<Span>| span.map_or("", |s| page.text(s));
        self.cell(page.text(row.name))?;
        self.cell(text(row.email))?;
        self.cell(text(row.phone))?;
        for kind in [PointKind::Email, PointKind::Phone] {
            format_points(&mut self.buf, page.more_points_of(row, kind));
            self.buffered_cell()?;
        }
        for (i, tag) in page.tags_of(row).enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push_str(tag);
        }
        self.buffered_cell()?;
        self.cell(row.source.as_str())?;
        self.cell(row.verification.as_str())?;
        write_iso(&mut self.buf, row.created_at);
        self.buffered_cell()?;
        if let Some(at) = row.last_activity_at {
            write_iso(&mut self.buf, at);
        }
        self.buffered_cell()?;
        self.cell(text(row.email_label))?;
        self.cell(text(row.phone_label))?;
        if !self.attribute_keys.is_empty() {
            let parsed;
            let attributes = match (attributes, page.text(row.attributes)) {
                (Some(given), _) => given,
                (None, "{}" | "") => NO_ATTRIBUTES,
                (None, json) => {
                    parsed = serde_json::from_str::<Attributes>(json).map_err(|err| {
                        Error::Storage(StorageError::new(format!("attributes of {}: {err}", row.id)))
                    })?;
                    &parsed
                }
            };
            for i in 0..self.attribute_keys.len() {
                let text = attributes
                    .get(&self.attribute_keys[i])
                    .map(attribute_text)
                    .unwrap_or_default();
                self.cell(&text)?;
            }
        }
        self.writer.write_record(None::<&[u8]>).map_err(csv_error)
    }

    pub(crate) fn get_ref(&self) -> &W {
        self.writer.get_ref()
    }

    pub(crate) fn finish(mut self) -> Result<W> {
        self.writer.flush()?;
        self.writer
            .into_inner()
            .map_err(|e| Error::Io(e.error().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_times_match_rfc3339_with_milliseconds() {
        for ms in [
            0_i64,
            1_714_557_600_123,
            1_714_557_600_999,
            253_402_300_799_999,
            -62_135_596_800_000,
        ] {
            let at = DateTime::from_timestamp_millis(ms).expect("in range");
            let mut out = String::new();
            write_iso(&mut out, at);
            assert_eq!(out, iso(at), "{ms}");
        }
    }
}
