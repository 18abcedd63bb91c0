//! Import and export with the GIL released: options from keyword arguments, the input or
//! output (a path, bytes or a Python file), and the progress callback.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::sync::Arc;

use contactkit::{
    Actor, Book, ExportFormat, ExportOptions, ExportScope, ImportFormat, ImportOptions, ImportReport,
    OnDuplicate, PhoneRegion, Target,
};
use pyo3::prelude::*;

use crate::convert::{contact_ids, wire};
use crate::errors;
use crate::query::Query;
use crate::stream::{Callback, Input, Output};

/// Import options from keyword arguments.
pub fn import_options(
    format: Option<&str>,
    encoding: Option<String>,
    delimiter: Option<char>,
    mapping: Option<BTreeMap<String, String>>,
    on_duplicate: &str,
    default_region: Option<&str>,
) -> PyResult<ImportOptions> {
    let mut targets = BTreeMap::new();
    for (column, target) in mapping.unwrap_or_default() {
        let parsed: Target = target.parse().map_err(errors::to_py)?;
        targets.insert(column, parsed);
    }
    Ok(ImportOptions {
        format: format
            .map(|f| wire::<ImportFormat>(f, "format", "csv, json, vcard"))
            .transpose()?,
        encoding,
        delimiter,
        mapping: targets,
        on_duplicate: wire::<OnDuplicate>(on_duplicate, "on_duplicate", "skip, update, abort")?,
        default_region: default_region
            .map(PhoneRegion::new)
            .transpose()
            .map_err(errors::to_py)?,
        bytes_total: None,
        idempotency_key: None,
    })
}

/// The exception of a failed import or export: what the Python side raised (the callback,
/// the file's `read` or `write`) wins over the core's `Cancelled` or `Io` it caused.
fn failure(err: contactkit::Error, python: [Option<PyErr>; 3]) -> PyErr {
    python
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_else(|| errors::to_py(err))
}

/// Previews (`actor` None) or commits an import.
pub fn import(
    py: Python<'_>,
    book: Arc<Book>,
    actor: Option<Actor>,
    source: &Bound<'_, PyAny>,
    options: ImportOptions,
    progress: Option<Py<PyAny>>,
    errors_to: Option<&Bound<'_, PyAny>>,
) -> PyResult<ImportReport> {
    let input = Input::from_py(source)?;
    let mut errors_out = errors_to
        .filter(|e| !e.is_none())
        .map(Output::from_py)
        .transpose()?;
    let mut callback = Callback::new(progress);
    let mut reader_error = None;
    let mut writer_error = None;
    let result = py.detach(|| -> contactkit::Result<ImportReport> {
        let mut error_file = match &mut errors_out {
            Some(Output::Path(path)) => Some(BufWriter::new(File::create(path.as_path())?)),
            _ => None,
        };
        let errors_sink: Option<&mut dyn Write> = match (&mut errors_out, &mut error_file) {
            (_, Some(file)) => Some(file),
            (Some(Output::File(writer)), None) => Some(writer),
            _ => None,
        };
        let progress = |p| callback.call(p);
        let report = match (input, &actor) {
            (Input::Path(path), None) => book.import_preview_path(&path, &options),
            (Input::Path(path), Some(actor)) => {
                book.import_commit_path(actor, &path, &options, progress, errors_sink)
            }
            (Input::Bytes(bytes), None) => book.import_preview(bytes.as_slice(), &options),
            (Input::Bytes(bytes), Some(actor)) => {
                book.import_commit(actor, bytes.as_slice(), &options, progress, errors_sink)
            }
            (Input::File(mut reader), actor) => {
                let report = match actor {
                    None => book.import_preview(BufReader::new(&mut reader), &options),
                    Some(actor) => book.import_commit(
                        actor,
                        BufReader::new(&mut reader),
                        &options,
                        progress,
                        errors_sink,
                    ),
                };
                reader_error = reader.error.take();
                report
            }
        };
        if let Some(file) = &mut error_file {
            file.flush()?;
        }
        if let Some(Output::File(writer)) = &mut errors_out {
            let flushed = writer.flush();
            writer_error = writer.error.take();
            flushed?;
        }
        report
    });
    result.map_err(|err| failure(err, [callback.error.take(), reader_error, writer_error]))
}

/// The scope of an export: None (every contact), a `Query`, or a list of ids.
pub fn export_scope(scope: Option<&Bound<'_, PyAny>>) -> PyResult<ExportScope> {
    let Some(scope) = scope.filter(|s| !s.is_none()) else {
        return Ok(ExportScope::All);
    };
    if let Ok(query) = scope.cast::<Query>() {
        return Ok(ExportScope::Filtered(query.get().inner.clone()));
    }
    let ids: Vec<i64> = scope.extract().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("an export scope is None, a Query or a list of contact ids")
    })?;
    Ok(ExportScope::Ids(contact_ids(&ids)?))
}

/// Exports `scope` to a path or a Python file.
pub fn export(
    py: Python<'_>,
    book: Arc<Book>,
    destination: &Bound<'_, PyAny>,
    format: &str,
    scope: ExportScope,
    bom: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<contactkit::ExportSummary> {
    let format: ExportFormat = wire(format, "format", "csv, json, ndjson, vcard")?;
    let options = ExportOptions {
        bom,
        ..ExportOptions::default()
    };
    let mut output = Output::from_py(destination)?;
    let mut callback = Callback::new(progress);
    let mut writer_error = None;
    let result = py.detach(|| -> contactkit::Result<contactkit::ExportSummary> {
        let progress = |p| callback.call(p);
        match &mut output {
            Output::Path(path) => {
                let mut file = BufWriter::new(File::create(path.as_path())?);
                let summary = book.export(&scope, format, &options, &mut file, progress)?;
                file.flush()?;
                Ok(summary)
            }
            Output::File(writer) => {
                let summary = book.export(&scope, format, &options, &mut *writer, progress);
                let flushed = writer.flush();
                writer_error = writer.error.take();
                let summary = summary?;
                flushed?;
                Ok(summary)
            }
        }
    });
    result.map_err(|err| failure(err, [callback.error.take(), writer_error, None]))
}
