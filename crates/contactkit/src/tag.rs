//! Tags: one tag whatever its case and spacing, shown as first written.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Field, Result};

/// The longest tag name accepted, in characters.
pub const MAX_TAG_CHARS: usize = 64;

/// A valid tag name: trimmed, inner white space collapsed to one space, at most
/// [`MAX_TAG_CHARS`] characters, no commas (CSV files separate tags with them) and no control
/// characters. Two names are the same tag when their [`TagName::key`]s are equal.
///
/// # Examples
/// ```
/// use contactkit::TagName;
/// let a = TagName::parse(" Hot   lead ")?;
/// let b = TagName::parse("HOT LEAD")?;
/// assert_eq!(a.as_str(), "Hot lead");
/// assert_eq!(a.key(), b.key());
/// assert!(TagName::parse("a,b").is_err());
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

impl TagName {
    /// Validates and tidies a tag name.
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Tag`] for an empty name, a comma, a control character or
    /// a name that is too long.
    pub fn parse(text: &str) -> Result<TagName> {
        let tidy = text
            .nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if tidy.is_empty() {
            return Err(Error::invalid(Field::Tag, text, "a tag name cannot be empty"));
        }
        if tidy.contains(',') {
            return Err(Error::invalid(
                Field::Tag,
                text,
                "a tag name cannot contain a comma",
            ));
        }
        if tidy.chars().any(char::is_control) {
            return Err(Error::invalid(
                Field::Tag,
                text,
                "a tag name cannot contain control characters",
            ));
        }
        if tidy.chars().count() > MAX_TAG_CHARS {
            return Err(Error::invalid(
                Field::Tag,
                text,
                format!("a tag name has at most {MAX_TAG_CHARS} characters"),
            ));
        }
        Ok(TagName(tidy))
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identity of the tag: the tidy name in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for TagName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

impl TryFrom<String> for TagName {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        TagName::parse(&value)
    }
}

impl From<TagName> for String {
    fn from(tag: TagName) -> String {
        tag.0
    }
}

/// A tag of the book with the number of contacts that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    /// The tag's name as first written.
    pub name: String,
    /// How many contacts carry the tag.
    pub contacts: u64,
}

/// Parses a list of tag names, dropping repeats of the same tag (the first spelling wins).
pub(crate) fn parse_tags<S: AsRef<str>>(names: &[S]) -> Result<Vec<TagName>> {
    let mut tags: Vec<TagName> = Vec::with_capacity(names.len());
    for name in names {
        let tag = TagName::parse(name.as_ref())?;
        if !tags.iter().any(|t| t.key() == tag.key()) {
            tags.push(tag);
        }
    }
    Ok(tags)
}
