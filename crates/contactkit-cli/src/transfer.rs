//! `import` and `export`.

use std::fs::File;
use std::io::{BufWriter, Write};

use contactkit::{
    Actor, Book, ExportFormat, ExportOptions, ImportOptions, ImportReport, OnDuplicate, PhoneRegion, Target,
};

use crate::args::{ExportArgs, FormatArg, ImportArgs, OnDuplicateArg};
use crate::exit::Failure;
use crate::output;
use crate::progress::Bar;

fn delimiter(text: &str) -> Result<char, Failure> {
    match text {
        "tab" | "\\t" | "\t" => Ok('\t'),
        _ => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(Failure::bad_input(format!(
                    "--delimiter {text:?}: give one character, or `tab`"
                ))),
            }
        }
    }
}

/// The import's options; `region` is the `--default-region` given, if any (without one the
/// import guesses it from the file).
fn options(args: &ImportArgs, region: Option<PhoneRegion>) -> Result<ImportOptions, Failure> {
    let mut options = ImportOptions {
        default_region: region,
        encoding: args.encoding.clone(),
        delimiter: args.delimiter.as_deref().map(delimiter).transpose()?,
        on_duplicate: match args.on_duplicate {
            OnDuplicateArg::Skip => OnDuplicate::Skip,
            OnDuplicateArg::Update => OnDuplicate::Update,
            OnDuplicateArg::Abort => OnDuplicate::Abort,
        },
        ..ImportOptions::default()
    };
    for map in &args.maps {
        let (column, field) = map
            .rsplit_once('=')
            .ok_or_else(|| Failure::bad_input(format!("--map {map:?}: expected COLUMN=FIELD")))?;
        let target: Target = field.parse()?;
        options.mapping.insert(column.to_owned(), target);
    }
    Ok(options)
}

/// A mapping target as `--map` takes it: `email`, `phone:mobile`, `attribute:budget`.
fn target_text(target: &Target) -> String {
    let value = serde_json::to_value(target).unwrap_or_default();
    let field = value["field"].as_str().unwrap_or("?").to_owned();
    match value
        .get("label")
        .or_else(|| value.get("key"))
        .and_then(|v| v.as_str())
    {
        Some(extra) => format!("{field}:{extra}"),
        None => match value.get("column").and_then(|v| v.as_u64()) {
            Some(column) => format!("{field} (column {column})"),
            None => field,
        },
    }
}

