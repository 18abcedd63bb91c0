//! Bulk actions, the duplicate finder and merge, the GDPR export and housekeeping.

use chrono::{Duration, Utc};
use contactkit::{
    Actor, AuditAction, Book, BookOptions, ChangeFilter, Channel, DuplicateReason, ErrorKind, EventKind,
    InboundMessage, MergeChoices, NewContact, Query, Role, Selection, Sender, Verification,
};

fn admin() -> Actor {
    Actor::member("admin-1", Role::Admin)
}

fn book_with(names: &[(&str, &[&str])]) -> (Book, Vec<contactkit::ContactId>) {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let mut ids = Vec::new();
    for (name, tags) in names {
        let mut new = NewContact::new(*name);
        for t in *tags {
            new = new.tag(*t);
        }
        ids.push(book.create(&admin(), new).expect("create").id);
    }
    (book, ids)
}

#[test]
fn bulk_tags_work_on_ids_and_on_everything_a_query_matches() {
    let (book, ids) = book_with(&[("Ana", &["lead"]), ("Bo", &["lead", "hot"]), ("Cy", &[])]);
    let out = book
        .bulk_add_tags(
            &admin(),
            &Selection::Query(Query::new().tags_any(["LEAD"])),
            &["Hot"],
        )
        .expect("bulk add");
    assert_eq!((out.selected, out.changed), (2, 1), "Bo already had the tag");
    assert_eq!(book.get(ids[0]).expect("ana").tags, vec!["hot", "lead"]);
    let out = book
        .bulk_remove_tags(
            &admin(),
            &Selection::Ids(vec![ids[0], ids[2], "999".parse().expect("id")]),
            &["lead"],
        )
        .expect("bulk remove");
    assert_eq!((out.selected, out.changed), (2, 1));
    assert!(
        book.bulk_add_tags(&admin(), &Selection::Ids(ids.clone()), &["a,b"])
            .is_err()
    );
    assert_eq!(
        book.get(ids[2]).expect("cy").tags,
        Vec::<String>::new(),
        "a refused bulk action changed something"
    );
    let log = book.audit_log(0, 10).expect("audit");
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![AuditAction::BulkAddTags, AuditAction::BulkRemoveTags]
    );
    assert_eq!(log[0].contact_ids, vec![ids[0]]);
}

#[test]
fn bulk_delete_is_for_owners_and_admins_and_is_one_transaction() {
    let (book, ids) = book_with(&[("Ana", &["old"]), ("Bo", &["old"]), ("Cy", &["new"])]);
    let selection = Selection::Query(Query::new().tags_any(["old"]));
    let err = book
        .bulk_delete(&Actor::member("a", Role::Agent), &selection)
        .expect_err("agent");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        book.count(&Query::new()).expect("count"),
        3,
        "a refused bulk delete deleted something"
    );
    let out = book
        .bulk_delete(&Actor::member("o", Role::Owner), &selection)
        .expect("owner");
    assert_eq!(out.changed, 2);
    assert_eq!(book.count(&Query::new()).expect("count"), 1);
    assert!(book.get(ids[2]).is_ok());
    let entry = book.audit_log(0, 10).expect("audit").pop().expect("entry");
    assert_eq!(
        (entry.action, entry.contacts, entry.contact_ids),
        (AuditAction::BulkDelete, 2, vec![ids[0], ids[1]])
    );
}

