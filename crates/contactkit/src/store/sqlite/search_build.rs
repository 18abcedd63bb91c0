//! The search index of a bulk load that outgrows its book, built on a thread of its own.
//!
//! When the load outgrows the book (the writer then rebuilds the search index of every
//! contact at its end), the writer hands this thread the texts of the contacts the book
//! holds, then those of each batch it writes. This thread counts their short grams (what
//! [`short::recount`] would find) and keeps their search texts in a private temporary
//! database. When the load ends, the writer rebuilds the other derived tables and indexes
//! while this thread ranks the texts in name order, writes the trigram table `search_fts`
//! and the dense grams `search_gram` of its private database, and merges the trigram
//! segments into one; then the writer copies the rows of those tables into the book. At 1M
//! contacts (measured in a slow hour) the thread took 18 s for its part, done before the
//! writer needed it, and the writer 2.8 s to copy 1.4M rows instead of building them.
//!
//! The private copy is made with the book's own definition of both tables, and the ranks it
//! gives are those the rebuild gives (`GAP` times the place in `(name_key, id)` order), so
//! the rows copied in are the rows [`search::rebuild`] would have written. Anything that
//! goes wrong on this thread (no thread to give, no room for the temporary file) leaves the
//! writer to build the index in the book itself, as without it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use super::search::{self, GAP, Texts};
use super::short::{self, Counted, SENTINEL, Tally};
use crate::error::Result;

/// The tables whose rows the writer copies from the private database, in this order: the
/// trigram table's shadow tables (all but its settings, which stay the book's) and the
/// dense grams.
const COPIED: [&str; 4] = [
    "search_fts_data",
    "search_fts_idx",
    "search_fts_docsize",
    "search_gram",
];

/// Rows go to the writer in batches of about this many bytes (the trigram table's pages
/// are about 4 KB each).
const BATCH_BYTES: usize = 1 << 18;

/// The private database's page cache while the load appends texts, then while it builds,
/// in KiB (negative: a size, not a page count). The build's sort of the texts holds as much
/// again.
const STORE_CACHE_KIB: i64 = -512;
const BUILD_CACHE_KIB: i64 = -2_048;
/// ... and while it reads its rows out in order, which needs next to none.
const READ_CACHE_KIB: i64 = -256;

/// Contacts already in the book go to the thread in batches of this many.
const HAND_OVER: usize = 4096;

/// The book's page cache while it copies the rows in, in KiB.
const COPY_CACHE_KIB: i64 = -2_048;

/// Empties the book's search tables before the copy (and after a copy that failed).
const EMPTY_SEARCH_ROWS: &str =
    "INSERT INTO search_fts (search_fts) VALUES ('delete-all'); DELETE FROM search_gram;";

/// One message from the building thread once the load has ended.
enum Built {
    /// Rows of one of the [`COPIED`] tables, each with all its columns.
    Rows(&'static str, Vec<Vec<Value>>),
    /// Every row has been sent.
    Done,
}

/// The thread of a load that outgrew its book. Dropping it (a load that does not end) stops
/// the thread, and its private database is deleted.
pub(super) struct SearchBuild {
    texts: SyncSender<Vec<(i64, Texts)>>,
    counted: Receiver<Counted>,
    rows: SearchRows,
}

/// After [`SearchBuild::finish`]: the rows of the search index, on their way. Dropping it
/// stops the thread.
pub(super) struct SearchRows {
    built: Receiver<Built>,
    cancelled: Arc<AtomicBool>,
}

impl SearchBuild {
    /// Starts the thread, which makes its private copy of the book's `search_fts` and
    /// `search_gram` (`None` when the system has no thread to give).
    pub(super) fn start(conn: &Connection) -> Result<Option<SearchBuild>> {
        let schema: Vec<String> = conn
            .prepare_cached(
                "SELECT sql FROM sqlite_master WHERE name IN ('search_fts', 'search_gram') ORDER BY name DESC",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let fail = test_hooks::failing();
        let (texts, to_store) = mpsc::sync_channel::<Vec<(i64, Texts)>>(1);
        let (counted_tx, counted) = mpsc::sync_channel::<Counted>(1);
        let (built_tx, built) = mpsc::sync_channel::<Built>(2);
        let cancelled = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancelled);
        let spawned = std::thread::Builder::new()
            .name("contactkit-search".into())
            .spawn(move || run(&schema, fail, &to_store, &counted_tx, &built_tx, &stop));
        Ok(spawned.ok().map(|_| SearchBuild {
            texts,
            counted,
            rows: SearchRows { built, cancelled },
        }))
    }

    /// Hands over the ids and texts of every contact the book holds (those of a load that
    /// outgrew a book that was not empty, and those the load wrote before it did); false
    /// when the thread is gone.
    pub(super) fn add_book(&self, conn: &Connection) -> Result<bool> {
        let mut batch = Vec::with_capacity(HAND_OVER);
        let mut gone = false;
        short::each_texts(conn, i64::MIN, |id, texts| {
            batch.push((id, texts));
            if batch.len() == HAND_OVER && !gone {
                gone = !self.add(std::mem::replace(&mut batch, Vec::with_capacity(HAND_OVER)));
            }
            Ok(())
        })?;
        Ok(!gone && (batch.is_empty() || self.add(batch)))
    }

