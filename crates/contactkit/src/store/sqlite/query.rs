//! The query engine on SQLite: a [`Query`] compiled to one statement per page and one per
//! count. SQL text is assembled only from `&'static str` fragments chosen by `match` on our
//! enums; every value is bound (lists as one JSON array through `json_each`).
//!
//! Plans (see `docs/query.md` for the measurements behind them):
//! - **Search by name order**: the trigram table `search_fts` (or `search_gram` for one or
//!   two CJK characters) has the contact's name rank as rowid, so `MATCH … ORDER BY rowid`
//!   yields matches already in name order and stops at the page: a common term costs what a
//!   rare one does. Filters are checked on the joined contact row.
//! - **Search by another order**: a capped count of the matches estimates selectivity. A rare
//!   term (under [`COLLECT_LIMIT`] matches) collects its matches and sorts them; a common one
//!   walks the sort index and tests membership in the match set.
//! - **One or two Latin, Cyrillic… characters** (`short.rs`): `search_short` holds the exact
//!   number of contacts that contain the term, which is the count without filters. The term
//!   becomes the union of the trigrams that begin with it, a trigram search like any other,
//!   unless it begins more than [`UNION_TERMS_MAX`] of them and is in at least one contact
//!   in [`WALK_WHEN_ONE_IN`]: then the sort order is walked testing each row, for at most
//!   [`WALK_CAP`] rows, and the union is the fallback when the cap runs out (the matches sit
//!   elsewhere in the order). Terms of digits always walk (phones hold no sentinels).
//! - **No search** (or a term no index serves): walk the sort index, test each row, stop when
//!   the page is full; keyset `(key, id)` comparisons make page 200 cost page 1.
//! - **Led by a tag**: counts read `tag_facts` (tag, verification, created, contact), testing
//!   verification and creation range there and reading contact rows only for the other
//!   conditions; a creation-ordered page of one tag and one verification status reads its
//!   primary key in order; `tag_activity` (tag, activity, contact) does the same for a tag
//!   sorted by last activity.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};

use crate::contact::{Contact, ContactId};
use crate::error::Result;
use crate::query::{
    AttributeOp, Cursor, Filter, Operand, Query, SearchTerm, Sort, SortKey, is_dense, tag_keys,
};
use crate::store::sqlite::short;
use crate::store::sqlite::sql::Sql;

/// Under this many matches a search term is "rare": collect and sort rather than walk.
pub(super) const COLLECT_LIMIT: i64 = 2000;

/// A statement under construction: static text, bound values.
struct Stmt {
    sql: String,
    params: Vec<Value>,
}

impl Stmt {
    fn new() -> Self {
        Stmt {
            sql: String::with_capacity(512),
            params: Vec::new(),
        }
    }

    /// Appends SQL text: only ever a literal.
    fn push(&mut self, text: &'static str) -> &mut Self {
        self.sql.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.params.push(value.into());
        self
    }
}

fn json_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| s.as_ref().to_owned()).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// Appends the condition `filter` on the contact row `c`. Every fragment is two-valued (never
/// NULL), so NOT means what it says.
fn filter_sql(filter: &Filter, out: &mut Stmt) {
    match filter {
        Filter::And(all) | Filter::Or(all) if all.is_empty() => {
            out.push(if matches!(filter, Filter::And(_)) {
                "1"
            } else {
                "0"
            });
        }
        Filter::And(all) | Filter::Or(all) => {
            let joiner = if matches!(filter, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push("(");
            for (n, f) in all.iter().enumerate() {
                if n > 0 {
                    out.push(joiner);
                }
                filter_sql(f, out);
            }
            out.push(")");
        }
        Filter::Not(inner) => {
            out.push("(NOT ");
            filter_sql(inner, out);
            out.push(")");
        }
        Filter::TagsAny(tags) => tags_any(tags, out),
        Filter::TagsNone(tags) => {
            out.push("(NOT ");
            tags_any(tags, out);
            out.push(")");
        }
        Filter::TagsAll(tags) => {
            out.push(
                "NOT EXISTS (SELECT 1 FROM json_each(?) j WHERE NOT EXISTS (
                    SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
                    WHERE ct.contact_id = c.id AND t.key = j.value))",
            )
            .bind(json_list(tag_keys(tags)));
        }
        Filter::VerificationIn(set) => {
            out.push("c.verification IN (SELECT value FROM json_each(?))")
                .bind(json_list(set.iter().map(|v| v.as_str())));
        }
        Filter::SourceIn(set) => {
            out.push("c.source IN (SELECT value FROM json_each(?))")
                .bind(json_list(set.iter().map(|v| v.as_str())));
        }
        Filter::Created(range) => {
            let (from, to) = range.millis();
            out.push("(c.created_at BETWEEN ? AND ?)")
                .bind(from.unwrap_or(i64::MIN))
                .bind(to.unwrap_or(i64::MAX));
        }
        Filter::LastActivity(range) => {
            let (from, to) = range.millis();
            out.push("(c.last_activity_at IS NOT NULL AND c.last_activity_at BETWEEN ? AND ?)")
                .bind(from.unwrap_or(i64::MIN))
                .bind(to.unwrap_or(i64::MAX));
        }
        Filter::NeverActive => {
            out.push("c.last_activity_at IS NULL");
        }
        Filter::HasEmail => {
            out.push("c.email IS NOT NULL");
        }
        Filter::NoEmail => {
            out.push("c.email IS NULL");
        }
        Filter::HasPhone => {
            out.push("c.phone IS NOT NULL");
        }
        Filter::NoPhone => {
            out.push("c.phone IS NULL");
        }
        Filter::Reviewed(reviewed) => {
            out.push("c.reviewed = ?").bind(i64::from(*reviewed));
        }
        Filter::Attribute(attr) => {
            let (negate, op) = match &attr.op {
                AttributeOp::Ne(value) => (true, AttributeOp::Eq(value.clone())),
                AttributeOp::Absent => (true, AttributeOp::Present),
                other => (false, other.clone()),
            };
            out.push(if negate { "NOT EXISTS" } else { "EXISTS" })
                .push(" (SELECT 1 FROM json_each(c.attributes) j WHERE j.key = ? AND ")
                .bind(attr.key.clone());
            attribute_op(&op, out);
            out.push(")");
        }
    }
}