#[test]
fn the_duplicate_finder_blocks_on_keys_and_explains_each_pair() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let me = admin();
    let jose = book
        .create(
            &me,
            NewContact::new("José Álvarez")
                .email("jose@imobi.com.br")
                .tag("buyer"),
        )
        .expect("a");
    let alvarez = book
        .create(
            &me,
            NewContact::new("ALVAREZ jose")
                .email("j.alvarez@imobi.com.br")
                .tag("Buyer"),
        )
        .expect("b");
    let br9 = book
        .create(&me, NewContact::new("Ana").phone("+55 11 98234-5678"))
        .expect("c");
    // The old 8-digit form no longer validates, so it can only be in the book from older data;
    // simulate it with a contact that has a different, valid form of the same line: none.
    // Instead check the mailbox rule and the phone-digits rule.
    let mailbox_a = book
        .create(&me, NewContact::new("Carla").email("carla.m@gmail.com"))
        .expect("d");
    let mailbox_b = book
        .create(
            &me,
            NewContact::new("C. Mendes").email("carlam+imoveis@gmail.com"),
        )
        .expect("e");
    let digits_a = book
        .create(&me, NewContact::new("Dan").phone("+1 202 555 0143"))
        .expect("f");
    let digits_b = book
        .create(&me, NewContact::new("Daniel").phone("+55 11 2555-0143"))
        .expect("g");
    let _unrelated = book
        .create(&me, NewContact::new("Zoe").phone("+1 415 555 2671"))
        .expect("h");

    let pairs = book.find_duplicates(20).expect("pairs");
    let find = |a: contactkit::ContactId, b: contactkit::ContactId| {
        pairs
            .iter()
            .find(|p| (p.a, p.b) == (a.min(b), a.max(b)))
            .unwrap_or_else(|| panic!("no pair {a} {b}: {pairs:?}"))
    };
    let names = find(jose.id, alvarez.id);
    assert!(
        names.reasons.contains(&DuplicateReason::SameName {
            name: "alvarez jose".into()
        }),
        "{names:?}"
    );
    assert!(
        names
            .reasons
            .contains(&DuplicateReason::SharedTag { tag: "buyer".into() })
    );
    assert!(names.reasons.contains(&DuplicateReason::SharedEmailDomain {
        domain: "imobi.com.br".into()
    }));
    let mail = find(mailbox_a.id, mailbox_b.id);
    assert!(mail.reasons.contains(&DuplicateReason::SameMailbox {
        mailbox: "carlam@gmail.com".into()
    }));
    let digits = find(digits_a.id, digits_b.id);
    assert!(
        matches!(digits.reasons[0], DuplicateReason::SamePhoneDigits { .. }),
        "{digits:?}"
    );
    assert!(names.score > digits.score || names.score > 0.5);
    assert!(
        pairs.iter().all(|p| p.a != br9.id && p.b != br9.id),
        "nothing pairs with an unrelated contact"
    );
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    let mut sorted = pairs.clone();
    sorted.sort_by(|x, y| y.score.total_cmp(&x.score));
    assert_eq!(sorted, pairs, "best first");
}

#[test]
fn brazilian_ninth_digit_pairs_are_reported_by_the_finder() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    // WhatsApp reports a lead with the old 8-digit form; it becomes a contact of its own
    // (the old form does not validate, so it is only its channel identity)...
    let from_whatsapp = book
        .record_inbound(InboundMessage::new(
            Channel::Whatsapp,
            Sender::new("552198765432").name("Ana"),
            "oi",
        ))
        .expect("inbound");
    // ...and later a team member types the current form on a new contact.
    let typed = book
        .create(&admin(), NewContact::new("Ana Paula").phone("+55 21 99876-5432"))
        .expect("typed");
    let pairs = book.find_duplicates(10).expect("pairs");
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].a, pairs[0].b), (from_whatsapp.contact.id, typed.id));
    assert!(
        pairs[0].reasons.contains(&DuplicateReason::BrazilianNinthDigit {
            a: "+552198765432".into(),
            b: "+5521998765432".into(),
        }),
        "{pairs:?}"
    );
    // A later message from the old form finds the typed contact's number too: both match.
    let again = book
        .record_inbound(InboundMessage::new(
            Channel::Whatsapp,
            Sender::new("552198765432"),
            "again",
        ))
        .expect("again");
    assert_eq!(
        again.contact.id, from_whatsapp.contact.id,
        "the channel identity matches first"
    );
}

