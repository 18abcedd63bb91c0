//! The change feed, field provenance and idempotency keys (issue: change feed).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use contactkit::{
    Actor, Book, BookOptions, ChangeFilter, ContactPatch, Error, EventKind, NewContact, Origin, Retention,
    Role, Verification,
};
use serde_json::json;

const WORKER_ENV: &str = "CONTACTKIT_FEED_WORKER";

fn agent() -> Actor {
    Actor::member("agent-7", Role::Agent)
}

fn all_events(book: &Book) -> Vec<contactkit::Event> {
    book.changes(0, 10_000, &ChangeFilter::default())
        .expect("changes")
        .events
}

#[test]
fn every_kind_of_change_is_one_event_with_its_diff() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let c = book
        .create(
            &agent(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .tag("Hot")
                .attribute("city", "Porto"),
        )
        .expect("create");
    book.update(&agent(), c.id, ContactPatch::new().name("Ana Souza"))
        .expect("rename");
    book.add_tags(&agent(), c.id, &["VIP"]).expect("tag");
    book.remove_tags(&agent(), c.id, &["hot"]).expect("untag");
    book.update(
        &agent(),
        c.id,
        ContactPatch::new().verification(Verification::Verified),
    )
    .expect("verify");
    book.update(
        &agent(),
        c.id,
        ContactPatch::new()
            .attribute("budget", 5.0)
            .unset_attribute("city"),
    )
    .expect("attributes");
    book.delete(&Actor::member("boss", Role::Owner), c.id)
        .expect("delete");

    let events = all_events(&book);
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Created,
            EventKind::Updated,
            EventKind::TagAdded,
            EventKind::TagRemoved,
            EventKind::VerificationChanged,
            EventKind::AttributeSet,
            EventKind::AttributeUnset,
            EventKind::Deleted,
        ]
    );
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=8).collect::<Vec<u64>>(),
        "sequence numbers are 1, 2, 3, … without gaps"
    );
    assert!(events.iter().all(|e| e.contact_id == Some(c.id)));
    assert_eq!(
        (
            events[0].actor.id.as_str(),
            events[0].actor.role,
            events[0].origin
        ),
        ("agent-7", Role::Agent, Origin::Ui)
    );

    // The delete scrubbed the personal values from the contact's history (see the erase test);
    // diffs_name_the_old_and_new_values checks the diffs themselves.
    assert!(events.iter().all(|e| e.changes == json!({})));
    assert_eq!(events[7].changes, json!({}), "a tombstone carries the id only");
    assert_eq!(events[7].actor.role, Role::Owner);
}

#[test]
fn diffs_name_the_old_and_new_values() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let c = book
        .create(
            &agent(),
            NewContact::new("Ana").tag("Hot").attribute("city", "Porto"),
        )
        .expect("create");
    book.add_tags(&agent(), c.id, &["VIP"]).expect("tag");
    book.update(
        &agent(),
        c.id,
        ContactPatch::new().verification(Verification::Verified),
    )
    .expect("verify");
    book.update(
        &agent(),
        c.id,
        ContactPatch::new()
            .attribute("budget", 5.0)
            .unset_attribute("city"),
    )
    .expect("attributes");
    let events = all_events(&book);
    assert_eq!(events[0].changes["name"], json!({ "old": null, "new": "Ana" }));
    assert_eq!(events[0].changes["tags"], json!({ "old": null, "new": ["Hot"] }));
    assert_eq!(
        events[1].changes,
        json!({ "tags": { "old": ["Hot"], "new": ["Hot", "VIP"] } })
    );
    assert_eq!(
        events[2].changes,
        json!({ "verification": { "old": "unverified", "new": "verified" } })
    );
    assert_eq!(
        events[3].changes,
        json!({ "attributes.budget": { "old": null, "new": 5 } })
    );
    assert_eq!(
        events[4].changes,
        json!({ "attributes.city": { "old": "Porto", "new": null } })
    );
}

