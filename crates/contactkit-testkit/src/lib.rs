//! Test and benchmark support for contactkit (never a dependency of a published crate).
//!
//! [`generate`] makes a deterministic set of realistic contacts from a seed, mirroring
//! `shared/baselines/gen.py`: 88% Latin-script names with accents drawn Zipf-like, 6%
//! Cyrillic, 6% CJK/Korean; unique emails (8% none) and E.164 phones in nine countries (5%
//! none), each with the notation a person would type; 15% with a second email or phone;
//! 0–4 tags from a pool of 50; sources, verification states, creation over three years and
//! last activity (20% never). [`load`] writes them into a book file in bulk.
//!
//! # Examples
//! ```
//! let a = contactkit_testkit::generate(100, 42);
//! assert_eq!(a, contactkit_testkit::generate(100, 42));
//! assert_eq!(a.len(), 100);
//! ```
#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod chatwoot;
pub mod chatwoot_http;
mod words;

use std::collections::HashSet;
use std::path::Path;

use contactkit::{Source, Verification};

/// A small, fast, deterministic random number generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with these (cumulative) weights.
    fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = self.unit() * total;
        cumulative
            .partition_point(|c| *c <= x)
            .min(cumulative.len().saturating_sub(1))
    }
}

fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

/// The pool of 50 tags; popularity falls as 1/(rank + 20), so the first is on about 8% of
/// contacts and the last on about 2%.
pub const TAGS: &[&str] = &[
    "vip",
    "hot-lead",
    "cold",
    "buyer",
    "seller",
    "renter",
    "investor",
    "luxury",
    "downtown",
    "suburbs",
    "first-time",
    "relocation",
    "follow-up",
    "newsletter",
    "open-house",
    "pre-approved",
    "cash",
    "referral-partner",
    "landlord",
    "commercial",
    "warm",
    "churned",
    "trial",
    "paying",
    "enterprise",
    "smb",
    "partner",
    "press",
    "event-2024",
    "event-2025",
    "webinar",
    "demo-requested",
    "no-show",
    "spanish",
    "portuguese",
    "english",
    "german",
    "french",
    "priority",
    "support",
    "billing",
    "onboarding",
    "beta",
    "ambassador",
    "lead",
    "prospect",
    "customer",
    "inactive",
    "do-not-call",
    "wholesale",
];

const DOMAINS: &[(&str, u32)] = &[
    ("gmail.com", 30),
    ("yahoo.com", 8),
    ("outlook.com", 8),
    ("hotmail.com", 6),
    ("icloud.com", 5),
    ("proton.me", 1),
    ("gmx.de", 1),
    ("web.de", 1),
    ("t-online.de", 1),
    ("orange.fr", 1),
    ("free.fr", 1),
    ("yandex.ru", 1),
    ("mail.ru", 1),
    ("qq.com", 1),
    ("163.com", 1),
    ("telefonica.es", 1),
    ("uol.com.br", 1),
    ("rediffmail.com", 1),
    ("acme-realty.com", 1),
    ("northwind.io", 1),
    ("contoso.co.uk", 1),
    ("example.org", 1),
    ("globex.mx", 1),
    ("initech.ae", 1),
];

const US_AREAS: &[&str] = &[
    "201", "212", "305", "310", "312", "347", "404", "415", "512", "617", "646", "702", "713", "718", "786",
    "818", "917", "206", "303", "602",
];

const SOURCES: &[(Source, f64)] = &[
    (Source::Whatsapp, 30.0),
    (Source::Telegram, 15.0),
    (Source::WebWidget, 25.0),
    (Source::Api, 10.0),
    (Source::Import, 15.0),
    (Source::Referral, 5.0),
];

const VERIFICATIONS: &[(Verification, f64)] = &[
    (Verification::Unverified, 35.0),
    (Verification::Pending, 15.0),
    (Verification::Verified, 40.0),
    (Verification::Failed, 10.0),
];

/// 2023-01-01T00:00:00Z in Unix milliseconds: the start of the creation times.
pub const T0: i64 = 1_672_531_200_000;
/// Three years after [`T0`]: the end of the creation and activity times.
pub const T1: i64 = T0 + 3 * 365 * 86_400_000;