fn print_report(report: &ImportReport, errors_file: Option<&std::path::Path>) -> Result<(), Failure> {
    let mode = if report.committed {
        "imported"
    } else {
        "dry run (nothing written)"
    };
    output::line(&format!(
        "{mode}: {} format, {} encoding",
        serde_json::to_value(report.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        report.encoding
    ))?;
    if !report.mapping.is_empty() {
        output::line("mapping:")?;
        for m in report.mapping.iter().filter(|m| m.target != Target::Ignore) {
            output::line(&format!("  {:<28} -> {}", m.header, target_text(&m.target)))?;
        }
    }
    for u in &report.unmapped {
        let sample = u.sample.as_deref().unwrap_or("");
        output::line(&format!(
            "  {:<28} -> not imported (e.g. {})",
            u.header,
            quoted(sample)
        ))?;
    }
    if let Some(guess) = &report.region_guess {
        output::line(&format!(
            "phones without a country code read as {} numbers ({}; --default-region to change)",
            guess.region.as_str(),
            guess.reason
        ))?;
    }
    output::line(&format!(
        "rows read {}, created {}, updated {}, skipped {}, invalid {}",
        report.rows_read, report.created, report.updated, report.skipped, report.invalid
    ))?;
    if report.rows_read == 0 {
        output::line("  the file holds no contacts: it is empty, or has a header and no rows")?;
    }
    if report.ragged > 0 {
        output::line(&format!(
            "  {} rows have more values than the header has columns: the values beyond it are \
             not imported, but for emails and international phones",
            report.ragged
        ))?;
    }
    if report.blank > 0 {
        output::line(&format!(
            "  {} blank rows (nothing in them) ignored",
            report.blank
        ))?;
    }
    for issue in &report.issues {
        let column = issue
            .column
            .as_deref()
            .map(|c| format!(" column {}", quoted(c)))
            .unwrap_or_default();
        output::line(&format!(
            "  line {}{column}: {} {}",
            issue.line,
            quoted(&issue.value),
            issue.reason
        ))?;
    }
    if let Some(path) = errors_file {
        output::line(&format!("error report: {}", path.display()))?;
    }
    Ok(())
}

/// A value in double quotes for a terminal: quotes, backslashes and control characters
/// escaped, line breaks shown as `\n` (a CRLF as one), every other character as it is
/// (unlike `{:?}`, which escapes combining marks such as Bengali vowel signs).
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn import(
    book: &Book,
    actor: &Actor,
    args: ImportArgs,
    region: Option<PhoneRegion>,
) -> Result<(), Failure> {
    let options = options(&args, region)?;
    if args.dry_run {
        let report = book.import_preview_path(&args.file, &options)?;
        return if args.json {
            output::json(&report)
        } else {
            print_report(&report, None)
        };
    }
    let mut errors_file = match &args.errors {
        Some(path) => {
            Some(BufWriter::new(File::create(path).map_err(|e| {
                Failure::bad_input(format!("--errors {}: {e}", path.display()))
            })?))
        }
        None => None,
    };
    let total = std::fs::metadata(&args.file).ok().map(|m| m.len());
    let bar = Bar::new("importing", total);
    let report = book.import_commit_path(
        actor,
        &args.file,
        &options,
        |p| bar.update(p),
        errors_file.as_mut().map(|w| w as &mut dyn Write),
    );
    bar.finish();
    if let Some(mut file) = errors_file {
        file.flush()?;
    }
    let report = report?;
    if args.json {
        output::json(&report)?;
    } else {
        print_report(&report, args.errors.as_deref())?;
    }
    nothing_imported(&report)
}

/// A committed import whose every row was rejected as invalid is a failure of its input:
/// scripts see exit code 3 (the report is printed first). Rows skipped as duplicates are not
/// rejections: importing the same file twice succeeds.
fn nothing_imported(report: &contactkit::ImportReport) -> Result<(), Failure> {
    let imported = report.created + report.updated + report.skipped;
    if report.invalid > 0 && imported == 0 {
        return Err(Failure::bad_input(format!(
            "no row could be imported: all {} were rejected (see the reasons above)",
            report.invalid
        )));
    }
    Ok(())
}

pub fn export(book: &Book, actor: &Actor, args: ExportArgs) -> Result<(), Failure> {
    let format = match args.format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Json => ExportFormat::Json,
        FormatArg::Ndjson => ExportFormat::Ndjson,
        FormatArg::Vcard => ExportFormat::Vcard,
    };
    let options = ExportOptions {
        bom: args.bom,
        actor: Some(actor.clone()),
    };
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(BufWriter::new(File::create(path).map_err(|e| {
                Failure::bad_input(format!("--output {}: {e}", path.display()))
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let bar = Bar::new("exporting", None);
    let summary = if !args.ids.is_empty() {
        let scope = contactkit::ExportScope::Ids(args.ids.clone());
        book.export(&scope, format, &options, out, |p| bar.update(p))
    } else if args.filters.selects() {
        let mut query = args.filters.to_query()?;
        query = query.limit(contactkit::MAX_LIMIT);
        book.export_contacts(book.iter(&query), format, &options, out)
    } else {
        book.export(&contactkit::ExportScope::All, format, &options, out, |p| {
            bar.update(p)
        })
    };
    bar.finish();
    let summary = summary?;
    if let Some(path) = &args.output {
        eprintln!("exported {} contacts to {}", summary.contacts, path.display());
    }
    Ok(())
}
