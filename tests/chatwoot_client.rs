//! The Chatwoot HTTP client against the fake Chatwoot served over real HTTP on 127.0.0.1.

use std::ops::ControlFlow;
use std::time::Duration;

use contactkit::chatwoot::{ApiToken, ChatwootClient, ChatwootConfig};
use contactkit::{Actor, Book, BookOptions, NewContact, Remote, RemoteDraft, RemoteError, Role};
use contactkit_testkit::chatwoot_http::{FakeChatwootServer, HttpFault};

const TOKEN: &str = "tok-9f8e7d6c5b4a";

fn client(server: &FakeChatwootServer) -> ChatwootClient {
    let mut config = ChatwootConfig::new(&server.base_url, server.account_id, ApiToken::new(TOKEN));
    config.backoff = Duration::from_millis(5);
    config.timeout = Duration::from_secs(2);
    config.max_retries = 3;
    ChatwootClient::new(config)
}

fn draft(name: &str, email: &str) -> RemoteDraft {
    RemoteDraft {
        name: Some(name.into()),
        email: Some(Some(email.into())),
        ..RemoteDraft::default()
    }
}

#[test]
fn the_client_speaks_chatwoots_contact_api() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let mut c = client(&server);
    let ana = c.create(&draft("Ana", "Ana@Example.com")).expect("create");
    assert_eq!(
        ana.email.as_deref(),
        Some("ana@example.com"),
        "Chatwoot lowercases emails"
    );
    for i in 0..20 {
        c.create(&draft(&format!("P{i}"), &format!("p{i}@example.com")))
            .expect("create");
    }
    let first = c.list(1).expect("page 1");
    assert_eq!(
        (first.contacts.len(), first.total),
        (15, 21),
        "15 a page, the total in meta.count"
    );
    assert_eq!(c.list(2).expect("page 2").contacts.len(), 6);
    assert!(c.list(3).expect("page 3").contacts.is_empty());
    let updated = c
        .update(
            ana.id,
            &RemoteDraft {
                phone_number: Some(Some("+14155552671".into())),
                ..RemoteDraft::default()
            },
        )
        .expect("update");
    assert_eq!(updated.phone_number.as_deref(), Some("+14155552671"));
    assert_eq!(c.show(ana.id).expect("show").name, "Ana");
    assert_eq!(c.search("ana@").expect("search").len(), 1);
    assert_eq!(
        c.set_labels(ana.id, &["vip".into(), "buyer".into()])
            .expect("labels"),
        vec!["vip", "buyer"]
    );
    assert_eq!(c.labels(ana.id).expect("labels"), vec!["vip", "buyer"]);
    c.delete(ana.id).expect("delete");
    assert_eq!(c.show(ana.id).expect_err("gone"), RemoteError::NotFound);
    // The token travelled in the api_access_token header of every request.
    server.with(|s| assert!(!s.tokens_seen.is_empty() && s.tokens_seen.iter().all(|t| t == TOKEN)));
}

#[test]
fn refusals_are_typed_and_carry_chatwoots_answer() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let mut c = client(&server);
    c.create(&draft("Ana", "ana@example.com")).expect("create");
    match c.create(&draft("Twin", "ANA@example.com")) {
        Err(RemoteError::Unprocessable { message, attributes }) => {
            assert_eq!(message, "Email has already been taken");
            assert_eq!(attributes, vec!["email"]);
        }
        other => panic!("expected 422, got {other:?}"),
    }
    let bad_phone = RemoteDraft {
        name: Some("X".into()),
        phone_number: Some(Some("415 555".into())),
        ..RemoteDraft::default()
    };
    assert!(matches!(
        c.create(&bad_phone),
        Err(RemoteError::Unprocessable { .. })
    ));
    let mut wrong = ChatwootClient::new(ChatwootConfig::new(
        &server.base_url,
        3,
        ApiToken::new("not-the-token"),
    ));
    match wrong.list(1) {
        Err(RemoteError::Unauthorized { body }) => assert!(body.contains("Invalid Access Token")),
        other => panic!("expected 401, got {other:?}"),
    }
    let mut other_account =
        ChatwootClient::new(ChatwootConfig::new(&server.base_url, 99, ApiToken::new(TOKEN)));
    assert_eq!(other_account.list(1).expect_err("404"), RemoteError::NotFound);
}

