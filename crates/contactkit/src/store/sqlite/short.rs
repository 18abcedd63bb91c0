//! Search terms of one or two characters outside the dense scripts (Latin, Cyrillic, Greek,
//! digits, punctuation): shorter than a trigram, so `search_fts` cannot look them up as they
//! are, and too frequent to keep a posting list of each (migration 0010). Two pieces make
//! them fast:
//!
//! - `search_short` counts, for each such gram, the contacts whose folded name, email keys or
//!   phone digits contain it. The total of a term without filters is that one row, and it
//!   tells a common term (walk the sort order and test rows: a page fills within a few
//!   hundred) from a rare one.
//! - Every name and email in `search_fts` ends with two [`SENTINEL`]s, U+E000: a private-use
//!   character no folded text holds, and a dense one, so no counted gram contains it. Each
//!   occurrence of
//!   a one- or two-character text begins some trigram. A rare term's matches are the union
//!   of the trigrams `search_terms` lists under that prefix, and they come out of the trigram
//!   table in name order like any other term's. `search_terms` is the vocabulary of the names
//!   and emails: FTS5's own (`fts5vocab`) reads every posting of the terms it lists, 40 ms
//!   for one letter at 1M contacts.
//!
//! Invariant: a contact's grams are counted exactly when it has a name rank (it is in the
//! search index). Writes keep the counts with [`update`], a bulk load with [`count_new`] or
//! [`recount`].

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::query::is_dense;
use crate::store::NewContactRecord;

/// The texts a search looks in: the folded name, the email keys and the phone digits (E.164
/// without its '+').
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Texts {
    name: String,
    emails: Vec<String>,
    phones: Vec<String>,
}

impl Texts {
    /// Contact `id`'s texts as stored now (`None` when there is no such contact).
    pub(super) fn read(conn: &Connection, id: i64) -> Result<Option<Texts>> {
        Ok(Self::read_with_rank(conn, id)?.map(|(texts, _)| texts))
    }

    /// Contact `id`'s texts and its name rank (`None` while it is not in the search index).
    pub(super) fn read_with_rank(conn: &Connection, id: i64) -> Result<Option<(Texts, Option<i64>)>> {
        let row: Option<(String, Option<i64>)> = conn
            .prepare_cached("SELECT name_key, name_rank FROM contacts WHERE id = ?1")?
            .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((name, rank)) = row else {
            return Ok(None);
        };
        let mut texts = Texts {
            name,
            ..Texts::default()
        };
        let mut stmt = conn.prepare_cached(
            "SELECT kind, key FROM contact_points WHERE contact_id = ?1 ORDER BY kind, position",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            texts.push_point(&kind, row.get(1)?);
        }
        Ok(Some((texts, rank)))
    }

    /// The texts a new contact will have once written.
    pub(super) fn of_new(contact: &NewContactRecord) -> Texts {
        Texts {
            name: contact.record.name_key.clone(),
            emails: contact.emails.iter().map(|p| p.key.clone()).collect(),
            phones: contact
                .phones
                .iter()
                .map(|p| p.key.trim_start_matches('+').to_owned())
                .collect(),
        }
    }

    /// The folded name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The email keys, in the contact's order.
    pub(super) fn emails(&self) -> &[String] {
        &self.emails
    }

    /// The phone digits (E.164 without its '+'), in the contact's order.
    pub(super) fn phones(&self) -> &[String] {
        &self.phones
    }

    fn push_point(&mut self, kind: &str, key: String) {
        match kind {
            "email" => self.emails.push(key),
            "phone" => self.phones.push(key.trim_start_matches('+').to_owned()),
            _ => {}
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.emails.iter().map(String::as_str))
            .chain(self.phones.iter().map(String::as_str))
    }

    /// Appends the trigrams `search_fts` holds for the name and the emails (each ending with
    /// two sentinels) that begin with a character this module serves.
    fn trigrams(&self, out: &mut Vec<Trigram>) {
        for text in std::iter::once(&self.name).chain(&self.emails) {
            let chars: Vec<char> = text.chars().chain([SENTINEL, SENTINEL]).collect();
            for window in chars.windows(3) {
                if !is_dense(window[0]) {
                    out.push(
                        (u64::from(window[0]) << 42) | (u64::from(window[1]) << 21) | u64::from(window[2]),
                    );
                }
            }
        }
    }

