//! The Chatwoot sync engine against a fake Chatwoot that follows shared/chatwoot/'s rules.

use std::ops::ControlFlow;

use contactkit::{
    Actor, Book, BookOptions, ContactPatch, Error, NewContact, Phase, Remote, RemoteDraft, RemoteError, Role,
    Side, SyncProgress,
};
use contactkit_testkit::chatwoot::{FakeChatwoot, Op};
use serde_json::json;

fn agent() -> Actor {
    Actor::member("u-1", Role::Agent)
}

fn sync(book: &Book, remote: &mut FakeChatwoot) -> contactkit::SyncReport {
    book.sync_now(remote, |_| ControlFlow::Continue(()))
        .expect("sync")
}

fn remote_by_email<'a>(
    remote: &'a FakeChatwoot,
    email: &str,
) -> (i64, &'a contactkit_testkit::chatwoot::Stored) {
    remote
        .contacts()
        .iter()
        .find(|(_, c)| c.email.as_deref() == Some(email))
        .map(|(id, c)| (*id, c))
        .unwrap_or_else(|| panic!("no remote contact {email}"))
}

#[test]
fn a_first_sync_of_two_non_empty_sides_links_overlaps_and_creates_the_rest() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(
            &agent(),
            NewContact::new("Ana Souza")
                .email("Ana@Example.com")
                .tag("Hot lead"),
        )
        .expect("ana");
    let bo = book
        .create(&agent(), NewContact::new("Bo").phone("+14155552671"))
        .expect("bo");
    let local_only = book
        .create(&agent(), NewContact::new("Local Only").email("local@example.com"))
        .expect("local");
    let mut remote = FakeChatwoot::new();
    let r_ana = remote
        .ui_create("Ana", Some("ana@example.com"), None)
        .expect("remote ana");
    remote.ui_set_labels(r_ana, &["vip"]).expect("labels");
    let r_bo = remote
        .ui_create("Bo Li", None, Some("+14155552671"))
        .expect("remote bo");
    let r_new = remote
        .ui_create("Remote Only", Some("remote@example.com"), Some("+447400123456"))
        .expect("remote only");

    let report = sync(&book, &mut remote);
    assert_eq!(
        (report.linked, report.created_local, report.created_remote),
        (2, 1, 1),
        "{report:?}"
    );
    assert_eq!(remote.contacts().len(), 4, "nothing duplicated on Chatwoot");
    assert_eq!(
        book.count(&contactkit::Query::new()).expect("count"),
        4,
        "nothing duplicated here"
    );
    // Every pair carries our id in Chatwoot's identifier.
    for link in book.sync_links().expect("links") {
        let stored = &remote.contacts()[&link.remote_id];
        assert_eq!(
            stored.identifier.as_deref(),
            Some(format!("contactkit:{}", link.contact_id).as_str())
        );
    }
    // Labels merged as sets both ways (the tag became a valid label title).
    let mut labels = remote.contacts()[&r_ana].labels.clone();
    labels.sort();
    assert_eq!(labels, vec!["hot-lead", "vip"]);
    assert_eq!(book.get(ana.id).expect("ana").tags, vec!["Hot lead", "vip"]);
    // On a first sync both names are set and differ: a conflict, the newer side wins, recorded.
    assert!(!book.sync_conflicts(10).expect("conflicts").is_empty());
    // The overlapping pairs were linked to each other, the rest to new contacts.
    let links: std::collections::BTreeMap<_, _> = book
        .sync_links()
        .expect("links")
        .into_iter()
        .map(|l| (l.contact_id, l.remote_id))
        .collect();
    assert_eq!(
        (links.get(&ana.id), links.get(&bo.id)),
        (Some(&r_ana), Some(&r_bo))
    );
    assert!(
        links
            .get(&local_only.id)
            .is_some_and(|r| ![r_ana, r_bo, r_new].contains(r))
    );
    assert!(links.values().any(|r| *r == r_new));
    // The remote-only contact exists here now, with its points.
    let page = book
        .query(&contactkit::Query::new().search("remote only"))
        .expect("query");
    assert_eq!(page.contacts[0].phone(), Some("+447400123456"));

    // A second sync with nothing changed changes nothing.
    let again = sync(&book, &mut remote);
    assert_eq!(
        (
            again.created_local,
            again.created_remote,
            again.updated_local,
            again.updated_remote,
            again.linked
        ),
        (0, 0, 0, 0, 0),
        "{again:?}"
    );
}

