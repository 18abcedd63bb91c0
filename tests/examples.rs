//! The examples are programs that the README tells people to run: run them and check what
//! they print and write.

use std::process::Command;

#[test]
fn quickstart_creates_a_book_and_prints_its_contacts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("quickstart.db");
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "quickstart", "--"])
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("refused: phone \"+5511912345678\" already belongs to contact 1"),
        "{stdout}"
    );
    assert!(stdout.contains("José Álvarez"), "{stdout}");

    // What it printed is what the book file holds.
    let book = contactkit::Book::open(&path, Default::default()).expect("the example's book");
    let tags: Vec<(String, u64)> = book
        .tags()
        .expect("tags")
        .into_iter()
        .map(|t| (t.name, t.contacts))
        .collect();
    assert_eq!(
        tags,
        vec![
            ("Buyer".into(), 2),
            ("Hot lead".into(), 1),
            ("Investor".into(), 1)
        ]
    );
    let marta = book.get("2".parse().expect("id")).expect("Marta");
    assert_eq!(marta.phone(), Some("+48601234567"));
    assert_eq!(marta.emails[0].label.as_deref(), Some("work"));
}
