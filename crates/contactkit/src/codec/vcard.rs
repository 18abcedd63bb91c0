//! vCard: 4.0 export and 2.1/3.0/4.0 import, through the `calcard` parser and writer.
//!
//! Read: FN (else N) as the name, every EMAIL and TEL with a label from its TYPEs or its
//! Apple-style `itemN.X-ABLabel`, PREF (or a 2.1 bare `PREF`) as the primary one,
//! CATEGORIES as tags (Google's "myContacts" dropped), ORG as the `company` attribute.

use calcard::common::IanaString;
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardProperty, VCardType,
    VCardValue, VCardValueType, VCardVersion,
};

use crate::codec::rows::{AttrIn, Candidate, PointVal, Val};
use crate::contact::{AttributeValue, Contact};

/// Labels written as a vCard `TYPE`; any other label goes to an `X-ABLabel`.
fn vcard_type(label: &str) -> Option<VCardType> {
    Some(match label {
        "mobile" | "cell" => VCardType::Cell,
        "work" => VCardType::Work,
        "home" => VCardType::Home,
        "fax" => VCardType::Fax,
        "pager" => VCardType::Pager,
        "text" => VCardType::Text,
        "video" => VCardType::Video,
        "voice" => VCardType::Voice,
        _ => return None,
    })
}

/// The vCard 4.0 text of a contact.
pub(crate) fn write_card(c: &Contact, out: &mut String) -> std::fmt::Result {
    let mut entries = vec![
        VCardEntry::new(VCardProperty::Uid).with_value(format!("urn:contactkit:{}", c.id)),
        VCardEntry::new(VCardProperty::Fn).with_value(c.name.clone()),
    ];
    let mut group = 0;
    let mut point = |property: VCardProperty, value: String, label: Option<&str>, primary: bool| {
        let mut entry = VCardEntry::new(property.clone()).with_value(value);
        if property == VCardProperty::Tel {
            entry.add_param(VCardParameter::value(VCardValueType::Uri));
        }
        let mut extra = None;
        match label {
            Some(label) => match vcard_type(label) {
                Some(t) => entry.add_param(VCardParameter::typ(t)),
                None => {
                    group += 1;
                    let name = format!("item{group}");
                    entry = entry.with_group(Some(name.clone()));
                    extra = Some(
                        VCardEntry::new(VCardProperty::Other("X-ABLabel".into()))
                            .with_group(Some(name))
                            .with_value(label.to_owned()),
                    );
                }
            },
            None if property == VCardProperty::Tel => entry.add_param(VCardParameter::typ(VCardType::Voice)),
            None => {}
        }
        if primary {
            entry.add_param(VCardParameter::pref(1u32));
        }
        (entry, extra)
    };
    let mut points = Vec::new();
    for (i, p) in c.emails.iter().enumerate() {
        points.push(point(
            VCardProperty::Email,
            p.address.as_str().to_owned(),
            p.label.as_deref(),
            i == 0,
        ));
    }
    for (i, p) in c.phones.iter().enumerate() {
        points.push(point(
            VCardProperty::Tel,
            format!("tel:{}", p.e164),
            p.label.as_deref(),
            i == 0,
        ));
    }
    for (entry, extra) in points {
        entries.push(entry);
        entries.extend(extra);
    }
    if let Some(AttributeValue::Text(company)) = c.attributes.get("company") {
        entries.push(VCardEntry::new(VCardProperty::Org).with_value(company.clone()));
    }
    if !c.tags.is_empty() {
        entries.push(
            VCardEntry::new(VCardProperty::Categories)
                .with_values(c.tags.iter().cloned().map(VCardValue::Text).collect()),
        );
    }
    VCard { entries }.write_to(out, VCardVersion::V4_0)
}

fn texts(entry: &VCardEntry) -> Vec<String> {
    entry
        .values
        .iter()
        .flat_map(|v| match v {
            VCardValue::Component(parts) => parts.clone(),
            other => other.as_text().map(str::to_owned).into_iter().collect(),
        })
        .map(utf8_read_as_latin1)
        .collect()
}

/// Text whose bytes were UTF-8 but were read one byte a character: a quoted-printable value
/// without a `CHARSET` (`FN;QUOTED-PRINTABLE:Ad=C3=A8le` is "AdÃ¨le" so read). Such text has
/// only characters up to U+00FF, and their bytes are valid UTF-8 with at least one character
/// beyond ASCII, which real Latin-1 text never is (`Ã¨` is no one's name); other text is
/// left as it is.
fn utf8_read_as_latin1(text: String) -> String {
    if text.is_ascii() || text.chars().any(|c| c as u32 > 0xFF) {
        return text;
    }
    let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
    String::from_utf8(bytes).unwrap_or(text)
}