#[test]
fn edits_on_each_side_reach_the_other_and_different_fields_both_survive() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(
            &agent(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .attribute("budget", 100.0),
        )
        .expect("ana");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (rid, _) = remote_by_email(&remote, "ana@example.com");

    // Here: the name; there: the phone and an attribute. Both survive.
    book.update(&agent(), ana.id, ContactPatch::new().name("Ana Souza"))
        .expect("local edit");
    let draft = RemoteDraft {
        phone_number: Some(Some("+5511912345678".into())),
        custom_attributes: [("city".to_string(), json!("Lisbon"))].into_iter().collect(),
        ..RemoteDraft::default()
    };
    remote.ui_update(rid, &draft).expect("remote edit");
    let report = sync(&book, &mut remote);
    assert_eq!(
        (report.updated_local, report.updated_remote, report.conflicts),
        (1, 1, 0),
        "{report:?}"
    );
    let local = book.get(ana.id).expect("ana");
    assert_eq!(
        (local.name.as_str(), local.phone()),
        ("Ana Souza", Some("+5511912345678"))
    );
    assert_eq!(
        local.attributes["city"],
        contactkit::AttributeValue::Text("Lisbon".into())
    );
    let stored = &remote.contacts()[&rid];
    assert_eq!(stored.name, "Ana Souza");
    assert_eq!(stored.custom_attributes["budget"], json!(100));

    // An attribute removed here is removed there (a separate Chatwoot call).
    book.update(&agent(), ana.id, ContactPatch::new().unset_attribute("budget"))
        .expect("unset");
    sync(&book, &mut remote);
    assert!(!remote.contacts()[&rid].custom_attributes.contains_key("budget"));
}

#[test]
fn the_same_field_changed_on_both_sides_takes_the_newer_and_records_the_conflict() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(&agent(), NewContact::new("Ana").email("ana@example.com"))
        .expect("ana");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (rid, _) = remote_by_email(&remote, "ana@example.com");
    book.update(&agent(), ana.id, ContactPatch::new().name("Ana (local)"))
        .expect("local");
    std::thread::sleep(std::time::Duration::from_millis(5));
    remote
        .ui_update(
            rid,
            &RemoteDraft {
                name: Some("Ana (remote)".into()),
                ..RemoteDraft::default()
            },
        )
        .expect("remote");
    let report = sync(&book, &mut remote);
    assert_eq!(report.conflicts, 1);
    // The remote change was seen by this sync, after the local edit: it is the newer one.
    assert_eq!(book.get(ana.id).expect("ana").name, "Ana (remote)");
    assert_eq!(remote.contacts()[&rid].name, "Ana (remote)");
    let conflict = &book.sync_conflicts(1).expect("conflicts")[0];
    assert_eq!(
        (conflict.conflict.field.as_str(), conflict.conflict.winner),
        ("name", Side::Remote)
    );
    assert_eq!(conflict.conflict.local, json!("Ana (local)"));
}

#[test]
fn tag_changes_on_both_sides_merge_as_sets() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(
            &agent(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .tag("a")
                .tag("b")
                .tag("c"),
        )
        .expect("ana");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (rid, _) = remote_by_email(&remote, "ana@example.com");
    book.remove_tags(&agent(), ana.id, &["c"]).expect("remove c");
    book.add_tags(&agent(), ana.id, &["x"]).expect("add x");
    remote
        .ui_set_labels(rid, &["b", "c", "y"])
        .expect("remote removes a, adds y");
    sync(&book, &mut remote);
    assert_eq!(book.get(ana.id).expect("ana").tags, vec!["b", "x", "y"]);
    let mut labels = remote.contacts()[&rid].labels.clone();
    labels.sort();
    assert_eq!(labels, vec!["b", "x", "y"]);
}