fn tags_any(tags: &[String], out: &mut Stmt) {
    out.push(
        "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id
            AND ct.tag_id IN (SELECT t.id FROM tags t WHERE t.key IN (SELECT value FROM json_each(?))))",
    )
    .bind(json_list(tag_keys(tags)));
}

/// Appends the test of `op` on the attribute value `j` of `json_each` (`Ne` and `Absent` are
/// turned into negated `Eq` and `Present` by the caller).
fn attribute_op(op: &AttributeOp, out: &mut Stmt) {
    const NUMBER: &str = "j.type IN ('integer', 'real')";
    const DATE: &str = "j.type = 'text' AND j.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
    const TIME_MS: &str = "j.type = 'text' AND j.value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'
        AND unixepoch(j.value, 'subsec') IS NOT NULL
        AND CAST(round(unixepoch(j.value, 'subsec') * 1000) AS INTEGER)";
    match op {
        AttributeOp::Present | AttributeOp::Absent => {
            out.push("1");
        }
        AttributeOp::Eq(value) | AttributeOp::Ne(value) => match Operand::of(value) {
            Operand::Bool(b) => {
                out.push("j.type = ?")
                    .bind(if b { "true" } else { "false" }.to_owned());
            }
            Operand::Number(n) => {
                out.push(NUMBER).push(" AND j.value = ?").bind(n);
            }
            Operand::Date(text) | Operand::DateTime(text, _) | Operand::Text(text) => {
                out.push("j.type = 'text' AND j.value = ?").bind(text);
            }
        },
        AttributeOp::Contains(text) => {
            out.push("j.type = 'text' AND instr(j.value, ?) > 0")
                .bind(text.clone());
        }
        AttributeOp::Gt(value) | AttributeOp::Lt(value) => {
            let greater = matches!(op, AttributeOp::Gt(_));
            let cmp = if greater { " > ?" } else { " < ?" };
            match Operand::of(value) {
                Operand::Number(n) => {
                    out.push(NUMBER).push(" AND j.value").push(cmp).bind(n);
                }
                Operand::Date(text) => {
                    out.push(DATE).push(" AND j.value").push(cmp).bind(text);
                }
                Operand::DateTime(_, ms) => {
                    out.push(TIME_MS).push(cmp).bind(ms);
                }
                Operand::Bool(_) | Operand::Text(_) => {
                    out.push("0");
                }
            }
        }
    }
}

/// Appends the search condition tested row by row (terms too short for the indexes): the
/// folded name contains the text, or the contact is in the set of contacts one of whose
/// emails (or, for a phone-like text, phone digits) contains it. Each set is one scan of the
/// points, made the first time a row needs it; per contact, two EXISTS on its points made a
/// 1M count of a short term take 4.5 s and a page of a term with no match about 5 s.
fn search_scan(term: &SearchTerm, out: &mut Stmt) {
    out.push(
        "(instr(c.name_key, ?) > 0 OR c.id IN (SELECT p.contact_id FROM contact_points p
            WHERE p.kind = 'email' AND instr(p.key, ?) > 0)",
    )
    .bind(term.text.clone())
    .bind(term.text.clone());
    if let Some(digits) = &term.digits {
        out.push(
            " OR c.id IN (SELECT p.contact_id FROM contact_points p
                WHERE p.kind = 'phone' AND instr(substr(p.key, 2), ?) > 0)",
        )
        .bind(digits.clone());
    }
    out.push(")");
}

