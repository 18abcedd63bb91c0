//! The query engine through the public API: every filter operator, every order, search
//! semantics, keyset cursors under concurrent writes, and a property test against a naive
//! in-Rust filter and sort.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use contactkit::{
    Actor, AttributeOp, AttributeValue, Book, Contact, ContactId, Filter, NewContact, PointInput, Query,
    Role, Sort, Source, TagName, TimeRange, Verification, fold, phone_digits,
};
use proptest::prelude::*;

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::days(i64::from(day))
}

fn me() -> Actor {
    Actor::member("tester", Role::Admin)
}

fn names(contacts: &[Contact]) -> Vec<&str> {
    contacts.iter().map(|c| c.name.as_str()).collect()
}

/// Every match of `query`, walking the pages through their cursors.
fn all_pages(book: &Book, query: &Query) -> Vec<Contact> {
    let mut out = Vec::new();
    let mut query = query.clone();
    loop {
        let page = book.query(&query).unwrap();
        out.extend(page.contacts);
        match page.next_cursor {
            Some(next) => query = query.after(Some(next)),
            None => return out,
        }
    }
}

fn found(book: &Book, query: &Query) -> Vec<String> {
    let mut v: Vec<String> = all_pages(book, query).into_iter().map(|c| c.name).collect();
    v.sort();
    v
}

/// A small book with one contact per behaviour under test.
fn sample() -> Book {
    let book = Book::open_in_memory(Default::default()).unwrap();
    let a = me();
    book.create(
        &a,
        NewContact::new("José Álvarez")
            .email("jose@example.com")
            .phone("+1 (415) 555-1234")
            .tag("Hot")
            .tag("Lead")
            .source(Source::Whatsapp)
            .verification(Verification::Verified)
            .attribute("plan", "pro")
            .attribute("seats", 12i64)
            .attribute("renewal", NaiveDate::from_ymd_opt(2025, 3, 1).unwrap())
            .created_at(t(10))
            .last_activity_at(t(40)),
    )
    .unwrap();
    book.create(
        &a,
        NewContact::new("Hans Müller")
            .email("hans.mueller@firma.de")
            .additional_email("hm@privat.de", Some("home"))
            .phone("+44 1555 123456")
            .additional_phone("+49 151 23456789", Some("mobile"))
            .tag("lead")
            .source(Source::Telegram)
            .verification(Verification::Pending)
            .attribute("plan", "basic")
            .attribute("seats", 3i64)
            .created_at(t(20))
            .last_activity_at(t(30)),
    )
    .unwrap();
    book.create(
        &a,
        NewContact::new("王伟")
            .phone("+86 138 0013 8000")
            .tag("VIP")
            .source(Source::WebWidget)
            .created_at(t(30)),
    )
    .unwrap();
    book.create(
        &a,
        NewContact::new("Ольга Петрова")
            .email("olga@example.ru")
            .source(Source::Import)
            .verification(Verification::Failed)
            .attribute("vip", true)
            .created_at(t(40))
            .last_activity_at(t(50)),
    )
    .unwrap();
    book
}

#[test]
fn accents_and_case_fold_in_name_search() {
    let book = sample();
    assert_eq!(found(&book, &Query::new().search("jose")), ["José Álvarez"]);
    assert_eq!(found(&book, &Query::new().search("ÁLVA")), ["José Álvarez"]);
    assert_eq!(found(&book, &Query::new().search("MÜLLER")), ["Hans Müller"]);
    assert_eq!(found(&book, &Query::new().search("muller")), ["Hans Müller"]);
    assert_eq!(found(&book, &Query::new().search("петр")), ["Ольга Петрова"]);
    assert_eq!(found(&book, &Query::new().search("s mü")), ["Hans Müller"]);
    assert!(found(&book, &Query::new().search("zzz")).is_empty());
}

#[test]
fn one_and_two_character_terms_work() {
    let book = sample();
    assert_eq!(found(&book, &Query::new().search("王")), ["王伟"]);
    assert_eq!(found(&book, &Query::new().search("王伟")), ["王伟"]);
    assert_eq!(found(&book, &Query::new().search("伟")), ["王伟"]);
    // "ü" folds to "u": Müller's name and Ольга's ".ru" address.
    assert_eq!(
        found(&book, &Query::new().search("ü")),
        ["Hans Müller", "Ольга Петрова"]
    );
    assert_eq!(found(&book, &Query::new().search("ol")), ["Ольга Петрова"]); // the email
    assert_eq!(found(&book, &Query::new().search("zz")), Vec::<String>::new());
    assert_eq!(book.count(&Query::new().search("王")).unwrap(), 1);
    // Hangul folds (NFKD) into jamo: one syllable is three characters, a partial one fewer.
    let a = me();
    book.create(&a, NewContact::new("김민준")).unwrap();
    assert_eq!(found(&book, &Query::new().search("김")), ["김민준"]);
    assert_eq!(found(&book, &Query::new().search("민준")), ["김민준"]);
    assert_eq!(found(&book, &Query::new().search("기")), ["김민준"]);
    let (_, plan) = contactkit::SqliteStore::open_in_memory()
        .unwrap()
        .explain(&Query::new().search("기"))
        .unwrap();
    assert!(
        plan.iter().any(|s| s.contains("g USING PRIMARY KEY (gram=?")),
        "{plan:?}"
    );
}

