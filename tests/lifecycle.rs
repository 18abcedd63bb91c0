//! What happens to a contact after it exists: automatic creation and matching, conversation
//! history, verification, audit, and the erase that leaves nothing behind.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use contactkit::{
    Actor, AuditAction, Book, BookOptions, Channel, ContactPatch, Direction, Error, InboundMessage,
    NewContact, PhoneRegion, Role, Sender, Source, Verification, WebForm,
};

const WORKER_ENV: &str = "CONTACTKIT_LIFECYCLE_WORKER";

fn t(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, minute, 0)
        .single()
        .expect("time")
}

fn wa(id: &str, text: &str, minute: u32) -> InboundMessage {
    InboundMessage::new(Channel::Whatsapp, Sender::new(id), text).at(t(minute))
}

#[test]
fn a_first_message_creates_the_contact_and_later_ones_find_it() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let first = book
        .record_inbound(
            InboundMessage::new(
                Channel::Whatsapp,
                Sender::new("5511912345678").name("Ana 🌸"),
                "Oi!",
            )
            .at(t(0)),
        )
        .expect("first");
    assert!(first.created);
    let c = &first.contact;
    assert_eq!(
        (c.name.as_str(), c.phone(), c.source),
        ("Ana 🌸", Some("+5511912345678"), Source::Whatsapp)
    );
    assert_eq!(c.last_activity_at, Some(t(0)));
    assert!(!c.reviewed, "an auto-created contact waits for review");

    let second = book
        .record_inbound(wa("5511912345678", "Is the flat free?", 5))
        .expect("second");
    assert!(!second.created);
    assert_eq!(second.contact.id, c.id);
    assert_eq!(second.conversation_id, first.conversation_id);
    assert_eq!(second.contact.last_activity_at, Some(t(5)));
    // An older message (delivered late) does not move last activity back.
    let late = book.record_inbound(wa("5511912345678", "late", 1)).expect("late");
    assert_eq!(late.contact.last_activity_at, Some(t(5)));

    let page = book.messages(first.conversation_id, None, 2).expect("messages");
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["Is the flat free?", "late"], "newest first");
    let older = book
        .messages(first.conversation_id, page.next_before, 2)
        .expect("older");
    assert_eq!(
        older.messages.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        vec!["Oi!"]
    );
    assert_eq!(older.next_before, None);
    assert!(page.messages.iter().all(|m| m.direction == Direction::Inbound));
}

#[test]
fn a_known_phone_or_email_finds_the_contact_on_another_channel() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let agent = Actor::member("u-1", Role::Agent);
    let ana = book
        .create(
            &agent,
            NewContact::new("Ana Souza")
                .email("ana@example.com")
                .phone("+55 11 91234 5678"),
        )
        .expect("create");
    // Telegram reports the phone: found by it.
    let tg = book
        .record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("tg-77").phone("+5511912345678").username("ana_s"),
            "hi",
        ))
        .expect("telegram");
    assert_eq!((tg.created, tg.contact.id), (false, ana.id));
    // Next time the Telegram identity alone is enough.
    let tg2 = book
        .record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("tg-77"),
            "again",
        ))
        .expect("tg2");
    assert_eq!(tg2.contact.id, ana.id);
    // A web form with the same email and a second number: the same person, the number added.
    let form = book
        .submit_web_form(WebForm {
            form_name: "book-a-visit".into(),
            name: Some("Ana".into()),
            email: Some("ANA@example.com".into()),
            phone: Some("+351 912 345 678".into()),
            message: Some("Saturday?".into()),
            ..WebForm::default()
        })
        .expect("form");
    assert_eq!((form.created, form.contact.id), (false, ana.id));
    let phones: Vec<&str> = form.contact.phones.iter().map(|p| p.e164.as_str()).collect();
    assert_eq!(
        phones,
        vec!["+5511912345678", "+351912345678"],
        "the new number is an additional one"
    );
    assert_eq!(
        form.contact.name, "Ana Souza",
        "the form's name does not overwrite what the agent typed"
    );
    let conversations = book.conversations(ana.id).expect("conversations");
    let channels: BTreeSet<Channel> = conversations.iter().map(|c| c.channel).collect();
    assert_eq!(channels, BTreeSet::from([Channel::Telegram, Channel::WebWidget]));
    let form_message = &book
        .messages(form.conversation_id, None, 10)
        .expect("messages")
        .messages[0];
    assert_eq!(
        (form_message.text.as_str(), form_message.form_name.as_deref()),
        ("Saturday?", Some("book-a-visit"))
    );
    let identities = book.channel_identities(ana.id).expect("identities");
    assert_eq!(identities.len(), 1);
    assert_eq!(
        (
            identities[0].external_id.as_str(),
            identities[0].username.as_deref()
        ),
        ("tg-77", Some("ana_s"))
    );
}