/// Appends the search condition of a walk that stops at a full page (a common short term):
/// the name, then the contact's own points, looked up by its id.
fn search_test(term: &SearchTerm, out: &mut Stmt) {
    out.push(
        "(instr(c.name_key, ?) > 0 OR EXISTS (SELECT 1 FROM contact_points p
            WHERE p.contact_id = c.id AND p.kind = 'email' AND instr(p.key, ?) > 0)",
    )
    .bind(term.text.clone())
    .bind(term.text.clone());
    if let Some(digits) = &term.digits {
        out.push(
            " OR EXISTS (SELECT 1 FROM contact_points p
                WHERE p.contact_id = c.id AND p.kind = 'phone' AND instr(substr(p.key, 2), ?) > 0)",
        )
        .bind(digits.clone());
    }
    out.push(")");
}

/// Where a search's matches come from.
enum Source {
    /// The trigram table, with this MATCH expression.
    Fts(String),
    /// The short-gram table, with this gram.
    Gram(String),
    /// A short term common enough that walking the sort order and testing each row fills a
    /// page within a few hundred rows. With a `fallback` (a MATCH expression), the walk gives
    /// up after [`WALK_CAP`] rows (the matches may sit elsewhere in the order, as Cyrillic
    /// names do after Latin ones) and the page comes from the trigram table instead.
    Walk { fallback: Option<String> },
    /// Row-by-row tests, with each point kind's matches collected once.
    Scan,
    /// Nothing can match.
    Nothing,
}

/// A search is "common" for the walk when at least one contact in this many matches it: a
/// page of 50 then fills within about 400 rows tested.
const WALK_WHEN_ONE_IN: i64 = 8;

/// The rows a capped walk tests before it takes the union instead (about 2 ms at 1M).
const WALK_CAP: usize = 1000;

/// A union of up to this many trigrams reads a page in about 1.5 ms at 1M (some 11 us a
/// trigram), whatever the term's frequency and wherever its matches sit in the order: only a
/// term beginning more trigrams, and common, walks instead.
const UNION_TERMS_MAX: usize = 128;

/// Where `term`'s matches come from, and for a short term the exact number of contacts that
/// match it (from `search_short`).
fn resolve(conn: &Connection, term: &SearchTerm) -> Result<(Source, Option<i64>)> {
    let source = source_of(term);
    let served = term.digits.as_ref().is_none_or(|digits| *digits == term.text);
    if !matches!(source, Source::Scan) || !short::is_short(&term.text) || !served {
        return Ok((source, None));
    }
    let matching = short::contacts_with(conn, &term.text)?;
    if matching == 0 {
        return Ok((Source::Nothing, Some(0)));
    }
    let total: i64 = conn
        .prepare_cached("SELECT n FROM contact_total WHERE one = 1")?
        .query_row([], |row| row.get(0))?;
    // Phones hold no sentinels, so a term of digits is never looked up by union (and the
    // digits of phones are spread over every name).
    let union = match &term.digits {
        Some(_) => None,
        None => short::union_expr(conn, &term.text)?,
    };
    let source = match union {
        Some((expr, terms))
            if terms > UNION_TERMS_MAX && matching.saturating_mul(WALK_WHEN_ONE_IN) >= total =>
        {
            Source::Walk { fallback: Some(expr) }
        }
        Some((expr, _)) => Source::Fts(expr),
        // Digits, or a vocabulary out of step with the counts: test every row.
        None => Source::Walk { fallback: None },
    };
    Ok((source, Some(matching)))
}

fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn source_of(term: &SearchTerm) -> Source {
    let chars = term.text.chars().count();
    let digits_ok = term.digits.as_ref().is_none_or(|d| d.len() >= 3);
    if chars >= 3 && digits_ok {
        // The phone column holds only ASCII digits and spaces: a text with any other
        // character cannot match there, so it needs no column filter (which would cost a walk
        // over the other columns' postings).
        let phone_proof = term.text.chars().any(|c| !(c.is_ascii_digit() || c == ' '));
        if term.digits.as_deref() == Some(term.text.as_str()) {
            // Bare digits: "name or email contains t, or a phone contains t" is `t` in any
            // column, and needs no column filter (which walks every column's postings).
            return Source::Fts(fts_phrase(&term.text));
        }
        let mut expr = if phone_proof {
            fts_phrase(&term.text)
        } else {
            format!("{{name email}} : {}", fts_phrase(&term.text))
        };
        if let Some(digits) = &term.digits {
            expr = format!("({expr}) OR (phone : {})", fts_phrase(digits));
        }
        return Source::Fts(expr);
    }
    if chars <= 2 && term.digits.is_none() && term.text.chars().any(is_dense) {
        return Source::Gram(term.text.clone());
    }
    Source::Scan
}

