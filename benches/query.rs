//! Query latency: p50/p99 of every shape of issue 5, next to the naive SQL forms (LIKE scans,
//! OFFSET paging, JOIN-then-sort) measured in the same run on the same file.
//!
//! `cargo bench --bench query` (100k contacts) or `CONTACTKIT_BENCH_N=1000000 cargo bench
//! --bench query`. The data comes from `contactkit_testkit::generate(N, 42)` and is cached in
//! `target/bench-data/`. Each shape runs 3 interleaved rounds over its parameters; every
//! sample is one call, timed wall clock, warm cache.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use contactkit::store::Store;
use contactkit::{Query, Sort, SqliteStore, TimeRange, Verification};
use contactkit_testkit::{GenContact, Rng, T0, T1, TAGS};
use rusqlite::{Connection, OpenFlags, params};

const ROUNDS: usize = 3;
const PARAMS: usize = 40;
const PAGE: u32 = 50;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// One timed call with the index of its parameter; returns the rows or the count it got.
type Sample = Box<dyn FnMut(usize) -> u64>;

struct Shape {
    name: String,
    ours: Sample,
    naive: Option<(String, Sample)>,
    ours_times: Vec<Duration>,
    naive_times: Vec<Duration>,
    matches: Vec<u64>,
    /// The slowest sample of ours and its parameter index.
    worst: (Duration, usize),
}