#[test]
fn deletes_go_both_ways_and_nothing_comes_back() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let here = book
        .create(
            &agent(),
            NewContact::new("Deleted Here").email("here@example.com"),
        )
        .expect("here");
    let there = book
        .create(
            &agent(),
            NewContact::new("Deleted There").email("there@example.com"),
        )
        .expect("there");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (r_here, _) = remote_by_email(&remote, "here@example.com");
    let (r_there, _) = remote_by_email(&remote, "there@example.com");

    book.delete(&Actor::member("o", Role::Owner), here.id)
        .expect("delete here");
    remote.ui_delete(r_there);
    let report = sync(&book, &mut remote);
    assert_eq!(
        (report.deleted_remote, report.deleted_local),
        (1, 1),
        "{report:?}"
    );
    assert!(!remote.contacts().contains_key(&r_here));
    assert!(book.get(there.id).is_err());
    assert!(book.sync_links().expect("links").is_empty());

    // A Chatwoot contact that reappears with the same id (a stale page, a restore) is not
    // brought back here, and a new sync changes nothing.
    let again = sync(&book, &mut remote);
    assert_eq!((again.created_local, again.created_remote), (0, 0));
    assert_eq!(book.count(&contactkit::Query::new()).expect("count"), 0);
}

#[test]
fn a_contact_chatwoot_refuses_is_parked_with_its_reason() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let c = book
        .create(&agent(), NewContact::new("Refused").email("refused@example.com"))
        .expect("local");
    let mut remote = FakeChatwoot::new();
    let refusal = RemoteError::Unprocessable {
        message: "Email has already been taken".into(),
        attributes: vec!["email".into()],
    };
    remote.faults.push_back((Op::Create, refusal));
    let report = sync(&book, &mut remote);
    assert_eq!(
        report.refused,
        vec![(c.id, "Email has already been taken".to_owned())]
    );
    let parked = book.sync_parked().expect("parked");
    assert_eq!(
        (parked[0].contact_id, parked[0].reason.as_str()),
        (c.id, "Email has already been taken")
    );
    assert!(remote.contacts().is_empty());
    // Not retried forever: the next sync leaves it parked and makes no create call.
    let calls = remote.calls;
    let again = sync(&book, &mut remote);
    assert!(again.refused.is_empty() && remote.contacts().is_empty());
    assert_eq!(remote.calls, calls + 1, "only the list call");
    // Once it changes, it is tried again.
    std::thread::sleep(std::time::Duration::from_millis(3));
    book.update(&agent(), c.id, ContactPatch::new().name("Refused, fixed"))
        .expect("edit");
    let third = sync(&book, &mut remote);
    assert_eq!(third.created_remote, 1);
    assert!(book.sync_parked().expect("parked").is_empty());
}

#[test]
fn a_remote_uniqueness_clash_is_reported_not_duplicated() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let mut remote = FakeChatwoot::new();
    // Linked pair, then Chatwoot gets another contact holding a phone the local contact takes.
    let ana = book
        .create(&agent(), NewContact::new("Ana").email("ana@example.com"))
        .expect("ana");
    sync(&book, &mut remote);
    remote
        .ui_create("Holder", None, Some("+447400123456"))
        .expect("holder");
    // The holder came over in that sync? No: it was created after. Sync it first.
    sync(&book, &mut remote);
    let holder = book
        .query(&contactkit::Query::new().search("holder"))
        .expect("q")
        .contacts[0]
        .clone();
    book.delete(&Actor::member("o", Role::Owner), holder.id)
        .expect("delete here");
    book.update(&agent(), ana.id, ContactPatch::new().phone("+44 7400 123456"))
        .expect("ana takes the number");
    let report = sync(&book, &mut remote);
    // The holder's delete went first, so Ana's number is free there and is pushed.
    assert_eq!(report.deleted_remote, 1);
    let (_, stored) = remote_by_email(&remote, "ana@example.com");
    assert_eq!(stored.phone_number.as_deref(), Some("+447400123456"));
    assert!(book.sync_parked().expect("parked").is_empty());
}

