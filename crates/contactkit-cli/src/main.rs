//! `contactkit`: the command line over a contact book file.
//!
//! Every command is a thin shell over one core call: arguments become core values, results
//! become a table (for people) or JSON (`--json`, for scripts), and errors become a message
//! on stderr and a distinct exit code ([`exit`]).

mod args;
mod contacts;
mod exit;
mod feed;
mod filters;
mod list;
mod output;
mod progress;
mod sync;
mod tags;
mod transfer;

use std::process::ExitCode;

use clap::Parser;
use contactkit::{Book, BookOptions, PhoneRegion};

use crate::args::{Cli, Command};
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let given_region = cli.default_region.as_deref().map(PhoneRegion::new).transpose()?;
    let options = BookOptions {
        default_region: given_region.unwrap_or_default(),
        ..BookOptions::default()
    };
    let book = Book::open(&cli.db, options)?;
    let actor = cli.actor();
    match cli.command {
        Command::Add(add) => contacts::add(&book, &actor, add),
        Command::Show(show) => contacts::show(&book, show),
        Command::Edit(edit) => contacts::edit(&book, &actor, edit),
        Command::Delete(delete) => contacts::delete(&book, &cli.actor_id, delete),
        Command::Tags(tags) => tags::tags(&book, &actor, tags),
        Command::Tag(tag) => tags::tag(&book, &actor, tag),
        Command::List(list) => list::list(&book, list),
        Command::Count(count) => list::count(&book, count),
        Command::Import(import) => transfer::import(&book, &actor, import, given_region),
        Command::Export(export) => transfer::export(&book, &actor, export),
        Command::GdprExport(gdpr) => contacts::gdpr_export(&book, &actor, gdpr),
        Command::Backup(backup) => contacts::backup(&book, backup),
        Command::Changes(changes) => feed::changes(&book, changes),
        Command::Sync(args) => sync::sync(book, args),
    }
}