    /// The distinct short grams of these texts, sorted.
    fn grams(&self) -> Vec<Gram> {
        let mut out = Vec::new();
        for text in self.all() {
            grams(text, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What ends every name and email in `search_fts` (`char(57344, 57344)` in the SQL).
pub(super) const SENTINEL: char = '\u{E000}';

/// Three characters packed in an integer, 21 bits each.
type Trigram = u64;

fn unpack_trigram(trigram: Trigram) -> String {
    [42, 21, 0]
        .iter()
        .filter_map(|shift| char::from_u32(((trigram >> shift) & 0x1F_FFFF) as u32))
        .collect()
}

/// A one- or two-character gram packed in an integer: the first character in the high bits,
/// the second plus one (zero for none) in the low 22.
type Gram = u64;

fn pack(first: char, second: Option<char>) -> Gram {
    (u64::from(first) << 22) | second.map_or(0, |c| u64::from(c) + 1)
}

fn unpack(gram: Gram) -> String {
    let first = char::from_u32((gram >> 22) as u32);
    let second = match gram & 0x3F_FFFF {
        0 => None,
        n => char::from_u32(n as u32 - 1),
    };
    first.into_iter().chain(second).collect()
}

/// Appends every gram of one or two characters of `text` that holds no dense character (the
/// dense ones are `search_gram`'s): what `instr(text, t) > 0` is true for, for such a `t`.
fn grams(text: &str, out: &mut Vec<Gram>) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_dense(c) {
            continue;
        }
        out.push(pack(c, None));
        if let Some(&next) = chars.peek()
            && !is_dense(next)
        {
            out.push(pack(c, Some(next)));
        }
    }
}

/// The packed form of `text` when it is a gram [`grams`] counts.
fn gram_of(text: &str) -> Option<Gram> {
    let mut chars = text.chars();
    let first = chars.next()?;
    let second = chars.next();
    if chars.next().is_some() || is_dense(first) || second.is_some_and(is_dense) {
        return None;
    }
    Some(pack(first, second))
}

/// Whether `text` is a term this module serves: one or two characters, none of them dense.
pub(super) fn is_short(text: &str) -> bool {
    gram_of(text).is_some()
}

fn add(conn: &Connection, counts: impl IntoIterator<Item = (Gram, i64)>) -> Result<()> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO search_short (gram, contacts) VALUES (?1, ?2)
         ON CONFLICT (gram) DO UPDATE SET contacts = contacts + excluded.contacts",
    )?;
    let mut drop_empty = conn.prepare_cached("DELETE FROM search_short WHERE gram = ?1 AND contacts <= 0")?;
    for (gram, delta) in counts {
        let text = unpack(gram);
        upsert.execute(params![text, delta])?;
        if delta < 0 {
            drop_empty.execute([&text])?;
        }
    }
    Ok(())
}

fn add_terms(conn: &Connection, trigrams: &mut Vec<Trigram>) -> Result<()> {
    trigrams.sort_unstable();
    trigrams.dedup();
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO search_terms (term) VALUES (?1)")?;
    for trigram in trigrams.iter() {
        insert.execute([unpack_trigram(*trigram)])?;
    }
    Ok(())
}

/// Moves the counts from a contact's texts `before` (counted) to `after` (to be counted):
/// `None` for a contact that was not, or will not be, in the index.
pub(super) fn update(conn: &Connection, before: Option<&Texts>, after: Option<&Texts>) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let old = before.map(Texts::grams).unwrap_or_default();
    let new = after.map(Texts::grams).unwrap_or_default();
    let gone = old
        .iter()
        .filter(|g| new.binary_search(g).is_err())
        .map(|g| (*g, -1));
    let came = new
        .iter()
        .filter(|g| old.binary_search(g).is_err())
        .map(|g| (*g, 1));
    add(conn, gone.chain(came))?;
    let mut trigrams = Vec::new();
    if let Some(after) = after {
        after.trigrams(&mut trigrams);
    }
    add_terms(conn, &mut trigrams)
}

