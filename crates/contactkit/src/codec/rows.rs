//! What one input row (a CSV record, a JSON element, a vCard) says about a contact, and its
//! validation with the core's rules. Every source turns its rows into a [`Candidate`].

use chrono::{DateTime, NaiveDate, Utc};

use crate::contact::{
    AttributeValue, Attributes, Source, Verification, valid_attribute, valid_label, valid_name,
};
use crate::email::Email;
use crate::error::{Error, Field};
use crate::phone::{Phone, PhoneRegion, without_old_mexican_mobile_one};
use crate::store::PointRecord;
use crate::tag::TagName;

/// A value with the column (or field) it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Val {
    pub text: String,
    pub column: String,
}

impl Val {
    pub fn new(text: impl Into<String>, column: impl Into<String>) -> Self {
        Val {
            text: text.into(),
            column: column.into(),
        }
    }
}

/// An email or phone before validation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointVal {
    pub value: Val,
    /// A phone's original text when it differs from `value` (JSON import of our export).
    pub original: Option<String>,
    pub label: Option<String>,
    /// Given as the primary one (sorted first).
    pub primary: bool,
}

/// An attribute before validation: typed already (JSON) or text to read (CSV).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttrIn {
    Typed(AttributeValue),
    Text(String),
}

/// What a row says, as text, before any validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Candidate {
    pub name: Option<Val>,
    /// First, middle and last names, composed into the name when there is none.
    pub name_parts: Vec<Val>,
    pub emails: Vec<PointVal>,
    pub phones: Vec<PointVal>,
    pub tags: Vec<Val>,
    pub source: Option<Val>,
    pub verification: Option<Val>,
    pub attributes: Vec<(String, AttrIn, String)>,
    pub created_at: Option<Val>,
    pub last_activity_at: Option<Val>,
    /// Values the source could not place (cells beyond the header), reported as left out.
    pub left_out: Vec<Problem>,
}

impl Candidate {
    /// A row with nothing in it at all.
    pub fn is_blank(&self) -> bool {
        self.name.is_none()
            && self.name_parts.is_empty()
            && self.emails.is_empty()
            && self.phones.is_empty()
            && self.tags.is_empty()
            && self.attributes.is_empty()
            && self.left_out.is_empty()
    }
}

/// One problem of a row: the column, the value as given, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub column: Option<String>,
    pub value: String,
    pub reason: String,
}

fn problem(column: &str, err: Error) -> Problem {
    match err {
        Error::Invalid { value, reason, field } => Problem {
            column: Some(column.to_owned()),
            value,
            reason: format!("{field}: {reason}"),
        },
        other => Problem {
            column: Some(column.to_owned()),
            value: String::new(),
            reason: other.to_string(),
        },
    }
}

/// A row that passed validation: what a create or an update writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Valid {
    pub name: String,
    /// False when the name was made up from the email or phone (an update then keeps the
    /// existing name).
    pub name_given: bool,
    pub emails: Vec<PointRecord>,
    pub phones: Vec<PointRecord>,
    pub tags: Vec<TagName>,
    pub source: Option<Source>,
    pub verification: Option<Verification>,
    pub attributes: Attributes,
    pub created_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// Google's system groups (every contact is in the first, every starred one in the last): not
/// tags.
const SYSTEM_GROUPS: [&str; 3] = ["mycontacts", "my contacts", "starred"];

/// Splits a tags cell: tags are separated by `,`, `;`, `|` or ` ::: ` (Google). A tag cannot
/// hold a comma, so a Google label "Clients, Paris" becomes two tags. Each goes through
/// [`one_tag`].
pub(crate) fn split_tags(cell: &str) -> Vec<String> {
    cell.split([',', ';', '|'])
        .flat_map(|part| part.split(":::"))
        .filter_map(one_tag)
        .collect()
}