#[test]
fn short_latin_terms_take_the_union_when_rare_and_the_walk_when_common() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.db");
    let book = Book::open(&path, Default::default()).unwrap();
    let a = me();
    // "a" is common and begins more trigrams (a + 12 × 12 letters) than a union takes.
    let letters: Vec<char> = ('b'..='m').collect();
    for i in 0..144 {
        let name = format!("Xa{}{} {i}", letters[i / 12], letters[i % 12]);
        book.create(&a, NewContact::new(name).email(format!("ana{i}@x.io")))
            .unwrap();
    }
    // Rare grams, one of them only at the very end of a name, one only in an email.
    book.create(&a, NewContact::new("Quinn Zu")).unwrap();
    book.create(&a, NewContact::new("Bo").email("jq@x.io")).unwrap();
    let store = contactkit::SqliteStore::open(&path, contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT).unwrap();
    let plan = |text: &str, sort: Sort| store.explain(&Query::new().search(text).sort(sort)).unwrap().1;
    for sort in [Sort::NameAsc, Sort::CreatedDesc] {
        for rare in ["qu", "zu", "u", "jq"] {
            let steps = plan(rare, sort);
            assert!(
                steps.iter().any(|s| s.contains("search_fts")),
                "{rare} {sort:?}: {steps:?}"
            );
        }
        let steps = plan("a", sort);
        assert!(
            !steps.iter().any(|s| s.contains("search_fts")),
            "{sort:?}: {steps:?}"
        );
    }
    assert_eq!(found(&book, &Query::new().search("zu")), ["Quinn Zu"]);
    assert_eq!(found(&book, &Query::new().search("u")), ["Quinn Zu"]);
    assert_eq!(found(&book, &Query::new().search("jq")), ["Bo"]);
    assert_eq!(found(&book, &Query::new().search("q")), ["Bo", "Quinn Zu"]);
    assert_eq!(book.count(&Query::new().search("q")).unwrap(), 2);
    assert_eq!(book.count(&Query::new().search("a")).unwrap(), 144);
    assert_eq!(all_pages(&book, &Query::new().search("a").limit(7)).len(), 144);
    assert_eq!(book.count(&Query::new().search("xq")).unwrap(), 0);
    assert!(found(&book, &Query::new().search("xq")).is_empty());
    // Counts with a filter beside the term.
    let hot = Query::new().search("q").filter(Filter::HasEmail);
    assert_eq!(book.count(&hot).unwrap(), 1);
    assert_eq!(found(&book, &hot), ["Bo"]);
}

#[test]
fn a_common_short_term_whose_matches_sit_late_in_the_order_still_pages_right() {
    // 2400 Latin names sort before 400 Cyrillic ones: "я" is in one contact in seven and
    // begins too many trigrams for a union, but a walk in name order meets none of them in
    // its first 1000 rows and takes the union after all.
    let book = Book::open_in_memory(Default::default()).unwrap();
    let mut csv = String::from("name\n");
    for i in 0..2400 {
        csv.push_str(&format!("Aaron {i:04}\n"));
    }
    let letters: Vec<char> = "бвгдежзклмнп".chars().collect(); // no й: it folds to и
    let cyrillic = |i: usize| format!("Я{}{} {i:04}", letters[i % 144 / 12], letters[i % 12]);
    for i in 0..400 {
        csv.push_str(&format!("{}\n", cyrillic(i)));
    }
    book.import_commit(
        &me(),
        csv.as_bytes(),
        &Default::default(),
        |_| std::ops::ControlFlow::Continue(()),
        None,
    )
    .unwrap();
    for sort in [Sort::NameAsc, Sort::NameDesc, Sort::CreatedAsc] {
        let query = Query::new().search("я").sort(sort).limit(50);
        let got: Vec<String> = all_pages(&book, &query).into_iter().map(|c| c.name).collect();
        let mut want: Vec<String> = (0..400).map(cyrillic).collect();
        match sort {
            Sort::NameAsc => want.sort_by_key(|n| fold(n)),
            Sort::NameDesc => want.sort_by_key(|n| std::cmp::Reverse(fold(n))),
            _ => {}
        }
        assert_eq!(got, want, "{sort:?}");
        assert_eq!(book.query(&query).unwrap().total, 400);
    }
}

#[test]
fn partial_phone_digits_match_whatever_the_formatting() {
    let book = sample();
    // +1 415 555 1234 and +44 1555 123456 both hold the digits 555123.
    for text in ["555123", "555-123", "555 123", "555.123"] {
        assert_eq!(
            found(&book, &Query::new().search(text)),
            ["Hans Müller", "José Álvarez"],
            "{text}"
        );
    }
    for text in ["(415) 555-12", "+1 415 555", "4155551234", "+1-415"] {
        assert_eq!(
            found(&book, &Query::new().search(text)),
            ["José Álvarez"],
            "{text}"
        );
    }
    // The issue's "+1 (555) 123" reads as the digits 1555123: +44 1555 123456 holds them.
    assert_eq!(
        found(&book, &Query::new().search("+1 (555) 123")),
        ["Hans Müller"]
    );
    // An additional phone counts as much as the primary one.
    assert_eq!(found(&book, &Query::new().search("151 234")), ["Hans Müller"]);
    // Two digits are below the trigram length and still work.
    assert_eq!(found(&book, &Query::new().search("86")), ["王伟"]);
}

#[test]
fn email_substring_matches_any_email() {
    let book = sample();
    assert_eq!(
        found(&book, &Query::new().search("example")),
        ["José Álvarez", "Ольга Петрова"]
    );
    assert_eq!(found(&book, &Query::new().search("@PRIVAT")), ["Hans Müller"]);
    assert_eq!(found(&book, &Query::new().search(".ru")), ["Ольга Петрова"]);
}

#[test]
fn search_and_filters_combine() {
    let book = sample();
    let q = Query::new()
        .search("example")
        .verification_in([Verification::Verified]);
    assert_eq!(found(&book, &q), ["José Álvarez"]);
    assert_eq!(book.count(&q).unwrap(), 1);
}