/// Counts the grams of every contact with an id in `ids` and no name rank yet (the new
/// contacts of a bulk load), reading the rows from the smallest of them on (a load appends).
pub(super) fn count_new(conn: &Connection, ids: &[i64]) -> Result<()> {
    let Some(&from) = ids.iter().min() else {
        return Ok(());
    };
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let (counts, mut trigrams) = tally(conn, from, |id| wanted.contains(&id))?;
    add(conn, counts)?;
    add_terms(conn, &mut trigrams)
}

/// Recomputes every count and the vocabulary from the contacts and their points.
pub(super) fn recount(conn: &Connection) -> Result<()> {
    replace(conn, tally(conn, i64::MIN, |_| true)?)
}

/// Replaces every count and the vocabulary with `counted`: what [`recount`] does when these
/// are the counts of exactly the contacts the book holds.
pub(super) fn replace(conn: &Connection, counted: Counted) -> Result<()> {
    conn.execute_batch("DELETE FROM search_short; DELETE FROM search_terms;")?;
    let (counts, mut trigrams) = counted;
    add(conn, counts)?;
    add_terms(conn, &mut trigrams)
}

/// What a tally found: each gram with its number of contacts, and the distinct trigrams.
pub(super) type Counted = (Vec<(Gram, i64)>, Vec<Trigram>);

/// The gram counts and trigrams of contacts, added one contact at a time.
#[derive(Default)]
pub(super) struct Tally {
    // foldhash rather than std's SipHash: a 1M-contact load makes about 40M lookups here.
    counts: foldhash::HashMap<Gram, i64>,
    trigrams: foldhash::HashSet<Trigram>,
    grams_of_one: Vec<Gram>,
    trigrams_of_one: Vec<Trigram>,
}

impl Tally {
    pub(super) fn add(&mut self, texts: &Texts) {
        self.grams_of_one.clear();
        for text in texts.all() {
            grams(text, &mut self.grams_of_one);
        }
        self.grams_of_one.sort_unstable();
        self.grams_of_one.dedup();
        for gram in &self.grams_of_one {
            *self.counts.entry(*gram).or_default() += 1;
        }
        self.trigrams_of_one.clear();
        texts.trigrams(&mut self.trigrams_of_one);
        self.trigrams.extend(self.trigrams_of_one.iter().copied());
    }

    pub(super) fn finish(self) -> Counted {
        let mut counts: Vec<(Gram, i64)> = self.counts.into_iter().collect();
        counts.sort_unstable();
        (counts, self.trigrams.into_iter().collect())
    }
}

/// The gram counts and the distinct trigrams of the contacts with an id from `from` on that
/// `keep` accepts.
fn tally(conn: &Connection, from: i64, keep: impl Fn(i64) -> bool) -> Result<Counted> {
    let mut tally = Tally::default();
    each_texts(conn, from, |id, texts| {
        if keep(id) {
            tally.add(&texts);
        }
        Ok(())
    })?;
    Ok(tally.finish())
}

/// Calls `each` with the id and texts of every contact with an id from `from` on, in id
/// order: one pass over the contacts and one over their points.
pub(super) fn each_texts(
    conn: &Connection,
    from: i64,
    mut each: impl FnMut(i64, Texts) -> Result<()>,
) -> Result<()> {
    let mut names = conn.prepare_cached("SELECT id, name_key FROM contacts WHERE id >= ?1 ORDER BY id")?;
    let mut names = names.query([from])?;
    let mut points = conn.prepare_cached(
        "SELECT contact_id, kind, key FROM contact_points WHERE contact_id >= ?1 ORDER BY contact_id",
    )?;
    let mut points = points.query([from])?;
    let mut pending: Option<(i64, String, String)> = None;
    while let Some(row) = names.next()? {
        let id: i64 = row.get(0)?;
        let name: String = row.get(1)?;
        let mut texts = Texts {
            name,
            ..Texts::default()
        };
        loop {
            if pending.is_none() {
                pending = match points.next()? {
                    Some(p) => Some((p.get(0)?, p.get(1)?, p.get(2)?)),
                    None => break,
                };
            }
            match pending.take() {
                Some((owner, kind, key)) if owner == id => texts.push_point(&kind, key),
                Some(later) if later.0 > id => {
                    pending = Some(later);
                    break;
                }
                // A point of a contact before this one: not one of ours.
                _ => {}
            }
        }
        each(id, texts)?;
    }
    Ok(())
}

