//! Import and export through files, with progress callbacks.

use std::ffi::{c_char, c_int, c_void};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;

use contactkit::{ExportFormat, ExportOptions, ExportScope, ImportOptions, Progress};

use crate::args::{actor_arg, opt_json_arg, opt_str_arg, out_ptr, put_json, str_arg};
use crate::book::{book_arg, contactkit_book};
use crate::error::{FfiError, fence};
use crate::status::contactkit_status;

/// A progress callback of an import or export: called on the calling thread after every row
/// (import) or contact (export), with `user_data` as given, the rows done, the bytes read
/// (import) or written (export) and the input's size in bytes (0 when unknown). Return 0 to
/// go on, non-zero to cancel: the call then returns `CONTACTKIT_STATUS_CANCELLED`. The
/// callback must not call back into contactkit with the same book.
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub type contactkit_progress_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, rows_done: u64, bytes_done: u64, bytes_total: u64) -> c_int,
>;

/// The file formats of `contactkit_export`, passed as a `uint32_t`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    non_camel_case_types,
    reason = "C names follow the C API's snake_case convention"
)]
pub enum contactkit_export_format {
    /// CSV with a fixed column order, safe to open in spreadsheets.
    Csv = 1,
    /// One JSON array of contacts.
    Json = 2,
    /// One JSON contact per line.
    Ndjson = 3,
    /// vCard 4.0.
    Vcard = 4,
}

fn format_arg(format: u32) -> Result<ExportFormat, FfiError> {
    const CSV: u32 = contactkit_export_format::Csv as u32;
    const JSON: u32 = contactkit_export_format::Json as u32;
    const NDJSON: u32 = contactkit_export_format::Ndjson as u32;
    const VCARD: u32 = contactkit_export_format::Vcard as u32;
    match format {
        CSV => Ok(ExportFormat::Csv),
        JSON => Ok(ExportFormat::Json),
        NDJSON => Ok(ExportFormat::Ndjson),
        VCARD => Ok(ExportFormat::Vcard),
        other => Err(FfiError::InvalidArgument {
            argument: "format",
            reason: format!("is {other}, which is no CONTACTKIT_EXPORT_FORMAT_* value"),
        }),
    }
}

/// The core's progress callback, calling `callback` (if any) with `user_data`.
fn progress(
    callback: contactkit_progress_fn,
    user_data: *mut c_void,
) -> impl FnMut(Progress) -> ControlFlow<()> {
    move |p: Progress| {
        let Some(callback) = callback else {
            return ControlFlow::Continue(());
        };
        // SAFETY: the caller of the import or export promised a callable function and a
        // `user_data` it accepts, for the duration of that call (which this closure does not outlive).
        let answer = unsafe { callback(user_data, p.rows_done, p.bytes_done, p.bytes_total.unwrap_or(0)) };
        if answer == 0 {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    }
}

/// The `options_json` of the imports.
///
/// # Safety
/// `options_json` is NULL or a NUL-terminated string.
unsafe fn import_options_arg(options_json: *const c_char) -> Result<ImportOptions, FfiError> {
    // SAFETY: forwarded from the caller.
    unsafe { opt_json_arg(options_json, "options_json", "import options") }
}

/// Reads the file at `path` and reports what importing it would do, writing nothing.
/// `options_json` is NULL (detect format, encoding and delimiter; suggest the mapping; skip
/// duplicates) or ImportOptions (`{"format": "csv", "encoding": "windows-1252",
/// "delimiter": ";", "mapping": {"E-mail": {"field": "email"}}, "on_duplicate": "update"}`). The report
/// is an ImportReport (`{"rows_read": 2, "created": 1, "invalid": 1, "issues": [...], ...}`).
///
/// Ownership: `*out_report_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, IO (the file cannot be
/// opened), IMPORT, STORAGE. Threads: any thread.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `out_report_json` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_import_preview(
    book: *const contactkit_book,
    path: *const c_char,
    options_json: *const c_char,
    out_report_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, path, options) = unsafe {
            (
                out_ptr(out_report_json, "out_report_json")?,
                book_arg(book)?,
                str_arg(path, "path")?,
                import_options_arg(options_json)?,
            )
        };
        put_json(out, &book.import_preview_path(path, &options)?)
    })
}

