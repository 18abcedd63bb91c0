//! Upkeep of the search index (migration 0003): each contact's gapped name rank, its row in
//! the contentless trigram table `search_fts` and its short grams in `search_gram`.
//!
//! The writes in `sql.rs` call [`reindex`] and [`remove`] inside their own transaction, so
//! the index never disagrees with the contacts table. A bulk load can skip them and call
//! [`rebuild`] once at the end.
//!
//! Invariant: `name_rank` order is `(name_key, id)` order. A new or renamed contact takes the
//! midpoint of its neighbours' ranks; when there is no room, a window of neighbours is spread
//! out again ([`respace`]), each rewritten in the search tables.

use rusqlite::{Connection, OptionalExtension, params};

use super::short;
pub(super) use super::short::Texts;
use crate::error::Result;
use crate::store::PointKind;

/// The distance between ranks after a rebuild: room for 12 bisections between neighbours.
pub(super) const GAP: i64 = 4096;

/// Writes the search rows of the contacts whose ids are the JSON array `?1`, from their rank,
/// name and points, in rank order (one contact's edit, or a bulk load's new contacts).
const INSERT_FTS: &str = "INSERT INTO search_fts (rowid, name, email, phone)
    SELECT c.name_rank, c.name_key || char(57344, 57344),
           (SELECT group_concat(p.key || char(57344, 57344), char(10)) FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'email'),
           (SELECT group_concat(substr(p.key, 2), ' ') FROM contact_points p WHERE p.contact_id = c.id AND p.kind = 'phone')
    FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?1)) ORDER BY c.name_rank";

/// The 1- and 2-character grams holding a dense (CJK, kana, Hangul…) character of the folded
/// names and email keys of the contacts whose ids are the JSON array `?1`. The same statement
/// for every contact is in `rebuild_search.sql` and migration 0003, and [`dense_grams`] is
/// the same rule in Rust, for the search build's own thread.
const INSERT_GRAMS: &str = "WITH RECURSIVE
    src(rank, t) AS (
        SELECT c.name_rank, c.name_key FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?1))
        UNION ALL
        SELECT c.name_rank, p.key FROM contact_points p JOIN contacts c ON c.id = p.contact_id
        WHERE p.kind = 'email' AND c.id IN (SELECT value FROM json_each(?1))
    ),
    pos(rank, t, i) AS (
        SELECT rank, t, 1 FROM src WHERE t GLOB '*[ᄀ-\u{10FFFF}]*'
        UNION ALL
        SELECT rank, t, i + 1 FROM pos WHERE i < length(t)
    )
INSERT OR IGNORE INTO search_gram (gram, rank)
    SELECT substr(t, i, 1), rank FROM pos WHERE unicode(substr(t, i, 1)) >= 4352
    UNION
    SELECT substr(t, i, 2), rank FROM pos
    WHERE i < length(t) AND (unicode(substr(t, i, 1)) >= 4352 OR unicode(substr(t, i + 1, 1)) >= 4352)";

fn delete_entry(conn: &Connection, rank: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM search_fts WHERE rowid = ?1")?
        .execute([rank])?;
    conn.prepare_cached("DELETE FROM search_gram WHERE rank = ?1")?
        .execute([rank])?;
    Ok(())
}

/// Writes the search rows of these contacts (by id, from their current rank, name and
/// points), in rank order.
fn insert_entries(conn: &Connection, ids: &[i64]) -> Result<()> {
    let ids = serde_json::to_string(ids)
        .map_err(|e| crate::Error::Storage(crate::StorageError::new(e.to_string())))?;
    conn.prepare_cached(INSERT_FTS)?.execute([&ids])?;
    conn.prepare_cached(INSERT_GRAMS)?.execute([&ids])?;
    Ok(())
}

