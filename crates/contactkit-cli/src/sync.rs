//! `sync`, `sync --watch`, `sync configure`, `sync status`.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use contactkit::chatwoot::{ApiToken, ChatwootClient, ChatwootConfig};
use contactkit::sync::{SyncSettings, WebhookSecret};
use contactkit::{Book, Error, SyncReport};
use serde_json::json;

use crate::args::{SyncAction, SyncArgs};
use crate::exit::Failure;
use crate::output;
use crate::progress::Bar;

/// The environment variable the API token is read from.
const TOKEN_ENV: &str = "CHATWOOT_API_TOKEN";

fn token(args: &SyncArgs) -> Result<ApiToken, Failure> {
    let text = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::bad_input(format!("--token-file {}: {e}", path.display())))?,
        None => std::env::var(TOKEN_ENV)
            .map_err(|_| Failure::bad_input(format!("no API token: set {TOKEN_ENV} or pass --token-file")))?,
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::bad_input("the API token is empty"));
    }
    Ok(ApiToken::new(text))
}

fn client(book: &Book, args: &SyncArgs) -> Result<(ChatwootClient, SyncSettings), Failure> {
    let settings = book.sync_settings()?.ok_or_else(|| {
        Failure::usage(
            "the book has no sync settings: run `contactkit sync configure --url URL --account ID` first",
        )
    })?;
    let config = ChatwootConfig::new(&settings.base_url, settings.account_id, token(args)?);
    Ok((ChatwootClient::new(config), settings))
}

fn summary(report: &SyncReport, as_json: bool) -> Result<(), Failure> {
    if as_json {
        return output::json(report);
    }
    output::line(&format!(
        "here: {} created, {} updated, {} deleted; Chatwoot: {} created, {} updated, {} deleted; {} linked, {} conflicts, {} refused",
        report.created_local,
        report.updated_local,
        report.deleted_local,
        report.created_remote,
        report.updated_remote,
        report.deleted_remote,
        report.linked,
        report.conflicts,
        report.refused.len()
    ))?;
    for (id, why) in &report.refused {
        output::line(&format!("  refused {id}: {why}"))?;
    }
    Ok(())
}

pub fn sync(book: Book, args: SyncArgs) -> Result<(), Failure> {
    match &args.action {
        Some(SyncAction::Configure {
            url,
            account,
            webhook_secret_env,
        }) => {
            let settings = SyncSettings {
                base_url: url.clone(),
                account_id: *account,
                webhook_secret_env: webhook_secret_env.clone(),
            };
            book.configure_sync(&settings)?;
            return if args.json {
                output::json(&settings)
            } else {
                output::line(&format!("sync configured: {url}, account {account}"))
            };
        }
        Some(SyncAction::Status) => {
            let status = book.sync_status()?;
            if args.json {
                return output::json(&status);
            }
            match &status.settings {
                Some(s) => output::line(&format!("Chatwoot {} account {}", s.base_url, s.account_id))?,
                None => output::line("not configured")?,
            }
            let last = status
                .last_synced_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "never".into());
            return output::line(&format!(
                "links {}, pending {}, last sync {last}, conflicts {}, refused {}",
                status.links, status.pending, status.conflicts, status.parked
            ));
        }
        None => {}
    }
    let (mut remote, settings) = client(&book, &args)?;
    if !args.watch {
        let bar = Bar::new("syncing", None);
        let report = book.sync_now(&mut remote, |p| {
            bar.update(contactkit::Progress {
                rows_done: p.done,
                bytes_done: p.done,
                bytes_total: Some(p.total),
            })
        });
        bar.finish();
        return summary(&report?, args.json);
    }
    watch(Arc::new(book), remote, &settings, &args)
}

/// The automatic mode: a full sync now and every interval, pushes as changes land, webhooks
/// on `--listen`.
fn watch(
    book: Arc<Book>,
    mut remote: ChatwootClient,
    settings: &SyncSettings,
    args: &SyncArgs,
) -> Result<(), Failure> {
    let secret = match &settings.webhook_secret_env {
        Some(name) => Some(WebhookSecret::new(std::env::var(name).map_err(|_| {
            Failure::bad_input(format!("the webhook secret variable {name} is not set"))
        })?)),
        None => None,
    };
    let started = Instant::now();
    let deadline = args.exit_after.map(|s| started + Duration::from_secs(s));
    if let Some(addr) = &args.listen {
        let server = tiny_http::Server::http(addr.as_str())
            .map_err(|e| Failure::bad_input(format!("--listen {addr}: {e}")))?;
        let (book, secret) = (Arc::clone(&book), secret.clone());
        let (mut hook_remote, _) = client(&book, args)?;
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let mut body = Vec::new();
                let _ = std::io::Read::read_to_end(request.as_reader(), &mut body);
                let headers: Vec<(String, String)> = request
                    .headers()
                    .iter()
                    .map(|h| (h.field.to_string(), h.value.to_string()))
                    .collect();
                let (status, text) =
                    match book.apply_webhook(&mut hook_remote, &headers, &body, secret.as_ref()) {
                        Ok(outcome) => (200, serde_json::to_string(&outcome).unwrap_or_default()),
                        Err(Error::Webhook(err)) => (401, json!({ "error": err.to_string() }).to_string()),
                        Err(err) => (503, json!({ "error": err.to_string() }).to_string()),
                    };
                let _ = request.respond(tiny_http::Response::from_string(text).with_status_code(status));
            }
        });
    }
    let interval = Duration::from_secs(args.interval.max(1));
    let mut next_pull = Instant::now();
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
        if Instant::now() >= next_pull {
            match book.sync_now(&mut remote, |_| ControlFlow::Continue(())) {
                Ok(report) => summary(&report, args.json)?,
                // Chatwoot is down: say so and try again at the next interval.
                Err(Error::Sync(err)) => eprintln!("contactkit: sync: {err}"),
                Err(err) => return Err(err.into()),
            }
            next_pull = Instant::now() + interval;
        }
        let cursor = book.last_change()?;
        if book.wait_for_changes(cursor, Duration::from_secs(1))? {
            match book.sync_pending(&mut remote) {
                Ok(report) => {
                    if report.created_remote + report.updated_remote + report.deleted_remote > 0 {
                        summary(&report, args.json)?;
                    }
                }
                Err(Error::Sync(err)) => eprintln!("contactkit: sync: {err}"),
                Err(err) => return Err(err.into()),
            }
        }
    }
}
