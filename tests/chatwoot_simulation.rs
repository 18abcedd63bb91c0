//! A seeded, repeatable run of edits, tag changes and deletes on both sides, interleaved with
//! syncs, pushes, webhooks and faults. It must end with both sides equal, no edit lost (each
//! field holds the last value written on one side or the other, never an older one) and no
//! delete undone.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use contactkit::{
    Actor, Book, BookOptions, ContactPatch, NewContact, Query, RemoteDraft, RemoteError, Role, Snapshot,
    label_for_tag,
};
use contactkit_testkit::Rng;
use contactkit_testkit::chatwoot::{FakeChatwoot, Op};
use serde_json::json;

const TAGS: &[&str] = &["buyer", "seller", "hot", "investor"];

#[derive(Default)]
struct Entity {
    /// Every name written, with its side, in order.
    names: Vec<(char, String)>,
    /// Every value of the attribute `k` written.
    ks: Vec<(char, i64)>,
}

fn local_of(book: &Book, email: &str) -> Option<contactkit::Contact> {
    book.query(&Query::new().search(email))
        .ok()?
        .contacts
        .into_iter()
        .find(|c| c.email() == Some(email))
}

fn remote_of(remote: &FakeChatwoot, email: &str) -> Option<i64> {
    remote
        .contacts()
        .iter()
        .find(|(_, c)| c.email.as_deref() == Some(email))
        .map(|(id, _)| *id)
}