/// The rank of the nearest ranked contact before (`before`) or after `(key, id)` in name order.
fn neighbour(conn: &Connection, key: &str, id: i64, before: bool) -> Result<Option<i64>> {
    let sql = if before {
        "SELECT name_rank FROM contacts WHERE (name_key, id) < (?1, ?2) AND name_rank IS NOT NULL
         ORDER BY name_key DESC, id DESC LIMIT 1"
    } else {
        "SELECT name_rank FROM contacts WHERE (name_key, id) > (?1, ?2) AND name_rank IS NOT NULL
         ORDER BY name_key, id LIMIT 1"
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![key, id], |row| row.get(0))
        .optional()?)
}

/// A free rank strictly between `prev` and `next`, if there is one.
fn between(prev: Option<i64>, next: Option<i64>) -> Option<i64> {
    match (prev, next) {
        (None, None) => Some(GAP),
        (Some(p), None) => p.checked_add(GAP),
        (None, Some(n)) => n.checked_sub(GAP),
        (Some(p), Some(n)) => (n.checked_sub(p)? >= 2).then(|| p + (n - p) / 2),
    }
}

/// Brings contact `id`'s search rows up to date with its row and points, giving it a new rank
/// when its name moved it (or it has none yet). `before` are its texts before the write
/// ([`Texts::read`]): when they did not change, nothing needs to.
pub(super) fn reindex(conn: &Connection, id: i64, before: Option<&Texts>) -> Result<()> {
    let Some((after, old)) = Texts::read_with_rank(conn, id)? else {
        return Ok(());
    };
    // Only an indexed contact (one with a rank) has its grams counted.
    let counted = before.filter(|_| old.is_some());
    if counted == Some(&after) {
        return Ok(());
    }
    short::update(conn, counted, Some(&after))?;
    let key = after.name();
    if let Some(old) = old {
        delete_entry(conn, old)?;
    }
    let prev = neighbour(conn, key, id, true)?;
    let next = neighbour(conn, key, id, false)?;
    let fits = old.is_some_and(|r| prev.is_none_or(|p| p < r) && next.is_none_or(|n| r < n));
    if !fits {
        match between(prev, next) {
            Some(rank) => {
                conn.prepare_cached("UPDATE contacts SET name_rank = ?2 WHERE id = ?1")?
                    .execute(params![id, rank])?;
            }
            None => {
                conn.prepare_cached("UPDATE contacts SET name_rank = NULL WHERE id = ?1")?
                    .execute([id])?;
                return respace(conn, key, id);
            }
        }
    }
    insert_entries(conn, &[id])
}

/// Removes contact `id`'s search rows (before the contact row goes).
pub(super) fn remove(conn: &Connection, id: i64) -> Result<()> {
    if let Some((texts, Some(rank))) = Texts::read_with_rank(conn, id)? {
        short::update(conn, Some(&texts), None)?;
        delete_entry(conn, rank)?;
    }
    Ok(())
}