fn param_texts(entry: &VCardEntry, name: &VCardParameterName) -> Vec<String> {
    entry
        .parameters(name)
        .filter_map(|v| match v {
            VCardParameterValue::Type(t) => Some(t.as_str().to_ascii_lowercase()),
            VCardParameterValue::Text(t) => Some(t.to_ascii_lowercase()),
            _ => None,
        })
        .flat_map(|t| t.split(',').map(|s| s.trim().to_owned()).collect::<Vec<_>>())
        .collect()
}

/// The label of a TEL or EMAIL from its types (the most telling one) or its Apple-style
/// `itemN.X-ABLabel`.
/// The custom label Android's contacts app writes on a phone or email of a vCard 2.1, as
/// `TEL;X-CUSTOM(WhatsApp):…` or, quoted-printable, `TEL;X-CUSTOM(CHARSET=UTF-8,ENCODING=
/// QUOTED-PRINTABLE,=57=68=61=74=73=41=70=70):…`. The parser reads the parenthesis as
/// parameters named `X-CUSTOM(CHARSET` (or `X-CUSTOM(WhatsApp)`): the label is the last part,
/// before the `)`.
fn android_custom_label(entry: &VCardEntry) -> Option<String> {
    const PREFIX: &str = "x-custom(";
    let mut parts = Vec::new();
    for p in &entry.params {
        let VCardParameterName::Other(name) = &p.name else {
            continue;
        };
        let Some(rest) = name
            .get(..PREFIX.len())
            .filter(|n| n.eq_ignore_ascii_case(PREFIX))
        else {
            continue;
        };
        match &p.value {
            VCardParameterValue::Text(text) => parts.push(text.clone()),
            _ => parts.push(name[rest.len()..].to_owned()),
        }
    }
    let quoted = parts
        .iter()
        .any(|p| p.eq_ignore_ascii_case("ENCODING=QUOTED-PRINTABLE"));
    let last = parts.last()?.trim().trim_end_matches(')').trim();
    let label = if quoted {
        decode_quoted_printable(last)?
    } else {
        last.to_owned()
    };
    (!label.trim().is_empty()).then(|| label.trim().to_owned())
}