/// The pieces of SQL of one order.
struct Order {
    /// The sort key of a row.
    key: &'static str,
    /// ORDER BY.
    order_by: &'static str,
    /// Rows after a cursor: binds key, key, id. Written as a range on the key plus a test
    /// rather than a row value, so SQLite seeks the expression index too.
    after: &'static str,
    /// The index walked when a common search term is tested row by row.
    index: &'static str,
}

fn order(sort: Sort) -> Order {
    const ACTIVITY: &str = "coalesce(c.last_activity_at, -9223372036854775807)";
    match sort {
        Sort::NameAsc => Order {
            key: "c.name_key",
            order_by: "c.name_key, c.id",
            after: "c.name_key >= ? AND (c.name_key > ? OR c.id > ?)",
            index: "contacts_name_key",
        },
        Sort::NameDesc => Order {
            key: "c.name_key",
            order_by: "c.name_key DESC, c.id DESC",
            after: "c.name_key <= ? AND (c.name_key < ? OR c.id < ?)",
            index: "contacts_name_key",
        },
        Sort::CreatedAsc => Order {
            key: "c.created_at",
            order_by: "c.created_at, c.id",
            after: "c.created_at >= ? AND (c.created_at > ? OR c.id > ?)",
            index: "contacts_created",
        },
        Sort::CreatedDesc => Order {
            key: "c.created_at",
            order_by: "c.created_at DESC, c.id DESC",
            after: "c.created_at <= ? AND (c.created_at < ? OR c.id < ?)",
            index: "contacts_created",
        },
        Sort::LastActivityAsc => Order {
            key: ACTIVITY,
            order_by: "coalesce(c.last_activity_at, -9223372036854775807), c.id",
            after: "coalesce(c.last_activity_at, -9223372036854775807) >= ?
                AND (coalesce(c.last_activity_at, -9223372036854775807) > ? OR c.id > ?)",
            index: "contacts_activity_key",
        },
        Sort::LastActivityDesc => Order {
            key: ACTIVITY,
            order_by: "coalesce(c.last_activity_at, -9223372036854775807) DESC, c.id DESC",
            after: "coalesce(c.last_activity_at, -9223372036854775807) <= ?
                AND (coalesce(c.last_activity_at, -9223372036854775807) < ? OR c.id < ?)",
            index: "contacts_activity_key",
        },
    }
}

fn bind_key(key: &SortKey, out: &mut Stmt) {
    match key {
        SortKey::Text(text) => out.bind(text.clone()),
        SortKey::Int(n) => out.bind(*n),
    };
}

fn where_filter(query: &Query, out: &mut Stmt) {
    if let Some(filter) = &query.filter {
        out.push(" AND ");
        filter_sql(filter, out);
    }
}

/// The rank bound of a name-ordered search page after `cursor`: ranks strictly beyond it
/// come next. The cursor's own contact may be gone, so the bound is the rank of the nearest
/// contact at or before (ascending) / at or after (descending) the cursor's position.
fn rank_bound(conn: &Connection, sort: Sort, cursor: Option<&Cursor>) -> Result<i64> {
    let descending = sort.is_descending();
    let Some(Cursor {
        key: SortKey::Text(key),
        id,
        ..
    }) = cursor
    else {
        return Ok(if descending { i64::MAX } else { i64::MIN });
    };
    let sql = if descending {
        "SELECT name_rank FROM contacts WHERE (name_key, id) >= (?1, ?2) AND name_rank IS NOT NULL
         ORDER BY name_key, id LIMIT 1"
    } else {
        "SELECT name_rank FROM contacts WHERE (name_key, id) <= (?1, ?2) AND name_rank IS NOT NULL
         ORDER BY name_key DESC, id DESC LIMIT 1"
    };
    let bound: Option<i64> = conn
        .prepare_cached(sql)?
        .query_row(rusqlite::params![key, id.as_raw()], |row| row.get(0))
        .optional()?;
    Ok(bound.unwrap_or(if descending { i64::MAX } else { i64::MIN }))
}

