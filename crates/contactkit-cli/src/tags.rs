//! `tags` (list, rename, merge, delete) and `tag add|remove`.

use contactkit::{Actor, Book, Selection};
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
    let chosen = if !selection.ids.is_empty() {
        for id in &selection.ids {
            book.get(*id)?;
        }
        Selection::Ids(selection.ids.clone())
    } else if selection.filters.selects() {
        Selection::Query(selection.filters.to_query()?)
    } else {
        return Err(Failure::usage(
            "tag add/remove needs --ids or a filter (--tag, --search, ...)",
        ));
    };
    let outcome = if adding {
        book.bulk_add_tags(actor, &chosen, &selection.tags)?
    } else {
        book.bulk_remove_tags(actor, &chosen, &selection.tags)?
    };
    report(selection.json, "changed", outcome.changed)
}

fn report(as_json: bool, what: &str, n: u64) -> Result<(), Failure> {
    if as_json {
        output::json(&json!({ what: n }))
    } else {
        output::line(&format!("{what} {n}"))
    }
}