#[test]
fn a_message_from_a_second_number_of_a_known_email_adds_a_point() {
    let book = Book::open_in_memory(BookOptions {
        default_region: PhoneRegion::new("BR").expect("BR"),
        ..BookOptions::default()
    })
    .expect("book");
    let first = book
        .record_inbound(InboundMessage::new(
            Channel::WebWidget,
            Sender::new("visitor-1")
                .email("lead@example.com")
                .phone("(11) 91234-5678"),
            "hello",
        ))
        .expect("first");
    let second = book
        .record_inbound(InboundMessage::new(
            Channel::WebWidget,
            Sender::new("visitor-2")
                .email("Lead@Example.com")
                .phone("(21) 99876-5432"),
            "me again",
        ))
        .expect("second");
    assert_eq!(second.contact.id, first.contact.id);
    let phones: Vec<&str> = second.contact.phones.iter().map(|p| p.e164.as_str()).collect();
    assert_eq!(phones, vec!["+5511912345678", "+5521998765432"]);
    // Each point remembers the door it came through.
    assert!(
        second
            .contact
            .phones
            .iter()
            .all(|p| p.origin == Some(contactkit::Origin::WebWidget))
    );
    let agent = Actor::member("u-1", Role::Agent);
    let c = book
        .add_email(
            &agent,
            second.contact.id,
            contactkit::PointInput::new("work@example.com"),
        )
        .expect("add");
    let origins: Vec<_> = c.emails.iter().map(|e| (e.address.as_str(), e.origin)).collect();
    assert_eq!(
        origins,
        vec![
            ("lead@example.com", Some(contactkit::Origin::WebWidget)),
            ("work@example.com", Some(contactkit::Origin::Ui))
        ]
    );
    assert_eq!(
        book.get(c.id).expect("get"),
        c,
        "what the call returns is what is stored"
    );
}

#[test]
fn brazilian_numbers_with_and_without_the_ninth_digit_match() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let agent = Actor::member("u-1", Role::Agent);
    let ana = book
        .create(&agent, NewContact::new("Ana").phone("+55 11 98234-5678"))
        .expect("create");
    // WhatsApp reports the old 8-digit form.
    let out = book.record_inbound(wa("551182345678", "oi", 0)).expect("inbound");
    assert_eq!((out.created, out.contact.id), (false, ana.id));
    // A landline-looking number is not a twin: a new contact.
    let other = book.record_inbound(wa("551132345678", "oi", 1)).expect("inbound");
    assert!(other.created);
}

#[test]
fn invalid_profile_data_never_loses_the_message() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let out = book
        .record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("42").email("not an email").phone("12"),
            "hello",
        ))
        .expect("stored");
    assert!(out.created && out.contact.emails.is_empty() && out.contact.phones.is_empty());
    assert_eq!(
        book.messages(out.conversation_id, None, 5)
            .expect("messages")
            .messages[0]
            .text,
        "hello"
    );
    let err = book
        .record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("  "), "x"))
        .expect_err("no id");
    assert!(matches!(
        err,
        Error::Invalid {
            field: contactkit::Field::Channel,
            ..
        }
    ));
    let err = book.submit_web_form(WebForm {
        form_name: "f".into(),
        email: Some("nope".into()),
        ..WebForm::default()
    });
    assert!(matches!(
        err,
        Err(Error::Invalid {
            field: contactkit::Field::Email,
            ..
        })
    ));
}

