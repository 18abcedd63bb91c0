//! Schema migrations: numbered SQL files, applied in order on open, versioned in
//! `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_contact_points.sql"),
    include_str!("migrations/0003_search.sql"),
    include_str!("migrations/0004_change_feed.sql"),
    include_str!("migrations/0005_lifecycle.sql"),
    include_str!("migrations/0006_sync.sql"),
    include_str!("migrations/0007_settings.sql"),
    include_str!("migrations/0008_point_origins.sql"),
    include_str!("migrations/0009_points_by_contact.sql"),
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
    for (index, sql) in MIGRATIONS
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
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", to)?;
        tx.commit()?;
    }
    Ok(())
}
