//! JSON contacts in shapes other than ours: what Chatwoot's, HubSpot's, Twenty's, Google's
//! People API and Microsoft Graph's contact lists hold, and any object whose keys a CSV
//! header could have.
//!
//! Each element is flattened into cells named by their key path (nested keys joined with
//! ` / `, as Twenty's CSV export names its columns), and the CSV mapping reads those names
//! with camelCase split into words: `phone_number`, `firstName`, `name.firstName`,
//! `phones.primaryPhoneNumber`, `emailAddresses[].value` and `properties.email` land where
//! the headers `phone_number`, `First Name`, `Name / First Name`, `Phones / Primary Phone
//! Number`, `Email Addresses` and `Email` do. The keys of the file are its columns: the
//! report's mapping lists each with the field it filled, keys that filled none are listed as
//! unmapped with a sample value, and `--map KEY=FIELD` overrides work on them as on headers.
//! The objects under `attributes`, `custom_attributes` (Chatwoot) and `additional_attributes`
//! become custom attributes, keeping their JSON types.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::codec::import::ImportOptions;
use crate::codec::intake::Layout;
use crate::codec::mapping::{ColumnMapping, Target, guess_target, suggest_mapping, tidy};
use crate::codec::report::UnmappedColumn;
use crate::codec::rows::{AttrIn, Candidate, Problem};
use crate::codec::sources::{
    ColumnLinks, apply_overrides, content_hints, csv_candidate, loose, unimported_only,
};
use crate::contact::AttributeValue;
use crate::error::Result;
use crate::phone::{Phone, PhoneRegion};

/// Keys whose object holds custom attributes.
const ATTRIBUTE_KEYS: [&str; 5] = [
    "attributes",
    "custom attributes",
    "additional attributes",
    "custom fields",
    "customfields",
];

/// What is in an attributes object but is no data about the contact: what Chatwoot writes
/// into `additional_attributes` for itself, and an LDAP entry's `objectClass`.
const NOT_CONTACT_DATA: [&str; 4] = [
    "last_avatar_sync_at",
    "avatar_url_hash",
    "created_at_ip",
    "objectClass",
];

/// Keys whose object holds the contact's own fields (HubSpot's `properties`): read as if its
/// keys were the element's.
const TRANSPARENT_KEYS: [&str; 7] = [
    "properties",
    "fields",
    "values",
    "data",
    "contact",
    "person",
    "_source",
];

/// In an array element that is an object, the keys that hold the point's value, then its
/// label (`{"value": "+1 415 555 2671", "type": "mobile"}`).
/// Google's `canonicalForm` (a phone in E.164) comes before its `value` (as the person
/// typed it, in their own country's notation).
const VALUE_KEYS: [&str; 9] = [
    "canonical form",
    "value",
    "address",
    "email",
    "email address",
    "number",
    "phone",
    "phone number",
    "uri",
];
const LABEL_KEYS: [&str; 4] = ["label", "type", "kind", "formatted type"];

/// One value of an element, named by the column it fills.
struct Leaf {
    /// The column it fills: its key path, with the position in an array.
    column: String,
    /// The header it is read as: the key path.
    header: String,
    text: String,
    /// What the column fills regardless of its name.
    forced: Option<Forced>,
    /// An attribute's value as JSON typed it.
    typed: Option<AttributeValue>,
}

enum Forced {
    Attribute(String),
    /// The label of the point in the column of this name.
    LabelOf(String),
    /// One element of a list: a single point, not a list of them.
    OneOfList,
}

/// The columns a file's JSON elements have shown so far, and their mapping.
pub(crate) struct Columns<'o> {
    options: &'o ImportOptions,
    by_name: HashMap<String, usize>,
    headers: Vec<String>,
    forced: Vec<Option<Forced>>,
    /// What a column's first value made of it (see [`Columns::remap`]).
    hinted: Vec<Option<Target>>,
    mapping: Vec<ColumnMapping>,
    links: ColumnLinks,
    /// Whether the caller's overrides have been checked against the first element's keys.
    overrides_checked: bool,
}