#[test]
fn two_first_messages_at_once_make_one_contact_across_threads() {
    let dir = tempfile::tempdir().expect("dir");
    let book = Arc::new(Book::open(dir.path().join("b.db"), BookOptions::default()).expect("book"));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let book = Arc::clone(&book);
            std::thread::spawn(move || {
                book.record_inbound(wa("5511912345678", &format!("m{i}"), i))
                    .expect("inbound")
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    let ids: BTreeSet<_> = outcomes.iter().map(|o| o.contact.id).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(outcomes.iter().filter(|o| o.created).count(), 1);
    let conversation = outcomes[0].conversation_id;
    assert_eq!(
        book.messages(conversation, None, 100)
            .expect("messages")
            .messages
            .len(),
        6
    );
}

/// Worker for the two-process test; idle unless started by it.
#[test]
fn inbound_worker() {
    let Ok(db) = std::env::var(WORKER_ENV) else { return };
    let book = Book::open(&db, BookOptions::default()).expect("open");
    for i in 0..10 {
        let out = book
            .record_inbound(wa("5511912345678", &format!("{}-{i}", std::process::id()), i))
            .expect("inbound");
        println!("\nCONTACT {} {}", out.contact.id, out.created);
    }
}

#[test]
fn two_first_messages_at_once_make_one_contact_across_processes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("b.db");
    drop(Book::open(&db, BookOptions::default()).expect("create"));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            Command::new(std::env::current_exe().expect("exe"))
                .args(["--exact", "inbound_worker", "--nocapture", "--test-threads", "1"])
                .env(WORKER_ENV, &db)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut ids = BTreeSet::new();
    let mut created = 0;
    for w in workers {
        let out = w.wait_with_output().expect("worker");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in text.lines().filter_map(|l| l.strip_prefix("CONTACT ")) {
            let (id, was_created) = line.split_once(' ').expect("two fields");
            ids.insert(id.to_owned());
            created += usize::from(was_created == "true");
        }
    }
    assert_eq!((ids.len(), created), (1, 1), "ids {ids:?}");
}

#[test]
fn verification_changes_keep_their_history() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let agent = Actor::member("u-2", Role::Agent);
    let c = book.create(&agent, NewContact::new("Ana")).expect("create");
    book.set_verification(&agent, c.id, Verification::Pending, Some("sms_code"))
        .expect("pending");
    let c2 = book
        .set_verification(&agent, c.id, Verification::Verified, Some("sms_code"))
        .expect("verified");
    assert_eq!(c2.verification, Verification::Verified);
    book.update(
        &Actor::member("u-3", Role::Admin),
        c.id,
        ContactPatch::new().verification(Verification::Failed),
    )
    .expect("via update");
    let history = book.verification_history(c.id).expect("history");
    let steps: Vec<(Verification, Option<&str>, &str)> = history
        .iter()
        .map(|h| (h.status, h.method.as_deref(), h.actor_id.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Verification::Unverified, None, "u-2"),
            (Verification::Pending, Some("sms_code"), "u-2"),
            (Verification::Verified, Some("sms_code"), "u-2"),
            (Verification::Failed, None, "u-3"),
        ]
    );
}

#[test]
fn upsert_creates_then_updates_by_any_point() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let api = Actor::api("crm");
    let a = book
        .upsert(&api, NewContact::new("Ana").phone("+14155552671"), None)
        .expect("create");
    assert!(a.created && a.contact.source == Source::Api);
    let b = book
        .upsert(
            &api,
            NewContact::new("Ana S")
                .email("ana@x.com")
                .additional_phone("415-555-2671", None)
                .tag("Lead"),
            None,
        )
        .expect("update");
    assert_eq!((b.created, b.contact.id), (false, a.contact.id));
    assert_eq!(
        (b.contact.name.as_str(), b.contact.email()),
        ("Ana S", Some("ana@x.com"))
    );
    let bo = book
        .create(&api, NewContact::new("Bo").email("bo@x.com"))
        .expect("bo");
    let err = book
        .upsert(
            &api,
            NewContact::new("Both").email("bo@x.com").phone("+14155552671"),
            None,
        )
        .expect_err("two owners");
    assert!(matches!(err, Error::Duplicate { .. }));
    assert_eq!(book.get(bo.id).expect("bo").name, "Bo");
    // With an idempotency key a retry returns the first outcome.
    let k1 = book
        .upsert(&api, NewContact::new("Cy").email("cy@x.com"), Some("k"))
        .expect("k1");
    let k2 = book
        .upsert(&api, NewContact::new("Cy").email("cy@x.com"), Some("k"))
        .expect("k2");
    assert_eq!(k1, k2);
    assert!(k2.created);
}