/// One tag as given (a vCard's CATEGORIES value, a part of a tags cell): trimmed, Google's
/// system-group marker `* ` and quotes around it dropped, and nothing for an empty one or
/// for Google's system groups that every contact or every starred one is in ("My Contacts",
/// "Starred").
fn one_tag(text: &str) -> Option<String> {
    // Mailchimp quotes each tag of its TAGS cell: `"Customer","VIP Club"`.
    let t = text.trim().trim_start_matches('*').trim();
    let t = t
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map_or(t, str::trim);
    (!t.is_empty() && !SYSTEM_GROUPS.contains(&t.to_lowercase().as_str())).then(|| t.to_owned())
}

/// Reads an attribute cell (the rules are on [`crate::ExportFormat`]).
pub(crate) fn read_attribute(text: &str) -> AttributeValue {
    let t = text.trim();
    match t {
        "true" => return AttributeValue::Bool(true),
        "false" => return AttributeValue::Bool(false),
        _ => {}
    }
    if let Ok(n) = t.parse::<f64>()
        && n.is_finite()
        && format_number(n) == t
    {
        return AttributeValue::Number(n);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return AttributeValue::DateTime(at.with_timezone(&Utc));
    }
    if t.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
    {
        return AttributeValue::Date(d);
    }
    AttributeValue::Text(text.to_owned())
}

/// A number in its shortest form (`250000`, `3.5`).
pub(crate) fn format_number(n: f64) -> String {
    format!("{n}")
}

/// Reads a time cell. Besides ISO 8601 (`2024-05-01T10:00:00Z`, `2024-05-01`) it takes the
/// forms other systems export: Chatwoot's `2024-03-01 12:34:56 UTC`, a space instead of the
/// `T`, an offset written `+0200` or `+02:00`, seconds left out (HubSpot's
/// `2023-10-02 14:05`), and Unix time in seconds or milliseconds. A time without a zone is
/// read as UTC.
fn parse_time(text: &str, month_first: bool) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Some(at.with_timezone(&Utc));
    }
    if let Some(at) = parse_written_date(t, month_first) {
        return Some(at);
    }
    // `2024-05-01T10:00` and `2024-05-01 10:00` alike.
    let spaced = match t.as_bytes().get(10) {
        Some(b'T' | b't') if t.is_char_boundary(11) => format!("{} {}", &t[..10], &t[11..]),
        _ => t.to_owned(),
    };
    let t = spaced
        .strip_suffix(" UTC")
        .or_else(|| spaced.strip_suffix('Z'))
        .unwrap_or(&spaced)
        .trim();
    for zoned in [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(t, zoned) {
            return Some(at.with_timezone(&Utc));
        }
    }
    for naive in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(t, naive) {
            return Some(at.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|at| at.and_utc());
    }
    // Unix time: ten digits are seconds (until 2286), thirteen milliseconds.
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        return match t.len() {
            9 | 10 => DateTime::from_timestamp(n, 0),
            12 | 13 => DateTime::from_timestamp_millis(n),
            _ => None,
        };
    }
    None
}

/// A date as people and spreadsheets write it, with a time or not: `05/21/2024`,
/// `21.05.2024 14:30`, `5/1/2024 10:15am`, `2024/05/21`. A day above 12 tells day from month;
/// otherwise dots and dashes are day-first, as everywhere they are written, and a slash is
/// month-first when `month_first` (US numbers: an American file) and day-first elsewhere.
/// The year has four digits; the time is UTC.
fn parse_written_date(t: &str, month_first: bool) -> Option<DateTime<Utc>> {
    let (date, clock) = match t.split_once(' ') {
        Some((date, clock)) => (date, clock.trim()),
        None => (t, ""),
    };
    let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = date.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str| -> Option<u32> { s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok())? };
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else if c.len() == 4 {
        let (a, b) = (number(a)?, number(b)?);
        let (day, month) = if a > 12 || (b <= 12 && !(separator == '/' && month_first)) {
            (a, b)
        } else {
            (b, a)
        };
        (number(c)?, month, day)
    } else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = if clock.is_empty() {
        chrono::NaiveTime::MIN
    } else {
        parse_clock(clock)?
    };
    Some(date.and_time(time).and_utc())
}