#[test]
fn a_refused_change_writes_no_event() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    book.create(&agent(), NewContact::new("Ana").email("ana@example.com"))
        .expect("create");
    let before = book.last_change().expect("last");
    let err = book
        .create(&agent(), NewContact::new("Twin").email("ANA@example.com"))
        .expect_err("dup");
    assert!(matches!(err, Error::Duplicate { .. }));
    book.delete(&agent(), "1".parse().expect("id"))
        .expect_err("agents may not delete");
    assert_eq!(
        book.last_change().expect("last"),
        before,
        "a rolled-back change left an event"
    );
    // A no-op edit is not a change either.
    book.update(
        &agent(),
        "1".parse().expect("id"),
        ContactPatch::new().name("Ana"),
    )
    .expect("no-op");
    assert_eq!(book.last_change().expect("last"), before);
}

#[test]
fn activity_only_changes_are_marked_as_noise() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let c = book.create(&agent(), NewContact::new("Ana")).expect("create");
    let wa = Actor::system("whatsapp", Origin::Whatsapp);
    book.update(
        &wa,
        c.id,
        ContactPatch::new().last_activity_at(chrono::Utc::now()),
    )
    .expect("activity");
    book.update(&agent(), c.id, ContactPatch::new().name("Ana B"))
        .expect("rename");
    let all = all_events(&book);
    assert_eq!(
        all.iter().map(|e| e.meaningful).collect::<Vec<_>>(),
        vec![true, false, true]
    );
    let filter = ChangeFilter {
        meaningful_only: true,
        ..ChangeFilter::default()
    };
    let page = book.changes(0, 100, &filter).expect("changes");
    assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(page.next, 3);
    // A filter that skips events still moves the cursor past them.
    let only_deletes = ChangeFilter {
        kinds: vec![EventKind::Deleted],
        ..ChangeFilter::default()
    };
    let page = book.changes(0, 100, &only_deletes).expect("changes");
    assert!(page.events.is_empty());
    assert_eq!(page.next, 3);
}

#[test]
fn paging_the_feed_sees_every_event_once() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    for i in 0..25 {
        book.create(&agent(), NewContact::new(format!("P{i}")))
            .expect("create");
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = book.changes(after, 7, &ChangeFilter::default()).expect("page");
        if page.events.is_empty() {
            break;
        }
        seen.extend(page.events.iter().map(|e| e.seq));
        after = page.next;
    }
    assert_eq!(seen, (1..=25).collect::<Vec<u64>>());
}

