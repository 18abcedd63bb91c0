//! The text form of a list of labelled points in one CSV cell: `work:ana@x.com; home:ana@y.com`.

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
            let value = match text("callingCode").or(text("calling_code")) {
                Some(code) if !value.starts_with('+') => format!("{code}{value}"),
                _ => value.to_owned(),
            };
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
    fn twenty_json_arrays_are_read() {
        let points = parse_points(r#"[{"number":"612345678","callingCode":"+34"}]"#);
        assert_eq!(points[0].value, "+34612345678");
        assert_eq!(parse_points(r#"["a@b.com"]"#)[0].value, "a@b.com");
    }
}