#[test]
fn merge_unites_two_contacts_and_moves_their_history() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let me = admin();
    let wa = book
        .record_inbound(InboundMessage::new(
            Channel::Whatsapp,
            Sender::new("5511912345678").name("ana"),
            "oi from whatsapp",
        ))
        .expect("wa");
    let tg = book
        .record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("tg-1").email("ana@x.com"),
            "hi from telegram",
        ))
        .expect("tg");
    book.set_verification(&me, tg.contact.id, Verification::Verified, Some("call"))
        .expect("verify");
    book.add_tags(&me, wa.contact.id, &["buyer"]).expect("tag");
    book.add_tags(&me, tg.contact.id, &["vip"]).expect("tag");
    let merged = book
        .merge(
            &me,
            wa.contact.id,
            tg.contact.id,
            MergeChoices {
                verification_from_absorbed: true,
                ..MergeChoices::default()
            },
        )
        .expect("merge");
    assert_eq!(merged.id, wa.contact.id);
    assert_eq!(
        (merged.email(), merged.phone()),
        (Some("ana@x.com"), Some("+5511912345678"))
    );
    assert_eq!(merged.tags, vec!["buyer", "vip"]);
    assert_eq!(merged.verification, Verification::Verified);
    assert_eq!(
        book.get(tg.contact.id).expect_err("absorbed").kind(),
        ErrorKind::NotFound
    );
    let channels: Vec<Channel> = book
        .conversations(merged.id)
        .expect("conversations")
        .iter()
        .map(|c| c.channel)
        .collect();
    assert_eq!(channels.len(), 2);
    // The Telegram identity now finds the survivor.
    let again = book
        .record_inbound(InboundMessage::new(
            Channel::Telegram,
            Sender::new("tg-1"),
            "again",
        ))
        .expect("again");
    assert_eq!(again.contact.id, merged.id);
    assert!(
        book.verification_history(merged.id)
            .expect("history")
            .iter()
            .any(|h| h.method.as_deref() == Some("call"))
    );
    let feed = book
        .changes(0, 1000, &ChangeFilter::default())
        .expect("feed")
        .events;
    let merged_event = feed
        .iter()
        .find(|e| e.kind == EventKind::Merged)
        .expect("merged event");
    assert_eq!(merged_event.contact_id, Some(tg.contact.id));
    assert_eq!(
        book.audit_log(0, 10).expect("audit").last().map(|e| e.action),
        Some(AuditAction::Merge)
    );
    assert!(
        book.merge(&me, merged.id, merged.id, MergeChoices::default())
            .is_err()
    );
}

#[test]
fn merging_two_conversations_on_one_channel_keeps_every_message() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let a = book
        .record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("1"), "a1"))
        .expect("a");
    let b = book
        .record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("2"), "b1"))
        .expect("b");
    let merged = book
        .merge(&admin(), a.contact.id, b.contact.id, MergeChoices::default())
        .expect("merge");
    let conversations = book.conversations(merged.id).expect("conversations");
    assert_eq!(conversations.len(), 1);
    let texts: Vec<String> = book
        .messages(conversations[0].id, None, 10)
        .expect("page")
        .messages
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"a1".to_owned()) && texts.contains(&"b1".to_owned()));
}

#[test]
fn the_gdpr_export_holds_everything_inserted_for_the_contact() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let me = admin();
    let out = book
        .record_inbound(InboundMessage::new(
            Channel::Whatsapp,
            Sender::new("5511912345678").name("Ana"),
            "first",
        ))
        .expect("inbound");
    let id = out.contact.id;
    book.record_inbound(InboundMessage::new(
        Channel::Telegram,
        Sender::new("tg-9").phone("+5511912345678").username("ana_t"),
        "second",
    ))
    .expect("telegram");
    book.update(
        &me,
        id,
        contactkit::ContactPatch::new()
            .email("ana@x.com")
            .attribute("budget", 300000.0),
    )
    .expect("edit");
    book.add_email(&me, id, contactkit::PointInput::labelled("ana@work.com", "work"))
        .expect("email");
    book.add_tags(&me, id, &["buyer"]).expect("tag");
    book.set_verification(&me, id, Verification::Verified, Some("document"))
        .expect("verify");
    book.record_outbound(&me, id, Channel::Whatsapp, "Hello Ana!", None)
        .expect("outbound");
    let other = book
        .create(&me, NewContact::new("Someone else").tag("buyer"))
        .expect("other");
    book.bulk_add_tags(&me, &Selection::Ids(vec![id, other.id]), &["2026"])
        .expect("bulk");

    let export = book.gdpr_export(&me, id).expect("export");
    assert_eq!(export.schema, contactkit::GDPR_EXPORT_SCHEMA);
    assert_eq!(export.contact, book.get(id).expect("contact"));
    let emails: Vec<(&str, Option<&str>)> = export
        .contact
        .emails
        .iter()
        .map(|e| (e.address.as_str(), e.label.as_deref()))
        .collect();
    assert_eq!(emails, vec![("ana@x.com", None), ("ana@work.com", Some("work"))]);
    let origins: Vec<Option<contactkit::Origin>> = export.contact.phones.iter().map(|p| p.origin).collect();
    assert_eq!(
        origins,
        vec![Some(contactkit::Origin::Whatsapp)],
        "points are listed with their origins"
    );
    assert_eq!(export.contact.emails[1].origin, Some(contactkit::Origin::Ui));
    let channels: Vec<(Channel, &str)> = export
        .channel_identities
        .iter()
        .map(|c| (c.channel, c.external_id.as_str()))
        .collect();
    assert_eq!(
        channels,
        vec![(Channel::Whatsapp, "5511912345678"), (Channel::Telegram, "tg-9")]
    );
    let mut texts: Vec<&str> = export
        .conversations
        .iter()
        .flat_map(|c| c.messages.iter().map(|m| m.text.as_str()))
        .collect();
    texts.sort();
    assert_eq!(texts, vec!["Hello Ana!", "first", "second"]);
    assert_eq!(
        export.verification_history.last().map(|v| v.method.as_deref()),
        Some(Some("document"))
    );
    assert!(export.provenance.contains_key("attributes.budget"));
    assert!(export.changes.iter().all(|e| e.contact_id == Some(id)));
    assert!(export.changes.iter().any(|e| e.kind == EventKind::Created));
    let actions: Vec<AuditAction> = export.audit.iter().map(|a| a.action).collect();
    assert_eq!(actions, vec![AuditAction::BulkAddTags, AuditAction::GdprExport]);
    // It round-trips as JSON: one document, documented schema.
    let json = serde_json::to_string(&export).expect("json");
    let back: contactkit::GdprExport = serde_json::from_str(&json).expect("parse back");
    assert_eq!(back, export);
    assert!(
        !json.contains("Someone else"),
        "another contact's data leaked into the export"
    );
}