/// How many matches the FTS expression has, counted up to [`COLLECT_LIMIT`].
fn capped_matches(conn: &Connection, source: &Source) -> Result<i64> {
    let (sql, value) = match source {
        Source::Fts(expr) => (
            "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ?1 LIMIT ?2)",
            expr,
        ),
        Source::Gram(gram) => (
            "SELECT count(*) FROM (SELECT 1 FROM search_gram WHERE gram = ?1 LIMIT ?2)",
            gram,
        ),
        Source::Walk { .. } | Source::Scan | Source::Nothing => return Ok(COLLECT_LIMIT),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(rusqlite::params![value, COLLECT_LIMIT], |row| row.get(0))?)
}

/// A filter led by a tag: its conjuncts, the tag keys that drive it and the conditions
/// `tag_facts` can test without reading a contact row.
struct TagLed<'q> {
    /// Any of these tags (non-empty).
    keys: Vec<String>,
    /// A verification set to push down.
    verification: Option<&'q [crate::contact::Verification]>,
    /// A creation range to push down.
    created: Option<crate::query::TimeRange>,
    /// Whether the tag and the pushed conditions are the whole filter (no contact row needed).
    complete: bool,
}

fn tag_led(filter: &Filter) -> Option<TagLed<'_>> {
    let conjuncts: Vec<&Filter> = match filter {
        Filter::And(all) => all.iter().collect(),
        other => vec![other],
    };
    let mut led = None;
    let mut complete = true;
    for (n, f) in conjuncts.iter().enumerate() {
        match f {
            Filter::TagsAny(tags) if !tag_keys(tags).is_empty() => {
                led = Some((n, tag_keys(tags)));
                break;
            }
            _ => {}
        }
    }
    if led.is_none() {
        for (n, f) in conjuncts.iter().enumerate() {
            if let Filter::TagsAll(tags) = f {
                let keys = tag_keys(tags);
                if let Some(first) = keys.first() {
                    complete &= keys.len() == 1;
                    led = Some((n, vec![first.clone()]));
                    break;
                }
            }
        }
    }
    let (driver, keys) = led?;
    let mut verification = None;
    let mut created = None;
    for (n, f) in conjuncts.iter().enumerate() {
        if n == driver {
            continue;
        }
        match f {
            Filter::VerificationIn(set) if verification.is_none() => verification = Some(set.as_slice()),
            Filter::Created(range) if created.is_none() => created = Some(*range),
            _ => complete = false,
        }
    }
    Some(TagLed {
        keys,
        verification,
        created,
        complete,
    })
}

/// Appends the conditions `tag_facts` tests for a tag-led filter (after the tag itself).
fn tag_facts_where(led: &TagLed<'_>, s: &mut Stmt) {
    if let Some(set) = led.verification {
        s.push(" AND tf.verification IN (SELECT value FROM json_each(?))")
            .bind(json_list(set.iter().map(|v| v.as_str())));
    }
    if let Some(range) = led.created {
        let (from, to) = range.millis();
        s.push(" AND tf.created_at BETWEEN ? AND ?")
            .bind(from.unwrap_or(i64::MIN))
            .bind(to.unwrap_or(i64::MAX));
    }
}

/// The page statement of a tag-led filter sorted by creation with one tag and one
/// verification status: the `tag_facts` primary key is already in that order.
fn tag_led_page(query: &Query, led: &TagLed<'_>, cursor: Option<&Cursor>) -> Option<Stmt> {
    let [key] = led.keys.as_slice() else {
        return None;
    };
    let [verification] = led.verification? else {
        return None;
    };
    let descending = match query.sort {
        Sort::CreatedAsc => false,
        Sort::CreatedDesc => true,
        _ => return None,
    };
    let mut s = Stmt::new();
    s.push("SELECT tf.contact_id, tf.created_at FROM tag_facts tf");
    if !led.complete {
        s.push(" CROSS JOIN contacts c ON c.id = tf.contact_id");
    }
    s.push(" WHERE tf.tag_id = (SELECT id FROM tags WHERE key = ?) AND tf.verification = ?")
        .bind(key.clone())
        .bind(verification.as_str().to_owned());
    if let Some(range) = led.created {
        let (from, to) = range.millis();
        s.push(" AND tf.created_at BETWEEN ? AND ?")
            .bind(from.unwrap_or(i64::MIN))
            .bind(to.unwrap_or(i64::MAX));
    }
    if let Some(Cursor {
        key: SortKey::Int(at),
        id,
        ..
    }) = cursor
    {
        s.push(if descending {
            " AND tf.created_at <= ? AND (tf.created_at < ? OR tf.contact_id < ?)"
        } else {
            " AND tf.created_at >= ? AND (tf.created_at > ? OR tf.contact_id > ?)"
        })
        .bind(*at)
        .bind(*at)
        .bind(id.as_raw());
    }
    if !led.complete {
        where_filter(query, &mut s);
    }
    s.push(if descending {
        " ORDER BY tf.created_at DESC, tf.contact_id DESC"
    } else {
        " ORDER BY tf.created_at, tf.contact_id"
    });
    Some(s)
}

