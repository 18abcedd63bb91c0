//! The SQLite backend: a file (WAL, one writer and a pool of readers) or a private in-memory
//! database.

mod batch;
mod created;
mod feed;
mod lifecycle;
mod migrate;
mod query;
mod search;
mod search_build;
mod short;
mod sql;
mod sync;
mod tag_tables;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::contact::Contact;
use crate::error::Result;
use crate::query::{Page, Query};
use crate::store::{Reader, Store, Writer};

/// How many idle reader connections a file store keeps.
const READER_POOL: usize = 4;
/// The page cache of each reader connection (negative: KiB), grown only as pages are read.
const READER_CACHE_KIB: i64 = -65_536;
/// The writer's page cache, in KiB (negative: SQLite's unit for a size rather than pages).
/// It also bounds the memory of each sort a bulk import's rebuild runs.
const WRITER_CACHE_KIB: i64 = -32_768;
/// The writer's page cache during a bulk load: its inserts land in order (points sorted by key,
/// contacts appended), so a smaller cache costs little and keeps a large import's peak down.
const BULK_LOAD_CACHE_KIB: i64 = -16_384;
/// The writer's page cache while a bulk load rebuilds the search index and the indexes it
/// dropped: each of the rebuild's sorts may take as much memory as the cache.
const REBUILD_CACHE_KIB: i64 = -8_192;

/// SQLite's default automatic checkpoint: after a commit that leaves this many pages in the WAL.
const WAL_AUTOCHECKPOINT: i64 = 1000;

