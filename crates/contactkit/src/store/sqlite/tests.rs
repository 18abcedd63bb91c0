//! Tests of the SQLite backend itself: migrations from older files, refusal of newer ones.

use rusqlite::Connection;

use super::SqliteStore;
use super::migrate::{LATEST, migrate_to};
use crate::{Actor, Book, BookOptions, Error, Field, NewContact};

fn temp_path(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    (dir, path)
}

#[test]
fn a_version_1_book_is_migrated_with_its_contacts() {
    let (_dir, path) = temp_path("v1.db");
    {
        // A book as contactkit with schema version 1 wrote it: one email and one phone column.
        let mut conn = Connection::open(&path).expect("open");
        migrate_to(&mut conn, 1).expect("v1 schema");
        assert_eq!(super::migrate::version(&conn).expect("version"), 1);
        conn.execute_batch(
            "INSERT INTO contacts (name, name_key, email, email_key, phone, phone_original, source,
                                   verification, attributes, created_at, updated_at, last_activity_at)
             VALUES ('Ana Souza', 'ana souza', 'Ana@example.com', 'ana@example.com', '+14155552671',
                     '(415) 555-2671', 'whatsapp', 'verified', '{\"budget\":5}', 1700000000000,
                     1700000000000, NULL),
                    ('Bo', 'bo', NULL, NULL, NULL, NULL, 'referral', 'unverified', '{}', 1700000000001,
                     1700000000001, 1700000000500);
             INSERT INTO tags (name, key) VALUES ('Hot', 'hot');
             INSERT INTO contact_tags (contact_id, tag_id) VALUES (1, 1);",
        )
        .expect("v1 rows");
    }
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("migrates");
    let book = Book::with_store(Box::new(store), BookOptions::default());
    let ana = book.get("1".parse().expect("id")).expect("ana");
    assert_eq!(ana.email(), Some("Ana@example.com"));
    assert_eq!(ana.phone(), Some("+14155552671"));
    assert_eq!(ana.phones[0].original, "(415) 555-2671");
    assert_eq!(ana.tags, vec!["Hot"]);
    assert_eq!(ana.verification, crate::Verification::Verified);
    let bo = book.get("2".parse().expect("id")).expect("bo");
    assert!(bo.emails.is_empty() && bo.phones.is_empty());
    assert!(bo.last_activity_at.is_some());
    // Uniqueness still holds on the migrated points.
    let err = book
        .create(&Actor::api("t"), NewContact::new("Twin").email("ANA@EXAMPLE.COM"))
        .expect_err("duplicate");
    assert!(matches!(err, Error::Duplicate { field: Field::Email, existing, .. } if existing == ana.id));
    drop(book);
    let conn = Connection::open(&path).expect("reopen");
    assert_eq!(super::migrate::version(&conn).expect("version"), LATEST);
}

#[test]
fn a_book_from_a_newer_contactkit_is_refused_and_left_untouched() {
    let (_dir, path) = temp_path("future.db");
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1);")
            .expect("table");
        conn.pragma_update(None, "user_version", LATEST + 1)
            .expect("version");
    }
    let before = std::fs::read(&path).expect("bytes");
    match SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT) {
        Err(Error::SchemaTooNew { found, supported }) => assert_eq!((found, supported), (LATEST + 1, LATEST)),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).expect("bytes"),
        before,
        "the newer book was modified"
    );
    assert!(
        !path.with_extension("db-wal").exists(),
        "a WAL file was created next to it"
    );
}

#[test]
fn opening_twice_migrates_once() {
    let (_dir, path) = temp_path("twice.db");
    let first = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("first");
    let second = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("second");
    let a = Book::with_store(Box::new(first), BookOptions::default());
    let b = Book::with_store(Box::new(second), BookOptions::default());
    let c = a
        .create(&Actor::api("t"), NewContact::new("Shared"))
        .expect("create");
    assert_eq!(b.get(c.id).expect("seen by the other handle").name, "Shared");
}

#[test]
fn file_books_use_wal_and_foreign_keys() {
    let (_dir, path) = temp_path("pragmas.db");
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
    let conn = store.lock_writer();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    let fk: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("fk");
    let secure: i64 = conn
        .pragma_query_value(None, "secure_delete", |r| r.get(0))
        .expect("sd");
    assert_eq!((mode.as_str(), fk, secure), ("wal", 1, 1));
}

/// Contacts with these names and ranks (`None`: not ranked yet), straight into the table.
fn ranked_contacts(conn: &Connection, rows: &[(&str, Option<i64>)]) {
    for (name, rank) in rows {
        conn.execute(
            "INSERT INTO contacts (name, name_key, source, verification, created_at, updated_at, name_rank)
             VALUES (?1, ?1, 'api', 'unverified', 0, 0, ?2)",
            rusqlite::params![name, rank],
        )
        .expect("insert");
    }
}

