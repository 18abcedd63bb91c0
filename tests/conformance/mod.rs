//! Storage conformance checks: behaviour every backend must show, written against
//! `Book::with_store(Box<dyn Store>)` and never against SQLite. A backend adds one line to
//! `storage_conformance.rs`.

use std::time::Duration;

use contactkit::{
    Action, Actor, AttributeValue, Book, BookOptions, ContactPatch, Error, ErrorKind, Field, NewContact,
    PhoneRegion, PointInput, Role, Source, Verification,
};

fn book(store: Box<dyn contactkit::store::Store>) -> Book {
    Book::with_store(store, BookOptions::default())
}

fn admin() -> Actor {
    Actor::member("admin-1", Role::Admin)
}

fn assert_duplicate(err: Error, field: Field, existing: contactkit::ContactId) {
    match err {
        Error::Duplicate {
            field: f,
            existing: e,
            ..
        } => {
            assert_eq!(
                (f, e),
                (field, existing),
                "duplicate names the wrong field or twin"
            );
        }
        other => panic!("expected a duplicate {field} error, got {other:?}"),
    }
}

pub fn created_contact_reads_back_whole(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let created = book
        .create(
            &admin(),
            NewContact::new("  Ana   Souza ")
                .email("Ana.Souza@Example.COM")
                .phone("(415) 555-2671")
                .additional_phone("+55 11 91234-5678", Some("WhatsApp"))
                .tag("Hot")
                .tag("Buyer")
                .source(Source::Whatsapp)
                .verification(Verification::Pending)
                .attribute("budget", 450000.0)
                .attribute(
                    "first_visit",
                    chrono::NaiveDate::from_ymd_opt(2024, 5, 1).expect("date"),
                )
                .attribute("pre_approved", true)
                .attribute("notes", "wants a garden"),
        )
        .expect("create");
    assert_eq!(created.name, "Ana Souza");
    assert_eq!(created.email(), Some("Ana.Souza@example.com"));
    assert_eq!(created.phone(), Some("+14155552671"));
    assert_eq!(created.phones[0].original, "(415) 555-2671");
    assert_eq!(created.phones[1].e164.as_str(), "+5511912345678");
    assert_eq!(created.phones[1].label.as_deref(), Some("whatsapp"));
    assert_eq!(created.tags, vec!["Buyer", "Hot"]);
    assert_eq!(created.source, Source::Whatsapp);
    assert_eq!(created.verification, Verification::Pending);
    assert_eq!(created.attributes["budget"], AttributeValue::Number(450000.0));
    assert_eq!(created.attributes["pre_approved"], AttributeValue::Bool(true));
    assert!(matches!(
        created.attributes["first_visit"],
        AttributeValue::Date(_)
    ));
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(created.last_activity_at, None);
    assert_eq!(book.get(created.id).expect("get"), created);
}

pub fn source_defaults_follow_the_actor(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let by_member = book.create(&admin(), NewContact::new("A")).expect("create");
    let by_api = book
        .create(&Actor::api("crm"), NewContact::new("B"))
        .expect("create");
    let by_import = book
        .create(
            &Actor::system("csv", contactkit::Origin::Import),
            NewContact::new("C"),
        )
        .expect("create");
    assert_eq!(
        (by_member.source, by_api.source, by_import.source),
        (Source::Referral, Source::Api, Source::Import)
    );
}

