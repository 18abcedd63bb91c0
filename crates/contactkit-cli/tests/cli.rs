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
    assert_eq!(c["attributes"], serde_json::json!({ "k": 2 }));
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

fn seed(db: &Path) {
    for args in [
        vec![
            "add",
            "--name",
            "José Álvarez",
            "--email",
            "jose@example.com",
            "--phone",
            "+1 415 555 1234",
            "--tag",
            "hot",
            "--source",
            "whatsapp",
        ],
        vec![
            "add",
            "--name",
            "Hans Müller",
            "--email",
            "hans@example.de",
            "--tag",
            "hot",
            "--tag",
            "buyer",
            "--verification",
            "verified",
        ],
        vec![
            "add",
            "--name",
            "Ana Souza",
            "--phone",
            "+55 11 91234 5678",
            "--tag",
            "buyer",
        ],
        vec!["add", "--name", "Zoe Lang"],
    ] {
        ok(db, &args);
    }
}

#[test]
fn list_filters_searches_sorts_and_pages_with_the_json_contract() {
    let b = book();
    seed(&b.db);
    let page = json(&b.db, &["list", "--search", "jose", "--json"]);
    assert_eq!(page["total"], 1);
    assert_eq!(page["contacts"][0]["name"], "José Álvarez");
    assert_eq!(page["next_cursor"], Value::Null);
    let page = json(&b.db, &["list", "--search", "555-123", "--json"]);
    assert_eq!(page["contacts"][0]["phone"], "+14155551234");
    let page = json(&b.db, &["list", "--tag", "hot", "--tag", "buyer", "--json"]);
    assert_eq!(page["total"], 1);
    let page = json(
        &b.db,
        &["list", "--any-tag", "hot", "--no-tag", "buyer", "--json"],
    );
    assert_eq!(page["contacts"][0]["name"], "José Álvarez");
    let page = json(&b.db, &["list", "--verification", "verified", "--json"]);
    assert_eq!(page["contacts"][0]["name"], "Hans Müller");
    let page = json(
        &b.db,
        &["list", "--source", "whatsapp", "--never-active", "--json"],
    );
    assert_eq!(page["total"], 1);
    // Sort values that begin with '-' work as separate and as joined arguments.
    let desc = json(&b.db, &["list", "--sort", "-name", "--json"]);
    let joined = json(&b.db, &["list", "--sort=-name", "--json"]);
    assert_eq!(desc, joined);
    assert_eq!(desc["contacts"][0]["name"], "Zoe Lang");
    // Paging with the cursor walks every contact once.
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = vec!["list", "--limit", "3", "--json"];
        if let Some(c) = &cursor {
            args.push("--cursor");
            args.push(c);
        }
        let page = json(&b.db, &args);
        assert_eq!(page["total"], 4);
        names.extend(
            page["contacts"]
                .as_array()
                .expect("array")
                .iter()
                .map(|c| c["name"].as_str().expect("name").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        names,
        vec!["Ana Souza", "Hans Müller", "José Álvarez", "Zoe Lang"]
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let page = json(
        &b.db,
        &["list", "--created-from", &today, "--created-to", &today, "--json"],
    );
    assert_eq!(page["total"], 4);
    let page = json(&b.db, &["list", "--created-to", "2000-01-01", "--json"]);
    assert_eq!(page["total"], 0);
    let table = ok(&b.db, &["list"]);
    assert!(
        table.contains("4 contacts") && table.contains("Hans Müller"),
        "{table}"
    );
    fails_with(&b.db, &["list", "--sort", "sideways"], 3);
    fails_with(&b.db, &["list", "--created-from", "yesterday"], 3);
}

#[test]
fn count_and_a_query_file_take_the_same_filters() {
    let b = book();
    seed(&b.db);
    assert_eq!(ok(&b.db, &["count", "--any-tag", "buyer"]).trim(), "2");
    assert_eq!(
        json(&b.db, &["count", "--search", "müller", "--json"]),
        serde_json::json!({ "total": 1 })
    );
    let query = b.db.with_file_name("query.json");
    std::fs::write(&query, r#"{"filter": {"tags_any": ["hot"]}, "sort": "-created"}"#).expect("write");
    let page = json(
        &b.db,
        &["list", "--query", query.to_str().expect("path"), "--json"],
    );
    assert_eq!(page["total"], 2);
    std::fs::write(&query, r#"{"filtr": {}}"#).expect("write");
    fails_with(&b.db, &["count", "--query", query.to_str().expect("path")], 3);
}

#[test]
fn tag_add_and_remove_take_filters_as_a_selection() {
    let b = book();
    seed(&b.db);
    assert_eq!(
        json(
            &b.db,
            &["tag", "add", "Follow up", "--any-tag", "buyer", "--json"]
        ),
        serde_json::json!({ "changed": 2 })
    );
    assert_eq!(ok(&b.db, &["count", "--tag", "follow up"]).trim(), "2");
    assert_eq!(
        json(
            &b.db,
            &["tag", "remove", "follow up", "--search", "souza", "--json"]
        ),
        serde_json::json!({ "changed": 1 })
    );
    fails_with(&b.db, &["tag", "add", "x"], 2);
}

#[test]
fn import_previews_then_commits_and_export_round_trips() {
    let b = book();
    let dir = b.db.parent().expect("dir").to_owned();
    let csv = dir.join("people.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,E-mail Address,Mobile Phone,Categories,Notes\n\
         Ana,Souza,ana@example.com,+55 11 91234-5678,Buyer;Hot,likes gardens\n\
         Bo,Li,not-an-email,,,\n\
         Cy,Ng,cy@example.com,+1 415 555 2671,,\n",
    )
    .expect("csv");
    let preview = json(
        &b.db,
        &["import", csv.to_str().expect("path"), "--dry-run", "--json"],
    );
    // Bo's bad email is left out (and reported); the rest of his row is imported.
    assert_eq!(
        (preview["rows_read"].as_u64(), preview["created"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        json(&b.db, &["count", "--json"])["total"],
        0,
        "a dry run wrote something"
    );
    let text = ok(&b.db, &["import", csv.to_str().expect("path"), "--dry-run"]);
    assert!(text.contains("line 3") && text.contains("not-an-email"), "{text}");
    let errors = dir.join("errors.csv");
    let report = json(
        &b.db,
        &[
            "import",
            csv.to_str().expect("path"),
            "--map",
            "Notes=attribute:notes",
            "--errors",
            errors.to_str().expect("path"),
            "--json",
        ],
    );
    assert_eq!(report["created"], 3);
    assert!(
        std::fs::read_to_string(&errors)
            .expect("errors")
            .contains("not-an-email")
    );
    let ana = json(&b.db, &["list", "--search", "souza", "--json"]);
    assert_eq!(ana["contacts"][0]["attributes"]["notes"], "likes gardens");
    assert_eq!(ana["contacts"][0]["source"], "import");
    // Again: every row is now a duplicate, skipped by default.
    let again = json(&b.db, &["import", csv.to_str().expect("path"), "--json"]);
    assert_eq!(
        again["created"].as_u64(),
        Some(1),
        "Bo has no email or phone to recognise him by"
    );
    assert_eq!(again["skipped"].as_u64(), Some(2));

    let out = dir.join("out.json");
    ok(
        &b.db,
        &[
            "export",
            "--format",
            "json",
            "--output",
            out.to_str().expect("path"),
        ],
    );
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("export")).expect("json");
    assert_eq!(exported.as_array().map(Vec::len), Some(4));
    let other = book();
    let report = json(&other.db, &["import", out.to_str().expect("path"), "--json"]);
    assert_eq!(report["created"], 4);
    let a = json(&b.db, &["list", "--json"]);
    let c = json(&other.db, &["list", "--json"]);
    for (x, y) in a["contacts"]
        .as_array()
        .expect("a")
        .iter()
        .zip(c["contacts"].as_array().expect("c"))
    {
        for key in [
            "name",
            "email",
            "phone",
            "tags",
            "attributes",
            "additional_phones",
        ] {
            assert_eq!(x[key], y[key], "{key}");
        }
    }
    let csv_out = ok(&b.db, &["export", "--format", "csv", "--any-tag", "hot"]);
    assert_eq!(csv_out.lines().count(), 2, "{csv_out}");
    let ids = ok(&b.db, &["export", "--format", "ndjson", "--ids", "1"]);
    assert_eq!(ids.lines().count(), 1);
}

#[test]
fn gdpr_export_and_backup_write_files() {
    let b = book();
    seed(&b.db);
    let doc = json(&b.db, &["gdpr-export", "1"]);
    assert_eq!(doc["schema"], "contactkit.gdpr_export/1");
    assert_eq!(doc["contact"]["name"], "José Álvarez");
    let path = b.db.with_file_name("gdpr.json");
    ok(
        &b.db,
        &["gdpr-export", "2", "--output", path.to_str().expect("path")],
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
    assert_eq!(doc["contact"]["name"], "Hans Müller");
    fails_with(&b.db, &["gdpr-export", "99"], 4);
    let copy = b.db.with_file_name("copy.db");
    ok(&b.db, &["backup", copy.to_str().expect("path")]);
    assert_eq!(json(&copy, &["count", "--json"])["total"], 4);
    fails_with(&b.db, &["backup", copy.to_str().expect("path")], 1);
}

#[test]
fn the_readme_main_job_imports_the_sample_and_lists_it() {
    let b = book();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/contacts.csv");
    let report = ok(&b.db, &["import", sample]);
    assert!(report.contains("rows read 6, created 6"), "{report}");
    assert!(
        report.contains("line 7") && report.contains("not-an-email"),
        "the bad email is reported: {report}"
    );
    let table = ok(&b.db, &["list"]);
    assert!(table.contains("6 contacts"), "{table}");
    let marta = json(&b.db, &["list", "--search", "nowak", "--json"]);
    let c = &marta["contacts"][0];
    assert_eq!(
        (c["phone"].as_str(), c["phone_label"].as_str()),
        (Some("+48601234567"), Some("work"))
    );
    assert_eq!(c["additional_phones"][0]["value"], "+48512345678");
    assert_eq!(c["tags"], serde_json::json!(["Buyer"]));
}

#[test]
fn an_import_that_rejects_every_row_exits_with_bad_input_after_its_report() {
    let b = book();
    let dir = b.db.parent().expect("dir").to_owned();
    let hopeless = dir.join("hopeless.csv");
    std::fs::write(&hopeless, "name,email\n,not-an-email\n,also-bad\n").expect("csv");
    let out = run(&b.db, &["import", hopeless.to_str().expect("path"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is still printed");
    assert_eq!(
        (report["invalid"].as_u64(), report["created"].as_u64()),
        (Some(2), Some(0))
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("all 2 were rejected"));
    // The dry run reviews the same file without failing, and a file of duplicates only (a
    // second import of the same rows) is not a failure either.
    ok(&b.db, &["import", hopeless.to_str().expect("path"), "--dry-run"]);
    let people = dir.join("people.csv");
    std::fs::write(&people, "name,email\nAna,ana@example.com\n").expect("csv");
    ok(&b.db, &["import", people.to_str().expect("path")]);
    let again = json(&b.db, &["import", people.to_str().expect("path"), "--json"]);
    assert_eq!(again["skipped"], 1);
    // An empty file is no failure (an empty book's NDJSON export is one), but it is said.
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").expect("csv");
    let said = ok(&b.db, &["import", empty.to_str().expect("path")]);
    assert!(said.contains("the file holds no contacts"), "{said}");
}