fn ranks(conn: &Connection) -> Vec<(String, Option<i64>)> {
    let mut stmt = conn
        .prepare("SELECT name, name_rank FROM contacts ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

#[test]
fn new_contacts_share_the_gap_between_their_ranked_neighbours() {
    let mut conn = Connection::open_in_memory().expect("open");
    migrate_to(&mut conn, LATEST).expect("schema");
    ranked_contacts(&conn, &[("bbb", Some(100)), ("ddd", Some(200))]);
    ranked_contacts(
        &conn,
        &[
            ("aaa", None),
            ("ccc", None),
            ("ccc", None),
            ("ccc", None),
            ("eee", None),
            ("王小明", None),
        ],
    );
    assert!(super::search::index_unranked(&conn).expect("index"));
    let got = ranks(&conn);
    let rank = |i: usize| got[i].1.expect("ranked");
    // aaa before bbb; the three ccc evenly between bbb and ddd, in id order; eee after ddd.
    assert!(rank(2) < 100);
    assert_eq!((rank(3), rank(4), rank(5)), (125, 150, 175));
    assert!(rank(6) > 200);
    let search = |term: &str| -> Vec<i64> {
        let mut stmt = conn
            .prepare("SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 ORDER BY rowid")
            .expect("prepare");
        stmt.query_map([format!("\"{term}\"")], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    assert_eq!(search("ccc"), [125, 150, 175]);
    assert_eq!(search("eee"), [rank(6)]);
    // Short CJK grams, below the trigram length, go to search_gram.
    let grams: Vec<String> = conn
        .prepare("SELECT gram FROM search_gram WHERE rank = ?1 ORDER BY gram")
        .expect("prepare")
        .query_map([rank(7)], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert!(
        grams.contains(&"小明".to_owned()) && grams.contains(&"王".to_owned()),
        "{grams:?}"
    );
}

#[test]
fn a_run_too_big_for_its_gap_asks_for_a_rebuild() {
    let mut conn = Connection::open_in_memory().expect("open");
    migrate_to(&mut conn, LATEST).expect("schema");
    ranked_contacts(&conn, &[("bbb", Some(100)), ("ddd", Some(102))]);
    ranked_contacts(&conn, &[("ccc", None), ("ccc", None)]);
    assert!(!super::search::index_unranked(&conn).expect("index"));
    super::search::rebuild(&conn).expect("rebuild");
    let got: Vec<Option<i64>> = ranks(&conn).into_iter().map(|(_, r)| r).collect();
    assert_eq!(got, [Some(4096), Some(4 * 4096), Some(2 * 4096), Some(3 * 4096)]);
}

type GramCounts = Vec<(String, i64)>;

/// The short-gram counts as stored, and as a recount from the contacts gives them (in a
/// transaction that is rolled back); and the trigrams a recount lists that are missing from
/// the stored vocabulary.
fn short_counts(path: &std::path::Path) -> (GramCounts, GramCounts, Vec<String>) {
    let mut conn = Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    let read = |tx: &rusqlite::Transaction<'_>| -> Vec<(String, i64)> {
        tx.prepare("SELECT gram, contacts FROM search_short ORDER BY gram")
            .expect("prepare")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    let terms = |tx: &rusqlite::Transaction<'_>| -> Vec<String> {
        tx.prepare("SELECT term FROM search_terms ORDER BY term")
            .expect("prepare")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    let (stored, stored_terms) = (read(&tx), terms(&tx));
    super::short::recount(&tx).expect("recount");
    let fresh = read(&tx);
    let missing = terms(&tx)
        .into_iter()
        .filter(|t| stored_terms.binary_search(t).is_err())
        .collect();
    (stored, fresh, missing)
}

#[test]
fn short_gram_counts_stay_exact_through_every_kind_of_write() {
    use crate::{ContactPatch, ImportOptions, MergeChoices};
    let (_dir, path) = temp_path("short.db");
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
    let book = Book::with_store(Box::new(store), BookOptions::default());
    let me = Actor::api("t");
    let names = ["Ana Lima", "Łukasz", "Ольга", "Zoë Quinn", "王伟 Li", "Bo"];
    let mut ids = Vec::new();
    for i in 0..30 {
        let mut new = NewContact::new(format!("{} {i}", names[i % names.len()]));
        if i % 3 != 0 {
            new = new.email(format!("{}x{i}@mail.example", ["an", "q", "zo"][i % 3]));
        }
        if i % 4 != 0 {
            new = new.phone(format!("+34 612 {:03} {:03}", i, i * 7));
        }
        ids.push(book.create(&me, new).expect("create").id);
    }
    let check = |when: &str| {
        let (stored, fresh, missing) = short_counts(&path);
        assert!(!fresh.is_empty(), "{when}: the book has grams");
        assert_eq!(stored, fresh, "{when}");
        assert!(
            missing.is_empty(),
            "{when}: trigrams missing from search_terms: {missing:?}"
        );
    };
    check("after creates");
    book.update(&me, ids[1], ContactPatch::new().name("Quentin Ž"))
        .expect("rename");
    book.update(&me, ids[2], ContactPatch::new().email("new@ya.ru"))
        .expect("email");
    book.update(&me, ids[5], ContactPatch::new().clear_phone())
        .expect("phone");
    book.update(&me, ids[7], ContactPatch::new().attribute("plan", "pro"))
        .expect("attribute");
    check("after edits");
    book.delete(&Actor::member("o", crate::Role::Owner), ids[3])
        .expect("delete");
    book.merge(&me, ids[4], ids[8], MergeChoices::default())
        .expect("merge");
    check("after a delete and a merge");
    let options = ImportOptions {
        on_duplicate: crate::OnDuplicate::Update,
        ..ImportOptions::default()
    };
    // The third row updates the contact the first created, before the load indexes it.
    let small = "name,email\nXavier,xa@ex.io\nAnaïs,anais@ex.io\nXavi Jr,xa@ex.io\n";
    book.import_commit(
        &me,
        small.as_bytes(),
        &options,
        |_| std::ops::ControlFlow::Continue(()),
        None,
    )
    .expect("import into a bigger book");
    check("after an import that fits in the gaps");
    let mut big = String::from("name,email,phone\n");
    for i in 0..1500 {
        big.push_str(&format!("Né {i} Quux,q{i}@big.example,+1 415 555 {:04}\n", i));
    }
    // A row updating a contact created earlier in the same file keeps one count of it.
    big.push_str("Né 7 Quux Renamed,q7@big.example,\n");
    book.import_commit(
        &me,
        big.as_bytes(),
        &options,
        |_| std::ops::ControlFlow::Continue(()),
        None,
    )
    .expect("import that outgrows the book");
    check("after an import that rebuilds");
}

/// An import into an empty book counts its grams on a second thread while it writes; one
/// that also edits a contact it created recounts at the end. Both leave exact counts.
#[test]
fn an_import_into_an_empty_book_leaves_exact_short_gram_counts() {
    use crate::ImportOptions;
    let options = ImportOptions {
        on_duplicate: crate::OnDuplicate::Update,
        ..ImportOptions::default()
    };
    let mut file = String::from("name,email,phone,tags\n");
    for i in 0..2500 {
        let name = ["Ana Lima", "Łukasz", "Ольга", "Zoë Quinn", "王伟 Li", "Bo"][i % 6];
        file.push_str(&format!(
            "{name} {i},q{i}@big.example,+1 415 555 {:04},\"t{}\"\n",
            i,
            i % 7
        ));
    }
    let edited = format!("{file}Ольга 2 Renamed,q2@big.example,\n");
    for (label, text) in [("plain", &file), ("with an edit", &edited)] {
        let (_dir, path) = temp_path("empty.db");
        let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
        let book = Book::with_store(Box::new(store), BookOptions::default());
        let report = book
            .import_commit(
                &Actor::api("t"),
                text.as_bytes(),
                &options,
                |_| std::ops::ControlFlow::Continue(()),
                None,
            )
            .expect("import");
        assert_eq!(report.created, 2500, "{label}");
        let (stored, fresh, missing) = short_counts(&path);
        assert!(!fresh.is_empty(), "{label}: the book has grams");
        assert_eq!(stored, fresh, "{label}");
        assert!(missing.is_empty(), "{label}: trigrams missing: {missing:?}");
    }
}

#[test]
fn a_batch_insert_outside_a_bulk_load_indexes_its_emails_and_phones() {
    use crate::store::{ContactRecord, NewContactRecord, PointRecord, Store};
    use crate::{Query, Source, Verification};
    let store = SqliteStore::open_in_memory().expect("store");
    let at = chrono::Utc::now();
    let point = |key: &str| PointRecord {
        key: key.to_owned(),
        value: key.to_owned(),
        original: None,
        label: None,
    };
    let new = NewContactRecord {
        record: ContactRecord {
            name: "Ana".into(),
            name_key: "ana".into(),
            source: Source::Api,
            verification: Verification::Unverified,
            attributes: Default::default(),
            created_at: at,
            updated_at: at,
            last_activity_at: None,
        },
        emails: vec![point("zed@quux.example")],
        phones: vec![point("+14155552671")],
        tags: vec![],
    };
    store
        .write(&mut |w| {
            w.insert_contacts(std::slice::from_ref(&new), &Actor::api("t"))
                .map(|_| ())
        })
        .expect("insert");
    for term in ["quux", "5552671", "q", "zed@"] {
        let page = store.query(&Query::new().search(term)).expect("query");
        assert_eq!(page.total, 1, "{term}");
        assert_eq!(page.contacts.len(), 1, "{term}");
    }
}

#[test]
fn a_rebuild_leaves_the_trigram_tables_merge_settings_as_it_found_them() {
    let (_dir, path) = temp_path("settings.db");
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
    store.rebuild_search_index().expect("rebuild");
    drop(store);
    let conn = Connection::open(&path).expect("open");
    let setting = |key: &str| -> Option<i64> {
        conn.query_row("SELECT v FROM search_fts_config WHERE k = ?1", [key], |row| {
            row.get(0)
        })
        .ok()
    };
    assert_eq!(setting("automerge"), Some(4));
    assert_eq!(setting("hashsize"), Some(1_048_576));
}

#[test]
fn listing_attribute_keys_reads_only_the_contacts_that_have_attributes() {
    let mut conn = Connection::open_in_memory().expect("open");
    migrate_to(&mut conn, LATEST).expect("schema");
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", super::sql::ATTRIBUTE_KEYS))
        .expect("prepare")
        .query_map([], |row| row.get(3))
        .expect("plan")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert!(
        plan.iter()
            .any(|step| step.contains("USING INDEX contacts_with_attributes")),
        "{plan:?}"
    );
}

use crate::store::Store as _;

fn new_contact(i: usize, email: &str) -> crate::store::NewContactRecord {
    use crate::store::{ContactRecord, NewContactRecord, PointRecord};
    let at = chrono::Utc::now();
    NewContactRecord {
        record: ContactRecord {
            name: format!("Person {i}"),
            name_key: format!("person {i}"),
            source: crate::Source::Import,
            verification: crate::Verification::Unverified,
            attributes: Default::default(),
            created_at: at,
            updated_at: at,
            last_activity_at: None,
        },
        emails: vec![PointRecord {
            key: email.to_owned(),
            value: email.to_owned(),
            original: None,
            label: None,
        }],
        phones: vec![],
        tags: vec![],
    }
}

/// Writes `contacts` in one bulk load of their own.
fn bulk_load(store: &SqliteStore, contacts: &[crate::store::NewContactRecord], me: &Actor) {
    store
        .write(&mut |w| {
            w.set_bulk_load(true)?;
            w.insert_contacts(contacts, me)?;
            w.set_bulk_load(false)
        })
        .expect("load");
}

fn has_point_key_index(store: &SqliteStore) -> bool {
    let conn = store.writer.lock().expect("writer");
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'contact_points_key'",
        [],
        |row| row.get::<_, i64>(0),
    )
    .expect("schema")
        == 1
}

/// A load into an empty book drops the unique index of point keys and makes it again at its
/// end; a key held twice by then fails the load with the duplicate named.
#[test]
fn a_load_into_an_empty_book_checks_point_keys_at_its_end() {
    let store = SqliteStore::open_in_memory().expect("store");
    let me = Actor::api("t");
    let first: Vec<_> = (0..1500)
        .map(|i| new_contact(i, &format!("p{i}@x.example")))
        .collect();
    let again = vec![new_contact(1500, "p7@x.example")];
    let loaded = store.write(&mut |w| {
        w.set_bulk_load(true)?;
        w.insert_contacts(&first, &me)?;
        w.insert_contacts(&again, &me)?; // no index to refuse it yet
        w.set_bulk_load(false)
    });
    match loaded {
        Err(Error::Duplicate { field, value, .. }) => {
            assert_eq!((field, value.as_str()), (Field::Email, "p7@x.example"))
        }
        other => panic!("expected the duplicate, got {other:?}"),
    }
    assert!(has_point_key_index(&store), "the rollback kept the index");
    let mut n = u64::MAX;
    store
        .write(&mut |w| {
            n = w.contact_count()?;
            Ok(())
        })
        .expect("count");
    assert_eq!(n, 0, "nothing of the load is left");

    // Without the duplicate it loads, and the index is back.
    bulk_load(&store, &first, &me);
    assert!(has_point_key_index(&store));
}

/// A lookup by key in the middle of such a load makes the index again first, so it finds
/// the points already written and the load still ends with the index.
#[test]
fn a_point_lookup_during_a_load_into_an_empty_book_finds_the_loaded_points() {
    let store = SqliteStore::open_in_memory().expect("store");
    let me = Actor::api("t");
    let first: Vec<_> = (0..1500)
        .map(|i| new_contact(i, &format!("p{i}@x.example")))
        .collect();
    let (mut owner, mut expected, mut again) = (None, None, None);
    store
        .write(&mut |w| {
            w.set_bulk_load(true)?;
            let ids = w.insert_contacts(&first, &me)?;
            expected = Some(ids[42]);
            owner = w.point_owner(crate::store::PointKind::Email, "p42@x.example")?;
            // Now a repeated key fails at once.
            again = Some(w.insert_contacts(&[new_contact(1500, "p42@x.example")], &me));
            w.set_bulk_load(false)
        })
        .expect("load");
    assert_eq!(owner, expected);
    assert!(owner.is_some());
    assert!(matches!(again, Some(Err(Error::Duplicate { .. }))), "{again:?}");
    assert!(has_point_key_index(&store));
}

/// The commit of a rebuilt bulk load leaves the copy of its WAL into the main file to a
/// thread of its own; once that has run, the main file alone holds every contact, and the
/// writer checkpoints by itself again.
#[test]
fn a_bulk_load_is_checkpointed_into_the_main_file_after_its_commit() {
    let (dir, path) = temp_path("checkpoint.db");
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
    let me = Actor::api("t");
    let contacts: Vec<_> = (0..1500)
        .map(|i| new_contact(i, &format!("p{i}@x.example")))
        .collect();
    bulk_load(&store, &contacts, &me);
    store.wait_for_checkpoint();
    let copy = dir.path().join("main-file-only.db");
    std::fs::copy(&path, &copy).expect("copy the main file");
    let n: i64 = Connection::open(&copy)
        .expect("open the copy")
        .query_row("SELECT count(*) FROM contacts", [], |row| row.get(0))
        .expect("count");
    assert_eq!(n, 1500);
    let automatic: i64 = store
        .writer
        .lock()
        .expect("writer")
        .pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0))
        .expect("pragma");
    assert_eq!(automatic, super::WAL_AUTOCHECKPOINT);
}

/// A row page as plain values, whatever order its texts were pushed in.
type RowValues = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<(String, Option<String>)>,
    Vec<(String, Option<String>)>,
    Vec<String>,
    String,
    String,
    String,
);

fn row_values(page: &crate::store::RowPage) -> Vec<RowValues> {
    use crate::store::PointKind;
    let text = |span: Option<crate::store::Span>| span.map(|s| page.text(s).to_owned());
    let own = |points: Vec<(&str, Option<&str>)>| {
        points
            .into_iter()
            .map(|(v, l)| (v.to_owned(), l.map(str::to_owned)))
            .collect::<Vec<_>>()
    };
    page.rows
        .iter()
        .map(|row| {
            (
                row.id.as_raw(),
                page.text(row.name).to_owned(),
                text(row.email),
                text(row.email_label),
                text(row.phone),
                text(row.phone_label),
                own(page.more_points_of(row, PointKind::Email).collect()),
                own(page.more_points_of(row, PointKind::Phone).collect()),
                page.tags_of(row).map(str::to_owned).collect(),
                format!("{:?} {:?}", row.source, row.verification),
                page.text(row.attributes).to_owned(),
                format!("{:?} {:?}", row.created_at, row.last_activity_at),
            )
        })
        .collect()
}

/// The SQLite store reads a row page from the contact rows and only the points with more to
/// say; the trait's default builds it from whole contacts. Both must hold the same values.
#[test]
fn a_row_page_holds_what_the_whole_contacts_hold() {
    use crate::store::RowPage;
    let (_dir, path) = temp_path("rows.db");
    {
        let book = Book::open(&path, BookOptions::default()).expect("open");
        let me = Actor::api("t");
        book.create(
            &me,
            NewContact::new("Ana")
                .email("Ana@Example.com")
                .additional_email("ana@work.example", Some("work"))
                .phone("+55 11 91234-5678")
                .additional_phone("+1 415 555 2671", None)
                .tag("Zeta")
                .tag("alpha")
                .attribute("plan", "pro")
                .last_activity_at(chrono::Utc::now()),
        )
        .expect("ana");
        book.create(&me, NewContact::new("Bo").phone("+34 612 34 56 78"))
            .expect("bo");
        // Labels on the primary points come from an import's label columns.
        let file =
            "name,email,email_label,phone,phone_label,tags\nCy,cy@x.io,home,+44 7400 123456,mobile,Mid\n";
        book.import_commit(
            &me,
            file.as_bytes(),
            &crate::ImportOptions::default(),
            |_| std::ops::ControlFlow::Continue(()),
            None,
        )
        .expect("cy");
    }
    let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("store");
    let (mut read, mut built) = (RowPage::default(), RowPage::default());
    store
        .read(&mut |r| {
            read = r.row_page_after(None, 10)?;
            built = RowPage::default();
            for contact in r.contacts_after(None, 10)? {
                built.push_contact(&contact)?;
            }
            Ok(())
        })
        .expect("read");
    assert_eq!(read.rows.len(), 3);
    let values = row_values(&read);
    assert_eq!(
        values[2].3.as_deref(),
        Some("home"),
        "the primary's label is read"
    );
    assert_eq!(values[0].8, ["alpha", "Zeta"], "tags in key order");
    assert_eq!(values, row_values(&built));
}

fn count_of(store: &SqliteStore, sql: &str) -> i64 {
    let conn = store.writer.lock().expect("writer");
    conn.query_row(sql, [], |row| row.get(0)).expect("count")
}

fn ranges(store: &SqliteStore) -> Vec<(i64, i64)> {
    let conn = store.writer.lock().expect("writer");
    let mut stmt = conn
        .prepare("SELECT first_contact, last_contact FROM created_ranges ORDER BY first_contact")
        .expect("ranges");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("ranges")
        .collect::<rusqlite::Result<_>>()
        .expect("ranges")
}

type History = (crate::Provenance, Vec<crate::VerificationRecord>);

fn histories(store: &SqliteStore, ids: &[crate::ContactId]) -> Vec<History> {
    let mut out = Vec::new();
    store
        .read(&mut |r| {
            out = ids
                .iter()
                .map(|id| Ok((r.provenance(*id)?, r.verification_history(*id)?)))
                .collect::<crate::Result<_>>()?;
            Ok(())
        })
        .expect("read");
    out
}

/// A bulk create stores one range instead of the provenance and first verification record
/// of each contact; reads imply them, and writing them out (before a change) gives exactly
/// what was implied while the contact leaves its range.
#[test]
fn created_ranges_imply_what_they_stand_for_until_written_out() {
    let store = SqliteStore::open_in_memory().expect("store");
    let importer = Actor::system("nightly", crate::Origin::Import);
    let at = chrono::Utc::now();
    let mut batch: Vec<_> = (0..6)
        .map(|i| new_contact(i, &format!("p{i}@x.example")))
        .collect();
    batch[1].emails.clear();
    batch[2].record.attributes.insert("budget".into(), 300i64.into());
    batch[2].record.attributes.insert("area".into(), "north".into());
    batch[3].phones.push(crate::store::PointRecord {
        key: "+14155550100".into(),
        value: "+14155550100".into(),
        original: None,
        label: None,
    });
    batch[3].record.verification = crate::Verification::Verified;
    let mut ids = Vec::new();
    store
        .write(&mut |w| {
            // Two write batches of one import: one range.
            ids = w.insert_contacts(&batch[..4], &importer)?;
            w.record_created(ids[0], ids[3], &importer, at)?;
            let more = w.insert_contacts(&batch[4..], &importer)?;
            w.record_created(more[0], more[1], &importer, at)?;
            ids.extend(more);
            Ok(())
        })
        .expect("load");
    let raw: Vec<i64> = ids.iter().map(|id| id.as_raw()).collect();
    assert_eq!(ranges(&store), [(raw[0], raw[5])]);
    assert_eq!(count_of(&store, "SELECT count(*) FROM field_provenance"), 0);
    assert_eq!(count_of(&store, "SELECT count(*) FROM verification_history"), 0);

    let implied = histories(&store, &ids);
    let fields = |h: &History| h.0.keys().cloned().collect::<Vec<_>>();
    assert_eq!(fields(&implied[0]), ["email", "name"]);
    assert_eq!(fields(&implied[1]), ["name"]);
    assert_eq!(
        fields(&implied[2]),
        ["attributes.area", "attributes.budget", "email", "name"]
    );
    assert_eq!(fields(&implied[3]), ["email", "name", "phone"]);
    let source = crate::provenance::FieldSource::of(&importer, at);
    let source = crate::provenance::FieldSource {
        at: super::sql::from_millis(super::sql::to_millis(source.at)).expect("at"),
        ..source
    };
    assert!(implied.iter().all(|h| h.0.values().all(|s| *s == source)));
    assert_eq!(implied[3].1.len(), 1);
    assert_eq!(implied[3].1[0].status, crate::Verification::Verified);
    assert_eq!(
        (implied[0].1[0].status, implied[0].1[0].actor_id.as_str()),
        (crate::Verification::Unverified, "nightly")
    );

    // Out of the middle, then each end: the range splits and shrinks, the reads stay.
    for (i, expected) in [
        (2, vec![(raw[0], raw[1]), (raw[3], raw[5])]),
        (0, vec![(raw[1], raw[1]), (raw[3], raw[5])]),
        (5, vec![(raw[1], raw[1]), (raw[3], raw[4])]),
        (1, vec![(raw[3], raw[4])]),
    ] {
        {
            let conn = store.writer.lock().expect("writer");
            super::created::materialize(&conn, ids[i]).expect("materialize");
            // A second time there is nothing left to write out.
            super::created::materialize(&conn, ids[i]).expect("materialize");
        }
        assert_eq!(ranges(&store), expected, "after contact {i}");
        assert_eq!(histories(&store, &ids), implied, "after contact {i}");
    }
    assert_eq!(
        count_of(&store, "SELECT count(*) FROM field_provenance"),
        2 + 4 + 2 + 1
    );
    assert_eq!(count_of(&store, "SELECT count(*) FROM verification_history"), 4);
}

/// Every row of the search tables, but the trigram table's structure record (it holds a
/// write counter and a cookie of its own file).
fn search_rows(store: &SqliteStore) -> Vec<String> {
    let conn = store.writer.lock().expect("writer");
    let mut rows = Vec::new();
    for sql in [
        "SELECT 'data', id, hex(block) FROM search_fts_data WHERE id != 10 ORDER BY id",
        "SELECT 'idx', segid, hex(term), pgno FROM search_fts_idx ORDER BY 2, 3",
        "SELECT 'docsize', id, hex(sz), origin FROM search_fts_docsize ORDER BY id",
        "SELECT 'gram', gram, rank FROM search_gram ORDER BY gram, rank",
    ] {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let width = stmt.column_count();
        let found = stmt
            .query_map([], |row| {
                (0..width)
                    .map(|i| row.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|cols| cols.join("|"))
            })
            .expect("query")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        rows.extend(found);
    }
    conn.execute_batch("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
        .expect("the trigram table is consistent");
    rows
}

/// A load that outgrows its book (an empty one, or one it more than doubles) builds the
/// search rows on a thread of its own and copies them in; they are the rows a rebuild in the
/// book writes, and searches find the same contacts. When that thread fails, the load builds
/// them in the book itself.
#[test]
fn a_load_that_outgrows_its_book_copies_in_the_search_rows_a_rebuild_writes() {
    use super::search_build::test_hooks;
    use crate::{ImportOptions, Query};
    let mut file = String::from("name,email,phone,additional_emails,additional_phones\n");
    for i in 0..3000 {
        let name = [
            "Ana Lima",
            "Łukasz Nowak",
            "Ольга",
            "王伟",
            "Bo",
            "김민준 Kim",
            "さくら",
        ][i % 7];
        let more_emails = if i % 3 == 0 {
            format!("alt{i}@zweite.example")
        } else {
            String::new()
        };
        let more_phones = if i % 4 == 0 {
            format!("+44 20 7946 {:04}", i % 10_000)
        } else {
            String::new()
        };
        let email = if i % 5 == 0 {
            String::new()
        } else {
            format!("{}{i}@mail.example", ["q", "佐藤", "x"][i % 3])
        };
        file.push_str(&format!(
            "{name} {i},{email},+1 415 555 {:04},{more_emails},{more_phones}\n",
            i
        ));
    }
    // The file in one import into an empty book; the same with the thread failing; its
    // first 1200 rows, then the other 1800, which outgrow the book of 1200.
    let lines: Vec<&str> = file.lines().collect();
    let part = |rows: std::ops::Range<usize>| -> String {
        std::iter::once(lines[0])
            .chain(lines[1 + rows.start..1 + rows.end].iter().copied())
            .map(|line| format!("{line}\n"))
            .collect()
    };
    let cases = [
        ("into an empty book", false, vec![file.clone()], 1),
        ("with the thread failing", true, vec![file.clone()], 0),
        (
            "outgrowing a book",
            false,
            vec![part(0..1200), part(1200..3000)],
            2,
        ),
    ];
    for (case, failing, imports, copies) in cases {
        let copies_before = test_hooks::copies();
        test_hooks::fail_threads(failing);
        let (_dir, path) = temp_path("copied.db");
        let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
        let book = Book::with_store(Box::new(store), BookOptions::default());
        let mut created = 0;
        for text in &imports {
            created += book
                .import_commit(
                    &Actor::api("t"),
                    text.as_bytes(),
                    &ImportOptions::default(),
                    |_| std::ops::ControlFlow::Continue(()),
                    None,
                )
                .expect("import")
                .created;
        }
        test_hooks::fail_threads(false);
        assert_eq!(created, 3000, "{case}");
        assert_eq!(test_hooks::copies() - copies_before, copies, "{case}");
        let (stored, fresh, missing) = short_counts(&path);
        assert_eq!(stored, fresh, "{case}: short-gram counts");
        assert!(missing.is_empty(), "{case}: trigrams missing: {missing:?}");
        drop(book);
        let store = SqliteStore::open(&path, SqliteStore::DEFAULT_BUSY_TIMEOUT).expect("open");
        let terms = [
            "lima",
            "王伟",
            "伟",
            "민준",
            "さ",
            "5550123",
            "zweite",
            "佐藤2",
            "ольга 1",
            "q1",
            "7946",
        ];
        let found = |store: &SqliteStore| -> Vec<(String, u64, Vec<crate::ContactId>)> {
            terms
                .iter()
                .map(|term| {
                    let page = store.query(&Query::new().search(*term)).expect("query");
                    (
                        term.to_string(),
                        page.total,
                        page.contacts.iter().map(|c| c.id).collect(),
                    )
                })
                .collect()
        };
        let (loaded_rows, loaded_found) = (search_rows(&store), found(&store));
        assert!(
            loaded_found.iter().all(|(_, total, _)| *total > 0),
            "{loaded_found:?}"
        );
        store.rebuild_search_index().expect("rebuild");
        let rebuilt_rows = search_rows(&store);
        assert!(loaded_rows.len() > 3000, "{}", loaded_rows.len());
        let first_difference = loaded_rows.iter().zip(&rebuilt_rows).find(|(a, b)| a != b);
        assert!(
            loaded_rows == rebuilt_rows,
            "{case}: the rows differ from a rebuild's, first {first_difference:?}"
        );
        assert_eq!(loaded_found, found(&store), "{case}");
    }
}

/// A book in memory reads on its writer's connection, whose trigram table remembers the
/// index it last read: after a load into the emptied book copies in its search rows, searches
/// there find the new contacts and none of the deleted ones.
#[test]
fn a_book_in_memory_searches_the_search_rows_its_load_copied_in() {
    use super::search_build::test_hooks;
    use crate::Query;
    let store = SqliteStore::open_in_memory().expect("store");
    let me = Actor::api("t");
    let early: Vec<_> = (0..20)
        .map(|i| new_contact(i, &format!("early{i}@x.example")))
        .collect();
    let mut ids = Vec::new();
    store
        .write(&mut |w| {
            ids = w.insert_contacts(&early, &me)?;
            Ok(())
        })
        .expect("insert");
    assert_eq!(
        store.query(&Query::new().search("early")).expect("query").total,
        20
    );
    store
        .write(&mut |w| ids.iter().try_for_each(|id| w.delete_contact(*id).map(|_| ())))
        .expect("delete");
    let copies_before = test_hooks::copies();
    let load: Vec<_> = (0..1500)
        .map(|i| new_contact(i, &format!("p{i}@x.example")))
        .collect();
    bulk_load(&store, &load, &me);
    assert_eq!(
        test_hooks::copies(),
        copies_before + 1,
        "the rows were built on the load's thread"
    );
    assert_eq!(
        store.query(&Query::new().search("person")).expect("query").total,
        1500
    );
    assert_eq!(
        store.query(&Query::new().search("p1499@")).expect("query").total,
        1
    );
    assert_eq!(
        store.query(&Query::new().search("early")).expect("query").total,
        0
    );
}

/// `tag_facts` rows: tag, verification, created time, contact.
type FactRow = (i64, String, i64, i64);
/// `tag_activity` rows: tag, activity key, contact.
type ActivityRow = (i64, i64, i64);

fn tag_table_rows(conn: &Connection) -> (Vec<FactRow>, Vec<ActivityRow>) {
    let facts = conn
        .prepare("SELECT tag_id, verification, created_at, contact_id FROM tag_facts ORDER BY 1, 2, 3, 4")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .expect("facts");
    let activity = conn
        .prepare("SELECT tag_id, activity_key, contact_id FROM tag_activity ORDER BY 1, 2, 3")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .expect("activity");
    (facts, activity)
}

#[test]
fn the_tag_tables_rebuilt_in_memory_are_those_the_triggers_and_the_sql_write() {
    let mut conn = Connection::open_in_memory().expect("open");
    migrate_to(&mut conn, LATEST).expect("schema");
    // Contacts with every verification, times and no activity, ids with gaps, and tags in
    // an order that is neither by id nor by name; the triggers keep the tag tables.
    conn.execute_batch(
        "INSERT INTO tags (id, name, key) VALUES (3, 'Hot', 'hot'), (1, 'Cold', 'cold'), (7, 'VIP', 'vip');
         INSERT INTO contacts (id, name, name_key, source, verification, created_at, updated_at, last_activity_at)
         VALUES (2, 'A', 'a', 'api', 'verified', 500, 0, NULL),
                (5, 'B', 'b', 'api', 'failed', 100, 0, 900),
                (6, 'C', 'c', 'api', 'pending', 100, 0, 100),
                (9, 'D', 'd', 'api', 'unverified', 300, 0, NULL),
                (40, 'E', 'e', 'api', 'verified', 100, 0, 50);
         INSERT INTO contact_tags (contact_id, tag_id) VALUES
                (9, 3), (2, 3), (40, 3), (5, 1), (6, 1), (9, 7), (2, 7), (6, 7), (5, 7), (40, 7);",
    )
    .expect("rows");
    let maintained = tag_table_rows(&conn);
    assert_eq!((maintained.0.len(), maintained.1.len()), (10, 10));
    assert!(super::tag_tables::rebuild(&conn).expect("rebuild"));
    assert_eq!(tag_table_rows(&conn), maintained);
    conn.execute_batch(include_str!("rebuild_tags.sql")).expect("sql");
    assert_eq!(tag_table_rows(&conn), maintained);
    // In key order: the table read in rowid-less storage order is already sorted.
    let stored: Vec<i64> = conn
        .prepare("SELECT contact_id FROM tag_facts WHERE tag_id = 7")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tag 7");
    assert_eq!(stored, [5, 6, 9, 40, 2]);
}