impl<'o> Columns<'o> {
    pub(crate) fn new(options: &'o ImportOptions) -> Self {
        Columns {
            options,
            by_name: HashMap::new(),
            headers: Vec::new(),
            forced: Vec::new(),
            hinted: Vec::new(),
            mapping: Vec::new(),
            links: ColumnLinks::new(&[], 0),
            overrides_checked: false,
        }
    }

    /// The candidate of one element; new keys become columns of `layout`'s mapping.
    ///
    /// # Errors
    /// When the caller's mapping names a key the first element does not have.
    pub(crate) fn candidate(
        &mut self,
        value: &Value,
        layout: &mut Layout,
    ) -> Result<std::result::Result<Candidate, Problem>> {
        let Value::Object(object) = value else {
            return Ok(Err(Problem {
                column: None,
                value: short_json(value),
                reason: "not a contact: an element must be a JSON object".into(),
            }));
        };
        let mut leaves = Vec::new();
        flatten(object, &[], false, &mut leaves);
        let known = self.headers.len();
        for leaf in &mut leaves {
            if !self.by_name.contains_key(&leaf.column) {
                self.by_name.insert(leaf.column.clone(), self.headers.len());
                self.headers.push(leaf.header.clone());
                self.forced.push(leaf.forced.take());
            }
        }
        let mut cells = vec![String::new(); self.headers.len()];
        let mut typed = Vec::new();
        for leaf in leaves {
            let column = self.by_name[&leaf.column];
            if let Some(value) = leaf.typed {
                typed.push((self.headers[column].clone(), value));
            }
            cells[column] = leaf.text;
        }
        if self.headers.len() > known {
            self.remap(layout, known, &cells)?;
        }
        for u in layout.unmapped.iter_mut().filter(|u| u.sample.is_none()) {
            if let Some(c) = cells.get(u.column).filter(|c| !c.is_empty()) {
                u.sample = Some(c.clone());
            }
        }
        let mut candidate = csv_candidate(&self.mapping, &self.links, &cells);
        for (_, value, column) in &mut candidate.attributes {
            if let Some((_, v)) = typed.iter().find(|(header, _)| header == column)
                && matches!(value, AttrIn::Text(_))
            {
                *value = AttrIn::Typed(v.clone());
            }
        }
        Ok(unimported_only(candidate, &self.mapping, &cells))
    }