/// A time of day: `14:30`, `14:30:05`, `10:15am`, `10:15 PM`.
fn parse_clock(text: &str) -> Option<chrono::NaiveTime> {
    let lower = text.to_ascii_lowercase();
    let (clock, afternoon) = match (lower.strip_suffix("pm"), lower.strip_suffix("am")) {
        (Some(clock), _) => (clock.trim(), Some(true)),
        (_, Some(clock)) => (clock.trim(), Some(false)),
        _ => (lower.trim(), None),
    };
    let mut parts = clock.split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let second: u32 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let hour = match afternoon {
        Some(_) if hour == 0 || hour > 12 => return None,
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        _ => hour,
    };
    chrono::NaiveTime::from_hms_opt(hour, minute, second)
}

fn read_time(v: &Val, month_first: bool) -> Result<DateTime<Utc>, Problem> {
    parse_time(&v.text, month_first).ok_or_else(|| Problem {
        column: Some(v.column.clone()),
        value: v.text.clone(),
        reason: "not a time this import can read (ISO 8601 such as 2024-05-01T10:00:00Z or \
                 2024-05-01, 2024-05-01 10:00:00 UTC, or a date such as 21/05/2024 or \
                 21.05.2024 14:30)"
            .into(),
    })
}

/// The address of an email written with a display name, as mail programs and CRM exports
/// write them (`Ana Souza <ana@example.com>`, Outlook's `Ana Souza (ana@example.com)`); any
/// other text as it is. The name is the contact's own, so nothing is lost by leaving it.
pub(crate) fn address_in(text: &str) -> &str {
    let text = text.trim();
    // A link, as some exports and vCard 4.0's `EMAIL;VALUE=uri` write it.
    let text = match text.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => text[7..].trim(),
        _ => text,
    };
    for (open, close) in [('<', '>'), ('(', ')')] {
        let inner = text
            .strip_suffix(close)
            .and_then(|rest| rest.rsplit_once(open))
            .map(|(_, inner)| inner.trim());
        if let Some(inner) = inner.filter(|a| a.contains('@') && !a.contains([open, close])) {
            return inner;
        }
    }
    text
}

/// A name from its parts in given-name-first order (first, middle, last). Chinese, Japanese
/// and Korean names are written family name first and without spaces (山田 + 太郎 is 山田太郎),
/// so parts all in those scripts are joined that way; any others with spaces, as given.
fn compose_name(parts: &[&str]) -> String {
    if parts
        .iter()
        .all(|p| p.chars().any(is_cjk) && !p.chars().any(|c| c.is_ascii_alphabetic()))
    {
        return parts.iter().rev().copied().collect();
    }
    parts.join(" ")
}

/// Whether `c` is a Han, kana or Hangul character.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}' | '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FF66}'..='\u{FF9F}' | '\u{20000}'..='\u{3FFFF}')
}

/// Splits a cell that holds several emails or phones (`+1 415 555 2671; +44 20 7946 0958`,
/// as people type them into one spreadsheet cell) into one value each: the first keeps the
/// cell's primary flag and the others follow it as additional points with the same label.
/// Only a value that is not `valid` as a whole is split, so a number with its extension
/// (`tel:+1-201-555-0123;ext=1234`) stays one.
fn split_lists(points: Vec<PointVal>, valid: impl Fn(&str) -> bool) -> Vec<PointVal> {
    let listed =
        |p: &PointVal| p.original.is_none() && p.value.text.contains([';', ',']) && !valid(&p.value.text);
    if !points.iter().any(listed) {
        return points;
    }
    let mut out = Vec::with_capacity(points.len() + 1);
    for p in points {
        if !listed(&p) {
            out.push(p);
            continue;
        }
        let parts = p
            .value
            .text
            .split([';', ','])
            .map(str::trim)
            .filter(|t| !t.is_empty());
        for (n, text) in parts.enumerate() {
            out.push(PointVal {
                value: Val::new(text, p.value.column.clone()),
                original: None,
                label: p.label.clone(),
                primary: p.primary && n == 0,
            });
        }
    }
    out
}

