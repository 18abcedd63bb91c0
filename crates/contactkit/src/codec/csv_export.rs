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

/// Streams contacts as CSV rows; one record buffer is reused for every row.
pub(crate) struct CsvRows<W: Write> {
    writer: csv::Writer<W>,
    attribute_keys: Vec<String>,
    record: Vec<String>,
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
            record: Vec::new(),
        })
    }

    pub(crate) fn write(&mut self, c: &Contact) -> Result<()> {
        let r = &mut self.record;
        r.clear();
        r.push(c.id.to_string());
        r.push(c.name.clone());
        r.push(c.email().unwrap_or_default().to_owned());
        r.push(c.phone().unwrap_or_default().to_owned());
        r.push(format_points(
            c.emails
                .iter()
                .skip(1)
                .map(|p| (p.address.as_str(), p.label.as_deref())),
        ));
        r.push(format_points(
            c.phones
                .iter()
                .skip(1)
                .map(|p| (p.e164.as_str(), p.label.as_deref())),
        ));
        r.push(c.tags.join(","));
        r.push(c.source.as_str().to_owned());
        r.push(c.verification.as_str().to_owned());
        r.push(iso(c.created_at));
        r.push(c.last_activity_at.map(iso).unwrap_or_default());
        r.push(c.emails.first().and_then(|p| p.label.clone()).unwrap_or_default());
        r.push(c.phones.first().and_then(|p| p.label.clone()).unwrap_or_default());
        for key in &self.attribute_keys {
            r.push(c.attributes.get(key).map(attribute_text).unwrap_or_default());
        }
        for cell in &self.record {
            self.writer
                .write_field(spreadsheet_safe(cell).as_ref())
                .map_err(csv_error)?;
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
