//! How results are printed: tables and lines for people, JSON for scripts.

use std::io::Write;

use contactkit::{Contact, ContactJson};

use crate::exit::Failure;

/// Writes one JSON value and a newline to stdout.
pub fn json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::bad_input(e.to_string()))?;
    line(&text)
}

/// Writes one line to stdout, ending quietly when the reader has gone (`| head`).
pub fn line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}

/// The JSON shape of a contact: that of the JSON export.
pub fn contact_json(contact: &Contact) -> ContactJson {
    ContactJson::from(contact)
}

/// A contact as `show` prints it for people.
pub fn contact_card(c: &Contact) -> Result<(), Failure> {
    line(&format!("id            {}", c.id))?;
    line(&format!("name          {}", c.name))?;
    for (i, e) in c.emails.iter().enumerate() {
        let role = if i == 0 { "email" } else { "  also" };
        let label = e.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
        line(&format!("{role:<13} {}{label}", e.address))?;
    }
    for (i, p) in c.phones.iter().enumerate() {
        let role = if i == 0 { "phone" } else { "  also" };
        let label = p.label.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
        line(&format!("{role:<13} {}{label}", p.e164))?;
    }
    line(&format!("tags          {}", c.tags.join(", ")))?;
    line(&format!("source        {}", c.source))?;
    line(&format!("verification  {}", c.verification))?;
    for (key, value) in &c.attributes {
        let value = serde_json::to_string(value).unwrap_or_default();
        line(&format!("attr          {key} = {value}"))?;
    }
    line(&format!("created       {}", c.created_at.to_rfc3339()))?;
    line(&format!("updated       {}", c.updated_at.to_rfc3339()))?;
    let active = c
        .last_activity_at
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "never".to_owned());
    line(&format!("last activity {active}"))
}
