//! End-to-end tests of the `contactkit` binary: the command names, flags, `--json` shapes and
//! exit codes are a contract that scripts rely on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Book {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

fn book() -> Book {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("contacts.db");
    Book { _dir: dir, db }
}

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_contactkit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run contactkit")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "contactkit {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn json(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(db, args)).expect("json output")
}

fn fails_with(db: &Path, args: &[&str], code: i32) -> String {
    let out = run(db, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "contactkit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "a failed command printed to stdout");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn add_prints_the_new_id_and_show_reads_it_back() {
    let b = book();
    let id = ok(
        &b.db,
        &[
            "add",
            "--name",
            "Ana Souza",
            "--email",
            "Ana@Example.com",
            "--phone",
            "(415) 555-2671",
            "--additional-phone",
            "work=+44 7400 123456",
            "--tag",
            "Hot",
            "--tag",
            "buyer",
            "--source",
            "whatsapp",
            "--attr",
            "budget=450000",
            "--attr",
            "first_visit=2024-05-01",
            "--attr",
            "note=call after 6",
        ],
    );
    let id = id.trim();
    assert_eq!(id, "1");
    let c = json(&b.db, &["show", id, "--json"]);
    assert_eq!(c["name"], "Ana Souza");
    assert_eq!(c["email"], "Ana@example.com");
    assert_eq!(c["phone"], "+14155552671");
    assert_eq!(c["additional_phones"][0]["value"], "+447400123456");
    assert_eq!(c["additional_phones"][0]["label"], "work");
    assert_eq!(c["tags"], serde_json::json!(["buyer", "Hot"]));
    assert_eq!(c["source"], "whatsapp");
    assert_eq!(c["attributes"]["budget"], 450000.0);
    assert_eq!(c["attributes"]["first_visit"], "2024-05-01");
    assert_eq!(c["attributes"]["note"], "call after 6");
    let card = ok(&b.db, &["show", id]);
    assert!(
        card.contains("Ana Souza") && card.contains("+14155552671") && card.contains("(work)"),
        "{card}"
    );
}

#[test]
fn values_that_begin_with_a_dash_work_both_ways() {
    let b = book();
    ok(&b.db, &["add", "--name", "-dash", "--attr", "delta=-5"]);
    ok(&b.db, &["add", "--name=-equals", "--attr=delta=-7"]);
    let first = json(&b.db, &["show", "1", "--json"]);
    let second = json(&b.db, &["show", "2", "--json"]);
    assert_eq!(
        (first["name"].as_str(), first["attributes"]["delta"].as_f64()),
        (Some("-dash"), Some(-5.0))
    );
    assert_eq!(
        (second["name"].as_str(), second["attributes"]["delta"].as_f64()),
        (Some("-equals"), Some(-7.0))
    );
}

#[test]
fn edit_changes_only_what_is_given() {
    let b = book();
    ok(
        &b.db,
        &[
            "add",
            "--name",
            "Ana",
            "--email",
            "ana@example.com",
            "--attr",
            "city=Porto",
            "--attr",
            "k=1",
        ],
    );
    let c = json(
        &b.db,
        &[
            "edit",
            "1",
            "--name",
            "Ana B",
            "--unset-attr",
            "city",
            "--attr",
            "k=2",
            "--json",
        ],
    );
    assert_eq!(c["name"], "Ana B");
    assert_eq!(c["email"], "ana@example.com");
    assert_eq!(c["attributes"], serde_json::json!({ "k": 2.0 }));
    let c = json(
        &b.db,
        &[
            "edit",
            "1",
            "--clear-email",
            "--verification",
            "verified",
            "--json",
        ],
    );
    assert_eq!(
        (c["email"].clone(), c["verification"].clone()),
        (Value::Null, Value::from("verified"))
    );
}

#[test]
fn exit_codes_tell_the_kind_of_failure() {
    let b = book();
    ok(&b.db, &["add", "--name", "Ana", "--email", "ana@example.com"]);
    let err = fails_with(&b.db, &["add", "--name", "Twin", "--email", "ANA@example.com"], 6);
    assert!(err.contains("already belongs to contact 1"), "{err}");
    let err = fails_with(&b.db, &["add", "--name", "Bad", "--phone", "12"], 3);
    assert!(err.contains("phone"), "{err}");
    fails_with(&b.db, &["add", "--name", " "], 3);
    fails_with(&b.db, &["add", "--name", "A", "--attr", "novalue"], 3);
    fails_with(&b.db, &["show", "99"], 4);
    fails_with(&b.db, &["show", "not-a-number"], 2);
    fails_with(&b.db, &["frobnicate"], 2);
    let err = fails_with(&b.db, &["delete", "1", "--as", "agent"], 5);
    assert!(err.contains("may not"), "{err}");
    fails_with(&b.db, &["delete", "1"], 2);
    // Nothing changed through all of that.
    assert_eq!(json(&b.db, &["show", "1", "--json"])["name"], "Ana");
}

#[test]
fn delete_is_for_owners_and_admins_and_checks_every_id_first() {
    let b = book();
    for name in ["A", "B", "C"] {
        ok(&b.db, &["add", "--name", name]);
    }
    fails_with(&b.db, &["delete", "1", "99", "--as", "admin"], 4);
    ok(&b.db, &["show", "1"]);
    let out = json(&b.db, &["delete", "1", "2", "--as", "owner", "--json"]);
    assert_eq!(out, serde_json::json!({ "deleted": 2 }));
    fails_with(&b.db, &["show", "2"], 4);
    ok(&b.db, &["show", "3"]);
}

#[test]
fn tags_are_listed_renamed_merged_and_deleted() {
    let b = book();
    ok(&b.db, &["add", "--name", "A", "--tag", "Hot", "--tag", "vip"]);
    ok(&b.db, &["add", "--name", "B", "--tag", "hot"]);
    ok(&b.db, &["add", "--name", "C"]);
    let tags = json(&b.db, &["tags", "--json"]);
    assert_eq!(
        tags,
        serde_json::json!([{ "name": "Hot", "contacts": 2 }, { "name": "vip", "contacts": 1 }])
    );
    let out = json(&b.db, &["tag", "add", "VIP", "New", "--ids", "2", "3", "--json"]);
    assert_eq!(out, serde_json::json!({ "changed": 2 }));
    let out = json(&b.db, &["tag", "remove", "hot", "--ids", "1", "3", "--json"]);
    assert_eq!(out, serde_json::json!({ "changed": 1 }));
    ok(&b.db, &["tags", "rename", "vip", "VIP client"]);
    ok(&b.db, &["tags", "merge", "New", "vip client"]);
    let tags = json(&b.db, &["tags", "--json"]);
    assert_eq!(
        tags,
        serde_json::json!([{ "name": "Hot", "contacts": 1 }, { "name": "VIP client", "contacts": 3 }])
    );
    assert_eq!(
        json(&b.db, &["tags", "delete", "hot", "--json"]),
        serde_json::json!({ "deleted": 1 })
    );
    fails_with(&b.db, &["tags", "delete", "hot"], 4);
    let table = ok(&b.db, &["tags"]);
    assert!(table.contains("VIP client") && table.contains('3'), "{table}");
}

#[test]
fn changes_prints_the_feed_as_ndjson() {
    let b = book();
    ok(&b.db, &["add", "--name", "Ana", "--tag", "Hot"]);
    ok(&b.db, &["edit", "1", "--name", "Ana B"]);
    ok(&b.db, &["delete", "1", "--as", "owner"]);
    let text = ok(&b.db, &["changes"]);
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(events.len(), 3);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        for key in ["time", "kind", "contact_id", "actor", "origin", "changes"] {
            assert!(e.get(key).is_some(), "event without {key}: {e}");
        }
    }
    assert_eq!(events[2]["kind"], "deleted");
    let after = ok(&b.db, &["changes", "--after", "1", "--limit", "1"]);
    assert_eq!(after.lines().count(), 1);
    assert!(after.contains("\"seq\":2"), "{after}");
}

#[test]
fn changes_follow_streams_what_lands_later() {
    let b = book();
    ok(&b.db, &["add", "--name", "First"]);
    let follower = Command::new(env!("CARGO_BIN_EXE_contactkit"))
        .arg("--db")
        .arg(&b.db)
        .args(["changes", "--follow", "--limit", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("follow");
    ok(&b.db, &["add", "--name", "Second"]);
    ok(&b.db, &["add", "--name", "Third"]);
    // --limit 3 ends the follower once the third event has landed.
    let out = follower.wait_with_output().expect("follower");
    assert!(out.status.success());
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .map(|e| {
            e["changes"]["name"]["new"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(names, vec!["First", "Second", "Third"]);
}
