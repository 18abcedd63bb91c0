//! Schema migrations: numbered SQL files, applied in order on open, versioned in
//! `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// One schema step: its SQL, then the Rust work it needs, if any (in the same transaction).
pub(crate) struct Migration {
    sql: &'static str,
    then: Option<fn(&Connection) -> Result<()>>,
}

const fn sql(sql: &'static str) -> Migration {
    Migration { sql, then: None }
}

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[
    sql(include_str!("migrations/0001_init.sql")),
    sql(include_str!("migrations/0002_contact_points.sql")),
    sql(include_str!("migrations/0003_search.sql")),
    sql(include_str!("migrations/0004_change_feed.sql")),
    sql(include_str!("migrations/0005_lifecycle.sql")),
    sql(include_str!("migrations/0006_sync.sql")),
    sql(include_str!("migrations/0007_settings.sql")),
    sql(include_str!("migrations/0008_point_origins.sql")),
    sql(include_str!("migrations/0009_points_by_contact.sql")),
    // The sentinels of the trigram table and the short-gram counts: a rebuild writes both.
    Migration {
        sql: include_str!("migrations/0010_short_terms.sql"),
        then: Some(super::search::rebuild),
    },
    sql(include_str!("migrations/0011_audit_ranges.sql")),
    sql(include_str!("migrations/0012_attribute_keys.sql")),
    sql(include_str!("migrations/0013_created_ranges.sql")),
];

/// The schema version this library writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// The schema version of the database on `conn`.
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Refuses a database written by a newer schema, before anything touches it.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<()> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(Error::SchemaTooNew {
            found,
            supported: LATEST,
        });
    }
    Ok(())
}

/// Applies every migration newer than the database, each in its own transaction that ends by
/// setting `user_version`, up to `target`. Safe against another process migrating at the same
/// time: the version is read again under the write lock.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    for (index, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target.clamp(0, LATEST) as usize)
    {
        let to = index as i64 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        if current > LATEST {
            return Err(Error::SchemaTooNew {
                found: current,
                supported: LATEST,
            });
        }
        if current >= to {
            continue;
        }
        tx.execute_batch(step.sql)?;
        if let Some(then) = step.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
    }
    Ok(())
}
