//! `contactkit sync` end to end against the fake Chatwoot over HTTP.

use std::path::Path;
use std::process::{Command, Output};

use contactkit_testkit::chatwoot_http::FakeChatwootServer;
use serde_json::Value;

const TOKEN: &str = "cli-token-5e4d3c2b1a";

fn run(db: &Path, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contactkit"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CHATWOOT_API_TOKEN");
    if let Some(token) = token {
        cmd.env("CHATWOOT_API_TOKEN", token);
    }
    cmd.output().expect("run contactkit")
}

fn ok(db: &Path, token: Option<&str>, args: &[&str]) -> String {
    let out = run(db, token, args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "contactkit {args:?}: {stderr}");
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the token was printed"
    );
    stdout
}

#[test]
fn configure_then_sync_now_then_status() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("book.db");
    let server = FakeChatwootServer::start(7, TOKEN).expect("server");
    server.with(|s| {
        s.chatwoot
            .ui_create("From Chatwoot", Some("cw@example.com"), None)
            .expect("remote")
    });
    ok(
        &db,
        None,
        &[
            "add",
            "--name",
            "From Here",
            "--email",
            "here@example.com",
            "--tag",
            "Hot lead",
        ],
    );

    // No settings yet: a usage error that says what to run.
    let out = run(&db, Some(TOKEN), &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sync configure"));

    ok(
        &db,
        None,
        &["sync", "configure", "--url", &server.base_url, "--account", "7"],
    );
    // No token: bad input, and the message says where the token comes from.
    let out = run(&db, None, &["sync"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CHATWOOT_API_TOKEN"));

    let report: Value = serde_json::from_str(&ok(&db, Some(TOKEN), &["sync", "--json"])).expect("json");
    assert_eq!(
        (
            report["created_local"].as_u64(),
            report["created_remote"].as_u64()
        ),
        (Some(1), Some(1)),
        "{report}"
    );
    let text = ok(&db, Some(TOKEN), &["sync"]);
    assert!(text.contains("here: 0 created"), "{text}");
    server.with(|s| {
        let labels: Vec<String> = s
            .chatwoot
            .contacts()
            .values()
            .flat_map(|c| c.labels.clone())
            .collect();
        assert_eq!(labels, vec!["hot-lead"]);
        assert!(s.tokens_seen.iter().all(|t| t == TOKEN));
    });
    let status: Value = serde_json::from_str(&ok(&db, None, &["sync", "status", "--json"])).expect("json");
    assert_eq!(
        (status["links"].as_u64(), status["pending"].as_u64()),
        (Some(2), Some(0)),
        "{status}"
    );
    assert_eq!(status["settings"]["account_id"], 7);
    // The token is not stored in the book.
    let bytes = std::fs::read(&db).expect("db");
    assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
    ok(
        &db,
        None,
        &["sync", "--token-file", token_file.to_str().expect("path")],
    );
}

#[test]
fn watch_pushes_changes_as_they_land() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("book.db");
    let server = FakeChatwootServer::start(7, TOKEN).expect("server");
    ok(
        &db,
        None,
        &["sync", "configure", "--url", &server.base_url, "--account", "7"],
    );
    let watcher = Command::new(env!("CARGO_BIN_EXE_contactkit"))
        .arg("--db")
        .arg(&db)
        .args(["sync", "--watch", "--interval", "3600", "--exit-after", "5"])
        .env("CHATWOOT_API_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("watch");
    // Once the first full sync has listed Chatwoot's contacts, change the book from another
    // process: with a one-hour interval, only the live push can bring it over.
    let listed = || {
        server.with(|s| {
            s.requests
                .iter()
                .any(|r| r.starts_with("GET") && r.ends_with("/contacts"))
        })
    };
    let start = std::time::Instant::now();
    while !listed() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "the watcher never synced"
        );
        std::thread::yield_now();
    }
    ok(
        &db,
        None,
        &["add", "--name", "Pushed Live", "--email", "live@example.com"],
    );
    let out = watcher.wait_with_output().expect("watcher");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    server.with(|s| {
        assert!(
            s.chatwoot
                .contacts()
                .values()
                .any(|c| c.email.as_deref() == Some("live@example.com")),
            "the change was not pushed while watching"
        )
    });
}
