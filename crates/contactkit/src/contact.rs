//! The contact model: what a contact is, what creating one takes, and what an edit changes.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::email::Email;
use crate::error::{Error, Field, Result};
use crate::phone::Phone;

/// The longest name accepted, in characters (Chatwoot's limit, so every contact can sync).
pub const MAX_NAME_CHARS: usize = 255;
/// The longest custom attribute key accepted, in characters.
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 100;
/// The longest label of an email or phone, in characters.
pub const MAX_LABEL_CHARS: usize = 40;

/// The stable id of a contact. It is opaque to callers (compare and store it, never compute
/// with it) and never reused, not even after the contact is deleted.
///
/// # Examples
/// ```
/// let id: contactkit::ContactId = "42".parse()?;
/// assert_eq!(id.to_string(), "42");
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactId(i64);

impl ContactId {
    /// Wraps a raw id as handed out by a store.
    pub fn from_raw(raw: i64) -> Self {
        ContactId(raw)
    }

    /// The raw id, for stores and for fronts that pass ids as integers.
    pub fn as_raw(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for ContactId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0.to_string())
    }
}

impl FromStr for ContactId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|raw| *raw > 0)
            .map(ContactId)
            .ok_or_else(|| Error::invalid(Field::Id, s, "a contact id is a positive whole number"))
    }
}

/// The channel a contact first came through.
///
/// ```
/// assert_eq!("web_widget".parse::<contactkit::Source>()?, contactkit::Source::WebWidget);
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// First wrote on WhatsApp.
    Whatsapp,
    /// First wrote on Telegram.
    Telegram,
    /// Came through the web widget or a web form.
    WebWidget,
    /// Created through the host's API.
    Api,
    /// Imported from a file.
    Import,
    /// Added by a team member (a referral); the default.
    Referral,
}

impl Source {
    /// Every source, in declaration order.
    pub const ALL: &'static [Source] = &[
        Source::Whatsapp,
        Source::Telegram,
        Source::WebWidget,
        Source::Api,
        Source::Import,
        Source::Referral,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Whatsapp => "whatsapp",
            Source::Telegram => "telegram",
            Source::WebWidget => "web_widget",
            Source::Api => "api",
            Source::Import => "import",
            Source::Referral => "referral",
        }
    }
}

/// Whether the contact's identity has been verified.
///
/// ```
/// assert_eq!(contactkit::Verification::default().as_str(), "unverified");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Not checked; the default.
    #[default]
    Unverified,
    /// A check is under way.
    Pending,
    /// Checked and confirmed.
    Verified,
    /// Checked and not confirmed.
    Failed,
}

impl Verification {
    /// Every status, in declaration order.
    pub const ALL: &'static [Verification] = &[
        Verification::Unverified,
        Verification::Pending,
        Verification::Verified,
        Verification::Failed,
    ];

    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verification::Unverified => "unverified",
            Verification::Pending => "pending",
            Verification::Verified => "verified",
            Verification::Failed => "failed",
        }
    }
}

/// Finds the value of `all` whose wire name is `text` (case-insensitive), or names the choices.
fn parse_wire_name<T: Copy>(text: &str, all: &[T], name: fn(T) -> &'static str, field: Field) -> Result<T> {
    let wanted = text.trim().to_ascii_lowercase();
    all.iter().copied().find(|v| name(*v) == wanted).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
        Error::invalid(field, text, format!("expected one of {}", names.join(", ")))
    })
}

impl FromStr for Source {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_wire_name(s, Source::ALL, Source::as_str, Field::Source)
    }
}