/// Phones a spreadsheet turned into numbers in scientific notation (Excel writes
/// `4.47912E+11`, or `4,47912E+11` with a decimal comma, for a number it reads as one): with
/// every digit still there the number is read from them (a `+` Excel dropped is put back
/// when the digits are a valid international number only so); with digits rounded away it
/// is reported as such and left out, instead of being split at its decimal comma or read as
/// garbage.
fn excel_numbers(points: Vec<PointVal>, region: PhoneRegion, dropped: &mut Vec<Problem>) -> Vec<PointVal> {
    if !points.iter().any(|p| scientific(&p.value.text).is_some()) {
        return points;
    }
    let mut out = Vec::with_capacity(points.len());
    for mut p in points {
        let Some((digits, exponent)) = scientific(&p.value.text) else {
            out.push(p);
            continue;
        };
        let text = p.value.text.trim().to_owned();
        if digits.len() < exponent + 1 {
            let lost = exponent + 1 - digits.len();
            dropped.push(problem(
                &p.value.column,
                Error::invalid(
                    Field::Phone,
                    &text,
                    format!(
                        "a spreadsheet wrote this number in scientific notation and rounded away its last \
                         {lost} digits; format the column as text in the source file and export it again"
                    ),
                ),
            ));
            continue;
        }
        let plus = format!("+{digits}");
        p.value.text = if Phone::parse(&digits, region).is_err() && Phone::parse(&plus, region).is_ok() {
            plus
        } else {
            digits
        };
        p.original = Some(text);
        out.push(p);
    }
    out
}

/// The digits and exponent of a number in a spreadsheet's scientific notation (`4.47912E+11`,
/// `4,47912E+11`): a digit, a decimal point or comma, digits, `E+` and the exponent.
fn scientific(text: &str) -> Option<(String, usize)> {
    let t = text.trim();
    let (mantissa, exponent) = t.split_once(['E', 'e'])?;
    let exponent: usize = exponent.strip_prefix('+').unwrap_or(exponent).parse().ok()?;
    let (whole, fraction) = mantissa.split_once(['.', ','])?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() != 1 || !all_digits(whole) || !all_digits(fraction) || !(6..=15).contains(&exponent) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    (digits.len() <= exponent + 1).then_some((digits, exponent))
}

/// Phones typed with words beside them, as people write them into a spreadsheet cell: a
/// label in brackets after the number (`+1 415 555 2671 (work)`) or before it with a colon
/// (`Mobile: 0151 1234567`), and numbers separated by a spaced slash (`030 1234567 / 0151
/// 7654321`). The words become the label (when the point has none) instead of being read as
/// a vanity number's letters. Only a value that is not `valid` as it is changes.
fn label_words_off(points: Vec<PointVal>, valid: impl Fn(&str) -> bool) -> Vec<PointVal> {
    let has_words = |t: &str| t.chars().any(char::is_alphabetic) || t.contains(" / ");
    if !points
        .iter()
        .any(|p| p.original.is_none() && has_words(&p.value.text))
    {
        return points;
    }
    let mut out = Vec::with_capacity(points.len() + 1);
    for p in points {
        if p.original.is_some() || !has_words(&p.value.text) || valid(&p.value.text) {
            out.push(p);
            continue;
        }
        let pieces: Vec<String> = p
            .value
            .text
            .split(" / ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        for (n, piece) in pieces.into_iter().enumerate() {
            let (number, words) = number_and_words(&piece);
            out.push(PointVal {
                value: Val::new(number, p.value.column.clone()),
                original: None,
                label: p.label.clone().or(words),
                primary: p.primary && n == 0,
            });
        }
    }
    out
}