    /// Suggests the mapping of every column again (a column's neighbours can change what it
    /// is read as), then applies the forced targets and the caller's overrides.
    ///
    /// A new column (from `known` on) whose key says nothing the mapping knows but whose
    /// value in `cells` is an email or an international phone becomes an additional point
    /// labelled after its key, as a CSV column does.
    fn remap(&mut self, layout: &mut Layout, known: usize, cells: &[String]) -> Result<()> {
        self.hinted.resize(self.headers.len(), None);
        let mut mapping = suggest_mapping(&self.headers);
        for (m, (forced, hinted)) in mapping.iter_mut().zip(self.forced.iter().zip(&self.hinted)) {
            match forced {
                Some(Forced::Attribute(key)) => m.target = Target::Attribute { key: key.clone() },
                Some(Forced::LabelOf(of)) => {
                    if let Some(&column) = self.by_name.get(of) {
                        m.target = Target::LabelOf { column };
                    }
                }
                Some(Forced::OneOfList) => {
                    m.target = match &m.target {
                        Target::AdditionalEmails => Target::AdditionalEmail { label: None },
                        Target::AdditionalPhones => Target::AdditionalPhone { label: None },
                        other => other.clone(),
                    }
                }
                None => {
                    if let Some(hinted) = hinted {
                        m.target = hinted.clone();
                    }
                }
            }
        }
        let mut fresh: Vec<ColumnMapping> = mapping[known..]
            .iter()
            .filter(|m| matches!(self.forced[m.column], None | Some(Forced::OneOfList)))
            .cloned()
            .collect();
        content_hints(&mut fresh, |i| cells.get(i).map(String::as_str));
        for mut m in fresh {
            if m.target != mapping[m.column].target {
                // An element of a list is not labelled after the list (Cozy's `datapoints`).
                if matches!(self.forced[m.column], Some(Forced::OneOfList)) {
                    m.target = match m.target {
                        Target::AdditionalEmail { .. } => Target::AdditionalEmail { label: None },
                        Target::AdditionalPhone { .. } => Target::AdditionalPhone { label: None },
                        other => other,
                    };
                }
                mapping[m.column].target = m.target.clone();
                self.hinted[m.column] = Some(m.target);
            }
        }
        if self.overrides_checked {
            let known = ImportOptions {
                mapping: self
                    .options
                    .mapping
                    .iter()
                    .filter(|(name, _)| mapping.iter().any(|m| loose(&m.header) == loose(name)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                ..ImportOptions::default()
            };
            apply_overrides(&mut mapping, &known)?;
        } else {
            apply_overrides(&mut mapping, self.options)?;
            self.overrides_checked = true;
        }
        self.links = ColumnLinks::new(&mapping, mapping.len());
        let samples: HashMap<usize, Option<String>> =
            layout.unmapped.drain(..).map(|u| (u.column, u.sample)).collect();
        // One line for each key path, not for each element of an array.
        let mut listed = std::collections::HashSet::new();
        layout.unmapped = mapping
            .iter()
            .filter(|m| m.target == Target::Ignore && listed.insert(m.header.clone()))
            .map(|m| UnmappedColumn {
                column: m.column,
                header: m.header.clone(),
                sample: samples.get(&m.column).cloned().flatten(),
            })
            .collect();
        layout.mapping = mapping.clone();
        self.mapping = mapping;
        Ok(())
    }
}

/// The header a leaf at `path` is read as: the whole path when the mapping knows it, else
/// (in an element of an array, as Google's `names[].givenName`) its last key, else the
/// whole path.
fn header_of(path: &[&str], in_array: bool) -> String {
    let whole = path.join(" / ");
    if path.len() > 1 && in_array && guess(&whole) == Target::Ignore {
        let last = path[path.len() - 1];
        if guess(last) != Target::Ignore {
            return last.to_owned();
        }
    }
    whole
}

/// Whether a JSON object holds fields of a contact (a name, an email or a phone) itself, or
/// in an element wrapper (`properties`, `person`): a document that does is one contact,
/// whatever arrays it holds (its `emails`, say).
pub(crate) fn looks_like_contact(object: &Map<String, Value>) -> bool {
    object.iter().any(|(key, value)| match value {
        Value::Object(inner) if is_key(key, &TRANSPARENT_KEYS) => looks_like_contact(inner),
        _ => matches!(
            guess(key),
            Target::Name
                | Target::FirstName
                | Target::LastName
                | Target::Email { .. }
                | Target::Phone { .. }
                | Target::AdditionalEmail { .. }
                | Target::AdditionalPhone { .. }
                | Target::AdditionalEmails
                | Target::AdditionalPhones
        ),
    })
}

fn guess(header: &str) -> Target {
    guess_target(header, &tidy(header))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

fn is_key(key: &str, keys: &[&str]) -> bool {
    keys.contains(&tidy(key).as_str())
}

/// Collects the leaves of `object`, found at `path`.
fn flatten(object: &Map<String, Value>, path: &[&str], in_array: bool, out: &mut Vec<Leaf>) {
    for (key, value) in object {
        let mut here = path.to_vec();
        here.push(key);
        match value {
            Value::Null => {}
            Value::Object(inner) if path.is_empty() && is_key(key, &ATTRIBUTE_KEYS) => {
                // An LDAP entry's `attributes` are its fields (`cn`, `mail`, `givenName`):
                // those the mapping knows are read as keys of the element.
                let generic = key == "attributes";
                let (fields, custom): (Map<String, Value>, Map<String, Value>) = inner
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .partition(|(name, _)| generic && guess(name) != Target::Ignore);
                flatten(&fields, path, in_array, out);
                for (name, v) in custom
                    .iter()
                    .filter(|(name, _)| !NOT_CONTACT_DATA.contains(&name.as_str()))
                {
                    let Some(text) = scalar_text(v) else { continue };
                    let header = format!("{key} / {name}");
                    let typed =
                        AttributeValue::from_json(v).unwrap_or_else(|| AttributeValue::Text(text.clone()));
                    out.push(Leaf {
                        column: header.clone(),
                        header,
                        text,
                        forced: Some(Forced::Attribute(name.clone())),
                        typed: Some(typed),
                    });
                }
            }
            Value::Object(inner) if is_key(key, &TRANSPARENT_KEYS) => flatten(inner, path, in_array, out),
            // HubSpot's legacy `"firstname": {"value": "Yuki", "versions": [...]}`: the value
            // stands for the key.
            Value::Object(inner) if wrapped_value(inner).is_some() => {
                if let Some(text) = wrapped_value(inner).and_then(scalar_text) {
                    let header = header_of(&here, in_array);
                    out.push(Leaf {
                        column: header.clone(),
                        header,
                        text,
                        forced: None,
                        typed: None,
                    });
                }
            }
            Value::Object(inner) => flatten(inner, &here, in_array, out),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let column = format!("{}[{i}]", here.join(" / "));
                    match item {
                        Value::Object(inner) => {
                            point_or_object(inner, &here, &column, out);
                        }
                        other => {
                            let Some(text) = scalar_text(other) else { continue };
                            out.push(Leaf {
                                column,
                                header: header_of(&here, in_array),
                                text,
                                forced: Some(Forced::OneOfList),
                                typed: None,
                            });
                        }
                    }
                }
            }
            scalar => {
                let Some(text) = scalar_text(scalar) else { continue };
                let header = header_of(&here, in_array);
                out.push(Leaf {
                    column: header.clone(),
                    header,
                    text,
                    forced: None,
                    typed: None,
                });
            }
        }
    }
}

/// The value of an object that wraps one scalar `value` with bookkeeping about it (HubSpot's
/// `{"value", "versions", "timestamp", "source"}`).
fn wrapped_value(object: &Map<String, Value>) -> Option<&Value> {
    const BOOKKEEPING: [&str; 8] = [
        "versions",
        "timestamp",
        "source",
        "source id",
        "source type",
        "updated at",
        "selected by user",
        "source label",
    ];
    let value = object
        .get("value")
        .filter(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)))?;
    object
        .keys()
        .all(|k| k == "value" || is_key(k, &BOOKKEEPING))
        .then_some(value)
}