/// How many contacts contain the short term `text`.
pub(super) fn contacts_with(conn: &Connection, text: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT contacts FROM search_short WHERE gram = ?1")?
        .query_row([text], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The trigram-table expression that finds every contact whose name or email contains the
/// short term `text`, the union of the trigrams that begin with it, and their number. `None`
/// when there are none (no name or email contains it). Phones hold no sentinels: a text with
/// digits only must not come here.
pub(super) fn union_expr(conn: &Connection, text: &str) -> Result<Option<(String, usize)>> {
    // Every trigram under the prefix sorts at or below the prefix followed by two of the
    // highest characters (text compares as UTF-8 bytes).
    let upper = format!("{text}\u{10FFFF}\u{10FFFF}");
    let mut stmt = conn.prepare_cached("SELECT term FROM search_terms WHERE term >= ?1 AND term <= ?2")?;
    let mut rows = stmt.query(params![text, upper])?;
    let mut expr = String::new();
    let mut terms = 0;
    while let Some(row) = rows.next()? {
        let term: String = row.get(0)?;
        if terms > 0 {
            expr.push_str(" OR ");
        }
        terms += 1;
        expr.push('"');
        expr.push_str(&term.replace('"', "\"\""));
        expr.push('"');
    }
    Ok((terms > 0).then_some((expr, terms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str, emails: &[&str], phones: &[&str]) -> Texts {
        Texts {
            name: name.to_owned(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            phones: phones.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn grams_are_every_substring_of_one_or_two_characters_without_dense_ones() {
        let got: Vec<String> = texts("ana 王b", &[], &[])
            .grams()
            .into_iter()
            .map(unpack)
            .collect();
        let mut want = vec!["a", "an", "n", "na", "a ", " ", "b"];
        want.sort_unstable_by_key(|g| gram_of(g));
        assert_eq!(got, want);
    }

    #[test]
    fn a_gram_is_counted_once_per_contact_whatever_its_texts() {
        let t = texts("lia", &["li@x.io"], &["3461"]);
        let grams: Vec<String> = t.grams().into_iter().map(unpack).collect();
        assert_eq!(grams.iter().filter(|g| *g == "li").count(), 1);
        assert!(grams.contains(&"61".to_owned()));
        assert!(grams.contains(&"@".to_owned()));
    }

    #[test]
    fn only_short_non_dense_texts_are_served() {
        assert!(is_short("a"));
        assert!(is_short("ов"));
        assert!(is_short("5"));
        assert!(!is_short("abc"));
        assert!(!is_short("王"));
        assert!(!is_short("a王"));
        assert!(!is_short(""));
    }

    #[test]
    fn trigrams_are_those_of_the_names_and_emails_with_their_sentinels() {
        let mut out = Vec::new();
        texts("ab", &["c@d"], &["123"]).trigrams(&mut out);
        let got: Vec<String> = out.into_iter().map(unpack_trigram).collect();
        let s = SENTINEL;
        assert_eq!(
            got,
            [
                format!("ab{s}"),
                format!("b{s}{s}"),
                "c@d".into(),
                format!("@d{s}"),
                format!("d{s}{s}")
            ]
        );
    }

    #[test]
    fn packing_round_trips() {
        for g in ["a", "ab", "\u{0}", "\u{0}\u{0}", "ж", "a\u{10FF}"] {
            assert_eq!(unpack(gram_of(g).expect("short")), g);
        }
    }
}