/// `+1 415 555 2671 (work)` → (`+1 415 555 2671`, `work`); `Mobile: 0151 1234567` →
/// (`0151 1234567`, `mobile`). Text without such words comes back as it is.
fn number_and_words(text: &str) -> (String, Option<String>) {
    let words = |w: &str| {
        let w = w.trim();
        (!w.is_empty() && w.chars().count() <= 24 && w.chars().all(|c| c.is_alphabetic() || c == ' '))
            .then(|| w.to_lowercase())
    };
    if let Some(open) = text.strip_suffix(')').and_then(|t| t.rfind('('))
        && let Some(label) = words(&text[open + 1..text.len() - 1])
    {
        return (text[..open].trim().to_owned(), Some(label));
    }
    if let Some((before, after)) = text.split_once(':')
        && !before.trim().eq_ignore_ascii_case("tel")
        && after.chars().any(|c| c.is_ascii_digit())
        && let Some(label) = words(before)
    {
        return (after.trim().to_owned(), Some(label));
    }
    (text.to_owned(), None)
}

/// The attribute that keeps a source column's value when it is none of our channels.
const LEAD_SOURCE: &str = "lead_source";

/// Validates a candidate with the core's rules; every problem of the row is reported.
///
/// A bad email or phone does not sink a row that still has a name or another valid email or
/// phone, nor does a time that cannot be read: it is left out and returned as a dropped value
/// (the second element), so it is reported and nothing is lost silently. Any other problem
/// rejects the row.
pub(crate) fn validate(c: Candidate, region: PhoneRegion) -> Result<(Valid, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut dropped = c.left_out.clone();

    let mut emails: Vec<PointRecord> = Vec::new();
    let mut email_vals = split_lists(c.emails, |text| Email::parse(text).is_ok());
    email_vals.sort_by_key(|p| !p.primary);
    for p in &email_vals {
        let label = valid_label(p.label.as_deref()).map_err(|e| problem(&p.value.column, e));
        match (Email::parse(address_in(&p.value.text)), label) {
            (Ok(email), Ok(label)) => push_point(
                &mut emails,
                PointRecord {
                    key: email.key(),
                    value: email.as_str().to_owned(),
                    original: None,
                    label,
                },
            ),
            (Err(e), _) => dropped.push(problem(&p.value.column, e)),
            (_, Err(p)) => problems.push(p),
        }
    }

    let mut phones: Vec<PointRecord> = Vec::new();
    let phone_vals = excel_numbers(c.phones, region, &mut dropped);
    let phone_vals = label_words_off(phone_vals, |text| Phone::parse(text, region).is_ok());
    let mut phone_vals = split_lists(phone_vals, |text| Phone::parse(text, region).is_ok());
    phone_vals.sort_by_key(|p| !p.primary);
    let mut primary_kept = false;
    for (i, p) in phone_vals.iter().enumerate() {
        let label = valid_label(p.label.as_deref()).map_err(|e| problem(&p.value.column, e));
        let parsed = Phone::parse(&p.value.text, region).or_else(|err| {
            without_old_mexican_mobile_one(&p.value.text)
                .and_then(|text| Phone::parse(&text, region).ok())
                .ok_or(err)
        });
        match (parsed, label) {
            (Ok(phone), Ok(label)) => push_point(
                &mut phones,
                PointRecord {
                    key: phone.as_str().to_owned(),
                    value: phone.as_str().to_owned(),
                    original: Some(
                        p.original
                            .clone()
                            .unwrap_or_else(|| p.value.text.trim().to_owned()),
                    ),
                    label,
                },
            ),
            (Err(e), _) => dropped.push(problem(&p.value.column, e)),
            (_, Err(p)) => problems.push(p),
        }
        primary_kept |= i == 0 && p.primary && !phones.is_empty();
    }
    // Without a primary (its cell is empty, or its number is not valid), the number a person
    // is most likely reached on becomes it: a mobile, then an unlabelled or work or home
    // number, a fax or an assistant's last. The others keep their order.
    if !primary_kept
        && let Some(best) = (0..phones.len()).min_by_key(|&i| reach_rank(phones[i].label.as_deref()))
    {
        let best = phones.remove(best);
        phones.insert(0, best);
    }

    let text_attribute = |wanted: &str| {
        c.attributes.iter().find_map(|(key, value, _)| match value {
            AttrIn::Text(t) | AttrIn::Typed(AttributeValue::Text(t))
                if key == wanted && !t.trim().is_empty() =>
            {
                Some(t.trim().to_owned())
            }
            _ => None,
        })
    };
    // A row without a name is named after what else says who it is, in this order.
    let known_as = text_attribute("nickname")
        .or_else(|| text_attribute("file_as"))
        .or_else(|| text_attribute("company"));
    let given = c
        .name
        .as_ref()
        .map(|v| v.text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            let parts: Vec<&str> = c
                .name_parts
                .iter()
                .map(|v| v.text.trim())
                .filter(|t| !t.is_empty())
                .collect();
            (!parts.is_empty()).then(|| compose_name(&parts))
        });
    let name_column = c
        .name
        .as_ref()
        .or(c.name_parts.first())
        .map(|v| v.column.clone())
        .unwrap_or_else(|| "name".into());
    let name_given = given.is_some();
    let fallback = known_as
        .or_else(|| emails.first().map(|p| p.value.clone()))
        .or_else(|| phones.first().and_then(|p| p.original.clone()));
    let name = match given.or(fallback) {
        Some(text) => match valid_name(&text) {
            Ok(name) => name,
            Err(e) => {
                problems.push(problem(&name_column, e));
                String::new()
            }
        },
        None => {
            problems.push(Problem {
                column: Some(name_column),
                value: String::new(),
                reason: "a contact needs a name, an email or a phone".into(),
            });
            problems.append(&mut dropped);
            String::new()
        }
    };

    let mut tags: Vec<TagName> = Vec::new();
    for v in &c.tags {
        match TagName::parse(&v.text) {
            Ok(tag) => {
                if !tags.iter().any(|t| t.key() == tag.key()) {
                    tags.push(tag);
                }
            }
            Err(e) => problems.push(problem(&v.column, e)),
        }
    }

    // A lead source that is none of our channels (`Zillow`, `Open House`) is what the
    // column's owner meant to keep: it stays, as the attribute `lead_source`, and the contact
    // gets the import's source.
    let mut lead_source = None;
    let source = match &c.source {
        Some(v) if !v.text.trim().is_empty() => match v.text.parse::<Source>() {
            Ok(s) => Some(s),
            Err(_) => {
                lead_source = Some(v.text.trim().to_owned());
                None
            }
        },
        _ => None,
    };
    let verification = match &c.verification {
        Some(v) if !v.text.trim().is_empty() => match v.text.parse::<Verification>() {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(problem(&v.column, e));
                None
            }
        },
        _ => None,
    };

    let mut attributes = Attributes::new();
    if let Some(text) = lead_source {
        attributes.insert(LEAD_SOURCE.to_owned(), AttributeValue::Text(text));
    }
    for (key, value, column) in c.attributes {
        let value = match value {
            AttrIn::Typed(v) => v,
            AttrIn::Text(t) => read_attribute(&t),
        };
        match valid_attribute(&key, &value) {
            Ok(key) => {
                attributes.insert(key, value);
            }
            Err(e) => problems.push(problem(&column, e)),
        }
    }

    // A slash date is month-first in an American file.
    let month_first = region == PhoneRegion::US;
    let mut time = |v: &Option<Val>| match v {
        Some(v) if !v.text.trim().is_empty() => read_time(v, month_first).map_err(|p| dropped.push(p)).ok(),
        _ => None,
    };
    let created_at = time(&c.created_at);
    let last_activity_at = time(&c.last_activity_at);

    if !problems.is_empty() {
        problems.append(&mut dropped);
        return Err(problems);
    }
    for p in &mut dropped {
        p.reason.push_str("; the contact is imported without it");
    }
    let valid = Valid {
        name,
        name_given,
        emails,
        phones,
        tags,
        source,
        verification,
        attributes,
        created_at,
        last_activity_at,
    };
    Ok((valid, dropped))
}

