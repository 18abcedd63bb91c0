//! The fields a sync maps, in one comparable shape for both sides, and the tag ↔ label rule.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contact::Contact;
use crate::sync::remote::RemoteContact;

/// The prefix of the identifier the sync writes on Chatwoot contacts: `contactkit:<id>`.
pub const IDENTIFIER_PREFIX: &str = "contactkit:";

/// What both sides held after the last sync of a link (the base of the three-way merge), or
/// what one side holds now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// The name.
    pub name: String,
    /// The primary email, lowercase.
    pub email: Option<String>,
    /// The primary phone, E.164.
    pub phone: Option<String>,
    /// Tags as Chatwoot label titles.
    pub labels: BTreeSet<String>,
    /// Custom attributes as JSON values.
    pub attributes: BTreeMap<String, Value>,
}

/// The Chatwoot label a tag becomes: lower case, every character that is not a letter, a digit,
/// `-` or `_` turned into `-` (the rule of Chatwoot's account labels, which some versions
/// enforce), runs of `-` collapsed.
///
/// # Examples
/// ```
/// assert_eq!(contactkit::label_for_tag("Hot lead!"), "hot-lead");
/// assert_eq!(contactkit::label_for_tag("Investidor_VIP"), "investidor_vip");
/// ```
pub fn label_for_tag(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.to_lowercase().chars() {
        let c = if c.is_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('-').to_owned()
}

impl Snapshot {
    /// The local side.
    pub fn of_contact(contact: &Contact) -> Self {
        Snapshot {
            name: contact.name.clone(),
            email: contact.email().map(str::to_lowercase),
            phone: contact.phone().map(str::to_owned),
            labels: contact
                .tags
                .iter()
                .map(|t| label_for_tag(t))
                .filter(|l| !l.is_empty())
                .collect(),
            attributes: contact
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
                .collect(),
        }
    }

    /// The remote side, with its labels.
    pub fn of_remote(contact: &RemoteContact, labels: &[String]) -> Self {
        let blank = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Snapshot {
            name: contact.name.trim().to_owned(),
            email: blank(&contact.email).map(|e| e.to_lowercase()),
            phone: blank(&contact.phone_number),
            labels: labels
                .iter()
                .map(|l| label_for_tag(l))
                .filter(|l| !l.is_empty())
                .collect(),
            attributes: contact
                .custom_attributes
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// The local contact id a Chatwoot identifier names, if it is one of ours.
pub fn contact_of_identifier(identifier: Option<&str>) -> Option<crate::ContactId> {
    identifier?.strip_prefix(IDENTIFIER_PREFIX)?.parse().ok()
}
