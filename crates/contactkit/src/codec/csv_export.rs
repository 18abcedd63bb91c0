//! The CSV export writer (columns documented on [`crate::ExportFormat`]).

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::codec::points::format_points;
use crate::codec::rows::format_number;
use crate::codec::spreadsheet_safe::spreadsheet_safe;
use crate::contact::{AttributeValue, Contact};
use crate::error::{Error, Result};

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
}

/// Writes `at` as `iso` does, into `out` (no allocation for years 0 to 9999).
fn write_iso(out: &mut String, at: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    if (0..=9999).contains(&at.year()) {
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.timestamp_subsec_millis().min(999)
        );
    } else {
        out.push_str(&iso(at));
    }
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
        use std::fmt::Write as _;
        let _ = write!(self.buf, "{}", c.id);
        self.buffered_cell()?;
        self.cell(&c.name)?;
        self.cell(c.email().unwrap_or_default())?;
        self.cell(c.phone().unwrap_or_default())?;
        self.buf.push_str(&format_points(
            c.emails
                .iter()
                .skip(1)
                .map(|p| (p.address.as_str(), p.label.as_deref())),
        ));
        self.buffered_cell()?;
        self.buf.push_str(&format_points(
            c.phones
                .iter()
                .skip(1)
                .map(|p| (p.e164.as_str(), p.label.as_deref())),
        ));
        self.buffered_cell()?;
        for (i, tag) in c.tags.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push_str(tag);
        }
        self.buffered_cell()?;
        self.cell(c.source.as_str())?;
        self.cell(c.verification.as_str())?;
        write_iso(&mut self.buf, c.created_at);
        self.buffered_cell()?;
        if let Some(at) = c.last_activity_at {
            write_iso(&mut self.buf, at);
        }
        self.buffered_cell()?;
        self.cell(
            c.emails
                .first()
                .and_then(|p| p.label.as_deref())
                .unwrap_or_default(),
        )?;
        self.cell(
            c.phones
                .first()
                .and_then(|p| p.label.as_deref())
                .unwrap_or_default(),
        )?;
        for i in 0..self.attribute_keys.len() {
            let text = c
                .attributes
                .get(&self.attribute_keys[i])
                .map(attribute_text)
                .unwrap_or_default();
            self.cell(&text)?;
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