#[test]
fn a_sync_stopped_half_way_resumes_without_duplicates() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    for i in 0..40 {
        book.create(
            &agent(),
            NewContact::new(format!("Local {i}")).email(format!("l{i}@example.com")),
        )
        .expect("create");
    }
    let mut remote = FakeChatwoot::new();
    for i in 0..40 {
        remote
            .ui_create(&format!("Remote {i}"), Some(&format!("r{i}@example.com")), None)
            .expect("remote");
    }
    // Cancel in the middle of pushing the new local contacts...
    let mut steps = 0;
    let err = book
        .sync_now(&mut remote, |p: SyncProgress| {
            if p.phase == Phase::PushNew && p.done == 20 {
                return ControlFlow::Break(());
            }
            steps += 1;
            ControlFlow::Continue(())
        })
        .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    assert!(steps > 0);
    // ...and a dropped connection on the next try...
    remote
        .faults
        .push_back((Op::Any, RemoteError::Unavailable("connection reset".into())));
    assert!(matches!(
        book.sync_now(&mut remote, |_| ControlFlow::Continue(())),
        Err(Error::Sync(_))
    ));
    // ...then a full run finishes it.
    sync(&book, &mut remote);
    assert_eq!(remote.contacts().len(), 80, "no duplicate on Chatwoot");
    assert_eq!(
        book.count(&contactkit::Query::new()).expect("count"),
        80,
        "no duplicate here"
    );
    assert_eq!(book.sync_links().expect("links").len(), 80);
}

#[test]
fn progress_reports_every_phase_over_many_pages() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let mut remote = FakeChatwoot::new();
    for i in 0..100 {
        remote
            .ui_create(&format!("R{i}"), Some(&format!("r{i}@example.com")), None)
            .expect("remote");
    }
    let mut phases = Vec::new();
    let mut max_scan_total = 0;
    book.sync_now(&mut remote, |p| {
        if phases.last() != Some(&p.phase) {
            phases.push(p.phase);
        }
        if p.phase == Phase::Scan {
            max_scan_total = max_scan_total.max(p.total);
        }
        ControlFlow::Continue(())
    })
    .expect("sync");
    assert_eq!(phases, vec![Phase::Scan, Phase::Merge]);
    assert_eq!(max_scan_total, 100);
    assert_eq!(book.count(&contactkit::Query::new()).expect("count"), 100);
    // The list was read 15 at a time: 7 full pages and one empty one.
    assert!(remote.calls >= 8);
    let _ = remote.list(1).expect("list");
}

#[test]
fn pending_changes_are_pushed_from_the_feed_without_a_scan_and_survive_a_crash() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("book.db");
    let mut remote = FakeChatwoot::new();
    let bo_id = {
        let book = Book::open(&db, BookOptions::default()).expect("book");
        let ana = book
            .create(&agent(), NewContact::new("Ana").email("ana@example.com"))
            .expect("ana");
        sync(&book, &mut remote);
        // Changes land... and the process dies before any push.
        book.update(&agent(), ana.id, ContactPatch::new().name("Ana Souza"))
            .expect("edit");
        let bo = book
            .create(&agent(), NewContact::new("Bo").phone("+14155552671"))
            .expect("bo");
        bo.id
    };
    let book = Book::open(&db, BookOptions::default()).expect("reopen");
    let calls = remote.calls;
    let report = book.sync_pending(&mut remote).expect("push pending");
    assert_eq!(
        (report.updated_remote, report.created_remote),
        (1, 1),
        "{report:?}"
    );
    let (_, ana) = remote_by_email(&remote, "ana@example.com");
    assert_eq!(ana.name, "Ana Souza");
    assert!(
        remote
            .contacts()
            .values()
            .any(|c| c.phone_number.as_deref() == Some("+14155552671"))
    );
    assert!(
        remote.calls - calls < 12,
        "a pending push is a few calls, not a scan"
    );
    // Nothing is pushed twice, and the sync's own writes are not echoed back.
    let again = book.sync_pending(&mut remote).expect("again");
    assert_eq!((again.updated_remote, again.created_remote), (0, 0));
    // A delete is pushed the same way.
    book.delete(&Actor::member("o", Role::Owner), bo_id)
        .expect("delete");
    let report = book.sync_pending(&mut remote).expect("delete push");
    assert_eq!(report.deleted_remote, 1);
    assert!(
        !remote
            .contacts()
            .values()
            .any(|c| c.phone_number.as_deref() == Some("+14155552671"))
    );
}