    /// Hands over the ids and texts of new contacts; false when the thread is gone.
    pub(super) fn add(&self, batch: Vec<(i64, Texts)>) -> bool {
        self.texts.send(batch).is_ok()
    }

    /// Ends the load: returns the short-gram counts of everything handed over and starts
    /// building the search rows (`None` when the thread failed).
    pub(super) fn finish(self) -> Option<(Counted, SearchRows)> {
        let SearchBuild { texts, counted, rows } = self;
        drop(texts);
        let counted = counted.recv().ok()?;
        Some((counted, rows))
    }
}

impl SearchRows {
    /// Replaces the book's search rows with those built on the thread. Returns false, the
    /// book's search tables emptied, when the thread failed: the caller then builds them.
    pub(super) fn copy_into(&self, conn: &Connection) -> Result<bool> {
        // The copy appends to its tables: a small cache holds the pages it is filling, and
        // the memory the rebuild's sorts held goes back before the rows come.
        conn.pragma_update(None, "cache_size", COPY_CACHE_KIB)?;
        conn.execute_batch("PRAGMA shrink_memory")?;
        conn.execute_batch(EMPTY_SEARCH_ROWS)?;
        loop {
            match self.built.recv() {
                Ok(Built::Rows(table, rows)) => insert_rows(conn, table, &rows)?,
                Ok(Built::Done) => {
                    forget_cached_structure(conn)?;
                    test_hooks::copied();
                    return Ok(true);
                }
                // The thread failed, maybe after some rows came: none of them stay.
                Err(_) => {
                    conn.execute_batch(EMPTY_SEARCH_ROWS)?;
                    return Ok(false);
                }
            }
        }
    }
}

impl Drop for SearchRows {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Makes this connection's trigram table read its structure again. FTS5 keeps the
/// structure record it last read (the `delete-all` of [`EMPTY_SEARCH_ROWS`] reads one) until another
/// connection commits, and rows written to its shadow tables by plain SQL do not tell it:
/// a book whose writer also reads (one in memory) would search the empty index. Rolling
/// back a savepoint that the table is part of (that `delete-all` wrote to it in this
/// transaction) discards what it keeps, as a rollback must; it undoes nothing here.
fn forget_cached_structure(conn: &Connection) -> Result<()> {
    conn.execute_batch("SAVEPOINT search_copied; ROLLBACK TO search_copied; RELEASE search_copied;")?;
    Ok(())
}

/// Inserts rows into `table` of the book, replacing the two rows that FTS5's `delete-all`
/// writes (its averages and its structure).
fn insert_rows(conn: &Connection, table: &str, rows: &[Vec<Value>]) -> Result<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let marks = vec!["?"; width].join(", ");
    let mut insert = conn.prepare_cached(&format!("INSERT OR REPLACE INTO \"{table}\" VALUES ({marks})"))?;
    for row in rows {
        insert.execute(rusqlite::params_from_iter(row))?;
    }
    Ok(())
}

/// The thread's work: tally and store the texts as they come, then build and send the rows.
/// Errors end it; the writer sees the channel close before [`Built::Done`].
fn run(
    schema: &[String],
    fail: bool,
    to_store: &Receiver<Vec<(i64, Texts)>>,
    counted: &SyncSender<Counted>,
    built: &SyncSender<Built>,
    cancelled: &AtomicBool,
) {
    let mut tally = Tally::default();
    let mut private = open_private(schema).ok().filter(|_| !fail);
    for batch in to_store {
        for (_, texts) in &batch {
            tally.add(texts);
        }
        if let Some(conn) = &private
            && store_texts(conn, &batch).is_err()
        {
            private = None;
        }
    }
    if counted.send(tally.finish()).is_err() {
        return;
    }
    if let Some(conn) = private {
        let _ = build(&conn, cancelled)
            .and_then(|()| {
                conn.pragma_update(None, "cache_size", READ_CACHE_KIB)?;
                conn.execute_batch("PRAGMA shrink_memory")?;
                Ok(())
            })
            .and_then(|()| send_rows(&conn, built, cancelled));
    }
}

/// A temporary database of this thread's own (deleted when it closes) holding the book's
/// search tables, set for a bulk build, and a table of the texts to index. It has no journal
/// (nothing in it needs to survive) and stays in one transaction until the build is done.
fn open_private(schema: &[String]) -> Result<Connection> {
    let conn = Connection::open("")?;
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", STORE_CACHE_KIB)?;
    conn.execute_batch("BEGIN")?;
    for sql in schema {
        conn.execute_batch(sql)?;
    }
    // A bulk build as in rebuild_search.sql, without incremental merges, but with a 2 MiB
    // buffer of pending terms instead of 8: more segments for the optimize to merge on this
    // thread, and 6 MB less at the import's peak of memory.
    conn.execute_batch(
        "CREATE TABLE texts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, emails TEXT, phones TEXT);
         INSERT INTO search_fts (search_fts, rank) VALUES ('automerge', 0);
         INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 2097152);",
    )?;
    Ok(conn)
}

