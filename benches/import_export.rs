//! Import and export throughput: rows/s and peak RSS, next to reference loaders run on the
//! same CSV in the same run (the sqlite3 shell's `.import` into a bare table and into a table
//! with unique and name indexes; the plain Python script when Python has `phonenumbers`).
//!
//! `cargo bench --bench import_export` (100k rows) or `CONTACTKIT_BENCH_N=1000000 cargo bench
//! --bench import_export`. The rows come from `contactkit_testkit::generate(N, 7)`, written as
//! CSV with US phones in national notation and others international, a second email or phone
//! on some rows, 1% of rows repeating an earlier row's email and 1% with an invalid email. Peak RSS is the
//! high-water mark of this process during each step (reset before it), so the numbers are
//! what the step itself needs, not the generator.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use contactkit::store::{ContactRecord, NewContactRecord, PointRecord, Store};
use contactkit::{
    Actor, Book, BookOptions, EventDraft, EventKind, ExportFormat, ExportOptions, ExportScope, ImportOptions,
    SqliteStore, TagName,
};

fn write_csv(path: &Path, data: &[contactkit_testkit::GenContact]) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "name,email,phone,additional_emails,additional_phones,tags").unwrap();
    let mut rows = 0;
    for (i, c) in data.iter().enumerate() {
        let email = if i % 100 == 50 {
            data[i - 1].emails.first().cloned().unwrap_or_default() // the row before's: a duplicate
        } else if i % 100 == 77 {
            "not-an-email".to_owned() // invalid
        } else {
            c.emails.first().cloned().unwrap_or_default()
        };
        let phone = c.phones.first().map(|p| p.display.clone()).unwrap_or_default();
        let more_emails = c.emails.iter().skip(1).cloned().collect::<Vec<_>>().join("; ");
        let more_phones = c
            .phones
            .iter()
            .skip(1)
            .map(|p| p.e164.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let name = c.name.replace('"', "");
        writeln!(
            out,
            "\"{name}\",{email},\"{phone}\",{more_emails},{more_phones},\"{}\"",
            c.tags.join(",")
        )
        .unwrap();
        rows += 1;
    }
    out.flush().unwrap();
    rows
}

/// The peak RSS of this process so far, in MB (0 where /proc is not there).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One measured step, run in a child process of its own so its peak RSS is the step's alone:
/// `step db csv` prints `seconds rows peak_mb` and a JSON report on stdout.
fn child_step(step: &str, db: &Path, csv: &Path) {
    let book = Book::open(db, BookOptions::default()).unwrap();
    let t = Instant::now();
    let mut write_secs = None;
    let (rows, report) = match step {
        "preview" => {
            let r = book.import_preview_path(csv, &ImportOptions::default()).unwrap();
            (r.rows_read, serde_json::to_string(&r).unwrap())
        }
        "import" => {
            let r = book
                .import_commit_path(
                    &Actor::api("bench"),
                    csv,
                    &ImportOptions::default(),
                    |_| ControlFlow::Continue(()),
                    None,
                )
                .unwrap();
            (r.rows_read, serde_json::to_string(&r).unwrap())
        }
        "export" => {
            let out = std::io::BufWriter::new(std::fs::File::create(csv).unwrap());
            let done = book
                .export(
                    &ExportScope::All,
                    ExportFormat::Csv,
                    &ExportOptions::default(),
                    out,
                    |_| ControlFlow::Continue(()),
                )
                .unwrap();
            (done.contacts, "{}".to_owned())
        }
        "load-feed" | "load-bare" => {
            let n: usize = csv.to_string_lossy().parse().unwrap();
            let (rows, secs) = store_load(db, n, step == "load-feed");
            write_secs = Some(secs);
            (rows, "{}".to_owned())
        }
        other => panic!("unknown step {other}"),
    };
    let s = write_secs.unwrap_or_else(|| t.elapsed().as_secs_f64());
    println!("{s} {rows} {}", peak_mb());
    println!("{report}");
}