fn signed(body: &str, secret: &str, at: i64) -> Vec<(String, String)> {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{at}.").as_bytes());
    mac.update(body.as_bytes());
    vec![
        ("X-Chatwoot-Delivery".into(), "3f1c".into()),
        ("X-Chatwoot-Timestamp".into(), at.to_string()),
        (
            "X-Chatwoot-Signature".into(),
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        ),
    ]
}

#[test]
fn webhooks_are_verified_and_applied_idempotently_and_never_resurrect() {
    use contactkit::sync::{WebhookError, WebhookOutcome, WebhookSecret};
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(&agent(), NewContact::new("Ana").email("ana@example.com"))
        .expect("ana");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (rid, _) = remote_by_email(&remote, "ana@example.com");
    let secret = WebhookSecret::new("s3cret");
    let now = chrono::Utc::now().timestamp();

    remote
        .ui_update(
            rid,
            &RemoteDraft {
                name: Some("Ana from Chatwoot".into()),
                ..RemoteDraft::default()
            },
        )
        .expect("edit");
    let body = format!(
        r#"{{"event":"contact_updated","id":{rid},"name":"Ana from Chatwoot","changed_attributes":[{{"name":{{"previous_value":"Ana","current_value":"Ana from Chatwoot"}}}}]}}"#
    );
    // Unsigned, forged and stale deliveries are refused when a secret is configured.
    let refused = |headers: &[(String, String)], remote: &mut FakeChatwoot| match book.apply_webhook(
        remote,
        headers,
        body.as_bytes(),
        Some(&secret),
    ) {
        Err(Error::Webhook(err)) => err,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(refused(&[], &mut remote), WebhookError::Unsigned);
    assert_eq!(
        refused(&signed(&body, "wrong", now), &mut remote),
        WebhookError::BadSignature
    );
    assert!(matches!(
        refused(&signed(&body, "s3cret", now - 3600), &mut remote),
        WebhookError::Stale(_)
    ));
    assert_eq!(
        book.get(ana.id).expect("ana").name,
        "Ana",
        "a refused webhook changed something"
    );

    // A good one applies; delivered twice, the second changes nothing.
    let headers = signed(&body, "s3cret", now);
    let outcome = book
        .apply_webhook(&mut remote, &headers, body.as_bytes(), Some(&secret))
        .expect("apply");
    assert_eq!(outcome, WebhookOutcome::Applied { contact_id: ana.id });
    assert_eq!(book.get(ana.id).expect("ana").name, "Ana from Chatwoot");
    let events = book.last_change().expect("last");
    book.apply_webhook(&mut remote, &headers, body.as_bytes(), Some(&secret))
        .expect("twice");
    assert_eq!(
        book.last_change().expect("last"),
        events,
        "a repeated webhook wrote something"
    );

    // An incoming message only moves the activity time: noise, ignored.
    let noise = format!(
        r#"{{"event":"contact_updated","id":{rid},"changed_attributes":[{{"last_activity_at":{{"previous_value":null,"current_value":"2026-12-01T10:00:00.000Z"}}}},{{"updated_at":{{"previous_value":null,"current_value":"2026-12-01T10:00:00.000Z"}}}}]}}"#
    );
    let outcome = book
        .apply_webhook(&mut remote, &[], noise.as_bytes(), None)
        .expect("noise");
    assert!(matches!(outcome, WebhookOutcome::Ignored { .. }));

    // Deleted here and pushed; a late webhook for it does not bring it back.
    book.delete(&Actor::member("o", Role::Owner), ana.id)
        .expect("delete");
    sync(&book, &mut remote);
    let late = book
        .apply_webhook(
            &mut remote,
            &signed(&body, "s3cret", now),
            body.as_bytes(),
            Some(&secret),
        )
        .expect("late");
    assert!(matches!(late, WebhookOutcome::Ignored { .. }), "{late:?}");
    assert_eq!(book.count(&contactkit::Query::new()).expect("count"), 0);

    // A contact created in Chatwoot arrives by webhook before any scan.
    let new_id = remote
        .ui_create("Webhook Lead", Some("lead@example.com"), None)
        .expect("create");
    let created = format!(
        r#"{{"event":"contact_created","id":{new_id},"name":"Webhook Lead","email":"lead@example.com"}}"#
    );
    let outcome = book
        .apply_webhook(&mut remote, &[], created.as_bytes(), None)
        .expect("created");
    let WebhookOutcome::Created { contact_id } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        book.get(contact_id).expect("lead").email(),
        Some("lead@example.com")
    );
    // The scan that follows links, not duplicates.
    sync(&book, &mut remote);
    assert_eq!(book.count(&contactkit::Query::new()).expect("count"), 1);
    // Malformed bodies are typed errors.
    assert!(matches!(
        book.apply_webhook(&mut remote, &[], b"not json", None),
        Err(Error::Webhook(WebhookError::Malformed(_)))
    ));
}