/// A national significant number of country `cc` that libphonenumber accepts.
fn national_number(rng: &mut Rng, cc: &str) -> String {
    let digits = |rng: &mut Rng, n: u32| format!("{:0width$}", rng.below(10u64.pow(n)), width = n as usize);
    match cc {
        "1" => format!(
            "{}{}{}{}{}",
            rng.pick(US_AREAS),
            rng.range(2, 9),
            rng.range(0, 9),
            rng.range(2, 9),
            digits(rng, 4)
        ),
        "44" => format!("7{}{}", rng.pick(&['4', '5', '7', '8']), digits(rng, 8)),
        "49" => format!("15{}{}", rng.pick(&['1', '2']), digits(rng, 8)),
        "33" => format!(
            "6{}{}",
            rng.pick(&['0', '1', '2', '4', '5', '7', '8']),
            digits(rng, 7)
        ),
        "34" => format!("6{}", digits(rng, 8)),
        "52" => format!("{}{}", rng.pick(&["55", "33", "81"]), digits(rng, 8)),
        "55" => format!(
            "{}9{}{}",
            rng.pick(&["11", "21", "31", "41"]),
            rng.range(6, 9),
            digits(rng, 7)
        ),
        "91" => format!("{}{}", rng.pick(&['6', '7', '8', '9']), digits(rng, 9)),
        _ => format!("5{}{}", rng.pick(&['0', '2', '5', '6']), digits(rng, 7)),
    }
}

const COUNTRIES: &[(&str, f64)] = &[
    ("1", 30.0),
    ("44", 10.0),
    ("49", 10.0),
    ("33", 8.0),
    ("34", 8.0),
    ("52", 8.0),
    ("55", 10.0),
    ("91", 10.0),
    ("971", 6.0),
];

/// The phone as a person typed it into a spreadsheet.
fn phone_display(rng: &mut Rng, cc: &str, nsn: &str) -> String {
    let x = rng.unit();
    let (a, b, c) = (&nsn[..3], &nsn[3..6.min(nsn.len())], &nsn[6.min(nsn.len())..]);
    if cc == "1" && x < 0.5 {
        return match rng.below(3) {
            0 => format!("({a}) {b}-{c}"),
            1 => format!("{a}-{b}-{c}"),
            _ => format!("{a}.{b}.{c}"),
        };
    }
    if x < 0.55 {
        format!("+{cc}{nsn}")
    } else if x < 0.8 {
        format!("+{cc} {a} {b} {c}")
    } else if x < 0.92 {
        format!("+{cc}-{a}-{}", &nsn[3..])
    } else {
        format!("+{cc} {nsn}")
    }
}

/// A phone of a generated contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenPhone {
    /// E.164.
    pub e164: String,
    /// As typed (national or international notation).
    pub display: String,
}

/// One generated contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenContact {
    /// The display name.
    pub name: String,
    /// Email addresses, the primary first (may be empty).
    pub emails: Vec<String>,
    /// Phones, the primary first (may be empty).
    pub phones: Vec<GenPhone>,
    /// Tags from [`TAGS`], sorted, without repeats.
    pub tags: Vec<&'static str>,
    /// The source.
    pub source: Source,
    /// The verification status.
    pub verification: Verification,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// Last activity, Unix ms; `None` for never active.
    pub last_activity_at: Option<i64>,
}