pub fn bad_input_names_the_field_and_value(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let cases: Vec<(NewContact, Field, &str)> = vec![
        (NewContact::new(" \t "), Field::Name, " \t "),
        (NewContact::new("A").email("ana@"), Field::Email, "ana@"),
        (
            NewContact::new("A").email("Ana <ana@example.com>"),
            Field::Email,
            "Ana <ana@example.com>",
        ),
        (
            NewContact::new("A").phone("+1 201 555 01234"),
            Field::Phone,
            "+1 201 555 01234",
        ),
        (NewContact::new("A").phone("call me"), Field::Phone, "call me"),
        (NewContact::new("A").tag("a,b"), Field::Tag, "a,b"),
        (NewContact::new("A").attribute(" ", "x"), Field::Attribute, " "),
        (
            NewContact::new("A").attribute("n", f64::NAN),
            Field::Attribute,
            "n=NaN",
        ),
    ];
    for (new, field, value) in cases {
        match book.create(&admin(), new) {
            Err(Error::Invalid {
                field: f,
                value: v,
                reason,
            }) => {
                assert_eq!((f, v.as_str()), (field, value), "reason: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("expected invalid {field} {value:?}, got {other:?}"),
        }
    }
    assert!(
        book.tags().expect("tags").is_empty(),
        "a refused create wrote tags"
    );
}

pub fn duplicate_email_is_refused_whatever_its_case(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let first = book
        .create(&admin(), NewContact::new("Ana").email("ana@example.com"))
        .expect("create");
    let err = book
        .create(&admin(), NewContact::new("Other").email(" ANA@Example.com "))
        .expect_err("duplicate");
    assert_eq!(err.kind(), ErrorKind::Duplicate);
    assert_duplicate(err, Field::Email, first.id);
}

pub fn duplicate_phone_is_refused_whatever_its_format(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let first = book
        .create(&admin(), NewContact::new("Ana").phone("+14155552671"))
        .expect("create");
    for written in [
        "(415) 555-2671",
        "415.555.2671",
        "+1 415-555-2671",
        "011 1 415 555 2671",
        "1-415-555-2671",
    ] {
        let err = book
            .create(&admin(), NewContact::new("Other").phone(written))
            .expect_err(written);
        assert_duplicate(err, Field::Phone, first.id);
    }
}

pub fn additional_points_are_unique_across_contacts(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let first = book
        .create(
            &admin(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .additional_email("ana.work@corp.com", Some("work"))
                .additional_phone("+447400123456", None),
        )
        .expect("create");
    // Another contact's primary may not be one of Ana's additional points...
    let err = book
        .create(&admin(), NewContact::new("Bo").email("ANA.WORK@corp.com"))
        .expect_err("dup");
    assert_duplicate(err, Field::Email, first.id);
    // ...nor may its additional point be Ana's primary or additional.
    let bo = book
        .create(&admin(), NewContact::new("Bo").email("bo@example.com"))
        .expect("create");
    let err = book
        .add_phone(&admin(), bo.id, PointInput::new("+44 7400 123456"))
        .expect_err("dup");
    assert_duplicate(err, Field::Phone, first.id);
    // A national number is read with the book's default region.
    let gb = Book::with_store(
        contactkit::SqliteStore::open_in_memory()
            .map(Box::new)
            .expect("store"),
        BookOptions {
            default_region: PhoneRegion::new("GB").expect("GB"),
            ..BookOptions::default()
        },
    );
    let gb_ana = gb
        .create(&admin(), NewContact::new("Ana").phone("+447400123456"))
        .expect("create");
    let gb_bo = gb.create(&admin(), NewContact::new("Bo")).expect("create");
    let err = gb
        .add_phone(&admin(), gb_bo.id, PointInput::new("07400 123456"))
        .expect_err("dup");
    assert_duplicate(err, Field::Phone, gb_ana.id);
    let err = book
        .add_email(&admin(), bo.id, PointInput::new("ana@EXAMPLE.com"))
        .expect_err("dup");
    assert_duplicate(err, Field::Email, first.id);
}

pub fn a_refused_create_writes_nothing(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let first = book
        .create(&admin(), NewContact::new("Ana").phone("+14155552671"))
        .expect("create");
    let err = book
        .create(
            &admin(),
            NewContact::new("Bo")
                .email("bo@example.com")
                .phone("+14155552671")
                .tag("NewTag"),
        )
        .expect_err("dup phone");
    assert_duplicate(err, Field::Phone, first.id);
    // Bo's email was not left behind: a third contact may take it, and no tag was created.
    assert!(book.tags().expect("tags").is_empty());
    let third = book
        .create(&admin(), NewContact::new("Cy").email("bo@example.com"))
        .expect("email is free");
    assert!(third.id > first.id);
}

pub fn update_changes_only_the_fields_given(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let before = book
        .create(
            &admin(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .phone("+14155552671")
                .tag("Hot")
                .attribute("budget", 100.0)
                .attribute("city", "Lisbon"),
        )
        .expect("create");
    std::thread::sleep(Duration::from_millis(3));
    let after = book
        .update(
            &admin(),
            before.id,
            ContactPatch::new()
                .name("Ana Souza")
                .attribute("budget", 200.0)
                .unset_attribute("city")
                .verification(Verification::Verified),
        )
        .expect("update");
    assert_eq!(after.name, "Ana Souza");
    assert_eq!(after.verification, Verification::Verified);
    assert_eq!(
        after.attributes.get("budget"),
        Some(&AttributeValue::Number(200.0))
    );
    assert!(!after.attributes.contains_key("city"));
    assert_eq!((after.email(), after.phone()), (before.email(), before.phone()));
    assert_eq!(
        (&after.tags, after.source, after.created_at),
        (&before.tags, before.source, before.created_at)
    );
    assert!(after.updated_at > before.updated_at, "updated_at did not move");
    assert_eq!(book.get(before.id).expect("get"), after);

    // An edit that changes nothing leaves updated_at alone.
    std::thread::sleep(Duration::from_millis(3));
    let same = book
        .update(&admin(), before.id, ContactPatch::new().name("Ana Souza"))
        .expect("no-op update");
    assert_eq!(same.updated_at, after.updated_at);
}

pub fn update_of_primary_email_and_phone(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let c = book
        .create(
            &admin(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .additional_email("ana@work.com", Some("work"))
                .phone("+14155552671"),
        )
        .expect("create");
    // Setting the primary to an address the contact already has promotes it.
    let c = book
        .update(&admin(), c.id, ContactPatch::new().email("ANA@work.com"))
        .expect("promote");
    let emails: Vec<&str> = c.emails.iter().map(|e| e.address.as_str()).collect();
    assert_eq!(emails, vec!["ana@work.com", "ana@example.com"]);
    // A new value replaces the primary.
    let c = book
        .update(&admin(), c.id, ContactPatch::new().email("new@x.org"))
        .expect("replace");
    let emails: Vec<&str> = c.emails.iter().map(|e| e.address.as_str()).collect();
    assert_eq!(emails, vec!["new@x.org", "ana@example.com"]);
    // Clearing the primary promotes the next one; clearing the last leaves none.
    let c = book
        .update(&admin(), c.id, ContactPatch::new().clear_email().clear_phone())
        .expect("clear");
    assert_eq!((c.email(), c.phone()), (Some("ana@example.com"), None));
}

pub fn update_to_a_taken_value_changes_nothing(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let ana = book
        .create(&admin(), NewContact::new("Ana").email("ana@example.com"))
        .expect("create");
    let bo = book
        .create(&admin(), NewContact::new("Bo").email("bo@example.com"))
        .expect("create");
    let err = book
        .update(
            &admin(),
            bo.id,
            ContactPatch::new().name("Bo Changed").email("Ana@Example.com"),
        )
        .expect_err("dup");
    assert_duplicate(err, Field::Email, ana.id);
    assert_eq!(
        book.get(bo.id).expect("get"),
        bo,
        "a refused update changed the contact"
    );
    let err = book
        .update(&admin(), bo.id, ContactPatch::new().phone("nope"))
        .expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let missing = book.update(
        &admin(),
        "999".parse().expect("id"),
        ContactPatch::new().name("x"),
    );
    assert_eq!(missing.expect_err("missing").kind(), ErrorKind::NotFound);
}

pub fn delete_removes_the_contact_and_frees_its_points(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let ana = book
        .create(
            &admin(),
            NewContact::new("Ana")
                .email("ana@example.com")
                .additional_email("ana@work.com", None)
                .phone("+14155552671")
                .tag("Hot")
                .attribute("budget", 1.0),
        )
        .expect("create");
    let bo = book
        .create(&admin(), NewContact::new("Bo").tag("Hot"))
        .expect("create");
    book.delete(&admin(), ana.id).expect("delete");
    assert_eq!(book.get(ana.id).expect_err("gone").kind(), ErrorKind::NotFound);
    assert_eq!(
        book.delete(&admin(), ana.id).expect_err("twice").kind(),
        ErrorKind::NotFound
    );
    let tags = book.tags().expect("tags");
    assert_eq!((tags[0].name.as_str(), tags[0].contacts), ("Hot", 1));
    // Every email and phone of the deleted contact is free again...
    let cy = book
        .create(
            &admin(),
            NewContact::new("Cy")
                .email("ana@work.com")
                .additional_email("ana@example.com", None)
                .phone("+14155552671"),
        )
        .expect("points are free");
    // ...and the new contact gets a new id, never the deleted one.
    assert!(cy.id > bo.id && cy.id != ana.id);
}

pub fn only_owners_and_admins_delete(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let c = book.create(&admin(), NewContact::new("Ana")).expect("create");
    let agent = Actor::member("agent-1", Role::Agent);
    match book.delete(&agent, c.id) {
        Err(Error::PermissionDenied { action, role }) => {
            assert_eq!((action, role), (Action::DeleteContact, Role::Agent))
        }
        other => panic!("expected permission denied, got {other:?}"),
    }
    assert_eq!(book.get(c.id).expect("still there"), c);
    book.delete(&Actor::member("owner", Role::Owner), c.id)
        .expect("owner deletes");
    // The deleted contact had the highest id; the next contact still gets a new one.
    let next = book.create(&admin(), NewContact::new("Bo")).expect("create");
    assert!(next.id > c.id, "id {} was reused", c.id);
}

pub fn a_tag_is_one_thing_whatever_its_case_and_spacing(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let a = book
        .create(&admin(), NewContact::new("A").tag("Hot"))
        .expect("create");
    let b = book
        .create(&admin(), NewContact::new("B").tag(" hot "))
        .expect("create");
    let c = book
        .create(&admin(), NewContact::new("C").tag("HOT").tag("hot"))
        .expect("create");
    assert_eq!(
        (a.tags.clone(), b.tags.clone(), c.tags.clone()),
        (
            vec!["Hot".to_owned()],
            vec!["Hot".to_owned()],
            vec!["Hot".to_owned()]
        )
    );
    let tags = book.tags().expect("tags");
    assert_eq!(tags.len(), 1);
    assert_eq!((tags[0].name.as_str(), tags[0].contacts), ("Hot", 3));
    let a = book
        .add_tags(&admin(), a.id, &["HOT", "  Second   tag "])
        .expect("add");
    assert_eq!(a.tags, vec!["Hot", "Second tag"]);
    let a = book
        .remove_tags(&admin(), a.id, &["second TAG", "never-existed"])
        .expect("remove");
    assert_eq!(a.tags, vec!["Hot"]);
    assert!(a.has_tag(" hOt "));
}

pub fn tag_counts_and_prefix_lookup(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    for (name, tags) in [
        ("A", vec!["Hot lead", "Buyer"]),
        ("B", vec!["Hot lead"]),
        ("C", vec!["Holiday", "buyer"]),
    ] {
        let mut new = NewContact::new(name);
        for t in tags {
            new = new.tag(t);
        }
        book.create(&admin(), new).expect("create");
    }
    let counts: Vec<(String, u64)> = book
        .tags()
        .expect("tags")
        .into_iter()
        .map(|t| (t.name, t.contacts))
        .collect();
    assert_eq!(
        counts,
        vec![("Buyer".into(), 2), ("Holiday".into(), 1), ("Hot lead".into(), 2)]
    );
    let found: Vec<String> = book
        .find_tags(" ho", 10)
        .expect("find")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(found, vec!["Hot lead", "Holiday"], "most used first");
    let found: Vec<String> = book
        .find_tags("HOT L", 10)
        .expect("find")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(found, vec!["Hot lead"]);
    assert_eq!(book.find_tags("ho", 1).expect("find").len(), 1);
    assert!(book.find_tags("zz", 10).expect("find").is_empty());
}

pub fn tags_rename_merge_and_delete(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let a = book
        .create(&admin(), NewContact::new("A").tag("hot").tag("vip"))
        .expect("create");
    let b = book
        .create(&admin(), NewContact::new("B").tag("Warm"))
        .expect("create");
    std::thread::sleep(Duration::from_millis(3));
    book.rename_tag(&admin(), "HOT", "Hot").expect("case-only rename");
    assert_eq!(book.get(a.id).expect("get").tags, vec!["Hot", "vip"]);
    book.rename_tag(&admin(), "hot", "Burning").expect("rename");
    let a2 = book.get(a.id).expect("get");
    assert_eq!(a2.tags, vec!["Burning", "vip"]);
    assert!(
        a2.updated_at > a.updated_at,
        "renaming a tag changes its contacts"
    );
    let err = book.rename_tag(&admin(), "burning", "VIP").expect_err("taken");
    assert!(
        matches!(
            err,
            Error::Invalid {
                field: Field::Tag,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(
        book.rename_tag(&admin(), "nope", "x"),
        Err(Error::TagNotFound(_))
    ));

    assert_eq!(book.merge_tags(&admin(), "warm", "burning").expect("merge"), 1);
    assert_eq!(book.get(b.id).expect("get").tags, vec!["Burning"]);
    // Merging into a tag the contact already has keeps one link.
    assert_eq!(book.merge_tags(&admin(), "VIP", "burning").expect("merge"), 1);
    assert_eq!(book.get(a.id).expect("get").tags, vec!["Burning"]);
    let counts: Vec<(String, u64)> = book
        .tags()
        .expect("tags")
        .into_iter()
        .map(|t| (t.name, t.contacts))
        .collect();
    assert_eq!(counts, vec![("Burning".into(), 2)]);
    assert!(matches!(
        book.merge_tags(&admin(), "burning", "BURNING"),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        book.merge_tags(&admin(), "gone", "burning"),
        Err(Error::TagNotFound(_))
    ));

    assert_eq!(book.delete_tag(&admin(), "Burning").expect("delete"), 2);
    assert!(book.get(a.id).expect("get").tags.is_empty());
    assert!(book.tags().expect("tags").is_empty());
}

pub fn points_are_added_labelled_promoted_and_removed(store: Box<dyn contactkit::store::Store>) {
    let book = book(store);
    let c = book.create(&admin(), NewContact::new("Ana")).expect("create");
    let c = book
        .add_email(&admin(), c.id, PointInput::labelled("ana@home.com", " Home "))
        .expect("first");
    assert_eq!(c.email(), Some("ana@home.com"), "the first email becomes primary");
    let c = book
        .add_email(&admin(), c.id, PointInput::labelled("ana@work.com", "work"))
        .expect("second");
    let c = book
        .add_phone(&admin(), c.id, PointInput::labelled("+1 415 555 2671", "mobile"))
        .expect("phone");
    let c = book
        .add_phone(&admin(), c.id, PointInput::new("+55 11 91234 5678"))
        .expect("phone");
    assert_eq!(c.emails[0].label.as_deref(), Some("home"));
    assert_eq!(c.phones.len(), 2);
    let c = book
        .promote_email(&admin(), c.id, "ANA@work.com")
        .expect("promote");
    assert_eq!(c.email(), Some("ana@work.com"));
    assert_eq!(c.emails[1].address.as_str(), "ana@home.com");
    let c = book
        .promote_phone(&admin(), c.id, "+5511912345678")
        .expect("promote");
    assert_eq!(c.phone(), Some("+5511912345678"));
    let c = book
        .remove_phone(&admin(), c.id, "(415) 555-2671")
        .expect("remove");
    assert_eq!(c.phones.len(), 1);
    let c = book.remove_email(&admin(), c.id, "ana@work.com").expect("remove");
    assert_eq!(c.email(), Some("ana@home.com"));
    let err = book
        .remove_email(&admin(), c.id, "nobody@x.com")
        .expect_err("absent");
    assert!(matches!(
        err,
        Error::Invalid {
            field: Field::Email,
            ..
        }
    ));
    // The same value again is not a second point.
    let again = book
        .add_email(&admin(), c.id, PointInput::new("ANA@home.com"))
        .expect("same");
    assert_eq!(again.emails.len(), 1);
}

pub fn many_threads_share_one_book(store: Box<dyn contactkit::store::Store>) {
    let book = std::sync::Arc::new(book(store));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let book = std::sync::Arc::clone(&book);
            std::thread::spawn(move || {
                let mut created = 0;
                for i in 0..25 {
                    // Every thread tries the same 25 emails: exactly one create of each wins.
                    let new = NewContact::new(format!("T{t} #{i}"))
                        .email(format!("p{i}@example.com"))
                        .tag("shared");
                    match book.create(&Actor::api("t"), new) {
                        Ok(_) => created += 1,
                        Err(Error::Duplicate { .. }) => {}
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
                created
            })
        })
        .collect();
    let total: u32 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(total, 25);
    assert_eq!(book.tags().expect("tags")[0].contacts, 25);
}
