//! Filters: the conditions a [`crate::Query`] combines with AND, OR and NOT.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{AttributeValue, Source, Verification};
use crate::error::{Error, Field, Result};
use crate::tag::TagName;

/// One condition on a contact, or a group of them.
///
/// In JSON every filter is an object with one key, its snake_case name:
/// `{"and": [{"tags_any": ["hot"]}, {"not": {"verification_in": ["failed"]}}]}`.
///
/// Empty groups follow logic: `and: []` matches every contact, `or: []` none. Tag lists are
/// compared as tags are (case and spacing ignored): `tags_any: []` matches no contact,
/// `tags_all: []` and `tags_none: []` every contact.
///
/// # Examples
/// ```
/// use contactkit::{Filter, TimeRange, Verification};
/// let f: Filter = serde_json::from_str(
///     r#"{"and": [{"tags_any": ["Hot"]}, {"verification_in": ["verified"]}, "never_active"]}"#,
/// )?;
/// assert_eq!(
///     f,
///     Filter::and([Filter::tags_any(["Hot"]), Filter::verification_in([Verification::Verified]), Filter::NeverActive])
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Filter {
    /// Every filter matches.
    And(Vec<Filter>),
    /// At least one filter matches.
    Or(Vec<Filter>),
    /// The filter does not match.
    Not(Box<Filter>),
    /// The contact carries at least one of these tags.
    TagsAny(Vec<String>),
    /// The contact carries every one of these tags.
    TagsAll(Vec<String>),
    /// The contact carries none of these tags.
    TagsNone(Vec<String>),
    /// The verification status is one of these.
    VerificationIn(Vec<Verification>),
    /// The source channel is one of these.
    SourceIn(Vec<Source>),
    /// The creation time falls in the range.
    Created(TimeRange),
    /// The last activity falls in the range (never-active contacts never match).
    LastActivity(TimeRange),
    /// The contact has never been active.
    NeverActive,
    /// The contact has at least one email.
    HasEmail,
    /// The contact has no email.
    NoEmail,
    /// The contact has at least one phone.
    HasPhone,
    /// The contact has no phone.
    NoPhone,
    /// The contact has (`true`) or has not (`false`) been reviewed by a team member since it
    /// was created automatically: `{"reviewed": false}` is the "review new contacts" list.
    Reviewed(bool),
    /// A condition on one custom attribute.
    Attribute(AttributeFilter),
}

/// A time range with inclusive bounds: `after` means "at or after", `before` "at or before",
/// `between` both (`[from, to]`, both included).
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use contactkit::TimeRange;
/// let from = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let to = Utc.with_ymd_and_hms(2024, 12, 31, 23, 59, 59).unwrap();
/// assert!(TimeRange::between(from, to).contains(from));
/// assert!(TimeRange::after(from).contains(to));
/// assert!(!TimeRange::before(from).contains(to));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TimeRange {
    /// At or before this time.
    Before(DateTime<Utc>),
    /// At or after this time.
    After(DateTime<Utc>),
    /// From the first time to the second, both included.
    Between(DateTime<Utc>, DateTime<Utc>),
}

impl TimeRange {
    /// At or before `at`.
    pub fn before(at: DateTime<Utc>) -> Self {
        TimeRange::Before(at)
    }
    /// At or after `at`.
    pub fn after(at: DateTime<Utc>) -> Self {
        TimeRange::After(at)
    }
    /// From `from` to `to`, both included.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        TimeRange::Between(from, to)
    }

    /// The bounds in Unix milliseconds (the precision the book stores), inclusive.
    pub(crate) fn millis(self) -> (Option<i64>, Option<i64>) {
        match self {
            TimeRange::Before(at) => (None, Some(at.timestamp_millis())),
            TimeRange::After(at) => (Some(at.timestamp_millis()), None),
            TimeRange::Between(from, to) => (Some(from.timestamp_millis()), Some(to.timestamp_millis())),
        }
    }

    /// Whether `at` falls in the range, compared in milliseconds.
    pub fn contains(self, at: DateTime<Utc>) -> bool {
        let at = at.timestamp_millis();
        let (from, to) = self.millis();
        from.is_none_or(|from| at >= from) && to.is_none_or(|to| at <= to)
    }
}

/// A condition on the custom attribute `key`.
///
/// # Examples
/// ```
/// use contactkit::{AttributeFilter, AttributeOp, Filter};
/// let f: Filter = serde_json::from_str(r#"{"attribute": {"key": "plan", "op": {"eq": "pro"}}}"#)?;
/// assert_eq!(f, Filter::attribute("plan", AttributeOp::Eq("pro".into())));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeFilter {
    /// The attribute key, exactly as stored.
    pub key: String,
    /// What the value must satisfy.
    pub op: AttributeOp,
}

