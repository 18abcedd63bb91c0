//! The text form of a list of labelled points in one CSV cell: `work:ana@x.com; home:ana@y.com`.

use crate::phone::PhoneRegion;

/// One point read from a cell: its value and optional label, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawPoint {
    pub value: String,
    pub label: Option<String>,
}

/// Writes points as `label:value; label:value` (a point without a label as its bare value)
/// into `out`, which should be empty.
pub(crate) fn format_points<'a>(
    out: &mut String,
    points: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) {
    for (value, label) in points {
        if !out.is_empty() {
            out.push_str("; ");
        }
        if let Some(label) = label {
            out.extend(label.chars().map(|c| if c == ':' || c == ';' { ' ' } else { c }));
            out.push(':');
        }
        out.push_str(value);
    }
}

/// Reads a cell written by [`format_points`], or a JSON array of strings or of objects with a
/// `value`/`email`/`number` and an optional `label` (what Twenty writes), or a plain list split
/// by `;`, `,` or ` ::: `.
pub(crate) fn parse_points(cell: &str) -> Vec<RawPoint> {
    let cell = cell.trim();
    if cell.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(cell)
    {
        return items.iter().filter_map(json_point).collect();
    }
    cell.split([';', ','])
        .flat_map(|part| part.split(":::"))
        .filter_map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return None;
            }
            // `label:value`, unless the part before the colon is what makes it a value
            // (`tel:+1...`, `mailto:`) or there is no label at all.
            match item.split_once(':') {
                Some((label, value))
                    if !label.trim().is_empty()
                        && !value.trim().is_empty()
                        && !["tel", "mailto", "sip"]
                            .contains(&label.trim().to_ascii_lowercase().as_str()) =>
                {
                    Some(RawPoint {
                        value: value.trim().to_owned(),
                        label: Some(label.trim().to_owned()),
                    })
                }
                _ => Some(RawPoint {
                    value: item.to_owned(),
                    label: None,
                }),
            }
        })
        .collect()
}

/// A national number written with the country it belongs to in a cell of its own (Twenty's
/// `Phones / Primary Phone Country Code` "FR" or `Calling Code` "+33"), as an international
/// number: `+33612345678`. `None` when the number is international already or the country is
/// neither a region nor a calling code. A trunk prefix (`0612345678`) is left for the phone
/// parser, which drops it.
pub(crate) fn in_country(number: &str, country: &str) -> Option<String> {
    let number = number.trim();
    if number.starts_with('+') || number.starts_with("00") || number.is_empty() {
        return None;
    }
    let country = country.trim();
    let digits = country.strip_prefix('+').unwrap_or(country);
    let code = if !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.trim_start_matches('0').parse::<u32>().ok()?
    } else if country.len() == 2 {
        PhoneRegion::new(country).ok()?.calling_code()?
    } else {
        return None;
    };
    Some(format!("+{code}{number}"))
}

fn json_point(item: &serde_json::Value) -> Option<RawPoint> {
    match item {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(RawPoint {
            value: s.trim().to_owned(),
            label: None,
        }),
        serde_json::Value::Object(map) => {
            let text = |k: &str| {
                map.get(k)
                    .and_then(|v| v.as_str())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let value = text("value").or(text("email")).or(text("number"))?;
            // Twenty: `callingCode` "+33"; its older exports put "+49" in `countryCode`,
            // newer ones put the region "FR" there.
            let country = text("callingCode")
                .or(text("calling_code"))
                .or(text("countryCode"))
                .or(text("country_code"));
            let value = country
                .and_then(|country| in_country(value, country))
                .unwrap_or_else(|| value.to_owned());
            Some(RawPoint {
                value,
                label: text("label").map(str::to_owned),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_lists_round_trip() {
        let mut text = String::new();
        format_points(
            &mut text,
            [
                ("ana@x.com", Some("work")),
                ("ana@y.com", None),
                ("+15551234567", Some("a:b")),
            ],
        );
        assert_eq!(text, "work:ana@x.com; ana@y.com; a b:+15551234567");
        let back = parse_points(&text);
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].label.as_deref(), Some("work"));
        assert_eq!(
            back[1],
            RawPoint {
                value: "ana@y.com".into(),
                label: None
            }
        );
        assert_eq!(back[2].value, "+15551234567");
    }

    #[test]
    fn a_national_number_takes_the_country_of_its_own_cell() {
        assert_eq!(in_country("612345678", "FR").as_deref(), Some("+33612345678"));
        assert_eq!(in_country("612345678", "+33").as_deref(), Some("+33612345678"));
        assert_eq!(in_country(" 5512345678 ", "mx").as_deref(), Some("+525512345678"));
        assert_eq!(in_country("+33612345678", "DE"), None);
        assert_eq!(in_country("0049301234567", "DE"), None);
        assert_eq!(in_country("612345678", "France"), None);
        assert_eq!(in_country("612345678", "XX"), None);
    }

    #[test]
    fn twenty_json_arrays_take_their_country_or_calling_code() {
        let old = parse_points(r#"[{"number":"3012345678","countryCode":"+49"}]"#);
        assert_eq!(old[0].value, "+493012345678");
        let new = parse_points(r#"[{"number":"712345678","countryCode":"FR"}]"#);
        assert_eq!(new[0].value, "+33712345678");
        let both = parse_points(r#"[{"number":"712345678","callingCode":"+33","countryCode":"FR"}]"#);
        assert_eq!(both[0].value, "+33712345678");
    }

    #[test]
    fn twenty_json_arrays_are_read() {
        let points = parse_points(r#"[{"number":"612345678","callingCode":"+34"}]"#);
        assert_eq!(points[0].value, "+34612345678");
        assert_eq!(parse_points(r#"["a@b.com"]"#)[0].value, "a@b.com");
    }
}