fn main() {
    let n: usize = std::env::var("CONTACTKIT_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("query-{n}-v{}.db", SqliteStore::schema_version()));
    println!("# query benchmark, N = {n}");
    let t = Instant::now();
    let data = contactkit_testkit::generate(n, 42);
    println!("generate: {:.1} s", t.elapsed().as_secs_f64());
    if !path.exists() {
        let t = Instant::now();
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        contactkit_testkit::load(&tmp, &data).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        println!("bulk load + index rebuild: {:.1} s", t.elapsed().as_secs_f64());
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("file: {} ({:.1} MiB)", path.display(), size as f64 / 1048576.0);

    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).unwrap();
    let raw = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    raw.pragma_update(None, "cache_size", -262_144).unwrap();
    print_sizes(&raw);

    let mut rng = Rng::new(7);
    let params = Params::pick(&store, &data, n, &mut rng);
    println!(
        "parameters: {} common, {} rare, {} cjk, {} + {} short, {} phone terms; {} tags",
        params.common.len(),
        params.rare.len(),
        params.cjk.len(),
        params.short_common.len(),
        params.short_rare.len(),
        params.phone.len(),
        params.tags.len()
    );
    let store = std::rc::Rc::new(store);
    let raw = std::rc::Rc::new(raw);
    let mut shapes = Vec::new();

    let search_shape =
        |label: &str, terms: &[String], naive_sql: &'static str, pattern: fn(&str) -> String| {
            let (s1, s2, r) = (store.clone(), store.clone(), raw.clone());
            let (t1, t2, t3) = (terms.to_vec(), terms.to_vec(), terms.to_vec());
            vec![
                Shape {
                    name: format!("search {label}, name order, page 1"),
                    ours: Box::new(move |i| {
                        let q = Query::new().search(&t1[i % t1.len()]).limit(PAGE);
                        s1.page(&q).unwrap().0.len() as u64
                    }),
                    naive: Some((
                        "LIKE '%q%' ORDER BY name".into(),
                        Box::new(move |i| {
                            let mut stmt = r.prepare_cached(naive_sql).unwrap();
                            let rows = stmt
                                .query_map(params![pattern(&t2[i % t2.len()]), PAGE], |row| {
                                    row.get::<_, i64>(0)
                                })
                                .unwrap();
                            rows.count() as u64
                        }),
                    )),
                    ours_times: vec![],
                    naive_times: vec![],
                    matches: vec![],
                    worst: (Duration::ZERO, 0),
                },
                Shape {
                    name: format!("count, search {label}"),
                    ours: Box::new(move |i| s2.count(&Query::new().search(&t3[i % t3.len()])).unwrap()),
                    naive: None,
                    ours_times: vec![],
                    naive_times: vec![],
                    matches: vec![],
                    worst: (Duration::ZERO, 0),
                },
            ]
        };
    const NAME_LIKE: &str =
        "SELECT id, name, email, phone FROM contacts WHERE name_key LIKE ?1 ORDER BY name_key, id LIMIT ?2";
    const PHONE_LIKE: &str = "SELECT c.id, c.name, c.email, c.phone FROM contacts c WHERE c.id IN
        (SELECT contact_id FROM contact_points WHERE kind = 'phone' AND key LIKE ?1) ORDER BY c.name_key, c.id LIMIT ?2";
    fn like(t: &str) -> String {
        format!("%{}%", contactkit::fold(t))
    }
    fn digits_like(t: &str) -> String {
        format!("%{}%", contactkit::phone_digits(t))
    }
    shapes.extend(search_shape(
        "common 3-letter term",
        &params.common,
        NAME_LIKE,
        like,
    ));
    shapes.extend(search_shape("rare term", &params.rare, NAME_LIKE, like));
    shapes.extend(search_shape("1-2 CJK characters", &params.cjk, NAME_LIKE, like));
    shapes.extend(search_shape(
        "1-2 other letters, common",
        &params.short_common,
        NAME_LIKE,
        like,
    ));
    shapes.extend(search_shape(
        "1-2 other letters, rare",
        &params.short_rare,
        NAME_LIKE,
        like,
    ));
    shapes.extend(search_shape(
        "phone digits",
        &params.phone,
        PHONE_LIKE,
        digits_like,
    ));

    // Naive counts of the search shapes.
    for (label, terms, sql, pattern) in [
        (
            "common 3-letter term",
            &params.common,
            "SELECT count(*) FROM contacts WHERE name_key LIKE ?1",
            like as fn(&str) -> String,
        ),
        (
            "rare term",
            &params.rare,
            "SELECT count(*) FROM contacts WHERE name_key LIKE ?1",
            like,
        ),
        (
            "1-2 CJK characters",
            &params.cjk,
            "SELECT count(*) FROM contacts WHERE name_key LIKE ?1",
            like,
        ),
        (
            "1-2 other letters, common",
            &params.short_common,
            "SELECT count(*) FROM contacts WHERE name_key LIKE ?1",
            like,
        ),
        (
            "1-2 other letters, rare",
            &params.short_rare,
            "SELECT count(*) FROM contacts WHERE name_key LIKE ?1",
            like,
        ),
        (
            "phone digits",
            &params.phone,
            "SELECT count(DISTINCT contact_id) FROM contact_points WHERE kind = 'phone' AND key LIKE ?1",
            digits_like,
        ),
    ] {
        let r = raw.clone();
        let terms = terms.clone();
        if let Some(shape) = shapes
            .iter_mut()
            .find(|s| s.name == format!("count, search {label}"))
        {
            shape.naive = Some((
                "COUNT(*) … LIKE '%q%'".into(),
                Box::new(move |i| {
                    r.prepare_cached(sql)
                        .unwrap()
                        .query_row([pattern(&terms[i % terms.len()])], |row| row.get::<_, i64>(0))
                        .unwrap() as u64
                }),
            ));
        }
    }

    // A search in another order: the capped count picks the plan (walk the sort index for a
    // common term, collect and sort a rare one's matches).
    for (label, terms) in [
        ("common 3-letter term", &params.common),
        ("rare term", &params.rare),
    ] {
        let s = store.clone();
        let terms = terms.clone();
        shapes.push(Shape {
            name: format!("search {label}, created desc, page 1"),
            ours: Box::new(move |i| {
                let q = Query::new()
                    .search(&terms[i % terms.len()])
                    .sort(Sort::CreatedDesc)
                    .limit(PAGE);
                s.page(&q).unwrap().0.len() as u64
            }),
            naive: None,
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }
    {
        let r = raw.clone();
        let terms = params.common.clone();
        if let Some(shape) = shapes
            .iter_mut()
            .find(|s| s.name == "search common 3-letter term, created desc, page 1")
        {
            shape.naive = Some((
                "LIKE '%q%' ORDER BY created DESC".into(),
                Box::new(move |i| {
                    let mut stmt = r
                        .prepare_cached(
                            "SELECT id, name, email, phone FROM contacts WHERE name_key LIKE ?1
                             ORDER BY created_at DESC, id DESC LIMIT ?2",
                        )
                        .unwrap();
                    let rows = stmt
                        .query_map(params![like(&terms[i % terms.len()]), PAGE], |row| {
                            row.get::<_, i64>(0)
                        })
                        .unwrap();
                    rows.count() as u64
                }),
            ));
        }
    }

    // Tag filter by last activity: page 1 and page 200.
    const TAG_JOIN: &str = "SELECT c.id, c.name, c.email, c.phone FROM contacts c
        JOIN contact_tags ct ON ct.contact_id = c.id JOIN tags t ON t.id = ct.tag_id
        WHERE t.key = ?1 ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?2 OFFSET ?3";
    let tag_query = |tag: &str| {
        Query::new()
            .tags_any([tag])
            .sort(Sort::LastActivityDesc)
            .limit(PAGE)
    };
    let page200: Vec<Option<String>> = params
        .tags
        .iter()
        .map(|tag| {
            let mut q = tag_query(tag);
            for _ in 0..199 {
                let (_, next) = store.page(&q).unwrap();
                q = q.after(next);
            }
            q.cursor
        })
        .collect();
    for (page, offset) in [(1usize, 0i64), (200, 9950)] {
        let (s, r) = (store.clone(), raw.clone());
        let (tags1, tags2) = (params.tags.clone(), params.tags.clone());
        let cursors = page200.clone();
        shapes.push(Shape {
            name: format!("tag filter, last activity desc, page {page}"),
            ours: Box::new(move |i| {
                let mut q = tag_query(&tags1[i % tags1.len()]);
                if page > 1 {
                    q = q.after(cursors[i % cursors.len()].clone());
                }
                s.page(&q).unwrap().0.len() as u64
            }),
            naive: Some((
                if page == 1 {
                    "JOIN then sort".into()
                } else {
                    "JOIN then sort, OFFSET 9950".into()
                },
                Box::new(move |i| {
                    let mut stmt = r.prepare_cached(TAG_JOIN).unwrap();
                    let rows = stmt
                        .query_map(params![tags2[i % tags2.len()], PAGE, offset], |row| {
                            row.get::<_, i64>(0)
                        })
                        .unwrap();
                    rows.count() as u64
                }),
            )),
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }
    {
        let (s, r) = (store.clone(), raw.clone());
        let (tags1, tags2) = (params.tags.clone(), params.tags.clone());
        shapes.push(Shape {
            name: "count, tag filter".into(),
            ours: Box::new(move |i| s.count(&Query::new().tags_any([tags1[i % tags1.len()].as_str()])).unwrap()),
            naive: Some((
                "COUNT(*) JOIN".into(),
                Box::new(move |i| {
                    r.prepare_cached(
                        "SELECT count(*) FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.key = ?1",
                    )
                    .unwrap()
                    .query_row([&tags2[i % tags2.len()]], |row| row.get::<_, i64>(0))
                    .unwrap() as u64
                }),
            )),
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }

    // Combined: tag + verified + created range, newest first.
    let combined = params.combined.clone();
    let combined_query = move |i: usize| {
        let (tag, from, to) = &combined[i % combined.len()];
        Query::new()
            .tags_any([tag.as_str()])
            .verification_in([Verification::Verified])
            .created(TimeRange::between(ms(*from), ms(*to)))
            .sort(Sort::CreatedDesc)
            .limit(PAGE)
    };
    const COMBINED_JOIN: &str = "SELECT c.id, c.name, c.email, c.phone FROM contacts c
        JOIN contact_tags ct ON ct.contact_id = c.id JOIN tags t ON t.id = ct.tag_id
        WHERE t.key = ?1 AND c.verification = 'verified' AND c.created_at BETWEEN ?2 AND ?3
        ORDER BY c.created_at DESC, c.id DESC LIMIT ?4";
    const COMBINED_COUNT: &str = "SELECT count(*) FROM contacts c
        JOIN contact_tags ct ON ct.contact_id = c.id JOIN tags t ON t.id = ct.tag_id
        WHERE t.key = ?1 AND c.verification = 'verified' AND c.created_at BETWEEN ?2 AND ?3";
    for counting in [false, true] {
        let (s, r) = (store.clone(), raw.clone());
        let cq = combined_query.clone();
        let combined = params.combined.clone();
        shapes.push(Shape {
            name: if counting {
                "count, tag + verified + created range".into()
            } else {
                "tag + verified + created range, created desc, page 1".into()
            },
            ours: Box::new(move |i| {
                if counting {
                    s.count(&cq(i)).unwrap()
                } else {
                    s.page(&cq(i)).unwrap().0.len() as u64
                }
            }),
            naive: Some((
                if counting {
                    "COUNT(*) JOIN".into()
                } else {
                    "JOIN then sort".into()
                },
                Box::new(move |i| {
                    let (tag, from, to) = &combined[i % combined.len()];
                    if counting {
                        r.prepare_cached(COMBINED_COUNT)
                            .unwrap()
                            .query_row(params![tag, from, to], |row| row.get::<_, i64>(0))
                            .unwrap() as u64
                    } else {
                        let mut stmt = r.prepare_cached(COMBINED_JOIN).unwrap();
                        let rows = stmt
                            .query_map(params![tag, from, to, PAGE], |row| row.get::<_, i64>(0))
                            .unwrap();
                        rows.count() as u64
                    }
                }),
            )),
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }
    {
        let s = store.clone();
        shapes.push(Shape {
            name: "no filter, name order, page 1".into(),
            ours: Box::new(move |_| s.page(&Query::new().limit(PAGE)).unwrap().0.len() as u64),
            naive: None,
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
        let s = store.clone();
        shapes.push(Shape {
            name: "count, all contacts".into(),
            ours: Box::new(move |_| s.count(&Query::new()).unwrap()),
            naive: None,
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }

    {
        // What every page above pays to turn 50 ids into full contacts (row, points, tags).
        let book = contactkit::Book::open(&path, Default::default()).unwrap();
        let total = n as u64;
        let mut pick = Rng::new(11);
        let ids: Vec<Vec<contactkit::ContactId>> = (0..PARAMS)
            .map(|_| {
                (0..PAGE)
                    .map(|_| contactkit::ContactId::from_raw(1 + pick.below(total) as i64))
                    .collect()
            })
            .collect();
        shapes.push(Shape {
            name: "reading 50 full contacts by id (part of every page)".into(),
            ours: Box::new(move |i| {
                ids[i % ids.len()]
                    .iter()
                    .filter(|id| book.get(**id).is_ok())
                    .count() as u64
            }),
            naive: None,
            ours_times: vec![],
            naive_times: vec![],
            matches: vec![],
            worst: (Duration::ZERO, 0),
        });
    }

    // Warm up, then the interleaved rounds.
    for shape in &mut shapes {
        for i in 0..3 {
            (shape.ours)(i);
            if let Some((_, naive)) = &mut shape.naive {
                naive(i);
            }
        }
    }
    for _round in 0..ROUNDS {
        for shape in &mut shapes {
            for i in 0..PARAMS {
                let t = Instant::now();
                let got = (shape.ours)(i);
                let took = t.elapsed();
                shape.ours_times.push(took);
                if took > shape.worst.0 {
                    shape.worst = (took, i);
                }
                shape.matches.push(got);
                if let Some((_, naive)) = &mut shape.naive {
                    let t = Instant::now();
                    naive(i);
                    shape.naive_times.push(t.elapsed());
                }
            }
        }
    }

    if std::env::var_os("CONTACTKIT_BENCH_WORST").is_some() {
        for shape in &shapes {
            let (took, i) = shape.worst;
            println!(
                "worst of {}: {:.2} ms at parameter {i}",
                shape.name,
                took.as_secs_f64() * 1e3
            );
        }
        println!("cjk terms: {:?}", params.cjk);
        println!("short terms: {:?} / {:?}", params.short_common, params.short_rare);
    }
    println!();
    println!(
        "| shape | median rows | p50 ms | p99 ms | naive form | naive p50 ms | naive p99 ms | p99 ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for shape in &mut shapes {
        shape.ours_times.sort();
        shape.naive_times.sort();
        shape.matches.sort();
        let median = shape.matches.get(shape.matches.len() / 2).copied().unwrap_or(0);
        let (p50, p99) = (
            percentile(&shape.ours_times, 0.5),
            percentile(&shape.ours_times, 0.99),
        );
        match &shape.naive {
            Some((label, _)) => {
                let (n50, n99) = (
                    percentile(&shape.naive_times, 0.5),
                    percentile(&shape.naive_times, 0.99),
                );
                println!(
                    "| {} | {median} | {p50:.2} | {p99:.2} | {label} | {n50:.2} | {n99:.2} | {:.0}× |",
                    shape.name,
                    n99 / p99
                );
            }
            None => println!(
                "| {} | {median} | {p50:.2} | {p99:.2} | – | – | – | – |",
                shape.name
            ),
        }
    }
}

fn ms(t: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(t).unwrap()
}

fn print_sizes(raw: &Connection) {
    let mut stmt = raw
        .prepare(
            "SELECT CASE WHEN name LIKE 'search_fts%' THEN 'search_fts (all shadow tables)' ELSE name END AS n,
                    sum(pgsize) FROM dbstat GROUP BY n ORDER BY 2 DESC",
        )
        .unwrap();
    let Ok(rows) = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))) else {
        return;
    };
    let rows: Vec<(String, i64)> = rows.filter_map(Result::ok).collect();
    let total: i64 = rows.iter().map(|r| r.1).sum();
    let search: i64 = rows
        .iter()
        .filter(|r| r.0.starts_with("search_") || r.0 == "contacts_name_rank")
        .map(|r| r.1)
        .sum();
    println!(
        "size: {:.1} MiB in all, search index (search_fts, search_gram, contacts_name_rank) {:.1} MiB, rest {:.1} MiB",
        total as f64 / 1048576.0,
        search as f64 / 1048576.0,
        (total - search) as f64 / 1048576.0
    );
    for (name, bytes) in rows.iter().take(12) {
        println!("  {name}: {:.1} MiB", *bytes as f64 / 1048576.0);
    }
}

struct Params {
    common: Vec<String>,
    rare: Vec<String>,
    cjk: Vec<String>,
    /// One or two Latin, Cyrillic... characters in at least one contact in 8 (the walk).
    short_common: Vec<String>,
    /// One or two such characters in fewer (the union of trigrams).
    short_rare: Vec<String>,
    phone: Vec<String>,
    tags: Vec<String>,
    combined: Vec<(String, i64, i64)>,
}

impl Params {
    fn pick(store: &SqliteStore, data: &[GenContact], n: usize, rng: &mut Rng) -> Params {
        let count = |t: &str| store.count(&Query::new().search(t)).unwrap();
        let common_min = (n / 100) as u64; // 10k at 1M
        let rare_max = ((n / 2000) as u64).max(5); // 500 at 1M
        let mut common = Vec::new();
        let mut rare = Vec::new();
        let mut cjk = Vec::new();
        let mut short_common = Vec::new();
        let mut short_rare = Vec::new();
        let mut phone = Vec::new();
        let mut tries = 0;
        while (common.len() < PARAMS
            || rare.len() < PARAMS
            || cjk.len() < PARAMS
            || short_common.len() < PARAMS
            || short_rare.len() < PARAMS
            || phone.len() < PARAMS)
            && tries < 20_000
        {
            tries += 1;
            let c = &data[rng.below(data.len() as u64) as usize];
            let key: Vec<char> = contactkit::fold(&c.name).chars().collect();
            let dense = key.iter().any(|ch| *ch as u32 >= 0x2E80);
            if dense {
                if cjk.len() < PARAMS {
                    let len = 1 + rng.below(2) as usize;
                    if key.len() >= len {
                        let at = rng.below((key.len() - len + 1) as u64) as usize;
                        let term: String = key[at..at + len].iter().collect();
                        if !cjk.contains(&term) {
                            cjk.push(term);
                        }
                    }
                }
                continue;
            }
            if short_common.len() < PARAMS || short_rare.len() < PARAMS {
                // From the name or, for rarer grams, the local part of an email.
                let source: Vec<char> = match (rng.below(2), c.emails.first()) {
                    (1, Some(e)) => e.split('@').next().unwrap_or("").to_lowercase().chars().collect(),
                    _ => key.clone(),
                };
                let len = 1 + rng.below(2) as usize;
                if source.len() >= len {
                    let at = rng.below((source.len() - len + 1) as u64) as usize;
                    let term: String = source[at..at + len].iter().collect();
                    let hits = count(&term);
                    let list = if hits * 8 >= n as u64 {
                        &mut short_common
                    } else {
                        &mut short_rare
                    };
                    if !term.contains(' ') && list.len() < PARAMS && !list.contains(&term) {
                        list.push(term);
                    }
                }
            }
            if common.len() < PARAMS && key.len() >= 3 {
                let at = rng.below((key.len() - 2) as u64) as usize;
                let term: String = key[at..at + 3].iter().collect();
                if !term.contains(' ') && !common.contains(&term) && count(&term) >= common_min {
                    common.push(term);
                }
            }
            if rare.len() < PARAMS && key.len() >= 8 {
                let len = 5 + rng.below(4) as usize;
                let at = rng.below((key.len() - len + 1) as u64) as usize;
                let term: String = key[at..at + len].iter().collect();
                let hits = count(&term);
                if (1..=rare_max).contains(&hits) && !rare.contains(&term) {
                    rare.push(term);
                }
            }
            if phone.len() < PARAMS
                && let Some(p) = c.phones.first()
            {
                let digits = &p.e164[1..];
                let len = 4 + rng.below(4) as usize;
                if digits.len() >= len {
                    let at = rng.below((digits.len() - len + 1) as u64) as usize;
                    phone.push(digits[at..at + len].to_owned());
                }
            }
        }
        let tags: Vec<String> = TAGS.iter().map(|t| t.to_string()).collect();
        let combined = (0..PARAMS)
            .map(|i| {
                let days = rng.range(30, 365);
                let from = rng.range(T0, T1 - days * 86_400_000);
                (tags[i % tags.len()].clone(), from, from + days * 86_400_000)
            })
            .collect();
        Params {
            common,
            rare,
            cjk,
            short_common,
            short_rare,
            phone,
            tags,
            combined,
        }
    }
}
