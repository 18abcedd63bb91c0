//! `add`, `show`, `edit`, `delete`.

use contactkit::{Actor, AttributeValue, Book, ContactPatch, NewContact, PointInput};
use serde_json::json;

use crate::args::{AddArgs, BackupArgs, DeleteArgs, EditArgs, GdprExportArgs, ShowArgs};
use crate::exit::Failure;
use crate::output;

/// Splits `KEY=VALUE` and reads the value: JSON for numbers, booleans, dates, times and
/// quoted strings, plain text otherwise.
pub fn attribute(arg: &str) -> Result<(String, AttributeValue), Failure> {
    let (key, value) = arg
        .split_once('=')
        .ok_or_else(|| Failure::bad_input(format!("--attr {arg:?}: expected KEY=VALUE")))?;
    let parsed = serde_json::from_str::<AttributeValue>(value)
        .or_else(|_| serde_json::from_value::<AttributeValue>(serde_json::Value::String(value.to_owned())))
        .map_err(|e| Failure::bad_input(format!("--attr {arg:?}: {e}")))?;
    Ok((key.to_owned(), parsed))
}

/// Splits an optional `LABEL=` prefix off an email or phone (a label has no digits, `@` or `+`).
pub fn point(arg: &str) -> PointInput {
    match arg.split_once('=') {
        Some((label, value))
            if !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '_' || c == '-') =>
        {
            PointInput::labelled(value, label)
        }
        _ => PointInput::new(arg),
    }
}

pub fn add(book: &Book, actor: &Actor, args: AddArgs) -> Result<(), Failure> {
    let mut new = NewContact::new(args.name);
    new.email = args.email;
    new.phone = args.phone;
    new.additional_emails = args.additional_emails.iter().map(|e| point(e)).collect();
    new.additional_phones = args.additional_phones.iter().map(|p| point(p)).collect();
    new.tags = args.tags;
    new.source = args.source.as_deref().map(str::parse).transpose()?;
    new.verification = args.verification.as_deref().map(str::parse).transpose()?;
    for arg in &args.attrs {
        let (key, value) = attribute(arg)?;
        new.attributes.insert(key, value);
    }
    let contact = book.create(actor, new)?;
    if args.json {
        output::json(&output::contact_json(&contact))
    } else {
        output::line(&contact.id.to_string())
    }
}

pub fn show(book: &Book, args: ShowArgs) -> Result<(), Failure> {
    let contact = book.get(args.id)?;
    if args.json {
        output::json(&output::contact_json(&contact))
    } else {
        output::contact_card(&contact)
    }
}

pub fn edit(book: &Book, actor: &Actor, args: EditArgs) -> Result<(), Failure> {
    let mut patch = ContactPatch::new();
    patch.name = args.name;
    patch.email = if args.clear_email {
        Some(None)
    } else {
        args.email.map(Some)
    };
    patch.phone = if args.clear_phone {
        Some(None)
    } else {
        args.phone.map(Some)
    };
    patch.source = args.source.as_deref().map(str::parse).transpose()?;
    patch.verification = args.verification.as_deref().map(str::parse).transpose()?;
    for arg in &args.attrs {
        let (key, value) = attribute(arg)?;
        patch.set_attributes.insert(key, value);
    }
    patch.unset_attributes = args.unset_attrs;
    let contact = book.update(actor, args.id, patch)?;
    if args.json {
        output::json(&output::contact_json(&contact))
    } else {
        output::contact_card(&contact)
    }
}

pub fn delete(book: &Book, actor_id: &str, args: DeleteArgs) -> Result<(), Failure> {
    let actor = Actor::member(actor_id, args.role.into());
    // Check every id first, so a typo in the list deletes nothing.
    for id in &args.ids {
        book.get(*id)?;
    }
    let mut deleted = 0;
    for id in &args.ids {
        book.delete(&actor, *id)?;
        deleted += 1;
    }
    if args.json {
        output::json(&json!({ "deleted": deleted }))
    } else {
        output::line(&format!("deleted {deleted}"))
    }
}

pub fn gdpr_export(book: &Book, actor: &Actor, args: GdprExportArgs) -> Result<(), Failure> {
    let export = book.gdpr_export(actor, args.id)?;
    let text = serde_json::to_string_pretty(&export).map_err(|e| Failure::bad_input(e.to_string()))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .map_err(|e| Failure::bad_input(format!("--output {}: {e}", path.display())))?;
            eprintln!("wrote the data of contact {} to {}", args.id, path.display());
            Ok(())
        }
        None => output::line(&text),
    }
}

pub fn backup(book: &Book, args: BackupArgs) -> Result<(), Failure> {
    book.backup(&args.file)?;
    output::line(&format!("backed up to {}", args.file.display()))
}
