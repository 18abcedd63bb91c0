//! What writing the change feed (and field provenance) costs a single edit.
//!
//! `cargo bench --bench feed` creates two identical file books of `CONTACTKIT_BENCH_EDITS`
//! contacts (default 10,000), then edits every contact once:
//! - with the feed: `Book::update` (validation, the update, its events and provenance, one
//!   transaction each);
//! - without: the same row update through the `Store` primitives, without events or
//!   provenance, one transaction each.
//!
//! It prints edits/s and the p50/p99 latency of each, and the overhead. Imports write one
//! `import_batch` event per import, not one per row, so their feed cost does not grow with
//! the file; the import benchmark measures them.

use std::time::{Duration, Instant};

use contactkit::store::{ContactRecord, Store};
use contactkit::{Actor, Book, BookOptions, ContactPatch, NewContact, Role, SqliteStore, fold};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>) -> f64 {
    let total: Duration = times.iter().sum();
    times.sort();
    let rate = times.len() as f64 / total.as_secs_f64();
    println!(
        "| {name} | {} | {:.0} | {:.3} | {:.3} |",
        times.len(),
        rate,
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    rate
}

fn seeded(path: &std::path::Path, n: usize) -> Book {
    let book = Book::open(path, BookOptions::default()).expect("book");
    let api = Actor::api("bench");
    for i in 0..n {
        book.create(
            &api,
            NewContact::new(format!("Contact {i}"))
                .email(format!("c{i}@example.com"))
                .tag("seed"),
        )
        .expect("create");
    }
    book
}

fn main() {
    let n: usize = std::env::var("CONTACTKIT_BENCH_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("dir");
    println!("# change-feed overhead, {n} single edits, file books (WAL), 2 cores");
    let with_feed = seeded(&dir.path().join("with.db"), n);
    drop(seeded(&dir.path().join("without.db"), n));
    let store =
        SqliteStore::open(dir.path().join("without.db"), SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("store");
    let agent = Actor::member("bench", Role::Agent);
    let ids: Vec<_> = (1..=n as i64).map(contactkit::ContactId::from_raw).collect();

    // The two paths alternate edit by edit, so a noisy neighbour or a checkpoint hits both alike.
    let mut feed_times = Vec::with_capacity(n);
    let mut bare_times = Vec::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let t = Instant::now();
        with_feed
            .update(&agent, *id, ContactPatch::new().name(format!("Edited {i}")))
            .expect("update");
        feed_times.push(t.elapsed());

        let t = Instant::now();
        store
            .write(&mut |w| {
                let c = w.contact(*id)?.ok_or(contactkit::Error::NotFound(*id))?;
                let name = format!("Edited {i}");
                let record = ContactRecord {
                    name_key: fold(&name),
                    name,
                    source: c.source,
                    verification: c.verification,
                    attributes: c.attributes.clone(),
                    created_at: c.created_at,
                    updated_at: chrono::Utc::now(),
                    last_activity_at: c.last_activity_at,
                };
                w.update_contact(*id, &record)?;
                w.contact(*id)?;
                Ok(())
            })
            .expect("bare update");
        bare_times.push(t.elapsed());
    }
    let median = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        percentile(&sorted, 0.5)
    };
    let (feed_p50, bare_p50) = (median(&feed_times), median(&bare_times));

    println!("| write path | edits | edits/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|");
    let with = report("Book::update (feed + provenance)", feed_times);
    let without = report("Store primitives (no feed)", bare_times);
    println!(
        "\noverhead per edit: {:.1}% by throughput, {:.1}% by median latency (target <= 20%)",
        (without / with - 1.0) * 100.0,
        (feed_p50 / bare_p50 - 1.0) * 100.0
    );
}