impl FromStr for Verification {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_wire_name(s, Verification::ALL, Verification::as_str, Field::Verification)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The value of a custom attribute: text, a number, a yes/no, a date or a date and time.
///
/// In JSON a string that reads as an RFC 3339 time (`2024-05-01T10:00:00Z`) is a time and one
/// that reads as `YYYY-MM-DD` a date; any other string is text. A whole number is written
/// without a fraction, and an integer beyond 2^53, which a float would round (a long id), is
/// read as its digits, as text.
///
/// # Examples
/// ```
/// use contactkit::AttributeValue;
/// let v: AttributeValue = serde_json::from_str("\"2024-05-01\"")?;
/// assert!(matches!(v, AttributeValue::Date(_)));
/// let v: AttributeValue = serde_json::from_str("3.5")?;
/// assert_eq!(v, AttributeValue::Number(3.5));
/// let v: AttributeValue = serde_json::from_str("12345678901234567890")?;
/// assert_eq!(v, AttributeValue::Text("12345678901234567890".into()));
/// assert_eq!(serde_json::to_string(&AttributeValue::Number(3.0))?, "3");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttributeValue {
    /// true or false.
    Bool(bool),
    /// A finite number (written without a fraction when it is a whole one: `500000`, not
    /// `500000.0`).
    Number(#[serde(serialize_with = "whole_as_integer")] f64),
    /// A UTC date and time.
    DateTime(DateTime<Utc>),
    /// A calendar date.
    Date(NaiveDate),
    /// Any other text.
    Text(String),
}

/// The largest magnitude below which every whole `f64` is exact (2^53).
const EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

/// Serializes a whole number as an integer, so JSON readers see `3`, not `3.0`.
fn whole_as_integer<S: serde::Serializer>(n: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if n.fract() == 0.0 && n.abs() <= EXACT_WHOLE {
        serializer.serialize_i64(*n as i64)
    } else {
        serializer.serialize_f64(*n)
    }
}

impl AttributeValue {
    /// The value of a JSON value, exactly as [`AttributeValue`]'s `Deserialize` reads it;
    /// arrays and objects are kept as their JSON text; null is no value.
    ///
    /// # Examples
    /// ```
    /// use contactkit::AttributeValue;
    /// assert_eq!(AttributeValue::from_json(&serde_json::json!(3)), Some(AttributeValue::Number(3.0)));
    /// assert_eq!(
    ///     AttributeValue::from_json(&serde_json::json!([1, 2])),
    ///     Some(AttributeValue::Text("[1,2]".into()))
    /// );
    /// assert_eq!(AttributeValue::from_json(&serde_json::Value::Null), None);
    /// ```
    pub fn from_json(value: &serde_json::Value) -> Option<AttributeValue> {
        use serde_json::Value;
        match value {
            Value::Null => None,
            Value::Array(_) | Value::Object(_) => Some(AttributeValue::Text(value.to_string())),
            scalar => AttributeValue::deserialize(scalar).ok(),
        }
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(AttributeVisitor)
    }
}

/// An integer of this magnitude as a number when an `f64` holds it exactly (compared as an
/// integer: 2^53 + 1 rounds to 2^53 as a float), else as its digits.
fn whole_number(magnitude: u64, value: f64, digits: impl FnOnce() -> String) -> AttributeValue {
    if magnitude <= 1 << 53 {
        AttributeValue::Number(value)
    } else {
        AttributeValue::Text(digits())
    }
}

/// Reads an attribute value from a JSON scalar (see [`AttributeValue`]).
struct AttributeVisitor;

impl serde::de::Visitor<'_> for AttributeVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, a number or a boolean")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<AttributeValue, E> {
        Ok(AttributeValue::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<AttributeValue, E> {
        Ok(whole_number(v.unsigned_abs(), v as f64, || v.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<AttributeValue, E> {
        Ok(whole_number(v, v as f64, || v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<AttributeValue, E> {
        Ok(AttributeValue::Number(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<AttributeValue, E> {
        if let Ok(at) = v.parse::<DateTime<chrono::FixedOffset>>() {
            return Ok(AttributeValue::DateTime(at.with_timezone(&Utc)));
        }
        if let Ok(date) = v.parse::<NaiveDate>() {
            return Ok(AttributeValue::Date(date));
        }
        Ok(AttributeValue::Text(v.to_owned()))
    }
}

impl From<&str> for AttributeValue {
    fn from(text: &str) -> Self {
        AttributeValue::Text(text.to_owned())
    }
}
impl From<String> for AttributeValue {
    fn from(text: String) -> Self {
        AttributeValue::Text(text)
    }
}
impl From<f64> for AttributeValue {
    fn from(n: f64) -> Self {
        AttributeValue::Number(n)
    }
}
impl From<i64> for AttributeValue {
    fn from(n: i64) -> Self {
        AttributeValue::Number(n as f64)
    }
}
impl From<bool> for AttributeValue {
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}
impl From<NaiveDate> for AttributeValue {
    fn from(d: NaiveDate) -> Self {
        AttributeValue::Date(d)
    }
}

/// Custom attributes by key, in key order.
pub type Attributes = BTreeMap<String, AttributeValue>;

/// An email address of a contact, with an optional label (`work`, `home`, free text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPoint {
    /// The validated address.
    pub address: Email,
    /// A lowercase label such as `work`, `home` or `other`.
    pub label: Option<String>,
    /// Where the address came from (none for addresses stored before this was recorded).
    #[serde(default)]
    pub origin: Option<crate::Origin>,
}

/// A phone number of a contact: its E.164 value, the text it was given as, an optional label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhonePoint {
    /// The number in E.164.
    pub e164: Phone,
    /// The text the number was given as (`(415) 555-2671 ext. 3`).
    pub original: String,
    /// A lowercase label such as `mobile`, `work`, `home`, `whatsapp` or `other`.
    pub label: Option<String>,
    /// Where the number came from (none for numbers stored before this was recorded).
    #[serde(default)]
    pub origin: Option<crate::Origin>,
}

/// A contact as stored.
///
/// `emails` and `phones` hold every address and number of the contact, the primary one first:
/// the primary ones are what the list page shows ([`Contact::email`], [`Contact::phone`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The stable id.
    pub id: ContactId,
    /// The display name (never empty).
    pub name: String,
    /// Every email address, the primary one first.
    pub emails: Vec<EmailPoint>,
    /// Every phone number, the primary one first.
    pub phones: Vec<PhonePoint>,
    /// Tag names as first written, in alphabetical order of their keys.
    pub tags: Vec<String>,
    /// The channel the contact came through.
    pub source: Source,
    /// The verification status.
    pub verification: Verification,
    /// Custom attributes.
    pub attributes: Attributes,
    /// When the contact was created.
    pub created_at: DateTime<Utc>,
    /// When any field of the contact last changed.
    pub updated_at: DateTime<Utc>,
    /// When the contact last did something (a message, a form); `None` if never.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// False for a contact created automatically (a first message, a web form) until a team
    /// member marks it reviewed.
    #[serde(default = "reviewed_by_default")]
    pub reviewed: bool,
}

fn reviewed_by_default() -> bool {
    true
}

impl Contact {
    /// The primary email address.
    pub fn email(&self) -> Option<&str> {
        self.emails.first().map(|p| p.address.as_str())
    }

    /// The primary phone number, in E.164.
    pub fn phone(&self) -> Option<&str> {
        self.phones.first().map(|p| p.e164.as_str())
    }

    /// Whether the contact carries `tag` (compared as tags are: case and spacing ignored).
    pub fn has_tag(&self, tag: &str) -> bool {
        let Ok(wanted) = crate::tag::TagName::parse(tag) else {
            return false;
        };
        self.tags.iter().any(|t| t.to_lowercase() == wanted.key())
    }
}

/// An email or phone given as text, with an optional label, before validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointInput {
    /// The address or number as typed.
    pub value: String,
    /// An optional label.
    #[serde(default)]
    pub label: Option<String>,
}

impl PointInput {
    /// A value without a label.
    pub fn new(value: impl Into<String>) -> Self {
        PointInput {
            value: value.into(),
            label: None,
        }
    }

    /// A value with a label.
    pub fn labelled(value: impl Into<String>, label: impl Into<String>) -> Self {
        PointInput {
            value: value.into(),
            label: Some(label.into()),
        }
    }
}

/// What it takes to create a contact. Only the name is required.
///
/// # Examples
/// ```
/// use contactkit::{Book, BookOptions, NewContact, Actor, Source};
/// let book = Book::open_in_memory(BookOptions::default())?;
/// let ana = book.create(
///     &Actor::api("docs"),
///     NewContact::new("Ana Souza")
///         .email("ana@example.com")
///         .phone("+55 11 91234-5678")
///         .tag("Hot")
///         .source(Source::Whatsapp),
/// )?;
/// assert_eq!(ana.phone(), Some("+5511912345678"));
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// The display name (required; trimmed).
    pub name: String,
    /// The primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// The primary phone, in any notation.
    #[serde(default)]
    pub phone: Option<String>,
    /// More email addresses.
    #[serde(default)]
    pub additional_emails: Vec<PointInput>,
    /// More phone numbers.
    #[serde(default)]
    pub additional_phones: Vec<PointInput>,
    /// Tags to carry.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The source channel; by default that of the actor's origin (a team member's contact is a
    /// `referral`, the API's `api`, an import's `import`).
    #[serde(default)]
    pub source: Option<Source>,
    /// The verification status (default unverified).
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Custom attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// The creation time, when it is older than now (an import of history); default now.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The last activity, if known.
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl NewContact {
    /// A contact with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        NewContact {
            name: name.into(),
            ..NewContact::default()
        }
    }
    /// Sets the primary email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Sets the primary phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Adds an additional email with an optional label.
    pub fn additional_email(mut self, email: impl Into<String>, label: Option<&str>) -> Self {
        self.additional_emails.push(PointInput {
            value: email.into(),
            label: label.map(str::to_owned),
        });
        self
    }
    /// Adds an additional phone with an optional label.
    pub fn additional_phone(mut self, phone: impl Into<String>, label: Option<&str>) -> Self {
        self.additional_phones.push(PointInput {
            value: phone.into(),
            label: label.map(str::to_owned),
        });
        self
    }
    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Sets the source channel.
    pub fn source(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }
    /// Sets the verification status.
    pub fn verification(mut self, verification: Verification) -> Self {
        self.verification = Some(verification);
        self
    }
    /// Sets a custom attribute.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.attributes.insert(key.into(), value.into());
        self
    }
    /// Sets the creation time.
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = Some(at);
        self
    }
    /// Sets the last activity time.
    pub fn last_activity_at(mut self, at: DateTime<Utc>) -> Self {
        self.last_activity_at = Some(at);
        self
    }
}

/// A partial edit: only the fields that are set change.
///
/// For `email` and `phone` (the primary ones), `Some(None)` (JSON `null`) removes the primary
/// value, promoting the next additional one if there is any; a field left out is unchanged.
///
/// # Examples
/// ```
/// use contactkit::{Book, BookOptions, NewContact, ContactPatch, Actor};
/// let book = Book::open_in_memory(BookOptions::default())?;
/// let actor = Actor::api("docs");
/// let c = book.create(&actor, NewContact::new("Bo").email("bo@example.com"))?;
/// let c = book.update(&actor, c.id, ContactPatch::new().name("Bo Li").attribute("budget", 250000.0))?;
/// assert_eq!((c.name.as_str(), c.email()), ("Bo Li", Some("bo@example.com")));
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new primary email, or `Some(None)` to remove it.
    #[serde(default, deserialize_with = "present_or_null")]
    pub email: Option<Option<String>>,
    /// A new primary phone, or `Some(None)` to remove it.
    #[serde(default, deserialize_with = "present_or_null")]
    pub phone: Option<Option<String>>,
    /// A new source channel.
    #[serde(default)]
    pub source: Option<Source>,
    /// A new verification status.
    #[serde(default)]
    pub verification: Option<Verification>,
    /// Custom attributes to set (others stay).
    #[serde(default)]
    pub set_attributes: Attributes,
    /// Custom attribute keys to remove.
    #[serde(default)]
    pub unset_attributes: Vec<String>,
    /// A new last activity time.
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
}

fn present_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl ContactPatch {
    /// An edit that changes nothing yet.
    pub fn new() -> Self {
        ContactPatch::default()
    }
    /// Changes the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Changes the primary email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(Some(email.into()));
        self
    }
    /// Removes the primary email.
    pub fn clear_email(mut self) -> Self {
        self.email = Some(None);
        self
    }
    /// Changes the primary phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(Some(phone.into()));
        self
    }
    /// Removes the primary phone.
    pub fn clear_phone(mut self) -> Self {
        self.phone = Some(None);
        self
    }
    /// Changes the source.
    pub fn source(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }
    /// Changes the verification status.
    pub fn verification(mut self, verification: Verification) -> Self {
        self.verification = Some(verification);
        self
    }
    /// Sets a custom attribute.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.set_attributes.insert(key.into(), value.into());
        self
    }
    /// Removes a custom attribute.
    pub fn unset_attribute(mut self, key: impl Into<String>) -> Self {
        self.unset_attributes.push(key.into());
        self
    }
    /// Moves the last activity time.
    pub fn last_activity_at(mut self, at: DateTime<Utc>) -> Self {
        self.last_activity_at = Some(at);
        self
    }
}