/// Spreads out the ranks of a window of contacts around `(key, id)` (whose rank is NULL and
/// whose search rows are gone) until there is room, then rewrites their search rows.
fn respace(conn: &Connection, key: &str, id: i64) -> Result<()> {
    let mut half: i64 = 16;
    loop {
        let side = |sql: &str| -> Result<Vec<(i64, i64)>> {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt
                .query_map(params![key, id, half + 1], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        };
        let mut before = side(
            "SELECT id, name_rank FROM contacts WHERE (name_key, id) < (?1, ?2) AND name_rank IS NOT NULL
             ORDER BY name_key DESC, id DESC LIMIT ?3",
        )?;
        let mut after = side(
            "SELECT id, name_rank FROM contacts WHERE (name_key, id) > (?1, ?2) AND name_rank IS NOT NULL
             ORDER BY name_key, id LIMIT ?3",
        )?;
        // The bounds stay put; everything strictly between them is renumbered.
        let lo_fixed = (before.len() as i64 > half).then(|| before.pop()).flatten();
        let hi_fixed = (after.len() as i64 > half).then(|| after.pop()).flatten();
        before.reverse();
        let window: Vec<i64> = before
            .iter()
            .map(|(i, _)| *i)
            .chain(std::iter::once(id))
            .chain(after.iter().map(|(i, _)| *i))
            .collect();
        let count = window.len() as i64;
        let lowest = before.first().or(after.first()).map_or(0, |(_, r)| *r);
        let highest = after.last().or(before.last()).map_or(0, |(_, r)| *r);
        let lo = lo_fixed.map_or(lowest.saturating_sub(GAP * (count + 1)), |(_, r)| r);
        let hi = hi_fixed.map_or(highest.saturating_add(GAP * (count + 1)), |(_, r)| r);
        let step = (hi - lo) / (count + 1);
        if step < 2 && (lo_fixed.is_some() || hi_fixed.is_some()) {
            half = half.saturating_mul(4);
            continue;
        }
        for (other, rank) in before.iter().chain(after.iter()) {
            delete_entry(conn, *rank)?;
            conn.prepare_cached("UPDATE contacts SET name_rank = NULL WHERE id = ?1")?
                .execute([other])?;
        }
        for (n, member) in window.iter().enumerate() {
            conn.prepare_cached("UPDATE contacts SET name_rank = ?2 WHERE id = ?1")?
                .execute(params![member, lo + step * (n as i64 + 1)])?;
            insert_entries(conn, &[*member])?;
        }
        return Ok(());
    }
}

/// Recomputes every rank and every search row from the contacts and their points, in bulk:
/// what a bulk import runs once after loading rows without per-row upkeep.
pub(crate) fn rebuild(conn: &Connection) -> Result<()> {
    rebuild_tables(conn)?;
    short::recount(conn)
}

/// [`rebuild`] but for the short-gram counts (`search_short`, `search_terms`), which the
/// caller recounts or replaces.
pub(super) fn rebuild_tables(conn: &Connection) -> Result<()> {
    rebuild_ranked(conn)?;
    rebuild_search_rows(conn)
}

/// The search rows (`search_fts`, `search_gram`) of every contact, written again from its
/// rank and points: the part of [`rebuild_tables`] that a load into an empty book leaves to
/// its own thread ([`super::search_build`]).
pub(super) fn rebuild_search_rows(conn: &Connection) -> Result<()> {
    conn.execute_batch(include_str!("rebuild_search.sql"))?;
    Ok(())
}

/// [`rebuild_tables`] but for the search rows: every name rank, the tag tables and the
/// contact total.
pub(super) fn rebuild_ranked(conn: &Connection) -> Result<()> {
    // New ranks would collide with old ones in the unique index; a bulk load that dropped the
    // index (and whose new contacts have no rank yet) skips rewriting every row to clear them.
    let rank_index: bool = conn
        .prepare_cached(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'index' AND name = 'contacts_name_rank'",
        )?
        .query_row([], |row| row.get(0))?;
    if rank_index {
        conn.execute_batch("UPDATE contacts SET name_rank = NULL")?;
    }
    conn.execute_batch(include_str!("rebuild.sql"))?;
    if !super::tag_tables::rebuild(conn)? {
        conn.execute_batch(include_str!("rebuild_tags.sql"))?;
    }
    Ok(())
}

/// The first character of the dense scripts that `search_gram` serves (U+1100, Hangul Jamo):
/// the `4352` and `ᄀ` of [`INSERT_GRAMS`].
const DENSE_FROM: char = '\u{1100}';

/// Appends the grams `search_gram` holds for one text (a folded name or an email key), as
/// [`INSERT_GRAMS`] finds them: each character from [`DENSE_FROM`] on, and each pair of
/// neighbours of which one is such a character (repeats included; the table keeps one).
pub(super) fn dense_grams(text: &str, out: &mut Vec<String>) {
    if !text.chars().any(|c| c >= DENSE_FROM) {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c >= DENSE_FROM {
            out.push(c.to_string());
        }
        if let Some(&next) = chars.get(i + 1)
            && (c >= DENSE_FROM || next >= DENSE_FROM)
        {
            out.push([c, next].iter().collect());
        }
    }
}

/// Ranks and indexes every contact that has no rank yet (the new contacts of a bulk load into
/// a book larger than the load), in name order. The new contacts that fall between the same
/// two ranked neighbours (a run) share that gap evenly: two index seeks per run, not per
/// contact, and never a renumbering of the old ones. Returns false, having written part of
/// it, when some run does not fit in its gap: the caller then runs [`rebuild`].
pub(super) fn index_unranked(conn: &Connection) -> Result<bool> {
    let unranked: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, name_key FROM contacts WHERE name_rank IS NULL ORDER BY name_key, id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let ids: Vec<i64> = unranked.iter().map(|(id, _)| *id).collect();
    short::count_new(conn, &ids)?;
    let mut start = 0;
    while start < unranked.len() {
        let (id, key) = &unranked[start];
        let prev = neighbour(conn, key, *id, true)?;
        let next: Option<(i64, String, i64)> = conn
            .prepare_cached(
                "SELECT name_rank, name_key, id FROM contacts
                 WHERE (name_key, id) > (?1, ?2) AND name_rank IS NOT NULL
                 ORDER BY name_key, id LIMIT 1",
            )?
            .query_row(params![key, id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        let end = match &next {
            Some((_, next_key, next_id)) => unranked[start..]
                .iter()
                .position(|(i, k)| (k.as_str(), *i) > (next_key.as_str(), *next_id))
                .map_or(unranked.len(), |n| start + n),
            None => unranked.len(),
        };
        let run = (end - start) as i64;
        let ranks: Vec<i64> = match (prev, next.map(|(rank, _, _)| rank)) {
            (Some(p), Some(n)) => {
                let step = (n - p) / (run + 1);
                if step < 1 {
                    return Ok(false);
                }
                (1..=run).map(|m| p + step * m).collect()
            }
            (Some(p), None) => (1..=run).map(|m| p.saturating_add(GAP * m)).collect(),
            (None, Some(n)) => (0..run).map(|m| n.saturating_sub(GAP * (run - m))).collect(),
            (None, None) => (1..=run).map(|m| GAP * m).collect(),
        };
        let mut set_rank = conn.prepare_cached("UPDATE contacts SET name_rank = ?2 WHERE id = ?1")?;
        for ((id, _), rank) in unranked[start..end].iter().zip(ranks) {
            set_rank.execute(params![id, rank])?;
        }
        start = end;
    }
    // Their search rows in one pass each, in rank order: one FTS5 segment written in order,
    // instead of two statements (and a recursive gram query) per contact.
    insert_entries(conn, &ids)?;
    Ok(true)
}

/// What a bulk load drops and [`restore`] makes again: the contacts indexes whose keys arrive
/// in random order (each insert would land on a different page), and the triggers that keep
/// tables [`rebuild`] recomputes anyway. Nothing a bulk load reads uses them: point lookups go
/// by the points' primary key, contact reads by id.
const DEFERRED: [&str; 8] = [
    "contacts_created",
    "contacts_name_key",
    "contacts_name_rank",
    "contacts_activity",
    "contacts_activity_key",
    "contacts_verification_created",
    "tag_facts_link",
    "contact_total_up",
];

/// The unique index of the point keys. A load into an empty book drops it as well: its keys
/// arrive in random order (6 s of a 1M import, 12%), and the importer already refuses a point
/// that an earlier row of the file holds. Making it again checks every key once more.
pub(super) const POINT_KEYS: &str = "contact_points_key";

/// Drops the [`DEFERRED`] indexes and triggers and returns their SQL, as the schema holds it,
/// for [`restore`].
pub(super) fn defer(conn: &Connection) -> Result<Vec<String>> {
    let mut dropped = Vec::new();
    for name in DEFERRED {
        dropped.extend(defer_one(conn, name)?);
    }
    Ok(dropped)
}

/// Drops the index or trigger `name` and returns its SQL (`None` when there is none).
pub(super) fn defer_one(conn: &Connection, name: &str) -> Result<Option<String>> {
    let found: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT type, sql FROM sqlite_master WHERE name = ?1 AND type IN ('index', 'trigger')",
        )?
        .query_row([name], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((kind, sql)) = found else {
        return Ok(None);
    };
    let drop = if kind == "index" {
        "DROP INDEX"
    } else {
        "DROP TRIGGER"
    };
    conn.execute_batch(&format!("{drop} \"{name}\""))?;
    Ok(Some(sql))
}

/// Makes the point key index of [`POINT_KEYS`] again from `sql`. Two contacts holding the
/// same key fail it with [`Error::Duplicate`](crate::Error::Duplicate), naming one of them.
pub(super) fn restore_point_keys(conn: &Connection, sql: &str) -> Result<()> {
    let Err(err) = conn.execute_batch(sql) else {
        return Ok(());
    };
    if !super::sql::is_unique_violation(&err) {
        return Err(err.into());
    }
    let twice: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT kind, key FROM contact_points GROUP BY kind, key HAVING count(*) > 1 LIMIT 1",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match twice {
        Some((kind, key)) => {
            let kind = if kind == "email" {
                PointKind::Email
            } else {
                PointKind::Phone
            };
            Err(super::sql::duplicate_point(conn, kind, &key, err))
        }
        None => Err(err.into()),
    }
}

/// [`restore`], then the point key index of [`POINT_KEYS`] from `point_keys` when it was
/// dropped, with SQLite's sorter on worker threads (`PRAGMA threads`): each CREATE INDEX
/// sorts its keys on them while this thread merges. At 1M contacts the indexes took 6.2 s and
/// 6.5 s so against 7.6 s and 11.1 s on this thread alone (a noisy hour: two runs each); the
/// whole import 32.5 s against 37.8 s, its peak RSS 98 MB against 99 MB.
pub(super) fn restore_in_parallel(
    conn: &Connection,
    dropped: &[String],
    point_keys: Option<&str>,
) -> Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) as i64;
    // Each thread sorts a list as large as the page cache: a cache that much smaller keeps
    // the sorts' memory, and the import's peak, where one thread kept it.
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |row| row.get(0))?;
    conn.pragma_update(None, "cache_size", cache / (workers + 1))?;
    conn.pragma_update(None, "threads", workers)?;
    let restored = restore(conn, dropped).and_then(|()| match point_keys {
        Some(sql) => restore_point_keys(conn, sql),
        None => Ok(()),
    });
    let single = conn
        .pragma_update(None, "threads", 0)
        .and_then(|()| conn.pragma_update(None, "cache_size", cache));
    restored?;
    single?;
    Ok(())
}

/// Makes again what [`defer`] dropped (after [`rebuild`], so each index is built in one
/// sorted pass).
pub(super) fn restore(conn: &Connection, dropped: &[String]) -> Result<()> {
    for sql in dropped {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::between;

    #[test]
    fn the_bundled_sqlite_gives_its_sorter_worker_threads() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "threads", 2).unwrap();
        let threads: i64 = conn
            .pragma_query_value(None, "threads", |row| row.get(0))
            .unwrap();
        assert_eq!(threads, 2, "SQLite was built without worker threads");
    }

    #[test]
    fn between_bisects_and_reports_a_full_gap() {
        assert_eq!(between(Some(10), Some(20)), Some(15));
        assert_eq!(between(Some(10), Some(11)), None);
        assert_eq!(between(None, Some(100)), Some(100 - super::GAP));
    }
}