#[test]
fn sequence_numbers_have_no_gaps_under_concurrent_threads() {
    let dir = tempfile::tempdir().expect("dir");
    let book = Arc::new(Book::open(dir.path().join("feed.db"), BookOptions::default()).expect("book"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let book = Arc::clone(&book);
            std::thread::spawn(move || {
                for i in 0..20 {
                    // Half of these collide and roll back: they must not leave holes.
                    let _ = book.create(
                        &agent(),
                        NewContact::new(format!("{t}-{i}")).email(format!("{}@x.com", i % 10 + t * 5)),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let seqs: Vec<u64> = all_events(&book).iter().map(|e| e.seq).collect();
    assert!(!seqs.is_empty());
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

/// Worker process for the cross-process tests; does nothing unless started by one of them.
#[test]
fn feed_worker() {
    let Ok(task) = std::env::var(WORKER_ENV) else {
        return;
    };
    let path = std::env::var("CONTACTKIT_FEED_DB").expect("db");
    let book = Book::open(&path, BookOptions::default()).expect("open");
    let me = std::env::var("CONTACTKIT_FEED_ME").expect("me");
    match task.as_str() {
        "write" => {
            for i in 0..30 {
                // Odd rows race for a shared email (and mostly roll back); even rows always commit.
                let email = if i % 2 == 1 {
                    format!("{i}@x.com")
                } else {
                    format!("{me}-{i}@x.com")
                };
                let _ = book.create(
                    &Actor::api(me.clone()),
                    NewContact::new(format!("{me} {i}")).email(email),
                );
            }
        }
        "late-write" => {
            std::thread::sleep(Duration::from_millis(300));
            book.create(&Actor::api(me), NewContact::new("Late"))
                .expect("create");
        }
        "idempotent" => {
            let c = book
                .create_with_key(
                    &Actor::api(me),
                    NewContact::new("Retried").email("retry@x.com"),
                    Some("req-42"),
                )
                .expect("create");
            println!("\nID {}", c.id);
        }
        other => panic!("unknown task {other}"),
    }
}

fn spawn_worker(task: &str, db: &std::path::Path, me: &str) -> std::process::Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "feed_worker", "--nocapture", "--test-threads", "1"])
        .env(WORKER_ENV, task)
        .env("CONTACTKIT_FEED_DB", db)
        .env("CONTACTKIT_FEED_ME", me)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

fn finish(child: std::process::Child) -> String {
    let out = child.wait_with_output().expect("worker");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn sequence_numbers_have_no_gaps_across_processes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("feed.db");
    drop(Book::open(&db, BookOptions::default()).expect("create"));
    let workers: Vec<_> = (0..3)
        .map(|i| spawn_worker("write", &db, &format!("w{i}")))
        .collect();
    workers.into_iter().for_each(|w| {
        finish(w);
    });
    let book = Book::open(&db, BookOptions::default()).expect("open");
    let events = all_events(&book);
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let writers: BTreeSet<&str> = events.iter().map(|e| e.actor.id.as_str()).collect();
    assert!(writers.len() >= 2, "the workers did not interleave: {writers:?}");
}

#[test]
fn a_waiting_reader_is_woken_by_another_process_commit() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("feed.db");
    let book = Book::open(&db, BookOptions::default()).expect("open");
    let last = book.last_change().expect("last");
    assert!(
        !book
            .wait_for_changes(last, Duration::from_millis(50))
            .expect("wait"),
        "nothing was committed yet"
    );
    let worker = spawn_worker("late-write", &db, "late");
    let woke = book
        .wait_for_changes(last, Duration::from_secs(30))
        .expect("wait");
    finish(worker);
    assert!(woke, "the wait timed out although another process committed");
    let page = book.changes(last, 10, &ChangeFilter::default()).expect("changes");
    assert_eq!(page.events[0].actor.id, "late");
}

#[test]
fn a_waiting_reader_is_woken_by_a_thread_of_its_own_process() {
    let book = Arc::new(Book::open_in_memory(BookOptions::default()).expect("book"));
    let writer = {
        let book = Arc::clone(&book);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            book.create(&agent(), NewContact::new("Ana")).expect("create");
        })
    };
    assert!(book.wait_for_changes(0, Duration::from_secs(30)).expect("wait"));
    writer.join().expect("writer");
}

#[test]
fn a_consumer_resumes_where_it_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("feed.db");
    {
        let book = Book::open(&db, BookOptions::default()).expect("open");
        for name in ["A", "B", "C"] {
            book.create(&agent(), NewContact::new(name)).expect("create");
        }
        let page = book
            .changes(
                book.consumer_cursor("crm").expect("cursor"),
                2,
                &ChangeFilter::default(),
            )
            .expect("page");
        assert_eq!(page.events.len(), 2);
        book.acknowledge("crm", page.next).expect("ack");
        book.acknowledge("crm", 1).expect("an older ack is ignored");
        // The process "crashes" here: the book is dropped without anything else.
    }
    let book = Book::open(&db, BookOptions::default()).expect("reopen");
    assert_eq!(book.consumer_cursor("crm").expect("cursor"), 2);
    assert_eq!(book.consumer_cursor("other").expect("cursor"), 0);
    let rest = book.changes(2, 10, &ChangeFilter::default()).expect("rest");
    assert_eq!(rest.events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn compaction_keeps_tombstones_longer_and_asks_stale_readers_to_resync() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let a = book.create(&agent(), NewContact::new("A")).expect("create");
    book.create(&agent(), NewContact::new("B")).expect("create");
    book.delete(&Actor::member("o", Role::Owner), a.id)
        .expect("delete");
    let retention = Retention {
        events: Duration::from_secs(3600),
        tombstones: Duration::from_secs(10 * 3600),
    };
    // Two hours later: the ordinary events go, the tombstone stays.
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    assert_eq!(book.compact_changes(retention, later).expect("compact"), 2);
    match book.changes(0, 10, &ChangeFilter::default()) {
        Err(Error::ResyncRequired { after: 0, oldest }) => assert_eq!(oldest, 3),
        other => panic!("expected a resync error, got {other:?}"),
    }
    let page = book
        .changes(2, 10, &ChangeFilter::default())
        .expect("from the horizon on");
    assert_eq!(
        page.events.iter().map(|e| (e.seq, e.kind)).collect::<Vec<_>>(),
        vec![(3, EventKind::Deleted)]
    );
    // New events continue the sequence.
    book.create(&agent(), NewContact::new("C")).expect("create");
    assert_eq!(book.last_change().expect("last"), 4);
    // Eleven hours later the tombstone goes too.
    let much_later = chrono::Utc::now() + chrono::Duration::hours(11);
    assert_eq!(book.compact_changes(retention, much_later).expect("compact"), 2);
    assert!(matches!(
        book.changes(3, 10, &ChangeFilter::default()),
        Err(Error::ResyncRequired { .. })
    ));
    assert_eq!(
        book.changes(4, 10, &ChangeFilter::default())
            .expect("empty")
            .events
            .len(),
        0
    );
}

#[test]
fn erasing_a_contact_scrubs_its_history() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("erase.db");
    let book = Book::open(&db, BookOptions::default()).expect("open");
    let c = book
        .create(
            &agent(),
            NewContact::new("Zuleika Erasmus")
                .email("zuleika.erasmus@example.org")
                .phone("+1 415 555 2671"),
        )
        .expect("create");
    book.update(&agent(), c.id, ContactPatch::new().name("Zuleika Q Erasmus"))
        .expect("edit");
    book.delete(&Actor::member("o", Role::Owner), c.id)
        .expect("delete");
    let events = all_events(&book);
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.changes == json!({})), "{events:?}");
    assert_eq!(events[2].kind, EventKind::Deleted);
    drop(book); // the last connection closes: the WAL is checkpointed into the file
    let main = std::fs::read(&db).expect("file");
    assert!(
        main.len() > 4096,
        "the book's pages were not checkpointed into the main file"
    );
    let wal = std::fs::read(format!("{}-wal", db.display())).unwrap_or_default();
    for bytes in [&main, &wal] {
        for needle in ["Zuleika", "zuleika.erasmus@example.org", "+14155552671"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} is still in the book's files"
            );
        }
    }
}