/// What an attribute's value must satisfy.
///
/// - `eq` / `ne`: same kind and same value (numbers compare as numbers, dates and times by
///   their stored text, which is canonical). `ne` is the negation of `eq`, so a contact
///   without the attribute is "not equal".
/// - `contains`: the value is text (or a date or time) containing this text, case-sensitive.
/// - `gt` / `lt`: strictly greater / less, for a number, a date or a date and time; only
///   values of the same kind compare (a number never compares with a date).
/// - `present` / `absent`: the attribute is set or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeOp {
    /// Equal to.
    Eq(AttributeValue),
    /// Not equal to (including absent).
    Ne(AttributeValue),
    /// Text containing this.
    Contains(String),
    /// Greater than (numbers, dates, times).
    Gt(AttributeValue),
    /// Less than (numbers, dates, times).
    Lt(AttributeValue),
    /// Set to anything.
    Present,
    /// Not set.
    Absent,
}

impl Filter {
    /// Every one of `filters`.
    pub fn and(filters: impl IntoIterator<Item = Filter>) -> Self {
        Filter::And(filters.into_iter().collect())
    }
    /// At least one of `filters`.
    pub fn or(filters: impl IntoIterator<Item = Filter>) -> Self {
        Filter::Or(filters.into_iter().collect())
    }
    /// The negation of `filter`.
    #[allow(clippy::should_implement_trait)] // a constructor, not the `!` operator
    pub fn not(filter: Filter) -> Self {
        Filter::Not(Box::new(filter))
    }
    /// Carries at least one of `tags`.
    pub fn tags_any<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> Self {
        Filter::TagsAny(tags.into_iter().map(Into::into).collect())
    }
    /// Carries every one of `tags`.
    pub fn tags_all<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> Self {
        Filter::TagsAll(tags.into_iter().map(Into::into).collect())
    }
    /// Carries none of `tags`.
    pub fn tags_none<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> Self {
        Filter::TagsNone(tags.into_iter().map(Into::into).collect())
    }
    /// Verification status in `set`.
    pub fn verification_in(set: impl IntoIterator<Item = Verification>) -> Self {
        Filter::VerificationIn(set.into_iter().collect())
    }
    /// Source in `set`.
    pub fn source_in(set: impl IntoIterator<Item = Source>) -> Self {
        Filter::SourceIn(set.into_iter().collect())
    }
    /// A condition on attribute `key`.
    pub fn attribute(key: impl Into<String>, op: AttributeOp) -> Self {
        Filter::Attribute(AttributeFilter { key: key.into(), op })
    }

    /// Checks the values a backend cannot: tag names, and `gt`/`lt` operands.
    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            Filter::And(all) | Filter::Or(all) => all.iter().try_for_each(Filter::validate),
            Filter::Not(inner) => inner.validate(),
            Filter::TagsAny(tags) | Filter::TagsAll(tags) | Filter::TagsNone(tags) => {
                tags.iter().try_for_each(|t| TagName::parse(t).map(drop))
            }
            Filter::Attribute(AttributeFilter {
                key,
                op: AttributeOp::Gt(value) | AttributeOp::Lt(value),
            }) => match value {
                AttributeValue::Number(n) if n.is_finite() => Ok(()),
                AttributeValue::Date(_) | AttributeValue::DateTime(_) => Ok(()),
                _ => Err(Error::invalid(
                    Field::Query,
                    key.as_str(),
                    "gt and lt compare a finite number, a date or a date and time",
                )),
            },
            _ => Ok(()),
        }
    }
}

/// The tag keys of a tag list (validated by [`Filter::validate`] first), without repeats.
pub(crate) fn tag_keys(tags: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = tags
        .iter()
        .filter_map(|t| TagName::parse(t).ok())
        .map(|t| t.key())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The kind of an attribute operand, which decides how it compares.
pub(crate) enum Operand {
    /// true / false, as SQLite's JSON 1 / 0.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A date, as `YYYY-MM-DD` text.
    Date(String),
    /// A date and time: its stored text and its Unix milliseconds.
    DateTime(String, i64),
    /// Other text.
    Text(String),
}

impl Operand {
    pub(crate) fn of(value: &AttributeValue) -> Operand {
        match value {
            AttributeValue::Bool(b) => Operand::Bool(*b),
            AttributeValue::Number(n) => Operand::Number(*n),
            AttributeValue::Date(d) => Operand::Date(date_text(*d)),
            AttributeValue::DateTime(t) => Operand::DateTime(stored_text(value), t.timestamp_millis()),
            AttributeValue::Text(t) => Operand::Text(t.clone()),
        }
    }
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The text serde stores for a value (the JSON string without its quotes).
fn stored_text(value: &AttributeValue) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