#[test]
fn every_filter_operator_selects_what_it_says() {
    let book = sample();
    let cases: Vec<(Filter, Vec<&str>)> = vec![
        (Filter::tags_any(["HOT", "vip"]), vec!["José Álvarez", "王伟"]),
        (Filter::tags_all(["hot", "Lead"]), vec!["José Álvarez"]),
        (Filter::tags_none(["lead"]), vec!["Ольга Петрова", "王伟"]),
        (Filter::tags_any(Vec::<String>::new()), vec![]),
        (Filter::tags_all(["lead", "nope"]), vec![]),
        (
            Filter::verification_in([Verification::Verified, Verification::Failed]),
            vec!["José Álvarez", "Ольга Петрова"],
        ),
        (Filter::source_in([Source::Telegram]), vec!["Hans Müller"]),
        (
            Filter::Created(TimeRange::before(t(20))),
            vec!["Hans Müller", "José Álvarez"],
        ),
        (
            Filter::Created(TimeRange::after(t(30))),
            vec!["Ольга Петрова", "王伟"],
        ),
        (
            Filter::Created(TimeRange::between(t(20), t(30))),
            vec!["Hans Müller", "王伟"],
        ),
        (
            Filter::LastActivity(TimeRange::after(t(40))),
            vec!["José Álvarez", "Ольга Петрова"],
        ),
        (
            Filter::LastActivity(TimeRange::before(t(30))),
            vec!["Hans Müller"],
        ),
        (
            Filter::LastActivity(TimeRange::between(t(31), t(49))),
            vec!["José Álvarez"],
        ),
        (Filter::NeverActive, vec!["王伟"]),
        (
            Filter::HasEmail,
            vec!["Hans Müller", "José Álvarez", "Ольга Петрова"],
        ),
        (Filter::NoEmail, vec!["王伟"]),
        (Filter::HasPhone, vec!["Hans Müller", "José Álvarez", "王伟"]),
        (Filter::NoPhone, vec!["Ольга Петрова"]),
        (
            Filter::attribute("plan", AttributeOp::Eq("pro".into())),
            vec!["José Álvarez"],
        ),
        (
            Filter::attribute("plan", AttributeOp::Ne("pro".into())),
            vec!["Hans Müller", "Ольга Петрова", "王伟"],
        ),
        (
            Filter::attribute("plan", AttributeOp::Contains("as".into())),
            vec!["Hans Müller"],
        ),
        (
            Filter::attribute("seats", AttributeOp::Gt(5i64.into())),
            vec!["José Álvarez"],
        ),
        (
            Filter::attribute("seats", AttributeOp::Lt(5i64.into())),
            vec!["Hans Müller"],
        ),
        (
            Filter::attribute("seats", AttributeOp::Eq(12i64.into())),
            vec!["José Álvarez"],
        ),
        (
            Filter::attribute(
                "renewal",
                AttributeOp::Gt(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().into()),
            ),
            vec!["José Álvarez"],
        ),
        (
            Filter::attribute(
                "renewal",
                AttributeOp::Lt(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().into()),
            ),
            vec![],
        ),
        (
            Filter::attribute("vip", AttributeOp::Eq(true.into())),
            vec!["Ольга Петрова"],
        ),
        (
            Filter::attribute("seats", AttributeOp::Present),
            vec!["Hans Müller", "José Álvarez"],
        ),
        (
            Filter::attribute("seats", AttributeOp::Absent),
            vec!["Ольга Петрова", "王伟"],
        ),
        (
            Filter::or([Filter::NeverActive, Filter::source_in([Source::Import])]),
            vec!["Ольга Петрова", "王伟"],
        ),
        (
            Filter::and([Filter::tags_any(["lead"]), Filter::not(Filter::tags_any(["hot"]))]),
            vec!["Hans Müller"],
        ),
        (
            Filter::and([]),
            vec!["Hans Müller", "José Álvarez", "Ольга Петрова", "王伟"],
        ),
        (Filter::or([]), vec![]),
        // NOT over a condition on a missing value is true, not unknown.
        (
            Filter::not(Filter::LastActivity(TimeRange::after(t(0)))),
            vec!["王伟"],
        ),
    ];
    for (filter, mut expected) in cases {
        expected.sort();
        let q = Query::new().filter(filter.clone());
        assert_eq!(found(&book, &q), expected, "{filter:?}");
        assert_eq!(book.count(&q).unwrap(), expected.len() as u64, "{filter:?}");
    }
}