#[test]
fn a_channel_never_overwrites_what_a_team_member_typed() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let wa = Actor::system("whatsapp", Origin::Whatsapp);
    // Created from WhatsApp with the profile name; the profile name may refresh it.
    let c = book
        .create(&wa, NewContact::new("ana 🌸").phone("+55 11 91234 5678"))
        .expect("create");
    let c = book
        .update(&wa, c.id, ContactPatch::new().name("Ana S 🌸"))
        .expect("refresh");
    assert_eq!(c.name, "Ana S 🌸", "a name the same channel set is refreshed");
    // A team member corrects it; WhatsApp's next profile name does not undo that.
    let c = book
        .update(
            &agent(),
            c.id,
            ContactPatch::new().name("Ana Souza").email("ana@example.com"),
        )
        .expect("typed");
    let c = book
        .update(
            &wa,
            c.id,
            ContactPatch::new()
                .name("ana 🌸🌸")
                .email("ana.other@example.com")
                .attribute("lang", "pt"),
        )
        .expect("channel update");
    assert_eq!(c.name, "Ana Souza");
    // A new email from the channel is kept, as an additional one: nothing is lost.
    let emails: Vec<&str> = c.emails.iter().map(|e| e.address.as_str()).collect();
    assert_eq!(emails, vec!["ana@example.com", "ana.other@example.com"]);
    // An empty field is filled.
    assert_eq!(
        c.attributes["lang"],
        contactkit::AttributeValue::Text("pt".into())
    );
    // Telegram is another channel: it may not replace what WhatsApp set either.
    let tg = Actor::system("telegram", Origin::Telegram);
    let c = book
        .update(&tg, c.id, ContactPatch::new().attribute("lang", "en"))
        .expect("telegram");
    assert_eq!(
        c.attributes["lang"],
        contactkit::AttributeValue::Text("pt".into())
    );
}