/// The page statement of a filter led by one tag sorted by activity: `tag_activity` is in
/// that order; other conditions are tested on the contact row.
fn tag_activity_page(query: &Query, led: &TagLed<'_>, cursor: Option<&Cursor>) -> Option<Stmt> {
    let [key] = led.keys.as_slice() else {
        return None;
    };
    let descending = match query.sort {
        Sort::LastActivityAsc => false,
        Sort::LastActivityDesc => true,
        _ => return None,
    };
    let bare = led.complete && led.verification.is_none() && led.created.is_none();
    let mut s = Stmt::new();
    s.push("SELECT ta.contact_id, ta.activity_key FROM tag_activity ta");
    if !bare {
        s.push(" CROSS JOIN contacts c ON c.id = ta.contact_id");
    }
    s.push(" WHERE ta.tag_id = (SELECT id FROM tags WHERE key = ?)")
        .bind(key.clone());
    if let Some(Cursor {
        key: SortKey::Int(at),
        id,
        ..
    }) = cursor
    {
        s.push(if descending {
            " AND ta.activity_key <= ? AND (ta.activity_key < ? OR ta.contact_id < ?)"
        } else {
            " AND ta.activity_key >= ? AND (ta.activity_key > ? OR ta.contact_id > ?)"
        })
        .bind(*at)
        .bind(*at)
        .bind(id.as_raw());
    }
    if !bare {
        where_filter(query, &mut s);
    }
    s.push(if descending {
        " ORDER BY ta.activity_key DESC, ta.contact_id DESC"
    } else {
        " ORDER BY ta.activity_key, ta.contact_id"
    });
    Some(s)
}

/// The statement of a capped walk: up to [`WALK_CAP`] rows of the sort order after the
/// cursor that pass the filter, each with `(id, sort key, whether the term matches)`.
fn walk_stmt(query: &Query, term: &SearchTerm, cursor: Option<&Cursor>) -> Stmt {
    let ord = order(query.sort);
    let mut s = Stmt::new();
    s.push("SELECT c.id, ").push(ord.key).push(", ");
    search_test(term, &mut s);
    s.push(" FROM contacts c WHERE 1");
    keyset(&ord, cursor, &mut s);
    where_filter(query, &mut s);
    s.push(" ORDER BY ").push(ord.order_by);
    s.push(" LIMIT ?").bind(WALK_CAP as i64);
    s
}

/// Runs a capped walk: the page's `(id, sort key)` rows (up to `limit + 1`), or `None` when
/// the cap ran out first.
fn walk(
    conn: &Connection,
    query: &Query,
    term: &SearchTerm,
    cursor: Option<&Cursor>,
    limit: i64,
) -> Result<Option<Vec<(i64, SortKey)>>> {
    let s = walk_stmt(query, term, cursor);
    let mut stmt = conn.prepare_cached(&s.sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(s.params.iter()))?;
    let mut hits = Vec::with_capacity(limit as usize + 1);
    let mut tested = 0;
    while let Some(row) = rows.next()? {
        tested += 1;
        if row.get::<_, bool>(2)? {
            hits.push((row.get(0)?, sort_key(query.sort, row)?));
            if hits.len() as i64 > limit {
                return Ok(Some(hits));
            }
        }
    }
    Ok((tested < WALK_CAP).then_some(hits))
}

fn sort_key(sort: Sort, row: &rusqlite::Row<'_>) -> rusqlite::Result<SortKey> {
    Ok(match sort {
        Sort::NameAsc | Sort::NameDesc => SortKey::Text(row.get(1)?),
        _ => SortKey::Int(row.get(1)?),
    })
}

