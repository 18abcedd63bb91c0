//! The duplicate finder on a generated book: `cargo bench --bench duplicates`
//! (`CONTACTKIT_BENCH_N`, default 100,000 contacts). Prints the time of each of three runs
//! and the pairs found; the finder blocks on keys, so its cost grows with the contacts, not
//! with their pairs.

use std::time::Instant;

use contactkit::{Book, BookOptions};

fn main() {
    let n: usize = std::env::var("CONTACTKIT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("book.db");
    let data = contactkit_testkit::generate(n, 42);
    let t = Instant::now();
    contactkit_testkit::load(&path, &data).expect("load");
    println!(
        "# duplicate finder, N = {n} (load {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let book = Book::open(&path, BookOptions::default()).expect("open");
    println!("| run | pairs | ms |");
    println!("|---|---|---|");
    for run in 1..=3 {
        let t = Instant::now();
        let pairs = book.find_duplicates(100).expect("find");
        println!(
            "| {run} | {} | {:.0} |",
            pairs.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