#[test]
fn deletes_are_audited_without_personal_data() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let admin = Actor::member("boss", Role::Admin);
    let c = book
        .create(
            &admin,
            NewContact::new("Zed Private").email("zed@private.example"),
        )
        .expect("create");
    book.delete(&admin, c.id).expect("delete");
    let log = book.audit_log(0, 10).expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].action, log[0].contacts, log[0].actor_id.as_str()),
        (AuditAction::Delete, 1, "boss")
    );
    assert_eq!(log[0].contact_ids, vec![c.id]);
    let text = serde_json::to_string(&log).expect("json");
    assert!(!text.contains("Zed") && !text.contains("zed@"), "{text}");
    // Refused deletes change nothing and are not audited as done.
    let d = book.create(&admin, NewContact::new("D")).expect("create");
    book.delete(&Actor::member("a", Role::Agent), d.id)
        .expect_err("agent");
    assert_eq!(book.audit_log(0, 10).expect("log").len(), 1);
}

#[test]
fn a_later_message_after_a_delete_creates_a_new_contact() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let first = book.record_inbound(wa("5511912345678", "hi", 0)).expect("first");
    book.delete(&Actor::member("o", Role::Owner), first.contact.id)
        .expect("delete");
    let again = book
        .record_inbound(wa("5511912345678", "hi again", 1))
        .expect("again");
    assert!(again.created);
    assert_ne!(again.contact.id, first.contact.id);
    assert_eq!(
        book.messages(again.conversation_id, None, 10)
            .expect("messages")
            .messages
            .len(),
        1
    );
}

#[test]
fn delete_leaves_no_byte_of_the_person_in_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("erase.db");
    let secrets = [
        "Quillon Vantablack",
        "quillon.vantablack@example.org",
        "+5511987651234",
        "my secret budget is 987654",
        "qv_telegram",
    ];
    {
        let book = Book::open(&db, BookOptions::default()).expect("book");
        let agent = Actor::member("u-1", Role::Agent);
        let out = book
            .record_inbound(InboundMessage::new(
                Channel::Whatsapp,
                Sender::new("5511987651234").name("Quillon Vantablack"),
                "my secret budget is 987654",
            ))
            .expect("inbound");
        let id = out.contact.id;
        book.record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("9911")
                .username("qv_telegram")
                .phone("+5511987651234"),
            "my secret budget is 987654",
        ))
        .expect("telegram");
        book.update(
            &agent,
            id,
            ContactPatch::new()
                .email("quillon.vantablack@example.org")
                .attribute("note", "my secret budget is 987654"),
        )
        .expect("edit");
        book.add_tags(&agent, id, &["Quillon Vantablack"]).expect("tag");
        book.set_verification(&agent, id, Verification::Verified, Some("call"))
            .expect("verify");
        book.record_outbound(&agent, id, Channel::Whatsapp, "Hi Quillon Vantablack", None)
            .expect("outbound");
        book.delete_tag(&agent, "Quillon Vantablack")
            .expect("the tag is the person's name: remove it too");
        // Someone else stays, so the file is not simply empty.
        book.create(&agent, NewContact::new("Keeper").email("keeper@example.org"))
            .expect("keeper");
        book.delete(&Actor::member("o", Role::Owner), id).expect("delete");
        assert!(book.get(id).is_err());
        assert_eq!(
            book.conversations(id).expect_err("gone").kind(),
            contactkit::ErrorKind::NotFound
        );
    } // last connection closed: WAL checkpointed into the main file and removed
    let mut files = vec![std::fs::read(&db).expect("db")];
    assert!(
        files[0].len() > 4096,
        "the book's pages were not checkpointed into the main file"
    );
    for suffix in ["-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", db.display())) {
            files.push(bytes);
        }
    }
    for bytes in &files {
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret:?} is still in the book"
            );
        }
    }
    let book = Book::open(&db, BookOptions::default()).expect("reopen");
    assert_eq!(book.tags().expect("tags").len(), 0);
}

#[test]
fn a_sleep_free_wait_is_not_needed_for_inbound_history_order() {
    // Messages recorded with the same time keep their order by id.
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    for text in ["one", "two", "three"] {
        book.record_inbound(wa("5511912345678", text, 0))
            .expect("inbound");
    }
    let c = book
        .conversations("1".parse().expect("id"))
        .expect("conversations");
    let texts: Vec<String> = book
        .messages(c[0].id, None, 10)
        .expect("page")
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, vec!["three", "two", "one"]);
}