/// Builds the page statement: selects `(id, sort key)` of up to `limit + 1` rows, the
/// matches of the search coming from `source` (`known`: their exact number, when known).
fn page_stmt(
    conn: &Connection,
    query: &Query,
    cursor: Option<&Cursor>,
    limit: i64,
    source: &Source,
    known: Option<i64>,
) -> Result<Stmt> {
    let sort = query.sort;
    let ord = order(sort);
    let term = query.search_term();
    let mut s = Stmt::new();
    let name_sorted = matches!(sort, Sort::NameAsc | Sort::NameDesc);
    if term.is_none() {
        let led = query.filter.as_ref().and_then(tag_led);
        let stmt = led.and_then(|led| {
            tag_led_page(query, &led, cursor).or_else(|| tag_activity_page(query, &led, cursor))
        });
        if let Some(mut stmt) = stmt {
            stmt.push(" LIMIT ?").bind(limit + 1);
            return Ok(stmt);
        }
    }
    match (&term, &source) {
        (Some(_), Source::Fts(expr)) | (Some(_), Source::Gram(expr)) if name_sorted => {
            let bound = rank_bound(conn, sort, cursor)?;
            let (from, rank_col) = match source {
                Source::Fts(_) => (
                    "SELECT c.id, c.name_key FROM search_fts CROSS JOIN contacts c
                     ON c.name_rank = search_fts.rowid WHERE search_fts MATCH ?",
                    "search_fts.rowid",
                ),
                _ => (
                    "SELECT c.id, c.name_key FROM search_gram g CROSS JOIN contacts c
                     ON c.name_rank = g.rank WHERE g.gram = ?",
                    "g.rank",
                ),
            };
            s.push(from).bind(expr.clone()).push(" AND ").push(rank_col);
            s.push(if sort.is_descending() { " < ?" } else { " > ?" })
                .bind(bound);
            where_filter(query, &mut s);
            s.push(" ORDER BY ").push(rank_col);
            s.push(if sort.is_descending() { " DESC" } else { "" });
        }
        (Some(_), Source::Fts(expr)) | (Some(_), Source::Gram(expr)) => {
            let rare = match known {
                Some(matching) => matching,
                None => capped_matches(conn, source)?,
            } < COLLECT_LIMIT;
            let is_fts = matches!(source, Source::Fts(_));
            if rare {
                s.push("SELECT c.id, ").push(ord.key);
                s.push(if is_fts {
                    " FROM search_fts CROSS JOIN contacts c ON c.name_rank = search_fts.rowid
                      WHERE search_fts MATCH ?"
                } else {
                    " FROM search_gram g CROSS JOIN contacts c ON c.name_rank = g.rank WHERE g.gram = ?"
                });
            } else {
                s.push("SELECT c.id, ")
                    .push(ord.key)
                    .push(" FROM contacts c INDEXED BY ");
                s.push(ord.index);
                s.push(if is_fts {
                    " WHERE c.name_rank IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)"
                } else {
                    " WHERE c.name_rank IN (SELECT rank FROM search_gram WHERE gram = ?)"
                });
            }
            s.bind(expr.clone());
            keyset(&ord, cursor, &mut s);
            where_filter(query, &mut s);
            s.push(" ORDER BY ").push(ord.order_by);
        }
        _ => {
            s.push("SELECT c.id, ")
                .push(ord.key)
                .push(" FROM contacts c WHERE 1");
            match (&term, &source) {
                (_, Source::Nothing) => {
                    s.push(" AND 0");
                }
                (Some(term), Source::Walk { .. }) => {
                    s.push(" AND ");
                    search_test(term, &mut s);
                }
                (Some(term), _) => {
                    s.push(" AND ");
                    search_scan(term, &mut s);
                }
                (None, _) => {}
            }
            keyset(&ord, cursor, &mut s);
            where_filter(query, &mut s);
            s.push(" ORDER BY ").push(ord.order_by);
        }
    }
    s.push(" LIMIT ?").bind(limit + 1);
    Ok(s)
}

fn keyset(ord: &Order, cursor: Option<&Cursor>, s: &mut Stmt) {
    if let Some(cursor) = cursor {
        s.push(" AND ").push(ord.after);
        bind_key(&cursor.key, s);
        bind_key(&cursor.key, s);
        s.bind(cursor.id.as_raw());
    }
}