#[test]
fn transient_faults_are_retried_and_persistent_ones_reported() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let mut c = client(&server);
    c.create(&draft("Ana", "ana@example.com")).expect("create");
    server.with(|s| {
        s.faults.extend([
            HttpFault::TooManyRequests(None),
            HttpFault::TooManyRequests(Some(0)),
            HttpFault::ServerError,
        ])
    });
    assert_eq!(c.list(1).expect("retried through 429, 429 and 500").total, 1);
    server.with(|s| s.faults.extend([HttpFault::Drop]));
    assert_eq!(c.list(1).expect("retried after a dropped connection").total, 1);
    server.with(|s| s.faults.extend([HttpFault::Slow(Duration::from_secs(3))]));
    assert_eq!(c.list(1).expect("a timeout is retried").total, 1);
    server.with(|s| s.faults.extend([HttpFault::Malformed]));
    assert!(matches!(c.list(1), Err(RemoteError::Malformed(_))));
    server.with(|s| s.faults.extend(std::iter::repeat_n(HttpFault::ServerError, 10)));
    match c.list(1) {
        Err(RemoteError::Unavailable(why)) => assert!(why.contains("500") && !why.contains(TOKEN), "{why}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
    server.with(|s| s.faults.clear());
}

#[test]
fn the_token_is_never_printed() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let mut c = client(&server);
    assert!(!format!("{c:?}").contains(TOKEN));
    server.with(|s| s.faults.extend(std::iter::repeat_n(HttpFault::Drop, 10)));
    let err = c.list(1).expect_err("unavailable");
    let book_err = contactkit::Error::Sync(err.clone());
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{book_err}"),
        format!("{book_err:?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}

#[test]
fn a_book_syncs_with_chatwoot_over_http() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let agent = Actor::member("u-1", Role::Agent);
    for i in 0..30 {
        book.create(
            &agent,
            NewContact::new(format!("Local {i}"))
                .email(format!("l{i}@example.com"))
                .tag("lead"),
        )
        .expect("create");
    }
    server.with(|s| {
        for i in 0..20 {
            s.chatwoot
                .ui_create(&format!("Remote {i}"), Some(&format!("r{i}@example.com")), None)
                .expect("remote");
        }
    });
    let mut c = client(&server);
    let mut last = None;
    let report = book
        .sync_now(&mut c, |p| {
            last = Some(p);
            ControlFlow::Continue(())
        })
        .expect("sync over HTTP");
    assert_eq!(
        (report.created_local, report.created_remote),
        (20, 30),
        "{report:?}"
    );
    assert!(last.is_some());
    server.with(|s| assert_eq!(s.chatwoot.contacts().len(), 50));
    let again = book
        .sync_now(&mut c, |_| ControlFlow::Continue(()))
        .expect("again");
    assert_eq!(
        (again.created_local, again.created_remote, again.updated_remote),
        (0, 0, 0),
        "{again:?}"
    );
}

#[test]
fn filter_and_merge_follow_chatwoots_shapes() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let mut c = client(&server);
    let ana = c.create(&draft("Ana", "ana@example.com")).expect("ana");
    let twin = c
        .create(&RemoteDraft {
            name: Some("Ana S".into()),
            phone_number: Some(Some("+14155552671".into())),
            custom_attributes: [("city".to_string(), serde_json::json!("Lisbon"))]
                .into_iter()
                .collect(),
            ..RemoteDraft::default()
        })
        .expect("twin");
    c.create(&draft("Bo", "bo@other.org")).expect("bo");
    let conditions = serde_json::json!([
        {"attribute_key": "email", "filter_operator": "contains", "values": ["@example.com"], "query_operator": "OR"},
        {"attribute_key": "phone_number", "filter_operator": "equal_to", "values": ["+14155552671"], "query_operator": null}
    ]);
    let page = c.filter(&conditions, 1).expect("filter");
    assert_eq!((page.total, page.contacts.len()), (2, 2));
    let bad = serde_json::json!([{"attribute_key": "shoe_size", "filter_operator": "equal_to", "values": ["9"], "query_operator": null}]);
    assert!(matches!(
        c.filter(&bad, 1),
        Err(RemoteError::Unprocessable { .. })
    ));
    let merged = c.merge(ana.id, twin.id).expect("merge");
    assert_eq!(
        (merged.id, merged.name.as_str()),
        (ana.id, "Ana"),
        "non-blank base values win"
    );
    assert_eq!(
        merged.phone_number.as_deref(),
        Some("+14155552671"),
        "blanks are filled from the mergee"
    );
    assert_eq!(merged.custom_attributes["city"], serde_json::json!("Lisbon"));
    assert_eq!(
        c.show(twin.id).expect_err("the mergee is gone"),
        RemoteError::NotFound
    );
    assert_eq!(c.merge(ana.id, 999).expect_err("404"), RemoteError::NotFound);
}

#[test]
fn a_sync_over_http_creates_account_labels_and_rides_out_faults() {
    let server = FakeChatwootServer::start(3, TOKEN).expect("server");
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let agent = Actor::member("u-1", Role::Agent);
    for i in 0..20 {
        book.create(
            &agent,
            NewContact::new(format!("Lead {i}"))
                .email(format!("lead{i}@example.com"))
                .tag("Hot lead"),
        )
        .expect("create");
    }
    server.with(|s| {
        s.faults.extend([
            HttpFault::TooManyRequests(None),
            HttpFault::ServerError,
            HttpFault::Drop,
            HttpFault::TooManyRequests(Some(0)),
            HttpFault::Slow(Duration::from_secs(3)),
        ])
    });
    // Five faults in a row hit one call: a client that tries six times rides them out.
    let mut config = ChatwootConfig::new(&server.base_url, server.account_id, ApiToken::new(TOKEN));
    config.backoff = Duration::from_millis(5);
    config.timeout = Duration::from_secs(2);
    config.max_retries = 5;
    let mut c = ChatwootClient::new(config);
    let report = book
        .sync_now(&mut c, |_| ControlFlow::Continue(()))
        .expect("the sync rides out the faults");
    assert_eq!(report.created_remote, 20);
    server.with(|s| {
        assert_eq!(
            s.chatwoot.contacts().len(),
            20,
            "no duplicate from a retried create"
        );
        assert_eq!(
            s.chatwoot.account_labels(),
            ["hot-lead"],
            "the account label was made before it was used"
        );
        assert!(s.chatwoot.contacts().values().all(|c| c.labels == ["hot-lead"]));
    });
    // Persistent failure: a clear error, and the next run resumes without duplicates.
    book.create(&agent, NewContact::new("Late").email("late@example.com"))
        .expect("create");
    server.with(|s| s.faults.extend(std::iter::repeat_n(HttpFault::ServerError, 10)));
    assert!(matches!(
        book.sync_now(&mut c, |_| ControlFlow::Continue(())),
        Err(contactkit::Error::Sync(_))
    ));
    server.with(|s| s.faults.clear());
    book.sync_now(&mut c, |_| ControlFlow::Continue(()))
        .expect("resumed");
    server.with(|s| assert_eq!(s.chatwoot.contacts().len(), 21));
}