/// Validates and tidies a name: trimmed, inner white space collapsed, not empty, not too long.
pub(crate) fn valid_name(name: &str) -> Result<String> {
    let tidy = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidy.is_empty() {
        return Err(Error::invalid(Field::Name, name, "a contact needs a name"));
    }
    if tidy.chars().any(char::is_control) {
        return Err(Error::invalid(
            Field::Name,
            name,
            "a name cannot contain control characters",
        ));
    }
    if tidy.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            Field::Name,
            name,
            format!("a name has at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(tidy)
}

/// Validates a custom attribute key and value.
pub(crate) fn valid_attribute(key: &str, value: &AttributeValue) -> Result<String> {
    let tidy = key.trim();
    if tidy.is_empty() {
        return Err(Error::invalid(
            Field::Attribute,
            key,
            "an attribute key cannot be empty",
        ));
    }
    if tidy.chars().any(char::is_control) || tidy.chars().count() > MAX_ATTRIBUTE_KEY_CHARS {
        return Err(Error::invalid(
            Field::Attribute,
            key,
            format!(
                "an attribute key has at most {MAX_ATTRIBUTE_KEY_CHARS} characters and no control characters"
            ),
        ));
    }
    if let AttributeValue::Number(n) = value
        && !n.is_finite()
    {
        return Err(Error::invalid(
            Field::Attribute,
            format!("{key}={n}"),
            "a number must be finite",
        ));
    }
    Ok(tidy.to_owned())
}

/// Tidies a label: trimmed, lowercased, empty means none.
pub(crate) fn valid_label(label: Option<&str>) -> Result<Option<String>> {
    let Some(label) = label else { return Ok(None) };
    let tidy = label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if tidy.is_empty() {
        return Ok(None);
    }
    if tidy.chars().count() > MAX_LABEL_CHARS || tidy.chars().any(char::is_control) {
        return Err(Error::invalid(
            Field::Label,
            label,
            format!("a label has at most {MAX_LABEL_CHARS} characters and no control characters"),
        ));
    }
    Ok(Some(tidy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_a_float_holds_exactly_are_numbers_and_others_their_digits() {
        let read = |json: &str| serde_json::from_str::<AttributeValue>(json).unwrap();
        assert_eq!(
            read("9007199254740992"),
            AttributeValue::Number(9_007_199_254_740_992.0)
        );
        assert_eq!(
            read("9007199254740993"),
            AttributeValue::Text("9007199254740993".into())
        );
        assert_eq!(
            read("-9007199254740993"),
            AttributeValue::Text("-9007199254740993".into())
        );
    }

    #[test]
    fn names_are_tidied_and_required() {
        assert_eq!(valid_name("  Ana   Souza ").ok().as_deref(), Some("Ana Souza"));
        assert!(valid_name(" \t ").is_err());
        assert!(valid_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn a_patch_tells_null_from_missing() {
        let patch: ContactPatch = serde_json::from_str(r#"{"email": null}"#).expect("json");
        assert_eq!(patch.email, Some(None));
        assert_eq!(patch.phone, None);
        assert!(serde_json::from_str::<ContactPatch>(r#"{"emial": "x"}"#).is_err());
    }

    #[test]
    fn ids_parse_only_positive_numbers() {
        assert!("0".parse::<ContactId>().is_err());
        assert!("abc".parse::<ContactId>().is_err());
        assert_eq!("7".parse::<ContactId>().ok(), Some(ContactId(7)));
    }
}