/// The import's write path for the first `n` generated contacts, through the Store
/// primitives, into an empty book: rows, points and tags in batches, then the search index
/// once. With `feed`, also what the change feed and provenance add to an import: the
/// provenance and first verification record of every new contact and the one batch event.
/// Only the writes are timed (not the generator). Returns the contacts written and the
/// seconds the writes took.
fn store_load(db: &Path, n: usize, feed: bool) -> (u64, f64) {
    let data = contactkit_testkit::generate(n, 7);
    let now = chrono::Utc::now();
    let records: Vec<NewContactRecord> = data
        .into_iter()
        .map(|c| NewContactRecord {
            record: ContactRecord {
                name_key: contactkit::fold(&c.name),
                name: c.name,
                source: c.source,
                verification: c.verification,
                attributes: Default::default(),
                created_at: chrono::DateTime::from_timestamp_millis(c.created_at).unwrap(),
                updated_at: now,
                last_activity_at: c
                    .last_activity_at
                    .and_then(chrono::DateTime::from_timestamp_millis),
            },
            emails: c
                .emails
                .iter()
                .map(|e| PointRecord {
                    key: e.to_lowercase(),
                    value: e.clone(),
                    original: None,
                    label: None,
                })
                .collect(),
            phones: c
                .phones
                .iter()
                .map(|p| PointRecord {
                    key: p.e164.clone(),
                    value: p.e164.clone(),
                    original: Some(p.display.clone()),
                    label: None,
                })
                .collect(),
            tags: c.tags.iter().map(|t| TagName::parse(t).unwrap()).collect(),
        })
        .collect();
    let t = Instant::now();
    let store = SqliteStore::open(db, SqliteStore::DEFAULT_BUSY_TIMEOUT).unwrap();
    let actor = Actor::api("bench");
    store
        .write(&mut |w| {
            w.set_bulk_load(true)?;
            let mut range = None;
            for chunk in records.chunks(16 * 1024) {
                let ids = w.insert_contacts(chunk, &actor)?;
                if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
                    range = Some((range.map_or(*first, |(f, _)| f), *last));
                }
            }
            if feed && let Some((first, last)) = range {
                w.record_created(first, last, &actor, now)?;
                let changes = serde_json::json!({"created": records.len(), "updated": 0,
                    "created_ids": {"first": first, "last": last}});
                w.append_event(&EventDraft::new(
                    &actor,
                    now,
                    EventKind::ImportBatch,
                    None,
                    changes,
                ))?;
            }
            w.set_bulk_load(false)
        })
        .unwrap();
    (records.len() as u64, t.elapsed().as_secs_f64())
}

/// Runs `step` in a child process: seconds, rows, peak RSS in MB, and its report.
fn step(step: &str, db: &Path, csv: &Path) -> (f64, u64, f64, serde_json::Value) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("CONTACTKIT_BENCH_STEP", step)
        .arg(db)
        .arg(csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{step}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let figures: Vec<f64> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let report = serde_json::from_str(lines.next().unwrap()).unwrap();
    (figures[0], figures[1] as u64, figures[2], report)
}

/// Runs a sqlite3 shell script and times it (a row refused by a unique index makes the shell
/// exit non-zero after loading the others; that still counts).
fn shell(db: &Path, script: &str) -> Option<f64> {
    let t = Instant::now();
    Command::new("sqlite3").arg(db).arg(script).output().ok()?;
    Some(t.elapsed().as_secs_f64())
}

