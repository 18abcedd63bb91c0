//! `list` and `count`.

use contactkit::{Book, ContactJson};
use serde::Serialize;
use serde_json::json;

use crate::args::{CountArgs, ListArgs};
use crate::exit::Failure;
use crate::output;

/// The `--json` shape of `list`: a contract scripts rely on.
#[derive(Serialize)]
struct ListJson {
    total: u64,
    next_cursor: Option<String>,
    contacts: Vec<ContactJson>,
}

pub fn list(book: &Book, args: ListArgs) -> Result<(), Failure> {
    let query = args.filters.to_query()?;
    let page = book.query(&query)?;
    if args.json {
        return output::json(&ListJson {
            total: page.total,
            next_cursor: page.next_cursor,
            contacts: page.contacts.iter().map(output::contact_json).collect(),
        });
    }
    let rows: Vec<[String; 8]> = page
        .contacts
        .iter()
        .map(|c| {
            [
                c.id.to_string(),
                c.name.clone(),
                c.email().unwrap_or("").to_owned(),
                c.phone().unwrap_or("").to_owned(),
                c.tags.join(", "),
                c.source.to_string(),
                c.verification.to_string(),
                c.last_activity_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    let header = [
        "id",
        "name",
        "email",
        "phone",
        "tags",
        "source",
        "verification",
        "last activity",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count()).min(40);
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let c: String = c.chars().take(*w).collect();
                format!("{c:<w$}")
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    output::line(&line(header.to_vec()))?;
    for row in &rows {
        output::line(&line(row.iter().map(String::as_str).collect()))?;
    }
    let label = if page.total == 1 { "contact" } else { "contacts" };
    output::line(&format!("\n{} {label}", page.total))?;
    if let Some(cursor) = page.next_cursor {
        output::line(&format!("next page: --cursor {cursor}"))?;
    }
    Ok(())
}

pub fn count(book: &Book, args: CountArgs) -> Result<(), Failure> {
    let total = book.count(&args.filters.to_query()?)?;
    if args.json {
        output::json(&json!({ "total": total }))
    } else {
        output::line(&total.to_string())
    }
}