/// Keeps a batch of texts: emails as keys one per line, phones as digits separated by spaces.
fn store_texts(conn: &Connection, batch: &[(i64, Texts)]) -> Result<()> {
    let mut insert =
        conn.prepare_cached("INSERT INTO texts (id, name, emails, phones) VALUES (?1, ?2, ?3, ?4)")?;
    for (id, texts) in batch {
        let emails = (!texts.emails().is_empty()).then(|| texts.emails().join("\n"));
        let phones = (!texts.phones().is_empty()).then(|| texts.phones().join(" "));
        insert.execute(params![id, texts.name(), emails, phones])?;
    }
    Ok(())
}

/// Writes `search_fts` and `search_gram` of the private database from its texts in name
/// order, ranked as the rebuild ranks them, then merges the trigram segments into one.
fn build(conn: &Connection, cancelled: &AtomicBool) -> Result<()> {
    conn.pragma_update(None, "cache_size", BUILD_CACHE_KIB)?;
    let mut texts = conn.prepare("SELECT name, emails, phones FROM texts ORDER BY name, id")?;
    let mut fts =
        conn.prepare("INSERT INTO search_fts (rowid, name, email, phone) VALUES (?1, ?2, ?3, ?4)")?;
    let mut gram = conn.prepare("INSERT OR IGNORE INTO search_gram (gram, rank) VALUES (?1, ?2)")?;
    let mut rows = texts.query([])?;
    let mut rank = 0_i64;
    let mut grams = Vec::new();
    while let Some(row) = rows.next()? {
        rank += GAP;
        if rank % (GAP * 4096) == 0 && cancelled.load(Ordering::Relaxed) {
            return Err(crate::Error::Cancelled);
        }
        let name: String = row.get(0)?;
        let emails: Option<String> = row.get(1)?;
        let phones: Option<String> = row.get(2)?;
        let email_column = emails.as_deref().map(|emails| {
            emails
                .split('\n')
                .map(|key| format!("{key}{SENTINEL}{SENTINEL}"))
                .collect::<Vec<_>>()
                .join("\n")
        });
        fts.execute(params![
            rank,
            format!("{name}{SENTINEL}{SENTINEL}"),
            email_column,
            phones
        ])?;
        grams.clear();
        search::dense_grams(&name, &mut grams);
        for key in emails
            .as_deref()
            .into_iter()
            .flat_map(|emails| emails.split('\n'))
        {
            search::dense_grams(key, &mut grams);
        }
        for g in &grams {
            gram.execute(params![g, rank])?;
        }
    }
    // FTS5 writes its totals (the averages row) when the transaction commits.
    conn.execute_batch("INSERT INTO search_fts (search_fts) VALUES ('optimize'); COMMIT;")?;
    Ok(())
}

/// Sends every row of the [`COPIED`] tables, then [`Built::Done`].
fn send_rows(conn: &Connection, built: &SyncSender<Built>, cancelled: &AtomicBool) -> Result<()> {
    let gone = || crate::Error::Cancelled;
    for table in COPIED {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
        let width = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        while let Some(row) = rows.next()? {
            let values: Vec<Value> = (0..width).map(|i| row.get(i)).collect::<rusqlite::Result<_>>()?;
            bytes += values.iter().map(value_bytes).sum::<usize>();
            batch.push(values);
            if bytes >= BATCH_BYTES {
                if cancelled.load(Ordering::Relaxed) {
                    return Err(gone());
                }
                built
                    .send(Built::Rows(table, std::mem::take(&mut batch)))
                    .map_err(|_| gone())?;
                bytes = 0;
            }
        }
        if !batch.is_empty() {
            built.send(Built::Rows(table, batch)).map_err(|_| gone())?;
        }
    }
    built.send(Built::Done).map_err(|_| gone())
}

/// About how much memory a value holds.
fn value_bytes(value: &Value) -> usize {
    match value {
        Value::Text(text) => text.len() + 24,
        Value::Blob(blob) => blob.len() + 24,
        _ => 16,
    }
}

/// What the tests of this module see and steer: how many builds a thread copied in, and a
/// thread that fails as if its temporary file could not be made.
#[cfg(test)]
pub(super) mod test_hooks {
    use std::cell::Cell;

    thread_local! {
        static COPIED: Cell<usize> = const { Cell::new(0) };
        static FAILING: Cell<bool> = const { Cell::new(false) };
    }

    /// The builds copied into a book by writes of the calling thread so far.
    pub(crate) fn copies() -> usize {
        COPIED.with(Cell::get)
    }

    /// Makes the threads that writes of the calling thread start fail (or not).
    pub(crate) fn fail_threads(fail: bool) {
        FAILING.with(|f| f.set(fail));
    }

    pub(super) fn copied() {
        COPIED.with(|c| c.set(c.get() + 1));
    }

    pub(super) fn failing() -> bool {
        FAILING.with(Cell::get)
    }
}

#[cfg(not(test))]
mod test_hooks {
    pub(super) fn copied() {}

    pub(super) fn failing() -> bool {
        false
    }
}
