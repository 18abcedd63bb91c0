//! The command line's grammar. Names and `--json` shapes are a contract people script
//! against: keep them. Every option that takes a value accepts one that starts with '-'
//! (`--sort -created` and `--sort=-created` both work).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use contactkit::{Actor, ContactId, Role};

use crate::filters::FilterArgs;

/// Manage a contactkit book: contacts, tags and the change feed.
#[derive(Debug, Parser)]
#[command(name = "contactkit", version, about, max_term_width = 100)]
pub struct Cli {
    /// The book file (created on first use).
    #[arg(
        long,
        global = true,
        default_value = "contacts.db",
        value_name = "PATH",
        allow_hyphen_values = true
    )]
    pub db: PathBuf,
    /// The region of phone numbers written without a country code (default US; an import
    /// given none guesses it from the file's header language, else US).
    #[arg(long, global = true, value_name = "CC")]
    pub default_region: Option<String>,
    /// Who is acting, as recorded in the change feed.
    #[arg(
        long = "actor",
        global = true,
        default_value = "cli",
        value_name = "ID",
        allow_hyphen_values = true
    )]
    pub actor_id: String,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The actor of commands that do not name a role: an administrator at the console.
    pub fn actor(&self) -> Actor {
        Actor::member(self.actor_id.clone(), Role::Admin)
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a contact and print its id.
    Add(AddArgs),
    /// Show one contact.
    Show(ShowArgs),
    /// Change fields of a contact (only those given).
    Edit(EditArgs),
    /// Delete contacts for good (owners and admins only).
    Delete(DeleteArgs),
    /// List tags with their counts, or rename, merge or delete one.
    Tags(TagsArgs),
    /// Add or remove tags on contacts.
    Tag(TagArgs),
    /// List contacts: filter, search, sort and page.
    List(ListArgs),
    /// Count the contacts a filter matches.
    Count(CountArgs),
    /// Import contacts from a CSV, JSON, NDJSON or vCard file (preview with --dry-run).
    Import(ImportArgs),
    /// Export contacts as CSV, JSON, NDJSON or vCard.
    Export(ExportArgs),
    /// Export everything the book holds on one contact, as one JSON document.
    GdprExport(GdprExportArgs),
    /// Copy the whole book to a new file while it is in use.
    Backup(BackupArgs),
    /// Print the change feed as NDJSON (one event a line).
    Changes(ChangesArgs),
    /// Sync with Chatwoot: now (the default), continuously (--watch), or configure / status.
    Sync(SyncArgs),
}

/// `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub action: Option<SyncAction>,
    /// Keep syncing: push changes as they land, pull every --interval seconds.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between full pulls in --watch mode.
    #[arg(long, default_value_t = 60)]
    pub interval: u64,
    /// With --watch: receive Chatwoot webhooks on this address (e.g. 127.0.0.1:8787).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// With --watch: stop after this many seconds (default: run until interrupted).
    #[arg(long, value_name = "SECONDS")]
    pub exit_after: Option<u64>,
    /// Read the API token from this file (default: the CHATWOOT_API_TOKEN environment variable).
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub token_file: Option<PathBuf>,
    /// Print the summary (or the status) as JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `sync configure|status`.
#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Store the Chatwoot URL and account in the book (never the token).
    Configure {
        /// The Chatwoot base URL.
        #[arg(long, allow_hyphen_values = true)]
        url: String,
        /// The account id.
        #[arg(long)]
        account: u64,
        /// The environment variable that holds the webhook secret.
        #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
        webhook_secret_env: Option<String>,
    },
    /// Links, pending changes, the last sync, conflicts and refusals.
    Status,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Print `{"total": N, "next_cursor": "…" or null, "contacts": [...]}`.
    #[arg(long)]
    pub json: bool,
}

/// `count`.
#[derive(Debug, Args)]
pub struct CountArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Print `{"total": N}`.
    #[arg(long)]
    pub json: bool,
}

/// What to do with a row whose email or phone belongs to a contact already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnDuplicateArg {
    /// Leave the existing contact alone and report the row.
    Skip,
    /// Update the existing contact (fill and overwrite fields, unite tags).
    Update,
    /// Stop the import; nothing is written.
    Abort,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file (CSV, JSON array, NDJSON or vCard; the format is detected).
    pub file: PathBuf,
    /// Map a column onto a field, overriding the suggestion (repeatable): `Notes=attribute:notes`,
    /// `Phone 2=additional_phone:work`, `Fax=ignore`.
    #[arg(long = "map", value_name = "COLUMN=FIELD", allow_hyphen_values = true)]
    pub maps: Vec<String>,
    /// Preview: print the mapping, the counts and every row error; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// What to do with duplicates.
    #[arg(long, value_enum, default_value = "skip")]
    pub on_duplicate: OnDuplicateArg,
    /// The file's encoding (a WHATWG label such as windows-1252); detected when left out.
    #[arg(long, allow_hyphen_values = true)]
    pub encoding: Option<String>,
    /// The CSV delimiter (`,` `;` `|` or `tab`); sniffed when left out.
    #[arg(long, allow_hyphen_values = true)]
    pub delimiter: Option<String>,
    /// Write the rejected and skipped rows, with a reason column, to this CSV file.
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub errors: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// An export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// CSV, safe to open in spreadsheets.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object a line.
    Ndjson,
    /// vCard 4.0.
    Vcard,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FormatArg,
    /// The file to write (default: stdout).
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub output: Option<PathBuf>,
    /// Start a CSV file with a UTF-8 byte order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Export these contacts (default: every contact the filters match).
    #[arg(long, num_args = 1.., conflicts_with = "search")]
    pub ids: Vec<ContactId>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `gdpr-export`.