/// Imports the file at `path` in one transaction: every row is written, or on any error none
/// is. `options_json` as for `contactkit_import_preview`. `errors_path` is NULL or a file to
/// (re)write with a CSV of the rejected and skipped rows and the reason in an `import_error`
/// column (on failure it may be partial). `progress` (NULL for none) is called with
/// `user_data` after every row; non-zero cancels. The report is an ImportReport with
/// `"committed": true`.
///
/// Ownership: `*out_report_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. contactkit does not keep `user_data`.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, IO, IMPORT, CANCELLED, STORAGE; in
/// every case the book is left as it was.
/// Threads: any thread; `progress` runs on the calling thread, during the call only.
///
/// # Safety
/// `book` is NULL or a live handle; strings are NULL or NUL-terminated; `progress` is NULL or
/// callable with `user_data`; `out_report_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_import_commit(
    book: *const contactkit_book,
    actor_json: *const c_char,
    path: *const c_char,
    options_json: *const c_char,
    errors_path: *const c_char,
    progress_fn: contactkit_progress_fn,
    user_data: *mut c_void,
    out_report_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, actor, path, options, errors_path) = unsafe {
            (
                out_ptr(out_report_json, "out_report_json")?,
                book_arg(book)?,
                actor_arg(actor_json)?,
                str_arg(path, "path")?,
                import_options_arg(options_json)?,
                opt_str_arg(errors_path, "errors_path")?,
            )
        };
        let mut errors = match errors_path {
            Some(errors_path) => {
                Some(BufWriter::new(File::create(errors_path).map_err(|e| {
                    contactkit::Error::Io(format!("{errors_path}: {e}"))
                })?))
            }
            None => None,
        };
        let report = book.import_commit_path(
            &actor,
            path,
            &options,
            progress(progress_fn, user_data),
            errors.as_mut().map(|w| w as &mut dyn Write),
        )?;
        if let Some(mut errors) = errors {
            errors.flush().map_err(contactkit::Error::from)?;
        }
        put_json(out, &report)
    })
}

/// Writes the contacts of `scope_json` to a new file at `path` (replaced if it exists) in
/// `format` (a `CONTACTKIT_EXPORT_FORMAT_*` value). `scope_json` is NULL or `"all"` for every
/// contact, `{"ids": [3, 1]}`, or `{"filtered": {...a Query...}}`. `options_json` is NULL or
/// `{"bom": true}` (a UTF-8 byte order mark for Excel). `progress` (NULL for none) is called
/// with `user_data` after every contact; non-zero cancels. The summary is
/// `{"contacts": 12, "bytes": 3456}`.
///
/// Ownership: `*out_summary_json` is the caller's, freed with `contactkit_string_free`; NULL
/// on failure. On failure the file is removed.
/// Errors: NULL_ARGUMENT, INVALID_UTF8, INVALID_JSON, INVALID_ARGUMENT (`format`), INVALID
/// (a bad query), NOT_FOUND (an id of the scope), IO, CANCELLED, STORAGE.
/// Threads: any thread; `progress` runs on the calling thread, during the call only.
///
/// # Safety
/// As for `contactkit_import_commit`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn contactkit_export(
    book: *const contactkit_book,
    scope_json: *const c_char,
    format: u32,
    options_json: *const c_char,
    path: *const c_char,
    progress_fn: contactkit_progress_fn,
    user_data: *mut c_void,
    out_summary_json: *mut *mut c_char,
) -> contactkit_status {
    fence(|| {
        // SAFETY: every pointer is NULL or valid (the caller's contract).
        let (out, book, scope, options, path) = unsafe {
            (
                out_ptr(out_summary_json, "out_summary_json")?,
                book_arg(book)?,
                opt_json_arg::<Option<ExportScope>>(scope_json, "scope_json", "an export scope")?,
                opt_json_arg::<ExportOptions>(options_json, "options_json", "export options")?,
                str_arg(path, "path")?,
            )
        };
        let format = format_arg(format)?;
        let file = File::create(path).map_err(|e| contactkit::Error::Io(format!("{path}: {e}")))?;
        let result = book
            .export(
                &scope.unwrap_or(ExportScope::All),
                format,
                &options,
                BufWriter::new(file),
                progress(progress_fn, user_data),
            )
            .map_err(FfiError::from)
            .and_then(|summary| put_json(out, &summary));
        if result.is_err() {
            // A partial export is no export; the error says why.
            let _ = std::fs::remove_file(path);
        }
        result
    })
}