#[test]
fn an_idempotency_key_makes_a_retry_return_the_first_result() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let api = Actor::api("crm");
    let first = book
        .create_with_key(&api, NewContact::new("Ana").email("ana@x.com"), Some("k1"))
        .expect("first");
    let events = book.last_change().expect("last");
    let retry = book
        .create_with_key(&api, NewContact::new("Ana").email("ana@x.com"), Some("k1"))
        .expect("retry");
    assert_eq!(retry, first);
    assert_eq!(
        book.last_change().expect("last"),
        events,
        "the retry changed something"
    );
    // Without the key the same call is a duplicate.
    let err = book
        .create(&api, NewContact::new("Ana").email("ana@x.com"))
        .expect_err("duplicate");
    assert!(matches!(err, Error::Duplicate { .. }));
}

#[test]
fn idempotency_keys_hold_across_processes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("keys.db");
    drop(Book::open(&db, BookOptions::default()).expect("create"));
    let workers: Vec<_> = (0..3)
        .map(|i| spawn_worker("idempotent", &db, &format!("p{i}")))
        .collect();
    let ids: BTreeSet<String> = workers
        .into_iter()
        .map(|w| {
            finish(w)
                .lines()
                .find_map(|l| l.strip_prefix("ID ").map(str::to_owned))
                .expect("id line")
        })
        .collect();
    assert_eq!(ids.len(), 1, "three retries made {ids:?}");
    let book = Book::open(&db, BookOptions::default()).expect("open");
    let created = all_events(&book)
        .iter()
        .filter(|e| e.kind == EventKind::Created)
        .count();
    assert_eq!(created, 1);
}

#[test]
fn an_import_repeated_with_its_idempotency_key_writes_nothing_more() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let csv = "name,email\nAna,ana@example.com\nBo,bo@example.com\n";
    let options = contactkit::ImportOptions {
        idempotency_key: Some("upload-7".into()),
        ..Default::default()
    };
    let go = |_| std::ops::ControlFlow::Continue(());
    let first = book
        .import_commit(&Actor::api("x"), csv.as_bytes(), &options, go, None)
        .expect("first");
    let events = book.last_change().expect("last");
    let retry = book
        .import_commit(&Actor::api("x"), csv.as_bytes(), &options, go, None)
        .expect("retry");
    assert_eq!(retry, first, "the retry returns the first report");
    assert_eq!(retry.created, 2);
    assert_eq!(
        book.last_change().expect("last"),
        events,
        "the retry wrote something"
    );
    // Without the key the same file is all duplicates, skipped.
    let plain = book
        .import_commit(
            &Actor::api("x"),
            csv.as_bytes(),
            &contactkit::ImportOptions::default(),
            go,
            None,
        )
        .expect("plain");
    assert_eq!((plain.created, plain.skipped), (0, 2));
}
