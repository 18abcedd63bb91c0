//! Several processes writing one book file: uniqueness of emails and phones holds across them
//! because it is a constraint of the store, not a check before the insert.
//!
//! The parent test re-runs this test binary as worker processes (selected by an environment
//! variable), each racing to create the same contacts in a different order.

use std::collections::BTreeSet;
use std::process::Command;

use contactkit::{Actor, Book, BookOptions, Error, NewContact, PointInput};

const WORKER_ENV: &str = "CONTACTKIT_TEST_WORKER_DB";
const PEOPLE: usize = 40;

/// The worker: does nothing unless started by the parent with a book path.
#[test]
fn worker_races_to_create_people() {
    let Ok(path) = std::env::var(WORKER_ENV) else {
        return;
    };
    let seed: usize = std::env::var("CONTACTKIT_TEST_WORKER_SEED")
        .expect("seed")
        .parse()
        .expect("number");
    let book = Book::open(&path, BookOptions::default()).expect("open");
    let actor = Actor::api(format!("worker-{seed}"));
    for step in 0..PEOPLE {
        let i = (step * 7 + seed * 13) % PEOPLE;
        // Half of the people clash on a primary email, half on an additional phone.
        let new = if i.is_multiple_of(2) {
            NewContact::new(format!("Person {i} by {seed}")).email(format!("person{i}@example.com"))
        } else {
            NewContact::new(format!("Person {i} by {seed}"))
                .email(format!("person{i}.{seed}@example.com"))
                .additional_phone(format!("+1 415 555 {:04}", 1000 + i), Some("mobile"))
        };
        match book.create(&actor, new) {
            // The harness may have printed "test … " on this line already: the id is read after the marker.
            Ok(c) => println!("CREATED {}", c.id),
            Err(Error::Duplicate { .. }) => {}
            Err(other) => panic!("worker {seed}: {other}"),
        }
        if i == 3 {
            // Also race on adding a point to an existing contact.
            if let Ok(c) = book.create(&actor, NewContact::new(format!("Adder {seed}"))) {
                println!("CREATED {}", c.id);
                match book.add_email(&actor, c.id, PointInput::new("shared-extra@example.com")) {
                    Ok(_) | Err(Error::Duplicate { .. }) => {}
                    Err(other) => panic!("worker {seed}: {other}"),
                }
            }
        }
    }
}

#[test]
fn uniqueness_holds_across_processes_writing_one_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    drop(Book::open(&path, BookOptions::default()).expect("create the book"));
    let exe = std::env::current_exe().expect("test binary");
    let workers: Vec<_> = (0..3)
        .map(|seed| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "worker_races_to_create_people",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(WORKER_ENV, &path)
                .env("CONTACTKIT_TEST_WORKER_SEED", seed.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn worker")
        })
        .collect();
    let outputs: Vec<_> = workers
        .into_iter()
        .map(|w| w.wait_with_output().expect("worker"))
        .collect();
    let mut ids: Vec<contactkit::ContactId> = Vec::new();
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "worker failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.extend(
            stdout
                .lines()
                .filter_map(|l| l.split_once("CREATED ").map(|(_, id)| id))
                .map(|id| id.parse::<contactkit::ContactId>().expect("id")),
        );
    }
    let book = Book::open(&path, BookOptions::default()).expect("open");
    let contacts: Vec<_> = ids
        .iter()
        .map(|id| book.get(*id).expect("created contact exists"))
        .collect();
    let people: Vec<_> = contacts.iter().filter(|c| c.name.starts_with("Person")).collect();
    let mut numbers: Vec<usize> = people
        .iter()
        .filter_map(|c| c.name.split(' ').nth(1)?.parse().ok())
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        (0..PEOPLE).collect::<Vec<_>>(),
        "each person is created exactly once"
    );
    let mut keys = BTreeSet::new();
    for c in &contacts {
        for e in &c.emails {
            assert!(keys.insert(e.address.key()), "email {} is held twice", e.address);
        }
        for p in &c.phones {
            assert!(keys.insert(p.e164.to_string()), "phone {} is held twice", p.e164);
        }
    }
    assert!(keys.contains("shared-extra@example.com"));
}