#[derive(Debug, Args)]
pub struct GdprExportArgs {
    /// The contact's id.
    pub id: ContactId,
    /// The file to write (default: stdout).
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub output: Option<PathBuf>,
}

/// `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file (it must not exist).
    pub file: PathBuf,
}

/// `add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The name (required).
    #[arg(long, allow_hyphen_values = true)]
    pub name: String,
    /// The primary email.
    #[arg(long, allow_hyphen_values = true)]
    pub email: Option<String>,
    /// The primary phone, in any notation.
    #[arg(long, allow_hyphen_values = true)]
    pub phone: Option<String>,
    /// Another email, as ADDRESS or LABEL=ADDRESS (repeatable).
    #[arg(
        long = "additional-email",
        value_name = "[LABEL=]EMAIL",
        allow_hyphen_values = true
    )]
    pub additional_emails: Vec<String>,
    /// Another phone, as NUMBER or LABEL=NUMBER (repeatable).
    #[arg(
        long = "additional-phone",
        value_name = "[LABEL=]PHONE",
        allow_hyphen_values = true
    )]
    pub additional_phones: Vec<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "T", allow_hyphen_values = true)]
    pub tags: Vec<String>,
    /// The source channel: whatsapp, telegram, web_widget, api, import, referral (default).
    #[arg(long, allow_hyphen_values = true)]
    pub source: Option<String>,
    /// The verification status: unverified, pending, verified, failed.
    #[arg(long, allow_hyphen_values = true)]
    pub verification: Option<String>,
    /// A custom attribute (repeatable). VALUE is read as JSON when it is a number, true,
    /// false, a date (2024-05-01), a time (RFC 3339) or a quoted string; otherwise as text.
    #[arg(long = "attr", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    pub attrs: Vec<String>,
    /// Print the new contact as JSON instead of its id.
    #[arg(long)]
    pub json: bool,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The contact's id.
    pub id: ContactId,
    /// Print the contact as JSON (the shape of the JSON export).
    #[arg(long)]
    pub json: bool,
}

/// `edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The contact's id.
    pub id: ContactId,
    /// A new name.
    #[arg(long, allow_hyphen_values = true)]
    pub name: Option<String>,
    /// A new primary email.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "clear_email")]
    pub email: Option<String>,
    /// A new primary phone.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "clear_phone")]
    pub phone: Option<String>,
    /// Remove the primary email (the next one becomes primary).
    #[arg(long)]
    pub clear_email: bool,
    /// Remove the primary phone (the next one becomes primary).
    #[arg(long)]
    pub clear_phone: bool,
    /// A new source channel.
    #[arg(long, allow_hyphen_values = true)]
    pub source: Option<String>,
    /// A new verification status.
    #[arg(long, allow_hyphen_values = true)]
    pub verification: Option<String>,
    /// Set a custom attribute (repeatable; VALUE as for `add`).
    #[arg(long = "attr", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    pub attrs: Vec<String>,
    /// Remove a custom attribute (repeatable).
    #[arg(long = "unset-attr", value_name = "KEY", allow_hyphen_values = true)]
    pub unset_attrs: Vec<String>,
    /// Print the edited contact as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A role a person at the console can act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// The owner of the workspace.
    Owner,
    /// An administrator.
    Admin,
    /// An agent (may not delete).
    Agent,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Owner => Role::Owner,
            RoleArg::Admin => Role::Admin,
            RoleArg::Agent => Role::Agent,
        }
    }
}

/// `delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The contacts' ids.
    #[arg(required = true)]
    pub ids: Vec<ContactId>,
    /// The role you act as: only owners and admins may delete.
    #[arg(long = "as", value_enum)]
    pub role: RoleArg,
    /// Print `{"deleted": N}`.
    #[arg(long)]
    pub json: bool,
}

/// `tags`.
#[derive(Debug, Args)]
pub struct TagsArgs {
    #[command(subcommand)]
    pub action: Option<TagsAction>,
    /// Print JSON: the list as `[{"name": …, "contacts": N}, …]`, an action as `{"renamed"|"merged"|"deleted": N}`.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `tags rename|merge|delete`.
#[derive(Debug, Subcommand)]
pub enum TagsAction {
    /// Rename a tag everywhere.
    Rename {
        /// The tag's name now.
        old: String,
        /// Its new name.
        new: String,
    },
    /// Merge one tag into another.
    Merge {
        /// The tag that disappears.
        from: String,
        /// The tag its contacts get.
        into: String,
    },
    /// Delete a tag from every contact.
    Delete {
        /// The tag.
        tag: String,
    },
}

/// `tag add|remove`.
#[derive(Debug, Args)]
pub struct TagArgs {
    #[command(subcommand)]
    pub action: TagAction,
}

/// `tag add|remove T... --ids ID...`. A tag that starts with '-' goes after `--`.
#[derive(Debug, Subcommand)]
pub enum TagAction {
    /// Add tags to contacts.
    Add(TagSelection),
    /// Remove tags from contacts.
    Remove(TagSelection),
}

/// Tags and the contacts they go on or come off: `--ids`, or every contact the filters match.
#[derive(Debug, Args)]
pub struct TagSelection {
    /// The tags.
    #[arg(required = true)]
    pub tags: Vec<String>,
    /// The contacts' ids.
    #[arg(long, num_args = 1..)]
    pub ids: Vec<ContactId>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Print `{"changed": N}`.
    #[arg(long)]
    pub json: bool,
}

/// `changes`.
#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Print the events after this sequence number (default: from the start).
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// Stop after this many events (also with --follow).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Keep printing events as they are committed, until interrupted.
    #[arg(long)]
    pub follow: bool,
    /// Only meaningful changes (leave out those that only moved last activity).
    #[arg(long)]
    pub meaningful: bool,
}
