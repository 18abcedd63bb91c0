//! The main job on the embedded SQLite default: create a book file, add contacts with tags,
//! and print them.
//!
//! Run it with `cargo run --example quickstart [PATH]` (default `quickstart.db`; an existing
//! file at that path is replaced).

use contactkit::{Actor, Book, BookOptions, NewContact, PhoneRegion, Role, Source};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "quickstart.db".to_owned());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let options = BookOptions {
        default_region: PhoneRegion::new("BR")?,
        ..BookOptions::default()
    };
    let book = Book::open(&path, options)?;
    let agent = Actor::member("agent-ana", Role::Agent);

    let leads = [
        NewContact::new("José Álvarez")
            .email("jose.alvarez@example.com")
            .phone("(11) 91234-5678")
            .tag("Hot lead")
            .tag("Buyer")
            .source(Source::Whatsapp),
        NewContact::new("Marta Nowak")
            .phone("+48 601 234 567")
            .additional_email("marta@biuro.pl", Some("work"))
            .tag("buyer")
            .attribute("budget", 850_000.0)
            .source(Source::WebWidget),
        NewContact::new("王伟")
            .email("wang.wei@example.cn")
            .tag("Investor")
            .source(Source::Telegram),
    ];
    let mut ids = Vec::new();
    for lead in leads {
        ids.push(book.create(&agent, lead)?.id);
    }
    // The same phone in another notation is the same person: refused, not duplicated.
    if let Err(err) = book.create(&agent, NewContact::new("Zé").phone("+55 11 91234 5678")) {
        println!("refused: {err}");
    }

    println!(
        "{:<4} {:<14} {:<26} {:<15} {:<11} tags",
        "id", "name", "email", "phone", "source"
    );
    for id in ids {
        let c = book.get(id)?;
        println!(
            "{:<4} {:<14} {:<26} {:<15} {:<11} {}",
            c.id,
            c.name,
            c.email().unwrap_or("-"),
            c.phone().unwrap_or("-"),
            c.source,
            c.tags.join(", ")
        );
    }
    println!("\ntags:");
    for tag in book.tags()? {
        println!("  {:<10} {}", tag.name, tag.contacts);
    }
    println!("\nbook written to {path}");
    Ok(())
}