/// `n` contacts from `seed`: the same seed gives the same contacts. Emails and phones are
/// unique across the set.
pub fn generate(n: usize, seed: u64) -> Vec<GenContact> {
    use words::*;
    let mut rng = Rng::new(seed);
    let zipf = |len: usize| cumulative((0..len).map(|i| 1.0 / (i as f64 + 3.0)));
    let (first_w, last_w) = (zipf(LATIN_FIRST.len()), zipf(LATIN_LAST.len()));
    let tag_w = cumulative((0..TAGS.len()).map(|i| 1.0 / (i as f64 + 20.0)));
    let domain_w = cumulative(DOMAINS.iter().map(|(_, w)| f64::from(*w)));
    let country_w = cumulative(COUNTRIES.iter().map(|(_, w)| *w));
    let source_w = cumulative(SOURCES.iter().map(|(_, w)| *w));
    let verification_w = cumulative(VERIFICATIONS.iter().map(|(_, w)| *w));
    let squash = |s: &str| -> String {
        contactkit::fold(s)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    let mut emails_seen: HashSet<String> = HashSet::with_capacity(n * 2);
    let mut phones_seen: HashSet<String> = HashSet::with_capacity(n * 2);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let script = rng.unit();
        let (name, base) = if script < 0.88 {
            let first = LATIN_FIRST[rng.weighted(&first_w)];
            let last = LATIN_LAST[rng.weighted(&last_w)];
            let name = if rng.unit() > 0.05 {
                format!("{first} {last}")
            } else {
                format!("{first} {}. {last}", char::from(b'A' + rng.below(26) as u8))
            };
            let base = if rng.unit() < 0.7 {
                format!("{}.{}", squash(first), squash(last))
            } else {
                format!("{}{}", squash(first).chars().next().unwrap_or('x'), squash(last))
            };
            (name, base)
        } else if script < 0.94 {
            (
                format!("{} {}", rng.pick(CYR_FIRST), rng.pick(CYR_LAST)),
                format!("user{}", rng.range(1000, 9_999_999)),
            )
        } else {
            (
                format!("{}{}", rng.pick(CJK_LAST), rng.pick(CJK_FIRST)),
                format!("u{}", rng.range(100_000, 99_999_999)),
            )
        };
        let mut emails = Vec::new();
        let email_count = if rng.unit() < 0.92 {
            if rng.unit() < 0.08 { 2 } else { 1 }
        } else {
            0
        };
        for extra in 0..email_count {
            let domain = DOMAINS[rng.weighted(&domain_w)].0;
            let mut k = 0u32;
            loop {
                let candidate = match (extra, k) {
                    (0, 0) => format!("{base}@{domain}"),
                    (0, k) => format!("{base}{k}@{domain}"),
                    (_, k) => format!("{base}.alt{k}@{domain}"),
                };
                k += 1 + rng.below(3) as u32;
                if emails_seen.insert(candidate.clone()) {
                    emails.push(candidate);
                    break;
                }
            }
        }
        let mut phones = Vec::new();
        let phone_count = if rng.unit() < 0.95 {
            if rng.unit() < 0.08 { 2 } else { 1 }
        } else {
            0
        };
        for _ in 0..phone_count {
            loop {
                let cc = COUNTRIES[rng.weighted(&country_w)].0;
                let nsn = national_number(&mut rng, cc);
                let e164 = format!("+{cc}{nsn}");
                // +44 7700 900xxx is reserved for drama; libphonenumber refuses it.
                if !e164.starts_with("+447700") && phones_seen.insert(e164.clone()) {
                    phones.push(GenPhone {
                        display: phone_display(&mut rng, cc, &nsn),
                        e164,
                    });
                    break;
                }
            }
        }
        let tag_count = rng.below(5);
        let mut tags: Vec<&'static str> = (0..tag_count).map(|_| TAGS[rng.weighted(&tag_w)]).collect();
        tags.sort_unstable();
        tags.dedup();
        let source = SOURCES[rng.weighted(&source_w)].0;
        let verification = VERIFICATIONS[rng.weighted(&verification_w)].0;
        let created_at = rng.range(T0, T1);
        let last_activity_at = if rng.unit() < 0.2 {
            None
        } else {
            Some(rng.range(created_at, T1))
        };
        out.push(GenContact {
            name,
            emails,
            phones,
            tags,
            source,
            verification,
            created_at,
            last_activity_at,
        });
    }
    out
}

/// Why [`load`] failed.
#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

impl From<rusqlite::Error> for LoadError {
    fn from(err: rusqlite::Error) -> Self {
        LoadError(err.to_string())
    }
}

impl From<contactkit::Error> for LoadError {
    fn from(err: contactkit::Error) -> Self {
        LoadError(err.to_string())
    }
}

