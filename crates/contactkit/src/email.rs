//! Email addresses: validated by `email_address`, domain lowercased, compared case-insensitively.

use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Field, Result};

/// A valid email address: a local part as written, `@`, and a lowercased domain with a TLD.
/// Two addresses are the same contact point when their [`Email::key`]s (the whole address
/// lowercased) are equal.
///
/// # Examples
/// ```
/// let email = contactkit::Email::parse(" Ana.Silva@Example.COM ")?;
/// assert_eq!(email.as_str(), "Ana.Silva@example.com");
/// assert_eq!(email.key(), "ana.silva@example.com");
/// assert!(contactkit::Email::parse("ana@localhost").is_err());
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Validates `text` (trimmed): no display name (`Ana <ana@x.com>`), no domain literal
    /// (`ana@[10.0.0.1]`), and a domain with a top-level part.
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Email`], with the validator's reason.
    pub fn parse(text: &str) -> Result<Email> {
        let trimmed = text.trim();
        let options = Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        let parsed = EmailAddress::parse_with_options(trimmed, options)
            .map_err(|err| Error::invalid(Field::Email, text, not_an_address(&err.to_string())))?;
        let domain = parsed.domain().to_lowercase();
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(Error::invalid(
                Field::Email,
                text,
                "the domain has an empty label",
            ));
        }
        Ok(Email(format!("{}@{}", parsed.local_part(), domain)))
    }

    /// An address the book stored after validating it: not validated again.
    pub(crate) fn from_stored(address: String) -> Email {
        Email(address)
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercased address: what uniqueness and matching compare.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The domain part (lowercase).
    pub fn domain(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map(|(_, domain)| domain)
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

/// The validator's reason as a clause of ours: "it is not an email address (missing
/// separator character '@')".
fn not_an_address(reason: &str) -> String {
    let reason = reason.trim().trim_end_matches(['.', ';']);
    let mut chars = reason.chars();
    let reason: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("it is not an email address ({reason})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_and_domain_literals_are_refused() {
        for bad in [
            "Ana <ana@example.com>",
            "ana@[10.0.0.1]",
            "ana",
            "@example.com",
            "ana@example",
            "",
        ] {
            let err = Email::parse(bad).expect_err(bad);
            assert!(
                matches!(
                    err,
                    Error::Invalid {
                        field: Field::Email,
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_domain_is_lowercased_and_the_local_part_kept() {
        let email = Email::parse("Bob.Smith@GMAIL.com").expect("valid");
        assert_eq!(email.as_str(), "Bob.Smith@gmail.com");
        assert_eq!(email.domain(), "gmail.com");
        assert_eq!(email.key(), "bob.smith@gmail.com");
    }
}
