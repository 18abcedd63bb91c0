//! `tags` (list, rename, merge, delete) and `tag add|remove`.

use contactkit::{Actor, Book};
use serde_json::json;

use crate::args::{TagAction, TagArgs, TagsAction, TagsArgs};
use crate::exit::Failure;
use crate::output;

pub fn tags(book: &Book, actor: &Actor, args: TagsArgs) -> Result<(), Failure> {
    match args.action {
        None => {
            let tags = book.tags()?;
            if args.json {
                return output::json(&tags);
            }
            let width = tags
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(0)
                .max(3);
            output::line(&format!("{:<width$}  contacts", "tag"))?;
            for tag in tags {
                output::line(&format!("{:<width$}  {}", tag.name, tag.contacts))?;
            }
            Ok(())
        }
        Some(TagsAction::Rename { old, new }) => {
            book.rename_tag(actor, &old, &new)?;
            report(args.json, "renamed", 1)
        }
        Some(TagsAction::Merge { from, into }) => {
            let n = book.merge_tags(actor, &from, &into)?;
            report(args.json, "merged", n)
        }
        Some(TagsAction::Delete { tag }) => {
            let n = book.delete_tag(actor, &tag)?;
            report(args.json, "deleted", n)
        }
    }
}

pub fn tag(book: &Book, actor: &Actor, args: TagArgs) -> Result<(), Failure> {
    let (adding, selection) = match args.action {
        TagAction::Add(selection) => (true, selection),
        TagAction::Remove(selection) => (false, selection),
    };
    let mut changed = 0;
    for id in &selection.ids {
        let before = book.get(*id)?;
        let after = if adding {
            book.add_tags(actor, *id, &selection.tags)?
        } else {
            book.remove_tags(actor, *id, &selection.tags)?
        };
        if after.tags != before.tags {
            changed += 1;
        }
    }
    report(selection.json, "changed", changed)
}

fn report(as_json: bool, what: &str, n: u64) -> Result<(), Failure> {
    if as_json {
        output::json(&json!({ what: n }))
    } else {
        output::line(&format!("{what} {n}"))
    }
}