fn run(seed: u64, steps: usize) {
    let book = Book::open_in_memory(BookOptions::default()).expect("book");
    let mut remote = FakeChatwoot::new();
    let mut rng = Rng::new(seed);
    let agent = Actor::member("agent", Role::Agent);
    let owner = Actor::member("owner", Role::Owner);
    let mut entities: BTreeMap<String, Entity> = BTreeMap::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut created = 0;

    for step in 0..steps {
        let alive: Vec<String> = entities
            .keys()
            .filter(|e| !deleted.contains(*e))
            .cloned()
            .collect();
        let pick = |rng: &mut Rng| -> Option<String> {
            (!alive.is_empty()).then(|| alive[rng.below(alive.len() as u64) as usize].clone())
        };
        match rng.below(100) {
            0..=9 => {
                created += 1;
                let email = format!("l{created}@example.com");
                let name = format!("Local {created}");
                book.create(
                    &agent,
                    NewContact::new(&name)
                        .email(&email)
                        .tag(TAGS[rng.below(4) as usize]),
                )
                .expect("create");
                entities.insert(
                    email,
                    Entity {
                        names: vec![('l', name)],
                        ks: Vec::new(),
                    },
                );
            }
            10..=17 => {
                created += 1;
                let email = format!("r{created}@example.com");
                let name = format!("Remote {created}");
                remote
                    .ui_create(&name, Some(&email), None)
                    .expect("remote create");
                entities.insert(
                    email,
                    Entity {
                        names: vec![('r', name)],
                        ks: Vec::new(),
                    },
                );
            }
            18..=35 => {
                let Some(email) = pick(&mut rng) else { continue };
                let Some(c) = local_of(&book, &email) else {
                    continue;
                };
                let e = entities.get_mut(&email).expect("entity");
                if rng.below(2) == 0 {
                    let name = format!("L{step}");
                    book.update(&agent, c.id, ContactPatch::new().name(&name))
                        .expect("edit");
                    e.names.push(('l', name));
                } else {
                    book.update(&agent, c.id, ContactPatch::new().attribute("k", step as f64))
                        .expect("edit");
                    e.ks.push(('l', step as i64));
                }
            }
            36..=50 => {
                let Some(email) = pick(&mut rng) else { continue };
                let Some(id) = remote_of(&remote, &email) else {
                    continue;
                };
                let e = entities.get_mut(&email).expect("entity");
                if rng.below(2) == 0 {
                    let name = format!("R{step}");
                    remote
                        .ui_update(
                            id,
                            &RemoteDraft {
                                name: Some(name.clone()),
                                ..RemoteDraft::default()
                            },
                        )
                        .expect("edit");
                    e.names.push(('r', name));
                } else {
                    let draft = RemoteDraft {
                        custom_attributes: [("k".to_string(), json!(step as f64))].into_iter().collect(),
                        ..RemoteDraft::default()
                    };
                    remote.ui_update(id, &draft).expect("edit");
                    e.ks.push(('r', step as i64));
                }
            }
            51..=58 => {
                let Some(email) = pick(&mut rng) else { continue };
                let tag = TAGS[rng.below(4) as usize];
                if rng.below(2) == 0 {
                    if let Some(c) = local_of(&book, &email) {
                        if rng.below(2) == 0 {
                            book.add_tags(&agent, c.id, &[tag]).expect("tag");
                        } else {
                            book.remove_tags(&agent, c.id, &[tag]).expect("untag");
                        }
                    }
                } else if let Some(id) = remote_of(&remote, &email) {
                    let labels: Vec<&str> = TAGS.iter().copied().filter(|_| rng.below(2) == 0).collect();
                    remote.ui_set_labels(id, &labels).expect("labels");
                }
            }
            59..=63 => {
                let Some(email) = pick(&mut rng) else { continue };
                if rng.below(2) == 0 {
                    if let Some(c) = local_of(&book, &email) {
                        book.delete(&owner, c.id).expect("delete");
                        deleted.insert(email);
                    }
                } else if let Some(id) = remote_of(&remote, &email) {
                    remote.ui_delete(id);
                    deleted.insert(email);
                }
            }
            64..=75 => {
                // A fault now and then: the sync stops with a clear error, or a contact is parked.
                match rng.below(6) {
                    0 => remote
                        .faults
                        .push_back((Op::Any, RemoteError::Unavailable("connection reset".into()))),
                    1 => remote
                        .faults
                        .push_back((Op::Update, RemoteError::Unavailable("HTTP 503".into()))),
                    _ => {}
                }
                match book.sync_now(&mut remote, |_| ControlFlow::Continue(())) {
                    Ok(_) | Err(contactkit::Error::Sync(_)) => {}
                    Err(other) => panic!("seed {seed} step {step}: {other}"),
                }
                remote.faults.clear();
            }
            76..=85 => match book.sync_pending(&mut remote) {
                Ok(_) | Err(contactkit::Error::Sync(_)) => {}
                Err(other) => panic!("seed {seed} step {step}: {other}"),
            },
            _ => {
                // A webhook for a random Chatwoot contact, maybe a late one for a deleted contact.
                let ids: Vec<i64> = remote.contacts().keys().copied().collect();
                let id = if ids.is_empty() || rng.below(4) == 0 {
                    9999
                } else {
                    ids[rng.below(ids.len() as u64) as usize]
                };
                let body = format!(r#"{{"event":"contact_updated","id":{id}}}"#);
                book.apply_webhook(&mut remote, &[], body.as_bytes(), None)
                    .expect("webhook");
            }
        }
    }

    // Quiet period: two full syncs without faults.
    remote.faults.clear();
    for _ in 0..2 {
        book.sync_now(&mut remote, |_| ControlFlow::Continue(()))
            .expect("final sync");
    }
    assert!(
        book.sync_parked().expect("parked").is_empty(),
        "seed {seed}: something was refused"
    );

    for (email, e) in &entities {
        let local = local_of(&book, email);
        let rid = remote_of(&remote, email);
        if deleted.contains(email) {
            assert!(
                local.is_none(),
                "seed {seed}: {email} was deleted but is back here"
            );
            assert!(
                rid.is_none(),
                "seed {seed}: {email} was deleted but is back in Chatwoot"
            );
            continue;
        }
        let local = local.unwrap_or_else(|| panic!("seed {seed}: {email} is missing here"));
        let rid = rid.unwrap_or_else(|| panic!("seed {seed}: {email} is missing in Chatwoot"));
        let stored = &remote.contacts()[&rid];
        let mut r = contactkit::RemoteContact {
            id: rid,
            name: stored.name.clone(),
            email: stored.email.clone(),
            phone_number: stored.phone_number.clone(),
            identifier: stored.identifier.clone(),
            custom_attributes: stored.custom_attributes.clone(),
        };
        r.custom_attributes.retain(|_, v| !v.is_null());
        assert_eq!(
            Snapshot::of_contact(&local),
            Snapshot::of_remote(&r, &stored.labels),
            "seed {seed}: the two sides of {email} differ"
        );
        // No edit lost: the name is the last one written on one side or the other.
        let last = |side: char| {
            e.names
                .iter()
                .rev()
                .find(|(s, _)| *s == side)
                .map(|(_, n)| n.clone())
        };
        let candidates: Vec<String> = [last('l'), last('r')].into_iter().flatten().collect();
        assert!(
            candidates.contains(&local.name),
            "seed {seed}: {email} is named {:?}, not one of {candidates:?}",
            local.name
        );
        let last_k = |side: char| {
            e.ks.iter()
                .rev()
                .find(|(s, _)| *s == side)
                .map(|(_, k)| *k as f64)
        };
        let ks: Vec<f64> = [last_k('l'), last_k('r')].into_iter().flatten().collect();
        match local.attributes.get("k") {
            Some(contactkit::AttributeValue::Number(k)) => assert!(
                ks.contains(k),
                "seed {seed}: {email} has k={k}, not one of {ks:?}"
            ),
            None => assert!(
                ks.is_empty(),
                "seed {seed}: {email} lost its attribute k ({ks:?})"
            ),
            other => panic!("seed {seed}: k is {other:?}"),
        }
        let labels: BTreeSet<String> = local.tags.iter().map(|t| label_for_tag(t)).collect();
        assert!(
            labels.iter().all(|l| TAGS.contains(&l.as_str())),
            "seed {seed}: {labels:?}"
        );
    }
    assert_eq!(
        book.count(&Query::new()).expect("count") as usize,
        entities.len() - deleted.len(),
        "seed {seed}"
    );
    assert_eq!(
        remote.contacts().len(),
        entities.len() - deleted.len(),
        "seed {seed}: Chatwoot has duplicates"
    );
}

#[test]
fn a_seeded_random_run_on_both_sides_converges_without_losing_edits_or_undoing_deletes() {
    for seed in 1..=12 {
        run(seed, 250);
    }
}