fn main() {
    if let Ok(name) = std::env::var("CONTACTKIT_BENCH_STEP") {
        let args: Vec<String> = std::env::args().collect();
        child_step(&name, Path::new(&args[1]), Path::new(&args[2]));
        return;
    }
    let n: usize = std::env::var("CONTACTKIT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    // The second file continues the same generated stream: new people, so its rows are new
    // contacts for the book the first file made.
    let more = n.min(100_000);
    let data = contactkit_testkit::generate(n + more, 7);
    let csv = dir.join(format!("import-{n}.csv"));
    let rows = write_csv(&csv, &data[..n]);
    let more_csv = dir.join(format!("import-{n}-more-{more}.csv"));
    let more_rows = write_csv(&more_csv, &data[n..]);
    drop(data);
    println!(
        "# import/export benchmark, N = {rows} rows, {} MB of CSV; each step in a process of its own",
        std::fs::metadata(&csv).unwrap().len() / 1_000_000
    );
    println!("| step | seconds | rows/s | peak RSS MB | vs |");
    println!("|---|---|---|---|---|");

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("book.db");
    let row = |what: &str, (s, rows, mb, _): &(f64, u64, f64, serde_json::Value)| {
        println!("| {what} | {s:.2} | {:.0} | {mb:.0} | |", *rows as f64 / s);
    };

    let preview = step("preview", &db, &csv);
    row("preview (writes nothing)", &preview);
    let import = step("import", &db, &csv);
    let r = &import.3;
    assert_eq!(r["created"], preview.3["created"]);
    row(
        &format!(
            "import into an empty book ({} created, {} skipped, {} invalid)",
            r["created"], r["skipped"], r["invalid"]
        ),
        &import,
    );
    let import_rate = import.1 as f64 / import.0;
    let exported = tmp.path().join("export.csv");
    let export = step("export", &db, &exported);
    row("export CSV with tags (to a file)", &export);
    // The same columns from the same book, tags by a subquery per row, as shared/baselines'
    // shell exporter writes them.
    let shell_csv = tmp.path().join("shell-export.csv");
    let t = Instant::now();
    let shell_export = Command::new("sqlite3")
        .arg("-csv")
        .arg("-cmd")
        .arg(format!(".output {}", shell_csv.display()))
        .arg(&db)
        .arg(
            "SELECT name, email, phone, (SELECT group_concat(t.name, ',') FROM contact_tags ct
                 JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id),
             source, verification, created_at, last_activity_at FROM contacts c ORDER BY id",
        )
        .output();
    if shell_export.is_ok_and(|out| out.status.success()) {
        let s = t.elapsed().as_secs_f64();
        println!(
            "| sqlite3 shell export of the same book with tags | {s:.2} | {:.0} | | ours {:.2}× |",
            export.1 as f64 / s,
            (export.1 as f64 / export.0) / (export.1 as f64 / s)
        );
    }
    let added = step("import", &db, &more_csv);
    row(
        &format!(
            "import {more_rows} more into the book of {} ({} created)",
            r["created"], added.3["created"]
        ),
        &added,
    );

    // The change feed's share of an import: the same write path with and without what the
    // feed and provenance add, into two empty books, alternating twice.
    let (mut bare, mut fed) = (Vec::new(), Vec::new());
    for round in 0..2 {
        let count = Path::new(&format!("{n}")).to_path_buf();
        bare.push(step("load-bare", &tmp.path().join(format!("bare-{round}.db")), &count).0);
        fed.push(step("load-feed", &tmp.path().join(format!("fed-{round}.db")), &count).0);
    }
    let (bare_s, fed_s) = (
        bare.iter().cloned().fold(f64::MAX, f64::min),
        fed.iter().cloned().fold(f64::MAX, f64::min),
    );
    println!(
        "| write path of {n} new contacts without the feed (best of 2) | {bare_s:.2} | {:.0} | | |",
        n as f64 / bare_s
    );
    println!(
        "| the same with the feed and provenance (best of 2) | {fed_s:.2} | {:.0} | | feed overhead {:+.1}% |",
        n as f64 / fed_s,
        (fed_s / bare_s - 1.0) * 100.0
    );

    let path = csv.display();
    let bare = tmp.path().join("bare.db");
    if let Some(s) = shell(&bare, &format!(".import --csv {path} contacts")) {
        println!(
            "| sqlite3 `.import`, bare table (no validation) | {s:.2} | {:.0} | | ours {:.2}× |",
            rows as f64 / s,
            import_rate / (rows as f64 / s)
        );
    }
    let indexed = tmp.path().join("indexed.db");
    let schema = "CREATE TABLE contacts(name TEXT, email TEXT, phone TEXT, additional_emails TEXT, additional_phones TEXT, tags TEXT);
        CREATE UNIQUE INDEX e ON contacts(email) WHERE email <> '';
        CREATE INDEX p ON contacts(phone); CREATE INDEX nm ON contacts(name);";
    if shell(&indexed, schema).is_some()
        && let Some(s) = shell(&indexed, &format!(".import --csv --skip 1 {path} contacts"))
    {
        println!(
            "| sqlite3 `.import`, unique + name indexes | {s:.2} | {:.0} | | ours {:.2}× |",
            rows as f64 / s,
            import_rate / (rows as f64 / s)
        );
    }
    // Parse, validate and format E.164, as shared/baselines' script C does.
    let python = format!(
        "import csv, sqlite3, phonenumbers\n\
         def e164(text):\n\
         \x20   try: n = phonenumbers.parse(text, 'US')\n\
         \x20   except Exception: return None\n\
         \x20   return phonenumbers.format_number(n, 0) if phonenumbers.is_valid_number(n) else None\n\
         db = sqlite3.connect({db:?}); db.execute('CREATE TABLE c(name, email UNIQUE, phone UNIQUE)')\n\
         for r in csv.DictReader(open({path:?})):\n\
         \x20   p = e164(r['phone']) if r['phone'] else None\n\
         \x20   db.execute('INSERT OR IGNORE INTO c VALUES (?,?,?)', (r['name'], r['email'] or None, p))\n\
         db.commit()\n",
        db = tmp.path().join("python.db").display().to_string(),
        path = path.to_string(),
    );
    let Some(interpreter) = python_with_phonenumbers() else {
        println!(
            "| Python csv + sqlite3 + phonenumbers | n/a (no Python with phonenumbers, and pip could not install it) | | | |"
        );
        return;
    };
    let t = Instant::now();
    match Command::new(&interpreter).arg("-c").arg(&python).output() {
        Ok(out) if out.status.success() => {
            let s = t.elapsed().as_secs_f64();
            println!(
                "| Python csv + sqlite3 + phonenumbers | {s:.2} | {:.0} | | ours {:.2}× |",
                rows as f64 / s,
                import_rate / (rows as f64 / s)
            );
        }
        _ => println!("| Python csv + sqlite3 + phonenumbers | n/a (the script failed) | | | |"),
    }
}

/// The `phonenumbers` release that shared/baselines measured.
const PHONENUMBERS: &str = "phonenumbers==9.0.43";

/// A Python that has `phonenumbers`: `python3` itself when it does, else a virtual
/// environment of the benchmark's own under `target/` with [`PHONENUMBERS`] installed
/// (made on the first run, from PyPI). `None` when neither works.
fn python_with_phonenumbers() -> Option<PathBuf> {
    let has_it = |python: &Path| {
        Command::new(python)
            .args(["-c", "import phonenumbers"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    let system = PathBuf::from("python3");
    if has_it(&system) {
        return Some(system);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-python");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status();
        if !made.is_ok_and(|status| status.success()) {
            return None;
        }
    }
    if !has_it(&python) {
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PHONENUMBERS,
            ])
            .status();
        if !installed.is_ok_and(|status| status.success()) {
            return None;
        }
    }
    has_it(&python).then_some(python)
}