#[test]
fn ten_thousand_contacts_sync_with_progress() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let api = Actor::api("seed");
    for i in 0..5_000 {
        book.create(
            &api,
            NewContact::new(format!("Local {i}")).email(format!("l{i}@example.com")),
        )
        .expect("create");
    }
    let mut remote = FakeChatwoot::new();
    for i in 0..5_000 {
        remote
            .ui_create(&format!("Remote {i}"), Some(&format!("r{i}@example.com")), None)
            .expect("remote");
    }
    let mut seen: Vec<SyncProgress> = Vec::new();
    let report = book
        .sync_now(&mut remote, |p| {
            seen.push(p);
            ControlFlow::Continue(())
        })
        .expect("sync");
    assert_eq!((report.created_local, report.created_remote), (5_000, 5_000));
    assert_eq!(remote.contacts().len(), 10_000);
    assert_eq!(book.count(&contactkit::Query::new()).expect("count"), 10_000);
    // Progress: every phase counts up to its total, the scan's total is Chatwoot's count.
    let scan_total = seen
        .iter()
        .filter(|p| p.phase == Phase::Scan)
        .map(|p| p.total)
        .max();
    assert_eq!(scan_total, Some(5_000));
    for phase in [Phase::Merge, Phase::PushNew] {
        let steps: Vec<&SyncProgress> = seen.iter().filter(|p| p.phase == phase).collect();
        assert_eq!(steps.len(), 5_000, "{phase:?}");
        assert!(
            steps
                .windows(2)
                .all(|w| w[0].done < w[1].done && w[0].total == w[1].total)
        );
    }
}

#[test]
fn webhooks_out_of_order_or_late_never_undo_a_newer_state() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let ana = book
        .create(&agent(), NewContact::new("Ana").email("ana@example.com"))
        .expect("ana");
    let mut remote = FakeChatwoot::new();
    sync(&book, &mut remote);
    let (rid, _) = remote_by_email(&remote, "ana@example.com");
    // Two edits there; their webhooks arrive newest first, then the older one, then it again.
    remote
        .ui_update(
            rid,
            &RemoteDraft {
                name: Some("Ana v1".into()),
                ..RemoteDraft::default()
            },
        )
        .expect("v1");
    let old = format!(
        r#"{{"event":"contact_updated","id":{rid},"name":"Ana v1","changed_attributes":[{{"name":{{"previous_value":"Ana","current_value":"Ana v1"}}}}]}}"#
    );
    remote
        .ui_update(
            rid,
            &RemoteDraft {
                name: Some("Ana v2".into()),
                ..RemoteDraft::default()
            },
        )
        .expect("v2");
    let new = format!(
        r#"{{"event":"contact_updated","id":{rid},"name":"Ana v2","changed_attributes":[{{"name":{{"previous_value":"Ana v1","current_value":"Ana v2"}}}}]}}"#
    );
    for body in [&new, &old, &old] {
        book.apply_webhook(&mut remote, &[], body.as_bytes(), None)
            .expect("webhook");
        assert_eq!(
            book.get(ana.id).expect("ana").name,
            "Ana v2",
            "a stale webhook body undid a newer state"
        );
    }
}