/// How likely a phone with this label reaches the person themselves: 0 is most likely.
fn reach_rank(label: Option<&str>) -> u8 {
    let label = label.map(str::to_lowercase);
    match label.as_deref() {
        Some("mobile" | "cell" | "iphone" | "whatsapp") => 0,
        None | Some("main" | "primary" | "pref" | "voice") => 1,
        Some("work" | "home" | "business") => 2,
        Some("fax" | "pager" | "assistant" | "car" | "callback" | "company" | "other") => 4,
        Some(other) if other.contains("fax") || other.contains("pager") => 4,
        Some(_) => 3,
    }
}

fn push_point(points: &mut Vec<PointRecord>, point: PointRecord) {
    match points.iter_mut().find(|p| p.key == point.key) {
        Some(existing) => {
            if existing.label.is_none() {
                existing.label = point.label;
            }
        }
        None => points.push(point),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_group_markers_are_dropped() {
        assert_eq!(
            split_tags("* My Contacts ::: Group name 1 ::: Group name 2"),
            ["Group name 1", "Group name 2"]
        );
        assert_eq!(split_tags("customer|vip"), ["customer", "vip"]);
        assert_eq!(split_tags("a; b"), ["a", "b"]);
        assert_eq!(split_tags("* starred ::: * myContacts ::: Friends"), ["Friends"]);
    }

    #[test]
    fn times_are_read_in_the_forms_other_systems_export() {
        let at = |t: &str| parse_time(t, true).map(|at| at.to_rfc3339());
        let chatwoot = Some("2024-03-01T12:34:56+00:00".to_owned());
        assert_eq!(at("2024-03-01 12:34:56 UTC"), chatwoot);
        assert_eq!(at("2024-03-01T12:34:56Z"), chatwoot);
        assert_eq!(at("2024-03-01T12:34:56"), chatwoot);
        assert_eq!(at("2024-03-01 14:34:56 +0200"), chatwoot);
        assert_eq!(at("1709296496"), chatwoot);
        assert_eq!(at("1709296496000"), chatwoot);
        assert_eq!(
            at("2023-10-02 14:05"),
            Some("2023-10-02T14:05:00+00:00".to_owned())
        );
        assert_eq!(at("2024-05-01"), Some("2024-05-01T00:00:00+00:00".to_owned()));
        assert_eq!(at("yesterday"), None);
        assert_eq!(at("12345"), None);
    }

    #[test]
    fn dates_as_people_write_them_are_read_day_or_month_first() {
        let at = |t: &str, month_first: bool| parse_time(t, month_first).map(|at| at.to_rfc3339());
        let may_21 = Some("2024-05-21T00:00:00+00:00".to_owned());
        // A day above 12 tells which is which, whatever the region.
        assert_eq!(at("05/21/2024", false), may_21);
        assert_eq!(at("21/05/2024", true), may_21);
        assert_eq!(at("2024/05/21", false), may_21);
        // Otherwise a slash is month-first in an American file, day-first elsewhere; dots
        // and dashes are day-first everywhere.
        assert_eq!(
            at("01/05/2024", true),
            Some("2024-01-05T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            at("01/05/2024", false),
            Some("2024-05-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            at("01.05.2024 14:30", true),
            Some("2024-05-01T14:30:00+00:00".to_owned())
        );
        assert_eq!(
            at("01-06-2024", true),
            Some("2024-06-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            at("5/1/2024 10:15am", true),
            Some("2024-05-01T10:15:00+00:00".to_owned())
        );
        assert_eq!(
            at("5/1/2024 12:05 AM", true),
            Some("2024-05-01T00:05:00+00:00".to_owned())
        );
        assert_eq!(
            at("5/1/2024 3:07:09 PM", true),
            Some("2024-05-01T15:07:09+00:00".to_owned())
        );
        for bad in [
            "13/13/2024",
            "5/1/24",
            "31/02/2024",
            "5/1/2024 13:00pm",
            "5/1/2024 noon",
        ] {
            assert_eq!(at(bad, true), None, "{bad}");
        }
    }

    #[test]
    fn attribute_cells_become_numbers_only_in_their_own_form() {
        assert_eq!(read_attribute("250000"), AttributeValue::Number(250000.0));
        assert_eq!(read_attribute("01234"), AttributeValue::Text("01234".into()));
        assert_eq!(read_attribute("true"), AttributeValue::Bool(true));
        assert!(matches!(read_attribute("2024-05-01"), AttributeValue::Date(_)));
    }
}