/// `=57=68…` as the UTF-8 text it encodes (`None` when it is not valid UTF-8).
fn decode_quoted_printable(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn point_label(card: &VCard, entry: &VCardEntry) -> Option<String> {
    if let Some(group) = &entry.group {
        let custom = card.entries.iter().find(|e| {
            e.group.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(group))
                && matches!(&e.name, VCardProperty::Other(n) if n.eq_ignore_ascii_case("X-ABLABEL"))
        });
        if let Some(text) = custom.and_then(|e| texts(e).into_iter().next()) {
            // Apple's own labels are wrapped: `_$!<Mobile>!$_` (some writers drop the
            // underscores). One that names the kind of point (`$!<Email>!$`) says nothing.
            let text = text
                .trim()
                .trim_start_matches('_')
                .trim_end_matches('_')
                .trim_start_matches("$!<")
                .trim_end_matches(">!$")
                .trim()
                .to_lowercase();
            let kind = matches!(text.as_str(), "email" | "e-mail" | "phone" | "tel" | "telephone");
            if !text.is_empty() && !kind {
                return Some(text);
            }
        }
    }
    if let Some(custom) = android_custom_label(entry) {
        return Some(custom.to_lowercase());
    }
    let types = param_texts(entry, &VCardParameterName::Type);
    let legacy: Vec<String> = entry
        .params
        .iter()
        .filter_map(|p| match (&p.name, &p.value) {
            (VCardParameterName::Other(n), VCardParameterValue::Null) => Some(n.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let all: Vec<&str> = types.iter().chain(&legacy).map(String::as_str).collect();
    let order: [(&[&str], &str); 7] = [
        (&["fax"], "fax"),
        (&["pager"], "pager"),
        (&["cell", "mobile", "iphone"], "mobile"),
        (&["work"], "work"),
        (&["home"], "home"),
        (&["main"], "main"),
        (&["other"], "other"),
    ];
    order
        .iter()
        .find(|(names, _)| names.iter().any(|n| all.contains(n)))
        .map(|(_, label)| (*label).to_owned())
}

fn is_preferred(entry: &VCardEntry) -> bool {
    entry
        .parameters(&VCardParameterName::Pref)
        .any(|v| matches!(v, VCardParameterValue::Integer(1) | VCardParameterValue::Null))
        || param_texts(entry, &VCardParameterName::Type)
            .iter()
            .any(|t| t == "pref")
        || entry
            .params
            .iter()
            .any(|p| matches!(&p.name, VCardParameterName::Other(n) if n.eq_ignore_ascii_case("PREF")))
}

/// Properties that say nothing about the contact (versions, ids, revisions, Apple's and
/// Google's bookkeeping) or that [`candidate`] reads: not listed as left out.
const READ_OR_BOOKKEEPING: [&str; 16] = [
    "VERSION",
    "PRODID",
    "UID",
    "REV",
    "KIND",
    "FN",
    "N",
    "EMAIL",
    "TEL",
    "ORG",
    "CATEGORIES",
    "NICKNAME",
    "X-ABLABEL",
    "X-ABUID",
    "X-ABSHOWAS",
    "X-EVOLUTION-FILE-AS",
];

/// The properties of `card` that the import leaves out (`NOTE`, `ADR`, `BDAY`, `TITLE`,
/// `URL`, `PHOTO`...), each with a sample of its value, so that a preview lists them as it
/// lists a CSV's unmapped columns.
pub(crate) fn unread_properties(card: &VCard) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for entry in &card.entries {
        let name = entry.name.as_str().to_ascii_uppercase();
        let read = READ_OR_BOOKKEEPING.contains(&name.as_str())
            || (name == "X-ANDROID-CUSTOM" && texts(entry).join(";").contains("/nickname"));
        if read || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let sample = if entry.name == VCardProperty::Photo || entry.name == VCardProperty::Logo {
            "(an image)".to_owned()
        } else {
            let mut values = texts(entry);
            // Dates (`BDAY`, `ANNIVERSARY`), offsets (`TZ`) and numbers are no text, and are
            // left out all the same.
            values.extend(entry.values.iter().filter_map(value_sample));
            let text = values
                .into_iter()
                .filter(|t| !t.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            match text.char_indices().nth(60) {
                Some((i, _)) => format!("{}…", &text[..i]),
                None => text,
            }
        };
        if !sample.is_empty() {
            out.push((name, sample));
        }
    }
    out
}

/// A value that is no text, as a sample: a date as `1975-04-12` (`--04-12` without a year),
/// a time zone offset as `+02:00`, a number as written.
fn value_sample(value: &VCardValue) -> Option<String> {
    match value {
        VCardValue::PartialDateTime(d) => {
            let mut out = String::new();
            if d.year.is_some() || d.month.is_some() || d.day.is_some() {
                let part =
                    |v: Option<u16>, width: usize| v.map_or("-".repeat(width), |v| format!("{v:0width$}"));
                out = format!(
                    "{}-{}-{}",
                    part(d.year, 4),
                    part(d.month.map(u16::from), 2),
                    part(d.day.map(u16::from), 2)
                );
            }
            if let Some(hour) = d.tz_hour.filter(|_| d.year.is_none() && d.month.is_none()) {
                let sign = if d.tz_minus { '-' } else { '+' };
                out = format!("{sign}{hour:02}:{:02}", d.tz_minute.unwrap_or(0));
            }
            (!out.is_empty()).then_some(out)
        }
        VCardValue::Integer(n) => Some(n.to_string()),
        VCardValue::Float(n) => Some(n.to_string()),
        VCardValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Sets the text attribute `key` from the first non-empty of `values`, unless it is set.
fn text_attribute(c: &mut Candidate, key: &str, values: Vec<String>, property: &str) {
    if let Some(value) = values.into_iter().find(|t| !t.trim().is_empty())
        && !c.attributes.iter().any(|(k, _, _)| k == key)
    {
        c.attributes.push((
            key.into(),
            AttrIn::Typed(AttributeValue::Text(value.trim().to_owned())),
            property.into(),
        ));
    }
}

/// What a parsed card says about a contact.
pub(crate) fn candidate(card: &VCard) -> Candidate {
    let mut c = Candidate::default();
    let mut email_primary = false;
    let mut phone_primary = false;
    for entry in &card.entries {
        match entry.name {
            VCardProperty::Fn => {
                let text = texts(entry).join(" ");
                if !text.trim().is_empty() && c.name.is_none() {
                    c.name = Some(Val::new(text, "FN"));
                }
            }
            VCardProperty::N => {
                // family; given; additional; prefix; suffix
                let parts = texts(entry);
                for i in [1, 2, 0] {
                    if let Some(p) = parts.get(i).filter(|p| !p.trim().is_empty()) {
                        c.name_parts.push(Val::new(p.clone(), "N"));
                    }
                }
            }
            VCardProperty::Email | VCardProperty::Tel => {
                let Some(value) = texts(entry).into_iter().find(|t| !t.trim().is_empty()) else {
                    continue;
                };
                let is_email = entry.name == VCardProperty::Email;
                let taken = if is_email {
                    &mut email_primary
                } else {
                    &mut phone_primary
                };
                let primary = !*taken && is_preferred(entry);
                *taken |= primary;
                // vCard 4.0 writes phones as `tel:` URIs: the number as written is what follows.
                let original = value
                    .get(..4)
                    .filter(|scheme| !is_email && scheme.eq_ignore_ascii_case("tel:"))
                    .map(|_| value[4..].trim().to_owned());
                let point = PointVal {
                    value: Val::new(value, if is_email { "EMAIL" } else { "TEL" }),
                    original,
                    label: point_label(card, entry),
                    primary,
                };
                if is_email {
                    c.emails.push(point);
                } else {
                    c.phones.push(point);
                }
            }
            VCardProperty::Org => {
                // The organization name (its first component) is the `company` attribute, as
                // a CSV's Company column is, and names a card that has no FN or N.
                if let Some(org) = texts(entry).into_iter().find(|t| !t.trim().is_empty())
                    && !c.attributes.iter().any(|(k, _, _)| k == "company")
                {
                    c.attributes.push((
                        "company".into(),
                        AttrIn::Typed(AttributeValue::Text(org.trim().to_owned())),
                        "ORG".into(),
                    ));
                }
            }
            // Known-as names, as a CSV's Nickname and File As columns: they name a card
            // that has no FN or N.
            VCardProperty::Nickname => text_attribute(&mut c, "nickname", texts(entry), "NICKNAME"),
            VCardProperty::Other(ref name) if name.eq_ignore_ascii_case("X-EVOLUTION-FILE-AS") => {
                text_attribute(&mut c, "file_as", texts(entry), name)
            }
            // Android's own rows: `vnd.android.cursor.item/nickname;Nick;...`.
            VCardProperty::Other(ref name) if name.eq_ignore_ascii_case("X-ANDROID-CUSTOM") => {
                let mut parts = texts(entry);
                if parts.len() == 1 {
                    parts = parts[0].split(';').map(str::to_owned).collect();
                }
                if parts.first().is_some_and(|kind| kind.ends_with("/nickname")) {
                    text_attribute(&mut c, "nickname", parts.into_iter().skip(1).collect(), name);
                }
            }
            VCardProperty::Categories => {
                for t in texts(entry) {
                    for tag in crate::codec::rows::split_tags(&t) {
                        c.tags.push(Val::new(tag, "CATEGORIES"));
                    }
                }
            }
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_custom_labels_are_read_plain_or_quoted_printable() {
        let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana\r\nTEL;X-CUSTOM(CHARSET=UTF-8,ENCODING=QUOTED-PRINTABLE,=57=68=61=74=73=41=70=70):+49 151 11112222\r\nTEL;X-CUSTOM(Signal):+49 151 11113333\r\nEND:VCARD\r\n";
        let c = candidate(&VCard::parse(text).unwrap());
        let labels: Vec<Option<&str>> = c.phones.iter().map(|p| p.label.as_deref()).collect();
        assert_eq!(labels, [Some("whatsapp"), Some("signal")]);
    }

    #[test]
    fn legacy_types_and_apple_labels_become_labels() {
        let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ana\r\nTEL;CELL;PREF:+1 415 555 2671\r\nTEL;WORK;FAX:+1 415 555 2672\r\nitem1.EMAIL;type=INTERNET:a@b.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\nCATEGORIES:myContacts,VIP\r\nEND:VCARD\r\n";
        let card = VCard::parse(text).expect("card");
        let c = candidate(&card);
        assert_eq!(c.name.map(|v| v.text).as_deref(), Some("Ana"));
        assert_eq!(c.phones[0].label.as_deref(), Some("mobile"));
        assert!(c.phones[0].primary);
        assert_eq!(c.phones[1].label.as_deref(), Some("fax"));
        assert_eq!(c.emails[0].label.as_deref(), Some("other"));
        assert_eq!(
            c.tags.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(),
            ["VIP"]
        );
    }
}