#[test]
fn filters_round_trip_through_json_and_refuse_typos() {
    let q = Query::new()
        .search("ana")
        .tags_any(["hot"])
        .created(TimeRange::between(t(1), t(2)))
        .and(Filter::attribute("seats", AttributeOp::Gt(3.0.into())))
        .sort(Sort::LastActivityDesc)
        .limit(20);
    let json = serde_json::to_string(&q).unwrap();
    assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), q);
    assert!(serde_json::from_str::<Query>(r#"{"filter": {"tags_anny": ["x"]}}"#).is_err());
    assert!(serde_json::from_str::<Query>(r#"{"sort": "size"}"#).is_err());
    for (wire, sort) in [
        ("name", Sort::NameAsc),
        ("-name", Sort::NameDesc),
        ("created", Sort::CreatedAsc),
        ("-created", Sort::CreatedDesc),
        ("activity", Sort::LastActivityAsc),
        ("-activity", Sort::LastActivityDesc),
    ] {
        assert_eq!(
            serde_json::from_str::<Sort>(&format!("\"{wire}\"")).unwrap(),
            sort
        );
        assert_eq!(wire.parse::<Sort>().unwrap(), sort);
    }
}

#[test]
fn bad_queries_are_refused_with_the_value() {
    let book = sample();
    let err = book.query(&Query::new().limit(0)).unwrap_err();
    assert_eq!(err.kind(), contactkit::ErrorKind::Invalid);
    let err = book
        .query(&Query::new().after(Some("not-a-cursor".into())))
        .unwrap_err();
    assert!(err.to_string().contains("not-a-cursor"));
    let page = book.query(&Query::new().limit(1)).unwrap();
    let err = book
        .query(&Query::new().sort(Sort::CreatedAsc).after(page.next_cursor))
        .unwrap_err();
    assert!(err.to_string().contains("sorted by name"), "{err}");
    let gt_text = Query::new().filter(Filter::attribute("plan", AttributeOp::Gt("a".into())));
    assert_eq!(
        book.query(&gt_text).unwrap_err().kind(),
        contactkit::ErrorKind::Invalid
    );
}

#[test]
fn every_order_is_total_with_ties_broken_by_id() {
    let book = Book::open_in_memory(Default::default()).unwrap();
    let a = me();
    // Same folded name, same creation time, same activity: only the id tells them apart.
    let mut ids = Vec::new();
    for (name, active) in [
        ("Ana", Some(t(5))),
        ("ANA", Some(t(5))),
        ("Āna", None),
        ("Bob", Some(t(9))),
        ("ana", None),
        ("Carl", Some(t(1))),
    ] {
        let mut new = NewContact::new(name).created_at(t(3));
        if let Some(at) = active {
            new = new.last_activity_at(at);
        }
        ids.push(book.create(&a, new).unwrap().id);
    }
    let by = |sort: Sort| -> Vec<ContactId> {
        all_pages(&book, &Query::new().sort(sort).limit(2))
            .iter()
            .map(|c| c.id)
            .collect()
    };
    let [ana, ana_up, ana_bar, bob, ana_low, carl] = ids[..] else {
        panic!()
    };
    assert_eq!(by(Sort::NameAsc), [ana, ana_up, ana_bar, ana_low, bob, carl]);
    assert_eq!(by(Sort::NameDesc), [carl, bob, ana_low, ana_bar, ana_up, ana]);
    assert_eq!(by(Sort::CreatedAsc), ids);
    assert_eq!(
        by(Sort::CreatedDesc),
        ids.iter().rev().copied().collect::<Vec<_>>()
    );
    // Most recent first, never-active last (ties by id descending).
    assert_eq!(
        by(Sort::LastActivityDesc),
        [bob, ana_up, ana, carl, ana_low, ana_bar]
    );
    assert_eq!(
        by(Sort::LastActivityAsc),
        [ana_bar, ana_low, carl, ana, ana_up, bob]
    );
    // The same orders hold through the search index.
    let search = |sort: Sort| -> Vec<ContactId> {
        all_pages(&book, &Query::new().search("ana").sort(sort).limit(1))
            .iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(search(Sort::NameAsc), [ana, ana_up, ana_bar, ana_low]);
    assert_eq!(search(Sort::NameDesc), [ana_low, ana_bar, ana_up, ana]);
    assert_eq!(search(Sort::LastActivityDesc), [ana_up, ana, ana_low, ana_bar]);
}

#[test]
fn cursors_stay_correct_while_contacts_come_and_go() {
    for sort in Sort::ALL.iter().copied() {
        for search in [None, Some("person"), Some("pe")] {
            let book = Book::open_in_memory(Default::default()).unwrap();
            let a = me();
            let mut live = Vec::new();
            for n in 0..40u32 {
                let c = book
                    .create(
                        &a,
                        NewContact::new(format!("Person {:02}", (n * 17) % 40))
                            .created_at(t(n % 7))
                            .last_activity_at(t(n % 5)),
                    )
                    .unwrap();
                live.push(c.id);
            }
            let mut query = Query::new().sort(sort).limit(7);
            if let Some(text) = search {
                query = query.search(text);
            }
            let before: Vec<ContactId> = all_pages(&book, &query).iter().map(|c| c.id).collect();
            let mut seen: Vec<ContactId> = Vec::new();
            let mut deleted = Vec::new();
            let mut q = query.clone();
            let mut round = 0u32;
            loop {
                let page = book.query(&q).unwrap();
                seen.extend(page.contacts.iter().map(|c| c.id));
                // Between pages: delete the last contact shown and one not yet shown, add two.
                if let Some(last) = page.contacts.last() {
                    book.delete(&a, last.id).unwrap();
                    deleted.push(last.id);
                }
                if let Some(ahead) = before
                    .iter()
                    .rev()
                    .find(|id| !seen.contains(id) && !deleted.contains(id))
                {
                    book.delete(&a, *ahead).unwrap();
                    deleted.push(*ahead);
                }
                for extra in 0..2 {
                    book.create(
                        &a,
                        NewContact::new(format!("Person {round:02}{extra}"))
                            .created_at(t(round % 7))
                            .last_activity_at(t(round % 5)),
                    )
                    .unwrap();
                }
                round += 1;
                match page.next_cursor {
                    Some(next) => q = q.after(Some(next)),
                    None => break,
                }
            }
            // No contact twice; every original contact that was never deleted was seen, in
            // the original order.
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                unique.len(),
                seen.len(),
                "{sort:?} {search:?}: a contact came twice"
            );
            let kept: Vec<ContactId> = before
                .iter()
                .copied()
                .filter(|id| !deleted.contains(id))
                .collect();
            let seen_originals: Vec<ContactId> =
                seen.iter().copied().filter(|id| before.contains(id)).collect();
            let seen_kept: Vec<ContactId> = seen_originals
                .iter()
                .copied()
                .filter(|id| kept.contains(id))
                .collect();
            assert_eq!(seen_kept, kept, "{sort:?} {search:?}");
        }
    }
}

#[test]
fn paging_stays_correct_while_another_thread_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.db");
    let book = std::sync::Arc::new(Book::open(&path, Default::default()).unwrap());
    let a = me();
    let mut keep = Vec::new();
    let mut victims = Vec::new();
    for n in 0..300u32 {
        let c = book
            .create(
                &a,
                NewContact::new(format!("Member {:03}", (n * 37) % 300)).created_at(t(n % 20)),
            )
            .unwrap();
        if n % 3 == 0 {
            victims.push(c.id)
        } else {
            keep.push(c.id)
        }
    }
    let writer = {
        let book = std::sync::Arc::clone(&book);
        std::thread::spawn(move || {
            for (n, victim) in victims.into_iter().enumerate() {
                book.delete(&me(), victim).unwrap();
                book.create(
                    &me(),
                    NewContact::new(format!("Member {:03}x", n * 3)).created_at(t(n as u32 % 20)),
                )
                .unwrap();
            }
        })
    };
    for sort in [Sort::NameAsc, Sort::CreatedDesc] {
        for search in [None, Some("member")] {
            let mut q = Query::new().sort(sort).limit(9);
            if let Some(text) = search {
                q = q.search(text);
            }
            let seen: Vec<ContactId> = book.iter(&q).map(|c| c.unwrap().id).collect();
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                unique.len(),
                seen.len(),
                "{sort:?} {search:?}: a contact came twice"
            );
            let kept: Vec<ContactId> = seen.iter().copied().filter(|id| keep.contains(id)).collect();
            let all_now: Vec<ContactId> = all_pages(&book, &Query::new().sort(sort).limit(1000))
                .iter()
                .map(|c| c.id)
                .filter(|id| keep.contains(id))
                .collect();
            // Every untouched contact came, once, in the order of the book.
            assert_eq!(kept, all_now, "{sort:?} {search:?}");
        }
    }
    writer.join().unwrap();
}

#[test]
fn renames_move_contacts_in_name_order_and_search() {
    let book = Book::open_in_memory(Default::default()).unwrap();
    let a = me();
    let mut ids = Vec::new();
    // Many same-name contacts fill the rank gaps and force re-spacing.
    for n in 0..60 {
        let name = if n % 2 == 0 { "Zed" } else { "Amy" };
        ids.push(book.create(&a, NewContact::new(name)).unwrap().id);
    }
    book.update(&a, ids[0], contactkit::ContactPatch::new().name("Bea"))
        .unwrap();
    let by_name: Vec<String> = all_pages(&book, &Query::new().search("e").limit(9))
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(by_name.len(), 30);
    assert_eq!(by_name[0], "Bea");
    let amys: Vec<ContactId> = all_pages(&book, &Query::new().search("amy").limit(4))
        .iter()
        .map(|c| c.id)
        .collect();
    let mut expected: Vec<ContactId> = ids.iter().copied().skip(1).step_by(2).collect();
    expected.sort();
    assert_eq!(amys, expected);
    assert!(found(&book, &Query::new().search("zed")).len() == 29);
}

#[test]
fn search_index_follows_point_changes() {
    let book = sample();
    let a = me();
    let jose = all_pages(&book, &Query::new().search("jose"))[0].id;
    book.add_email(&a, jose, PointInput::new("pepe@correo.es"))
        .unwrap();
    assert_eq!(found(&book, &Query::new().search("correo")), ["José Álvarez"]);
    book.remove_phone(&a, jose, "+14155551234").unwrap();
    assert!(found(&book, &Query::new().search("(415) 555")).is_empty());
    book.delete(&a, jose).unwrap();
    assert!(found(&book, &Query::new().search("correo")).is_empty());
}

#[test]
fn iter_walks_every_match_in_order() {
    let book = sample();
    let walked: Vec<String> = book
        .iter(&Query::new().sort(Sort::CreatedDesc).limit(1))
        .map(|c| c.unwrap().name)
        .collect();
    assert_eq!(walked, ["Ольга Петрова", "王伟", "Hans Müller", "José Álvarez"]);
    let page = book
        .query(&Query::new().sort(Sort::CreatedDesc).limit(3))
        .unwrap();
    assert_eq!(names(&page.contacts), ["Ольга Петрова", "王伟", "Hans Müller"]);
    assert_eq!(page.total, 4);
    assert_eq!(book.count(&Query::new()).unwrap(), 4);
    let first = page.contacts[0].id;
    book.delete(&me(), first).unwrap();
    assert_eq!(book.count(&Query::new()).unwrap(), 3);
    book.create(&me(), NewContact::new("Nova")).unwrap();
    assert_eq!(book.query(&Query::new()).unwrap().total, 4);
}

#[test]
fn rebuilding_the_index_changes_no_answer_and_plans_use_the_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.db");
    let book = Book::open(&path, Default::default()).unwrap();
    let a = me();
    for (n, name) in ["Ana", "Bob", "王伟", "Zoë", "Anabel", "Dana"].iter().enumerate() {
        book.create(
            &a,
            NewContact::new(*name)
                .email(format!("{}{n}@x.io", fold(name)))
                .created_at(t(n as u32)),
        )
        .unwrap();
    }
    let queries = [
        Query::new().search("ana"),
        Query::new().search("an").sort(Sort::NameDesc),
        Query::new().search("王"),
        Query::new().search("x.io").sort(Sort::CreatedDesc).limit(2),
        Query::new().search("zo"),
    ];
    let answers = |book: &Book| -> Vec<Vec<String>> {
        queries
            .iter()
            .map(|q| all_pages(book, q).into_iter().map(|c| c.name).collect())
            .collect()
    };
    let before = answers(&book);
    assert_eq!(before[0], ["Ana", "Anabel", "Dana"]);
    let store = contactkit::SqliteStore::open(&path, contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT).unwrap();
    store.rebuild_search_index().unwrap();
    assert_eq!(answers(&book), before);
    // A contact added after the rebuild slots into the rebuilt ranks.
    book.create(&a, NewContact::new("Anaïs")).unwrap();
    assert_eq!(
        names(&all_pages(&book, &queries[0])),
        ["Ana", "Anabel", "Anaïs", "Dana"]
    );

    // Name-ordered search comes from the trigram index already in order: no sort step.
    let (_, plan) = store.explain(&Query::new().search("ana")).unwrap();
    assert!(plan.iter().any(|s| s.contains("search_fts")), "{plan:?}");
    assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    let (_, plan) = store
        .explain(&Query::new().search("王").sort(Sort::NameDesc))
        .unwrap();
    assert!(
        plan.iter().any(|s| s.contains("g USING PRIMARY KEY (gram=?")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    // A tag filter sorted by activity reads tag_activity in order and stops at the page.
    let (_, plan) = store
        .explain(&Query::new().tags_any(["x"]).sort(Sort::LastActivityDesc))
        .unwrap();
    assert!(
        plan.iter().any(|s| s.contains("ta USING PRIMARY KEY")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    // Without a tag it walks the activity index; page 200 seeks it instead of scanning from
    // the top.
    let page = book
        .query(&Query::new().sort(Sort::LastActivityDesc).limit(1))
        .unwrap();
    let (_, plan) = store
        .explain(&Query::new().sort(Sort::LastActivityDesc).after(page.next_cursor))
        .unwrap();
    assert!(
        plan.iter()
            .any(|s| s.starts_with("SEARCH c USING") && s.contains("contacts_activity_key (<expr><?)")),
        "{plan:?}"
    );
    // Tag + verification + created range, newest first: the tag_facts key, in order.
    let combined = Query::new()
        .tags_any(["x"])
        .verification_in([Verification::Verified])
        .created(TimeRange::between(t(1), t(90)))
        .sort(Sort::CreatedDesc);
    let (_, plan) = store.explain(&combined).unwrap();
    assert!(
        plan.iter().any(|s| s.contains("tf USING PRIMARY KEY")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
}

#[test]
fn tag_led_counts_and_pages_follow_every_change() {
    let book = Book::open_in_memory(Default::default()).unwrap();
    let a = me();
    let mut ids = Vec::new();
    for n in 0..60u32 {
        let mut new = NewContact::new(format!("C{n}"))
            .verification(Verification::ALL[(n % 4) as usize])
            .created_at(t(n % 13));
        if n % 5 != 0 {
            new = new.last_activity_at(t(n % 7));
        }
        if n % 3 == 0 {
            new = new.email(format!("c{n}@x.io"));
        }
        for (k, tag) in ["red", "green", "blue"].iter().enumerate() {
            if (n + k as u32).is_multiple_of(k as u32 + 2) {
                new = new.tag(*tag);
            }
        }
        ids.push(book.create(&a, new).unwrap().id);
    }
    let check = |book: &Book| {
        let all: Vec<Contact> = book.iter(&Query::new().limit(100)).map(Result::unwrap).collect();
        for tag in ["red", "green", "blue", "gone"] {
            for v in Verification::ALL {
                for sort in Sort::ALL.iter().copied() {
                    let q = Query::new()
                        .tags_any([tag])
                        .verification_in([*v])
                        .created(TimeRange::between(t(2), t(9)))
                        .sort(sort)
                        .limit(3);
                    let expected = naive(&all, &q);
                    let got: Vec<ContactId> = all_pages(book, &q).iter().map(|c| c.id).collect();
                    assert_eq!(got, expected, "{tag} {v:?} {sort:?}");
                    assert_eq!(book.count(&q).unwrap(), expected.len() as u64);
                    let q = q.and(Filter::NeverActive);
                    assert_eq!(book.count(&q).unwrap(), naive(&all, &q).len() as u64);
                }
            }
            for sort in [Sort::LastActivityDesc, Sort::LastActivityAsc] {
                let q = Query::new().tags_any([tag]).sort(sort).limit(4);
                let got: Vec<ContactId> = all_pages(book, &q).iter().map(|c| c.id).collect();
                assert_eq!(got, naive(&all, &q), "{tag} {sort:?}");
                let q = q.and(Filter::HasEmail);
                let got: Vec<ContactId> = all_pages(book, &q).iter().map(|c| c.id).collect();
                assert_eq!(got, naive(&all, &q), "{tag} {sort:?} with email");
            }
            let q = Query::new().tags_any([tag, "blue"]);
            assert_eq!(book.count(&q).unwrap(), naive(&all, &q).len() as u64);
            let q = Query::new()
                .tags_all([tag, "red"])
                .verification_in([Verification::Verified]);
            assert_eq!(book.count(&q).unwrap(), naive(&all, &q).len() as u64);
        }
    };
    check(&book);
    book.update(
        &a,
        ids[4],
        contactkit::ContactPatch::new().verification(Verification::Failed),
    )
    .unwrap();
    book.update(
        &a,
        ids[8],
        contactkit::ContactPatch::new().verification(Verification::Pending),
    )
    .unwrap();
    book.delete(&a, ids[12]).unwrap();
    book.update(
        &a,
        ids[1],
        contactkit::ContactPatch::new().last_activity_at(t(50)),
    )
    .unwrap();
    book.update(&a, ids[5], contactkit::ContactPatch::new().last_activity_at(t(1)))
        .unwrap();
    book.remove_tags(&a, ids[6], &["red"]).unwrap();
    book.add_tags(&a, ids[7], &["red", "blue"]).unwrap();
    check(&book);
    book.merge_tags(&a, "green", "blue").unwrap();
    check(&book);
    book.rename_tag(&a, "blue", "gone").unwrap();
    check(&book);
    book.delete_tag(&a, "red").unwrap();
    check(&book);
}

#[test]
fn common_terms_in_other_orders_walk_the_sort_index_and_rare_ones_collect() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.db");
    let book = Book::open(&path, Default::default()).unwrap();
    let a = me();
    // More matches than the selectivity estimate's cap (2,000), so "comm" takes the walk.
    for n in 0..2100u32 {
        let mut new = NewContact::new(format!("Common {}", n % 97)).created_at(t(n % 31));
        if n % 3 == 0 {
            new = new.last_activity_at(t(n % 11));
        }
        if n % 10 == 0 {
            new = new.tag("x");
        }
        book.create(&a, new).unwrap();
    }
    book.create(&a, NewContact::new("Rare Person").created_at(t(3)))
        .unwrap();
    let all: Vec<Contact> = book.iter(&Query::new().limit(1000)).map(Result::unwrap).collect();
    let store = contactkit::SqliteStore::open(&path, contactkit::SqliteStore::DEFAULT_BUSY_TIMEOUT).unwrap();
    for sort in [Sort::CreatedDesc, Sort::LastActivityAsc, Sort::CreatedAsc] {
        let q = Query::new().search("comm").tags_any(["x"]).sort(sort).limit(40);
        let got: Vec<ContactId> = all_pages(&book, &q).iter().map(|c| c.id).collect();
        assert_eq!(got, naive(&all, &q), "{sort:?}");
        let (_, plan) = store.explain(&q).unwrap();
        assert!(
            plan.iter().any(|s| s.starts_with("SCAN c USING INDEX")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
        let q = Query::new().search("rare").sort(sort);
        assert_eq!(names(&book.query(&q).unwrap().contacts), ["Rare Person"]);
        let (_, plan) = store.explain(&q).unwrap();
        assert!(
            plan.iter().any(|s| s.contains("TEMP B-TREE")),
            "rare terms collect and sort: {plan:?}"
        );
    }
}

// ---------- The property test: the engine agrees with a naive filter and sort. ----------

fn tag_key(t: &str) -> String {
    TagName::parse(t).unwrap().key()
}

fn stored_text(v: &AttributeValue) -> Option<String> {
    match serde_json::to_value(v).unwrap() {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    }
}

fn attr_eq(have: &AttributeValue, want: &AttributeValue) -> bool {
    match (have, want) {
        (AttributeValue::Bool(a), AttributeValue::Bool(b)) => a == b,
        (AttributeValue::Number(a), AttributeValue::Number(b)) => a == b,
        (AttributeValue::Bool(_) | AttributeValue::Number(_), _)
        | (_, AttributeValue::Bool(_) | AttributeValue::Number(_)) => false,
        _ => stored_text(have) == stored_text(want),
    }
}

fn attr_cmp(have: &AttributeValue, want: &AttributeValue) -> Option<std::cmp::Ordering> {
    match (have, want) {
        (AttributeValue::Number(a), AttributeValue::Number(b)) => a.partial_cmp(b),
        (AttributeValue::Date(a), AttributeValue::Date(b)) => Some(a.cmp(b)),
        (AttributeValue::DateTime(a), AttributeValue::DateTime(b)) => {
            Some(a.timestamp_millis().cmp(&b.timestamp_millis()))
        }
        _ => None,
    }
}

fn naive_filter(f: &Filter, c: &Contact) -> bool {
    let keys: Vec<String> = c.tags.iter().map(|t| tag_key(t)).collect();
    match f {
        Filter::And(all) => all.iter().all(|f| naive_filter(f, c)),
        Filter::Or(all) => all.iter().any(|f| naive_filter(f, c)),
        Filter::Not(inner) => !naive_filter(inner, c),
        Filter::TagsAny(tags) => tags.iter().any(|t| keys.contains(&tag_key(t))),
        Filter::TagsAll(tags) => tags.iter().all(|t| keys.contains(&tag_key(t))),
        Filter::TagsNone(tags) => !tags.iter().any(|t| keys.contains(&tag_key(t))),
        Filter::VerificationIn(set) => set.contains(&c.verification),
        Filter::SourceIn(set) => set.contains(&c.source),
        Filter::Created(r) => r.contains(c.created_at),
        Filter::LastActivity(r) => c.last_activity_at.is_some_and(|at| r.contains(at)),
        Filter::NeverActive => c.last_activity_at.is_none(),
        Filter::HasEmail => !c.emails.is_empty(),
        Filter::NoEmail => c.emails.is_empty(),
        Filter::HasPhone => !c.phones.is_empty(),
        Filter::NoPhone => c.phones.is_empty(),
        Filter::Reviewed(reviewed) => c.reviewed == *reviewed,
        Filter::Attribute(a) => {
            let have = c.attributes.get(&a.key);
            match &a.op {
                AttributeOp::Present => have.is_some(),
                AttributeOp::Absent => have.is_none(),
                AttributeOp::Eq(v) => have.is_some_and(|h| attr_eq(h, v)),
                AttributeOp::Ne(v) => !have.is_some_and(|h| attr_eq(h, v)),
                AttributeOp::Contains(s) => {
                    have.and_then(stored_text).is_some_and(|h| h.contains(s.as_str()))
                }
                AttributeOp::Gt(v) => have.and_then(|h| attr_cmp(h, v)) == Some(std::cmp::Ordering::Greater),
                AttributeOp::Lt(v) => have.and_then(|h| attr_cmp(h, v)) == Some(std::cmp::Ordering::Less),
            }
        }
    }
}

fn naive_search(text: &str, c: &Contact) -> bool {
    let folded = fold(text);
    if folded.is_empty() {
        return true;
    }
    let digits = phone_digits(text);
    let phone_like = !digits.is_empty()
        && text.chars().all(|ch| {
            ch.is_whitespace() || "+-.()/".contains(ch) || !phone_digits(&ch.to_string()).is_empty()
        });
    fold(&c.name).contains(&folded)
        || c.emails
            .iter()
            .any(|e| e.address.as_str().to_lowercase().contains(&folded))
        || (phone_like && c.phones.iter().any(|p| p.e164.as_str()[1..].contains(&digits)))
}

fn naive(contacts: &[Contact], q: &Query) -> Vec<ContactId> {
    let mut hits: Vec<&Contact> = contacts
        .iter()
        .filter(|c| q.filter.as_ref().is_none_or(|f| naive_filter(f, c)))
        .filter(|c| q.search.as_deref().is_none_or(|s| naive_search(s, c)))
        .collect();
    let activity = |c: &Contact| c.last_activity_at.map_or(i64::MIN, |a| a.timestamp_millis());
    hits.sort_by(|a, b| {
        let ord = match q.sort {
            Sort::NameAsc | Sort::NameDesc => fold(&a.name).cmp(&fold(&b.name)),
            Sort::CreatedAsc | Sort::CreatedDesc => a.created_at.cmp(&b.created_at),
            Sort::LastActivityAsc | Sort::LastActivityDesc => activity(a).cmp(&activity(b)),
        }
        .then(a.id.cmp(&b.id));
        if q.sort.is_descending() {
            ord.reverse()
        } else {
            ord
        }
    });
    hits.into_iter().map(|c| c.id).collect()
}

const NAMES: &[&str] = &[
    "José Álvarez",
    "jose alvarez",
    "Hans Müller",
    "MÜLLER",
    "Łukasz Nowak",
    "Nguyễn Văn An",
    "Ana",
    "ana",
    "Ольга Петрова",
    "Пётр",
    "王伟",
    "王芳",
    "陈静",
    "김민준",
    "Zoë Lang",
    "An Li",
];
const TAGS: &[&str] = &["hot", "Lead", "vip", "cold", "Agency"];
const TERMS: &[&str] = &[
    "an", "a", "jose", "JOSÉ", "müller", "mul", "ов", "王", "王伟", "伟", "김", "example", "@b.", "555",
    "61", "+34 61", "(612)", "zz", "li", "e", "o", "n l", "ł", "x", "q", "z", "ş", "6", "3", "@", ".r", "a.",
    "v", "ä", "ch",
];

fn filter_strategy() -> impl Strategy<Value = Filter> {
    let tags = proptest::sample::subsequence(TAGS, 0..3)
        .prop_map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
    let day = 0u32..60;
    let leaf = prop_oneof![
        tags.clone().prop_map(Filter::TagsAny),
        tags.clone().prop_map(Filter::TagsAll),
        tags.prop_map(Filter::TagsNone),
        proptest::sample::subsequence(Verification::ALL, 0..3).prop_map(Filter::VerificationIn),
        proptest::sample::subsequence(Source::ALL, 0..3).prop_map(Filter::SourceIn),
        (day.clone(), day.clone())
            .prop_map(|(a, b)| Filter::Created(TimeRange::between(t(a.min(b)), t(a.max(b))))),
        day.clone().prop_map(|a| Filter::Created(TimeRange::before(t(a)))),
        day.clone()
            .prop_map(|a| Filter::LastActivity(TimeRange::after(t(a)))),
        day.prop_map(|a| Filter::LastActivity(TimeRange::before(t(a)))),
        Just(Filter::NeverActive),
        Just(Filter::HasEmail),
        Just(Filter::NoEmail),
        Just(Filter::HasPhone),
        Just(Filter::NoPhone),
        Just(Filter::Reviewed(true)),
        Just(Filter::Reviewed(false)),
        (0i64..10).prop_map(|n| Filter::attribute("n", AttributeOp::Gt(n.into()))),
        (0i64..10).prop_map(|n| Filter::attribute("n", AttributeOp::Eq(n.into()))),
        (0i64..10).prop_map(|n| Filter::attribute("n", AttributeOp::Ne(n.into()))),
        (1u32..28).prop_map(|d| Filter::attribute(
            "due",
            AttributeOp::Lt(NaiveDate::from_ymd_opt(2024, 2, d).unwrap().into())
        )),
        (0u32..60).prop_map(|d| Filter::attribute("seen", AttributeOp::Gt(AttributeValue::DateTime(t(d))))),
        prop_oneof![Just("pro"), Just("r"), Just("x")]
            .prop_map(|s| Filter::attribute("plan", AttributeOp::Contains(s.into()))),
        Just(Filter::attribute("plan", AttributeOp::Present)),
        Just(Filter::attribute("plan", AttributeOp::Absent)),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Filter::And),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Filter::Or),
            inner.prop_map(Filter::not),
        ]
    })
}

#[derive(Debug, Clone)]
struct Seed {
    name: usize,
    email: Option<u8>,
    extra_email: bool,
    phone: Option<u32>,
    extra_phone: bool,
    tags: Vec<usize>,
    source: usize,
    verification: usize,
    created: u32,
    active: Option<u32>,
    n: Option<i64>,
    plan: Option<usize>,
    due: Option<u32>,
    seen: Option<u32>,
}

fn seed_strategy() -> impl Strategy<Value = Seed> {
    (
        (
            0..NAMES.len(),
            proptest::option::of(0u8..4),
            any::<bool>(),
            proptest::option::of(0u32..40),
            any::<bool>(),
        ),
        (
            proptest::collection::vec(0..TAGS.len(), 0..4),
            0..Source::ALL.len(),
            0..Verification::ALL.len(),
            0u32..60,
            proptest::option::of(0u32..60),
        ),
        (
            proptest::option::of(0i64..10),
            proptest::option::of(0usize..3),
            proptest::option::of(1u32..28),
            proptest::option::of(0u32..60),
        ),
    )
        .prop_map(
            |(
                (name, email, extra_email, phone, extra_phone),
                (tags, source, verification, created, active),
                (n, plan, due, seen),
            )| Seed {
                name,
                email,
                extra_email,
                phone,
                extra_phone,
                tags,
                source,
                verification,
                created,
                active,
                n,
                plan,
                due,
                seen,
            },
        )
}

fn build(seeds: &[Seed]) -> (Book, Vec<Contact>) {
    let book = Book::open_in_memory(Default::default()).unwrap();
    let a = me();
    for (i, s) in seeds.iter().enumerate() {
        let mut new = NewContact::new(NAMES[s.name])
            .source(Source::ALL[s.source])
            .verification(Verification::ALL[s.verification])
            .created_at(t(s.created));
        if let Some(d) = s.active {
            new = new.last_activity_at(t(d));
        }
        if let Some(e) = s.email {
            let domains = ["a.com", "b.org", "example.com", "mail.ru"];
            new = new.email(format!(
                "{}{i}@{}",
                ["jo", "an", "li", "x"][usize::from(e)],
                domains[usize::from(e)]
            ));
            if s.extra_email {
                new = new.additional_email(format!("other{i}@b.net"), None);
            }
        }
        if let Some(p) = s.phone {
            new = new.phone(format!("+34 612 {:03} {:03}", i, p));
            if s.extra_phone {
                new = new.additional_phone(format!("+48 601 {:03} {:03}", i, p), None);
            }
        }
        for tag in &s.tags {
            new = new.tag(TAGS[*tag]);
        }
        if let Some(n) = s.n {
            new = new.attribute("n", n);
        }
        if let Some(p) = s.plan {
            new = new.attribute("plan", ["pro", "basic", "free trial"][p]);
        }
        if let Some(d) = s.due {
            new = new.attribute("due", NaiveDate::from_ymd_opt(2024, 2, d).unwrap());
        }
        if let Some(d) = s.seen {
            new = new.attribute(
                "seen",
                AttributeValue::DateTime(t(d) + chrono::Duration::hours(5)),
            );
        }
        book.create(&a, new).unwrap();
    }
    let all: Vec<Contact> = book
        .iter(&Query::new().sort(Sort::CreatedAsc))
        .map(Result::unwrap)
        .collect();
    (book, all)
}

fn query_strategy() -> impl Strategy<Value = Query> {
    (
        proptest::option::of(filter_strategy()),
        proptest::option::of(proptest::sample::select(TERMS)),
        proptest::sample::select(Sort::ALL),
        1u32..12,
    )
        .prop_map(|(filter, search, sort, limit)| Query {
            filter,
            search: search.map(String::from),
            sort,
            limit: Some(limit),
            cursor: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn query_results_equal_a_naive_filter_and_sort(
        seeds in proptest::collection::vec(seed_strategy(), 0..40),
        queries in proptest::collection::vec(query_strategy(), 1..6),
    ) {
        let (book, all) = build(&seeds);
        for q in &queries {
            let expected = naive(&all, q);
            let got: Vec<ContactId> = all_pages(&book, q).iter().map(|c| c.id).collect();
            prop_assert_eq!(&got, &expected, "query {}", serde_json::to_string(q).unwrap());
            prop_assert_eq!(book.count(q).unwrap(), expected.len() as u64);
            let first = book.query(q).unwrap();
            prop_assert_eq!(first.total, expected.len() as u64);
        }
    }
}