/// Creates the book file at `path` (which must not exist yet) and writes `contacts` into it
/// in one bulk transaction, bypassing the per-row search upkeep, then rebuilds the search
/// index once and runs `ANALYZE`. Far faster than one [`contactkit::Book::create`] per row,
/// and the same book: queries answer the same.
///
/// # Errors
/// [`LoadError`] naming what SQLite or contactkit refused.
pub fn load(path: &Path, contacts: &[GenContact]) -> Result<(), LoadError> {
    drop(contactkit::SqliteStore::open(
        path,
        contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT,
    )?);
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "cache_size", -200_000)?;
    let tx = conn.transaction()?;
    {
        let mut tag_ids = std::collections::HashMap::new();
        let mut insert_tag = tx.prepare("INSERT INTO tags (name, key) VALUES (?1, ?1)")?;
        for tag in TAGS {
            insert_tag.execute([tag])?;
            tag_ids.insert(*tag, tx.last_insert_rowid());
        }
        let mut insert_contact = tx.prepare(
            "INSERT INTO contacts (name, name_key, email, phone, source, verification, attributes,
                                   created_at, updated_at, last_activity_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{}', ?7, ?7, ?8)",
        )?;
        let mut insert_point = tx.prepare(
            "INSERT INTO contact_points (kind, key, contact_id, position, value, original, label)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
        )?;
        let mut insert_link = tx.prepare("INSERT INTO contact_tags (contact_id, tag_id) VALUES (?1, ?2)")?;
        for c in contacts {
            insert_contact.execute(rusqlite::params![
                c.name,
                contactkit::fold(&c.name),
                c.emails.first(),
                c.phones.first().map(|p| &p.e164),
                c.source.as_str(),
                c.verification.as_str(),
                c.created_at,
                c.last_activity_at,
            ])?;
            let id = tx.last_insert_rowid();
            for (position, email) in c.emails.iter().enumerate() {
                insert_point.execute(rusqlite::params![
                    "email",
                    email.to_lowercase(),
                    id,
                    position as i64,
                    email,
                    None::<String>
                ])?;
            }
            for (position, phone) in c.phones.iter().enumerate() {
                insert_point.execute(rusqlite::params![
                    "phone",
                    phone.e164,
                    id,
                    position as i64,
                    phone.e164,
                    phone.display
                ])?;
            }
            for tag in &c.tags {
                if let Some(tag_id) = tag_ids.get(tag) {
                    insert_link.execute(rusqlite::params![id, tag_id])?;
                }
            }
        }
    }
    tx.commit()?;
    drop(conn);
    let store = contactkit::SqliteStore::open(path, contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT)?;
    store.rebuild_search_index()?;
    drop(store);
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_looks_like_the_baseline() {
        let all = generate(20_000, 7);
        let share =
            |f: &dyn Fn(&GenContact) -> bool| all.iter().filter(|c| f(c)).count() as f64 / all.len() as f64;
        assert!((0.05..0.07).contains(&share(&|c| {
            c.name.chars().any(|ch| ('\u{400}'..'\u{500}').contains(&ch))
        })));
        assert!((0.9..0.94).contains(&share(&|c| !c.emails.is_empty())));
        assert!((0.94..0.96).contains(&share(&|c| !c.phones.is_empty())));
        assert!((0.1..0.2).contains(&share(&|c| c.emails.len() > 1 || c.phones.len() > 1)));
        assert!((0.18..0.22).contains(&share(&|c| c.last_activity_at.is_none())));
        assert!(all.iter().all(|c| c.tags.len() <= 4));
    }

    #[test]
    fn generated_phones_are_valid_numbers() {
        for c in generate(2_000, 3) {
            for p in &c.phones {
                let parsed = contactkit::Phone::parse(&p.display, contactkit::PhoneRegion::default());
                assert_eq!(
                    parsed.map(|x| x.as_str().to_owned()).ok().as_deref(),
                    Some(p.e164.as_str()),
                    "{p:?}"
                );
            }
        }
    }
}
