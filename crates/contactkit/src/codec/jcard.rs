//! jCard (RFC 7095), the JSON form of a vCard: `["vcard", [[name, params, type, value...],
//! ...]]`. Each jCard is written back as the vCard text it stands for and read by the vCard
//! reader, so both forms import alike.

use serde_json::{Map, Value};

/// Whether `value` is a jCard.
pub(crate) fn is_jcard(value: &Value) -> bool {
    match value.as_array().map(Vec::as_slice) {
        Some([Value::String(tag), Value::Array(_)]) => tag.eq_ignore_ascii_case("vcard"),
        _ => false,
    }
}

/// The vCard text of a jCard (`None` when `value` is not one).
pub(crate) fn to_vcard(value: &Value) -> Option<String> {
    let [_, Value::Array(properties)] = value.as_array()?.as_slice() else {
        return None;
    };
    let mut out = String::from("BEGIN:VCARD\r\n");
    for property in properties {
        let Some([Value::String(name), params, Value::String(kind), values @ ..]) =
            property.as_array().map(Vec::as_slice)
        else {
            continue;
        };
        if name.eq_ignore_ascii_case("version") {
            out.push_str("VERSION:4.0\r\n");
            continue;
        }
        out.push_str(&name.to_ascii_uppercase());
        if let Value::Object(params) = params {
            write_params(params, &mut out);
        }
        out.push(':');
        // A URI is written as it is; text escapes its separators.
        let texts: Vec<String> = if kind.eq_ignore_ascii_case("uri") {
            values.iter().map(scalar).collect()
        } else {
            values.iter().map(value_text).collect()
        };
        out.push_str(&texts.join(","));
        out.push_str("\r\n");
    }
    out.push_str("END:VCARD\r\n");
    Some(out)
}

fn write_params(params: &Map<String, Value>, out: &mut String) {
    for (key, value) in params {
        let values: Vec<String> = match value {
            Value::Array(items) => items.iter().map(scalar).collect(),
            other => vec![scalar(other)],
        };
        out.push(';');
        out.push_str(&key.to_ascii_uppercase());
        out.push('=');
        let joined = values.join(",");
        if joined.contains([':', ';']) {
            out.push('"');
            out.push_str(&joined.replace('"', "'"));
            out.push('"');
        } else {
            out.push_str(&joined);
        }
    }
}

/// One value: a structured one (an array) has its components separated by `;` and the
/// values of a component by `,`.
fn value_text(value: &Value) -> String {
    match value {
        Value::Array(components) => components
            .iter()
            .map(|c| match c {
                Value::Array(items) => items
                    .iter()
                    .map(|i| escape(&scalar(i)))
                    .collect::<Vec<_>>()
                    .join(","),
                other => escape(&scalar(other)),
            })
            .collect::<Vec<_>>()
            .join(";"),
        other => escape(&scalar(other)),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jcard_is_the_vcard_it_stands_for() {
        let jcard: Value = serde_json::from_str(
            r#"["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Simon, Jr."],
                ["n", {}, "text", ["Perreault", "Simon", "", "", ["ing. jr", "M.Sc."]]],
                ["tel", {"type": ["work", "voice"], "pref": "1"}, "uri", "tel:+1-418-656-9254;ext=102"]]]"#,
        )
        .unwrap();
        assert!(is_jcard(&jcard));
        assert_eq!(
            to_vcard(&jcard).unwrap(),
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simon\\, Jr.\r\nN:Perreault;Simon;;;ing. jr,M.Sc.\r\n\
             TEL;PREF=1;TYPE=work,voice:tel:+1-418-656-9254;ext=102\r\nEND:VCARD\r\n"
        );
        assert!(!is_jcard(&serde_json::json!({"name": "Ana"})));
    }
}