/// An object in an array at `path`: a point (`{"value", "type"}`) when it has a value key,
/// else an object whose leaves are read as those of the array's element `column`.
fn point_or_object(object: &Map<String, Value>, path: &[&str], column: &str, out: &mut Vec<Leaf>) {
    // The first of `keys` (in their order) that the object has with a scalar value.
    let find = |keys: &[&str]| {
        keys.iter().find_map(|wanted| {
            object
                .iter()
                .find(|(k, v)| is_key(k, &[wanted]) && matches!(v, Value::String(_) | Value::Number(_)))
                .and_then(|(_, v)| scalar_text(v))
        })
    };
    if let Some(value) = find(&VALUE_KEYS) {
        // Twenty's `{"number": "142685300", "countryCode": "FR", "callingCode": "+33"}`: a
        // national number beside its country is that country's.
        let country = find(&["country code"])
            .and_then(|code| PhoneRegion::new(&code).ok())
            .or_else(|| {
                find(&["calling code", "dial code"]).and_then(|code| PhoneRegion::of_calling_code(&code))
            });
        let value = match country {
            Some(region) if !value.trim_start().starts_with('+') => Phone::parse(&value, region)
                .map(|phone| phone.as_str().to_owned())
                .unwrap_or(value),
            _ => value,
        };
        let header = header_of(path, true);
        if let Some(label) = find(&LABEL_KEYS) {
            out.push(Leaf {
                column: format!("{column} label"),
                header: format!("{header} label"),
                text: label,
                forced: Some(Forced::LabelOf(column.to_owned())),
                typed: None,
            });
        }
        out.push(Leaf {
            column: column.to_owned(),
            header,
            text: value,
            forced: Some(Forced::OneOfList),
            typed: None,
        });
        return;
    }
    let mut inner = Vec::new();
    flatten(object, path, true, &mut inner);
    for mut leaf in inner {
        leaf.column = format!("{column} / {}", leaf.column);
        out.push(leaf);
    }
}

/// A JSON value shortened for a report.
pub(crate) fn short_json(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}