#[test]
fn housekeeping_reports_unreachable_and_stale_contacts_and_backs_up_online() {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let me = admin();
    let old = book
        .create(
            &me,
            NewContact::new("Old")
                .email("old@x.com")
                .created_at(Utc::now() - Duration::days(400)),
        )
        .expect("old");
    let nobody = book
        .create(&me, NewContact::new("No Way To Reach"))
        .expect("nobody");
    let fresh = book
        .create(
            &me,
            NewContact::new("Fresh")
                .phone("+14155552671")
                .last_activity_at(Utc::now()),
        )
        .expect("fresh");
    let report = book
        .cleanup_report(Utc::now() - Duration::days(90))
        .expect("report");
    assert_eq!(report.unreachable, vec![nobody.id]);
    assert_eq!(report.stale, vec![old.id]);
    assert!(report.invalid_emails.is_empty() && report.invalid_phones.is_empty());

    let inbound = book
        .record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("55"), "hi"))
        .expect("inbound");
    assert!(!inbound.contact.reviewed);
    let to_review = Query::new().filter(contactkit::Filter::Reviewed(false));
    let page = book.query(&to_review).expect("review list");
    assert_eq!(
        page.contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![inbound.contact.id]
    );
    assert_eq!(
        book.count(&Query::new().filter(contactkit::Filter::Reviewed(true)))
            .expect("count"),
        3
    );
    assert_eq!(
        book.mark_reviewed(&me, &[inbound.contact.id, "999".parse().expect("id")])
            .expect("review"),
        1
    );
    assert!(book.get(inbound.contact.id).expect("get").reviewed);
    assert_eq!(book.count(&to_review).expect("count"), 0);

    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("backup.db");
    book.backup(&copy).expect("backup");
    assert!(book.backup(&copy).is_err(), "a backup never overwrites a file");
    let restored = Book::open(&copy, BookOptions::default()).expect("open the copy");
    assert_eq!(
        restored.get(fresh.id).expect("fresh"),
        book.get(fresh.id).expect("fresh")
    );
    assert_eq!(restored.count(&Query::new()).expect("count"), 4);
}

#[test]
fn exports_are_audited_with_their_scope() {
    let (book, ids) = book_with(&[("Ana", &["x"]), ("Bo", &[])]);
    let options = contactkit::ExportOptions {
        actor: Some(admin()),
        ..contactkit::ExportOptions::default()
    };
    let mut out = Vec::new();
    book.export(
        &contactkit::ExportScope::Ids(vec![ids[0]]),
        contactkit::ExportFormat::Json,
        &options,
        &mut out,
        |_| std::ops::ControlFlow::Continue(()),
    )
    .expect("export");
    book.export(
        &contactkit::ExportScope::All,
        contactkit::ExportFormat::Csv,
        &contactkit::ExportOptions::default(),
        &mut Vec::new(),
        |_| std::ops::ControlFlow::Continue(()),
    )
    .expect("export all");
    let log = book.audit_log(0, 10).expect("audit");
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].action,
            log[0].actor_id.as_str(),
            log[0].contact_ids.clone()
        ),
        (AuditAction::Export, "admin-1", vec![ids[0]])
    );
    assert_eq!(log[0].details["scope"], "selected");
    assert_eq!(
        (
            log[1].details["scope"].as_str(),
            log[1].details["contacts"].as_u64()
        ),
        (Some("all"), Some(2))
    );
    assert_eq!(log[1].actor_id, "export");
}