fn count_stmt(conn: &Connection, query: &Query) -> Result<Stmt> {
    let term = query.search_term();
    let (source, known) = match &term {
        Some(term) => resolve(conn, term)?,
        None => (Source::Scan, None),
    };
    let mut s = Stmt::new();
    if term.is_none() && query.filter.is_none() {
        s.push("SELECT n FROM contact_total WHERE one = 1");
        return Ok(s);
    }
    match (known, &query.filter) {
        (Some(matching), None) => {
            s.push("SELECT ?").bind(matching);
            return Ok(s);
        }
        (Some(0), Some(_)) => {
            s.push("SELECT 0");
            return Ok(s);
        }
        _ => {}
    }
    if let (None, Some(led)) = (&term, query.filter.as_ref().and_then(tag_led)) {
        s.push(if led.keys.len() == 1 {
            "SELECT count(*) FROM tag_facts tf"
        } else {
            "SELECT count(DISTINCT tf.contact_id) FROM tag_facts tf"
        });
        if !led.complete {
            s.push(" CROSS JOIN contacts c ON c.id = tf.contact_id");
        }
        s.push(" WHERE tf.tag_id IN (SELECT id FROM tags WHERE key IN (SELECT value FROM json_each(?)))")
            .bind(json_list(&led.keys));
        tag_facts_where(&led, &mut s);
        if !led.complete {
            where_filter(query, &mut s);
        }
        return Ok(s);
    }
    match (&term, &source, &query.filter) {
        (Some(_), Source::Fts(expr), None) => {
            s.push("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?")
                .bind(expr.clone());
        }
        (Some(_), Source::Gram(gram), None) => {
            s.push("SELECT count(*) FROM search_gram WHERE gram = ?")
                .bind(gram.clone());
        }
        (Some(_), Source::Fts(expr), Some(_)) => {
            s.push(
                "SELECT count(*) FROM search_fts CROSS JOIN contacts c ON c.name_rank = search_fts.rowid
                 WHERE search_fts MATCH ?",
            )
            .bind(expr.clone());
            where_filter(query, &mut s);
        }
        (Some(_), Source::Gram(gram), Some(_)) => {
            s.push(
                "SELECT count(*) FROM search_gram g CROSS JOIN contacts c ON c.name_rank = g.rank
                 WHERE g.gram = ?",
            )
            .bind(gram.clone());
            where_filter(query, &mut s);
        }
        _ => {
            s.push("SELECT count(*) FROM contacts c WHERE 1");
            if let Some(term) = &term {
                s.push(" AND ");
                search_scan(term, &mut s);
            }
            where_filter(query, &mut s);
        }
    }
    Ok(s)
}

/// How many contacts match `query`.
pub(super) fn count(conn: &Connection, query: &Query) -> Result<u64> {
    let s = count_stmt(conn, query)?;
    let n: i64 = conn
        .prepare_cached(&s.sql)?
        .query_row(rusqlite::params_from_iter(s.params.iter()), |row| row.get(0))?;
    Ok(n.max(0) as u64)
}

/// One page of `query` and the cursor after it.
pub(super) fn page(conn: &Connection, query: &Query) -> Result<(Vec<Contact>, Option<String>)> {
    let limit = i64::from(query.page_size()?);
    let cursor = query.start()?;
    let term = query.search_term();
    let (mut source, known) = match &term {
        Some(term) => resolve(conn, term)?,
        None => (Source::Scan, None),
    };
    if let (Some(term), Source::Walk { fallback: Some(expr) }) = (&term, &source) {
        match walk(conn, query, term, cursor.as_ref(), limit)? {
            Some(hits) => return finish_page(conn, query, hits, limit),
            None => source = Source::Fts(expr.clone()),
        }
    }
    let s = page_stmt(conn, query, cursor.as_ref(), limit, &source, known)?;
    let mut stmt = conn.prepare_cached(&s.sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(s.params.iter()))?;
    let mut hits: Vec<(i64, SortKey)> = Vec::with_capacity(limit as usize + 1);
    while let Some(row) = rows.next()? {
        hits.push((row.get(0)?, sort_key(query.sort, row)?));
    }
    drop(rows);
    finish_page(conn, query, hits, limit)
}

/// The page of these `(id, sort key)` hits (one more than `limit` when there is a next page)
/// and the cursor after it.
fn finish_page(
    conn: &Connection,
    query: &Query,
    mut hits: Vec<(i64, SortKey)>,
    limit: i64,
) -> Result<(Vec<Contact>, Option<String>)> {
    let more = hits.len() as i64 > limit;
    hits.truncate(limit as usize);
    let next = if more {
        hits.last().map(|(id, key)| {
            Cursor {
                sort: query.sort,
                key: key.clone(),
                id: ContactId::from_raw(*id),
            }
            .encode()
        })
    } else {
        None
    };
    // The page's contacts in three statements, not three per contact.
    let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
    let contacts = Sql::new(conn).contacts(&ids)?;
    Ok((contacts, next))
}

/// The SQL and the query plan of `query`'s page statement, for tests and benchmarks.
pub(super) fn explain(conn: &Connection, query: &Query) -> Result<(String, Vec<String>)> {
    let cursor = query.start()?;
    let term = query.search_term();
    let (source, known) = match &term {
        Some(term) => resolve(conn, term)?,
        None => (Source::Scan, None),
    };
    let limit = i64::from(query.page_size()?);
    let s = match (&term, &source) {
        // The walk that runs first (the union after it, when the cap runs out, is a search
        // of `search_fts` like a rare term's).
        (Some(term), Source::Walk { fallback: Some(_) }) => walk_stmt(query, term, cursor.as_ref()),
        _ => page_stmt(conn, query, cursor.as_ref(), limit, &source, known)?,
    };
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", s.sql))?;
    let plan = stmt
        .query_map(rusqlite::params_from_iter(s.params.iter()), |row| {
            row.get::<_, String>(3)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((s.sql, plan))
}