/// The SQLite storage backend.
///
/// A file book uses WAL mode, so readers never wait for the writer: writes go through one
/// connection (`BEGIN IMMEDIATE`, so a write never fails half-way on a lock upgrade), reads
/// through a small pool of their own. Other processes may open the same file; the busy timeout
/// decides how long a writer waits for another's lock.
///
/// # Examples
/// ```
/// use contactkit::{Book, BookOptions, SqliteStore};
/// let store = SqliteStore::open_in_memory()?;
/// let book = Book::with_store(Box::new(store), BookOptions::default());
/// assert!(book.tags()?.is_empty());
/// # Ok::<(), contactkit::Error>(())
/// ```
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` for an in-memory database, whose only connection is the writer.
    readers: Option<ReaderPool>,
    /// Counts this store's commits; waiters for changes sleep on the condition variable.
    commits: (Mutex<u64>, Condvar),
    /// The checkpoint a bulk load's commit left to run on a thread of its own.
    checkpoint: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct ReaderPool {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.readers {
            Some(pool) => write!(f, "SqliteStore({})", pool.path.display()),
            None => f.write_str("SqliteStore(:memory:)"),
        }
    }
}

impl SqliteStore {
    /// The default time a writer waits for another connection's lock.
    pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

    /// Opens (or creates) the book file at `path` and brings its schema up to date.
    ///
    /// # Errors
    /// [`crate::Error::SchemaTooNew`] for a file written by a newer contactkit (the file is
    /// left untouched); [`crate::Error::Storage`] when SQLite cannot open or migrate it.
    pub fn open(path: impl AsRef<Path>, busy_timeout: Duration) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open(&path)?;
        writer.busy_timeout(busy_timeout)?;
        // Before any pragma that writes (journal_mode does): a newer book is refused untouched.
        migrate::check_not_newer(&writer)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "wal")?;
        writer.pragma_update(None, "synchronous", "normal")?;
        migrate::migrate_to(&mut writer, migrate::LATEST)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers: Some(ReaderPool {
                path,
                busy_timeout,
                idle: Mutex::new(Vec::new()),
            }),
            commits: (Mutex::new(0), Condvar::new()),
            checkpoint: Mutex::new(None),
        })
    }

    /// Opens a private, empty in-memory book (gone when the store is dropped).
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when SQLite cannot create it.
    pub fn open_in_memory() -> Result<Self> {
        let mut writer = Connection::open_in_memory()?;
        configure(&writer)?;
        migrate::migrate_to(&mut writer, migrate::LATEST)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers: None,
            commits: (Mutex::new(0), Condvar::new()),
            checkpoint: Mutex::new(None),
        })
    }

    /// The schema version this library writes.
    pub fn schema_version() -> i64 {
        migrate::LATEST
    }

    /// Recomputes the whole search index (name ranks, trigram and short-gram tables) from the
    /// contacts, in one transaction. Writes through [`Store::write`] keep the index up to date
    /// by themselves; this is for a bulk load that wrote rows without that upkeep, or to
    /// repair a book.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when SQLite fails; nothing changes then.
    ///
    /// # Examples
    /// ```
    /// let store = contactkit::SqliteStore::open_in_memory()?;
    /// store.rebuild_search_index()?;
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn rebuild_search_index(&self) -> Result<()> {
        let mut conn = self.lock_writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        search::rebuild(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The SQL text and the SQLite query plan (`EXPLAIN QUERY PLAN` details) of the statement
    /// that reads a page of `query`, for checking plans in tests and benchmarks.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for a bad query; [`crate::Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Query, SqliteStore};
    /// let store = SqliteStore::open_in_memory()?;
    /// let (_sql, plan) = store.explain(&Query::new().search("ana"))?;
    /// assert!(plan.iter().any(|step| step.contains("search_fts")));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn explain(&self, query: &Query) -> Result<(String, Vec<String>)> {
        query.validate()?;
        self.read_with(|conn| query::explain(conn, query))
    }

    /// Runs `body` on a connection inside a read transaction (one snapshot).
    fn read_with<T>(&self, body: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let run = |conn: &mut Connection| -> Result<T> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = body(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        match &self.readers {
            Some(pool) => {
                let mut conn = pool.take()?;
                let result = run(&mut conn);
                pool.give_back(conn);
                result
            }
            None => run(&mut self.lock_writer()),
        }
    }

    /// Copies the WAL into the main file on a thread with a connection of its own, so the
    /// writer is free meanwhile (a checkpoint never blocks writers or readers; one that finds
    /// another running gives up, and a later commit's does the rest). A failure is left to
    /// the next commit's automatic checkpoint.
    fn checkpoint_in_background(&self) {
        let Some(pool) = &self.readers else {
            return;
        };
        let (path, busy_timeout) = (pool.path.clone(), pool.busy_timeout);
        let mut running = self.checkpoint.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(earlier) = running.take() {
            let _ = earlier.join();
        }
        *running = std::thread::Builder::new()
            .name("contactkit-checkpoint".into())
            .spawn(move || {
                let checkpoint = Connection::open(&path).and_then(|conn| {
                    conn.busy_timeout(busy_timeout)?;
                    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                });
                drop(checkpoint);
            })
            .ok();
    }

    /// Waits for the checkpoint [`SqliteStore::checkpoint_in_background`] started, if any.
    fn wait_for_checkpoint(&self) {
        let running = self
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(running) = running {
            let _ = running.join();
        }
    }

    fn lock_writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no transaction open (the guard rolled back),
        // so the connection is still sound.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.wait_for_checkpoint();
        // Close the read-only connections first: the last connection to close checkpoints the
        // WAL into the main file and removes it, which a read-only one cannot do.
        if let Some(pool) = &self.readers {
            pool.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "secure_delete", true)?;
    // A large import's working set of index pages; the 2 MiB default spilled them to the WAL
    // mid-transaction and read them back.
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    Ok(())
}

impl ReaderPool {
    fn take(&self) -> Result<Connection> {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        if let Some(conn) = idle {
            return Ok(conn);
        }
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Query engine: search and list pages read index pages all over a large book; SQLite's
        // default 2 MiB page cache made every 1M-contact page re-read them from the OS.
        conn.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < READER_POOL {
            idle.push(conn);
        }
    }
}

fn read_in(conn: &mut Connection, body: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    body(&mut sql::Sql::new(&tx))?;
    tx.commit()?;
    Ok(())
}

impl Store for SqliteStore {
    fn read(&self, body: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()> {
        match &self.readers {
            Some(pool) => {
                let mut conn = pool.take()?;
                let result = read_in(&mut conn, body);
                pool.give_back(conn);
                result
            }
            None => read_in(&mut self.lock_writer(), body),
        }
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()> {
        let mut conn = self.lock_writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut sql = sql::Sql::new(&tx);
        body(&mut sql)?;
        // A rebuilt bulk load leaves a WAL as large as the book: copying it into the main file
        // (3.7 s of a 1M import) runs on a thread of its own after the commit, not in it.
        let in_background = sql.rebuilt() && self.readers.is_some();
        drop(sql);
        if in_background {
            tx.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        let committed = tx.commit();
        let restored = match in_background {
            true => {
                let restored = conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT);
                self.checkpoint_in_background();
                restored
            }
            false => Ok(()),
        };
        // The commit's own error first: it says whether anything was written.
        committed?;
        restored?;
        drop(conn);
        let (count, woken) = &self.commits;
        *count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        woken.notify_all();
        Ok(())
    }

    fn scrub_journal(&self) -> Result<()> {
        if self.readers.is_some() {
            // A bulk load's checkpoint still running would hold the checkpoint lock.
            self.wait_for_checkpoint();
            // Copies every committed page into the main file (where secure_delete has zeroed
            // the freed cells) and truncates the WAL, so no old frame keeps erased bytes.
            let conn = self.lock_writer();
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    fn backup_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(crate::Error::Storage(crate::StorageError::new(format!(
                "the backup file {} exists already; choose a new path",
                path.display()
            ))));
        }
        let target = path.to_string_lossy().into_owned();
        // VACUUM INTO copies one read snapshot into a new, compact file; in WAL mode writers
        // go on meanwhile.
        let backup = |conn: &Connection| conn.execute("VACUUM INTO ?1", [&target]).map(|_| ());
        match &self.readers {
            Some(pool) => {
                let conn = pool.take()?;
                let result = backup(&conn);
                pool.give_back(conn);
                Ok(result?)
            }
            None => Ok(backup(&self.lock_writer())?),
        }
    }

    fn wait_for_commit(&self, timeout: Duration) {
        let (count, woken) = &self.commits;
        let seen = count.lock().unwrap_or_else(PoisonError::into_inner);
        let start = *seen;
        let _unused = woken
            .wait_timeout_while(seen, timeout, |now| *now == start)
            .unwrap_or_else(PoisonError::into_inner);
    }

    fn query(&self, query: &Query) -> Result<Page> {
        self.read_with(|conn| {
            let (contacts, next_cursor) = query::page(conn, query)?;
            let total = query::count(conn, query)?;
            Ok(Page {
                contacts,
                total,
                next_cursor,
            })
        })
    }

    fn page(&self, query: &Query) -> Result<(Vec<Contact>, Option<String>)> {
        self.read_with(|conn| query::page(conn, query))
    }

    fn count(&self, query: &Query) -> Result<u64> {
        self.read_with(|conn| query::count(conn, query))
    }
}

#[cfg(test)]
mod tests;
