//! Duplicates already in the book: a finder that blocks on keys (no all-pairs scan) and
//! explains each pair, and a merge that unites two contacts in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit::{self, AuditAction};
use crate::book::{Book, email_records, now, phone_records, record_change, record_of};
use crate::contact::{Contact, ContactId};
use crate::conversation::Channel;
use crate::error::{Error, Field, Result};
use crate::feed::{EventDraft, EventKind};
use crate::fold::fold;
use crate::phone::brazilian_mobile_twin;
use crate::store::{PointKind, PointRecord};

/// Blocks larger than this are too common to mean anything and are skipped, which also keeps
/// the finder linear: a phone suffix or mailbox shared by more than 50 contacts, or a name
/// (folded, words sorted) shared by more than 12 — "Maria Silva" twelve times is a common
/// name, not one person.
const MAX_BLOCK: usize = 50;
const MAX_NAME_BLOCK: usize = 12;

/// Why two contacts look like one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum DuplicateReason {
    /// The same Brazilian mobile number with and without the ninth digit.
    BrazilianNinthDigit {
        /// One form.
        a: String,
        /// The other form.
        b: String,
    },
    /// The same phone digits after the country code (a typo'd or missing country code).
    SamePhoneDigits {
        /// The shared last eight digits.
        digits: String,
    },
    /// The same mailbox: equal after removing a `+tag` (and dots, at Gmail).
    SameMailbox {
        /// The mailbox both addresses reach.
        mailbox: String,
    },
    /// The same name after folding accents, case and word order.
    SameName {
        /// The folded, sorted name.
        name: String,
    },
    /// Supporting evidence: a tag both carry.
    SharedTag {
        /// The tag.
        tag: String,
    },
    /// Supporting evidence: an email domain both use (not a public mail provider).
    SharedEmailDomain {
        /// The domain.
        domain: String,
    },
    /// Supporting evidence: phones ending in the same four digits.
    SharedPhoneSuffix {
        /// The four digits.
        suffix: String,
    },
}

impl DuplicateReason {
    fn weight(&self) -> f64 {
        match self {
            DuplicateReason::BrazilianNinthDigit { .. } => 0.9,
            DuplicateReason::SameMailbox { .. } => 0.85,
            DuplicateReason::SamePhoneDigits { .. } => 0.6,
            DuplicateReason::SameName { .. } => 0.5,
            DuplicateReason::SharedTag { .. } => 0.1,
            DuplicateReason::SharedEmailDomain { .. } => 0.15,
            DuplicateReason::SharedPhoneSuffix { .. } => 0.15,
        }
    }
}

/// A likely duplicate pair, scored (0 to 1) and explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    /// The contact with the smaller id.
    pub a: ContactId,
    /// The other one.
    pub b: ContactId,
    /// How likely they are one person, 0 to 1.
    pub score: f64,
    /// Why.
    pub reasons: Vec<DuplicateReason>,
}

/// What a contact contributes to the finder: keys and evidence, no full rows.
struct Profile {
    name: String,
    tags: BTreeSet<String>,
    domains: BTreeSet<String>,
    phones: Vec<String>,
    mailboxes: Vec<String>,
}

const PUBLIC_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "uol.com.br",
    "bol.com.br",
];

/// The mailbox an address reaches: `+tag` removed, and dots too at Gmail.
fn mailbox(address: &str) -> String {
    let lower = address.to_lowercase();
    let (local, domain) = lower.rsplit_once('@').unwrap_or((&lower, ""));
    let local = local.split('+').next().unwrap_or(local);
    let (local, domain) = match domain {
        "gmail.com" | "googlemail.com" => (local.replace('.', ""), "gmail.com"),
        _ => (local.to_owned(), domain),
    };
    format!("{local}@{domain}")
}

fn name_key(name: &str) -> String {
    let folded = fold(name);
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ")
}

fn profile(c: &crate::store::ContactKeys) -> Profile {
    Profile {
        name: name_key(&c.name),
        tags: c.tags.iter().cloned().collect(),
        domains: c
            .emails
            .iter()
            .filter_map(|e| e.rsplit_once('@').map(|(_, d)| d.to_lowercase()))
            .filter(|d| !PUBLIC_MAIL.contains(&d.as_str()))
            .collect(),
        phones: c.phones.clone(),
        mailboxes: c.emails.iter().map(|e| mailbox(e)).collect(),
    }
}

fn explain(a: &Profile, b: &Profile, strong: &BTreeSet<DuplicateReason>) -> DuplicatePairDraft {
    let mut reasons: Vec<DuplicateReason> = strong.iter().cloned().collect();
    if a.name == b.name
        && !a.name.is_empty()
        && !reasons
            .iter()
            .any(|r| matches!(r, DuplicateReason::SameName { .. }))
    {
        reasons.push(DuplicateReason::SameName { name: a.name.clone() });
    }
    if let Some(tag) = a.tags.intersection(&b.tags).next() {
        reasons.push(DuplicateReason::SharedTag { tag: tag.clone() });
    }
    if let Some(domain) = a.domains.intersection(&b.domains).next() {
        reasons.push(DuplicateReason::SharedEmailDomain {
            domain: domain.clone(),
        });
    }
    let suffixes = |p: &Profile| -> BTreeSet<String> {
        p.phones
            .iter()
            .filter(|n| n.len() > 4)
            .map(|n| n[n.len() - 4..].to_owned())
            .collect()
    };
    if !reasons.iter().any(|r| {
        matches!(
            r,
            DuplicateReason::SamePhoneDigits { .. } | DuplicateReason::BrazilianNinthDigit { .. }
        )
    }) && let Some(suffix) = suffixes(a).intersection(&suffixes(b)).next()
    {
        reasons.push(DuplicateReason::SharedPhoneSuffix {
            suffix: suffix.clone(),
        });
    }
    // Independent evidence combines as 1 - Π(1 - w).
    let score = 1.0 - reasons.iter().map(|r| 1.0 - r.weight()).product::<f64>();
    DuplicatePairDraft { score, reasons }
}

struct DuplicatePairDraft {
    score: f64,
    reasons: Vec<DuplicateReason>,
}

/// How a merge picks each single-valued field. The default keeps the surviving contact's
/// value, and takes the other's where the survivor has none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MergeChoices {
    /// Take the absorbed contact's name.
    pub name_from_absorbed: bool,
    /// Make the absorbed contact's primary email the primary.
    pub email_from_absorbed: bool,
    /// Make the absorbed contact's primary phone the primary.
    pub phone_from_absorbed: bool,
    /// Take the absorbed contact's source.
    pub source_from_absorbed: bool,
    /// Take the absorbed contact's verification status.
    pub verification_from_absorbed: bool,
    /// On an attribute both have, take the absorbed contact's value.
    pub attributes_from_absorbed: bool,
}

fn union_points(
    survivor: Vec<PointRecord>,
    absorbed: Vec<PointRecord>,
    absorbed_first: bool,
) -> Vec<PointRecord> {
    let (mut first, second) = if absorbed_first && !absorbed.is_empty() {
        (
            vec![absorbed[0].clone()],
            [survivor, absorbed[1..].to_vec()].concat(),
        )
    } else {
        (Vec::new(), [survivor, absorbed].concat())
    };
    for point in second {
        if !first.iter().any(|p| p.key == point.key) {
            first.push(point);
        }
    }
    first
}

impl Book {
    /// Likely duplicate pairs, best first, at most `limit`: the same phone digits (also the
    /// Brazilian ninth-digit pair), the same mailbox, or the same name after folding accents,
    /// case and word order — with a shared tag, email domain or phone suffix as supporting
    /// evidence. Blocks on those keys, so it reads each contact once and never compares all
    /// pairs; a key shared by more than 50 contacts is skipped as meaningless.
    ///
    /// # Errors
    /// [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let me = Actor::api("x");
    /// let a = book.create(&me, NewContact::new("José Álvarez").tag("buyer"))?;
    /// let b = book.create(&me, NewContact::new("alvarez jose").tag("Buyer"))?;
    /// let pairs = book.find_duplicates(10)?;
    /// assert_eq!((pairs[0].a, pairs[0].b), (a.id, b.id));
    /// assert!(pairs[0].score > 0.5);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn find_duplicates(&self, limit: usize) -> Result<Vec<DuplicatePair>> {
        let mut profiles: HashMap<ContactId, Profile> = HashMap::new();
        let mut blocks: HashMap<(u8, String), Vec<ContactId>> = HashMap::new();
        for contact in self.read_store(|r| r.all_contact_keys())? {
            let p = profile(&contact);
            if !p.name.is_empty() {
                blocks.entry((0, p.name.clone())).or_default().push(contact.id);
            }
            for phone in &p.phones {
                let digits = phone.trim_start_matches('+');
                if digits.len() >= 8 {
                    blocks
                        .entry((1, digits[digits.len() - 8..].to_owned()))
                        .or_default()
                        .push(contact.id);
                }
                // Both forms of a Brazilian mobile land in the block of the 8-digit form.
                let short = match brazilian_mobile_twin(phone) {
                    Some(twin) if twin.len() < phone.len() => twin,
                    _ => phone.clone(),
                };
                if short.starts_with("+55") {
                    blocks.entry((2, short)).or_default().push(contact.id);
                }
            }
            for mailbox in &p.mailboxes {
                blocks.entry((3, mailbox.clone())).or_default().push(contact.id);
            }
            profiles.insert(contact.id, p);
        }
        // WhatsApp reports numbers that may no longer validate (the old 8-digit Brazilian
        // mobiles): they are kept as channel identities, and count as phones here.
        for (id, external) in self.read_store(|r| r.channel_identity_list(Channel::Whatsapp))? {
            let number = format!("+{}", crate::phone::phone_digits(&external));
            let Some(p) = profiles.get_mut(&id) else { continue };
            if p.phones.contains(&number) {
                continue;
            }
            if let Some(twin) = brazilian_mobile_twin(&number) {
                let short = if twin.len() < number.len() {
                    twin
                } else {
                    number.clone()
                };
                blocks.entry((2, short)).or_default().push(id);
            }
            p.phones.push(number);
        }

        let mut strong: BTreeMap<(ContactId, ContactId), BTreeSet<DuplicateReason>> = BTreeMap::new();
        for ((kind, key), mut ids) in blocks {
            ids.sort();
            ids.dedup();
            let cap = if kind == 0 { MAX_NAME_BLOCK } else { MAX_BLOCK };
            if ids.len() < 2 || ids.len() > cap {
                continue;
            }
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    let (pa, pb) = (&profiles[a], &profiles[b]);
                    let reason = match kind {
                        0 => DuplicateReason::SameName { name: key.clone() },
                        1 => DuplicateReason::SamePhoneDigits { digits: key.clone() },
                        2 => {
                            let find = |p: &Profile| {
                                p.phones
                                    .iter()
                                    .find(|n| n.starts_with("+55"))
                                    .cloned()
                                    .unwrap_or_default()
                            };
                            let (na, nb) = (find(pa), find(pb));
                            if na == nb || na.len() == nb.len() {
                                continue;
                            }
                            DuplicateReason::BrazilianNinthDigit { a: na, b: nb }
                        }
                        _ => DuplicateReason::SameMailbox { mailbox: key.clone() },
                    };
                    strong.entry((*a, *b)).or_default().insert(reason);
                }
            }
        }
        let mut pairs: Vec<DuplicatePair> = strong
            .into_iter()
            .map(|((a, b), reasons)| {
                let draft = explain(&profiles[&a], &profiles[&b], &reasons);
                DuplicatePair {
                    a,
                    b,
                    score: (draft.score * 1000.0).round() / 1000.0,
                    reasons: draft.reasons,
                }
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then(x.a.cmp(&y.a))
                .then(x.b.cmp(&y.b))
        });
        pairs.truncate(limit);
        Ok(pairs)
    }

    /// Merges `absorbed` into `survivor` in one transaction: single fields as `choices` say,
    /// tags, custom attributes, emails and phones united, conversations, channel identities
    /// and verification history moved over; `absorbed` is then deleted (the feed records a
    /// `merged` tombstone, the audit log a merge).
    ///
    /// # Errors
    /// [`Error::NotFound`] for either contact; [`Error::Invalid`] when both are the same.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, MergeChoices, NewContact, Role};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let me = Actor::member("u-1", Role::Admin);
    /// let a = book.create(&me, NewContact::new("Ana").email("ana@x.com").tag("buyer"))?;
    /// let b = book.create(&me, NewContact::new("Ana Souza").phone("+14155552671").tag("vip"))?;
    /// let merged = book.merge(&me, a.id, b.id, MergeChoices { name_from_absorbed: true, ..Default::default() })?;
    /// assert_eq!((merged.name.as_str(), merged.phone()), ("Ana Souza", Some("+14155552671")));
    /// assert_eq!(merged.tags, vec!["buyer", "vip"]);
    /// assert!(book.get(b.id).is_err());
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn merge(
        &self,
        actor: &Actor,
        survivor: ContactId,
        absorbed: ContactId,
        choices: MergeChoices,
    ) -> Result<Contact> {
        if survivor == absorbed {
            return Err(Error::invalid(
                Field::Id,
                survivor.to_string(),
                "a contact cannot be merged into itself",
            ));
        }
        self.write_store(|w| {
            let keep = w.contact(survivor)?.ok_or(Error::NotFound(survivor))?;
            let gone = w.contact(absorbed)?.ok_or(Error::NotFound(absorbed))?;
            let now = now();
            let mut record = record_of(&keep);
            if choices.name_from_absorbed {
                record.name_key = fold(&gone.name);
                record.name = gone.name.clone();
            }
            if choices.source_from_absorbed {
                record.source = gone.source;
            }
            if choices.verification_from_absorbed {
                record.verification = gone.verification;
            }
            for (key, value) in &gone.attributes {
                if choices.attributes_from_absorbed || !record.attributes.contains_key(key) {
                    record.attributes.insert(key.clone(), value.clone());
                }
            }
            record.created_at = keep.created_at.min(gone.created_at);
            record.last_activity_at = keep.last_activity_at.max(gone.last_activity_at);
            record.updated_at = now;
            let emails = union_points(
                email_records(&keep.emails),
                email_records(&gone.emails),
                choices.email_from_absorbed,
            );
            let phones = union_points(
                phone_records(&keep.phones),
                phone_records(&gone.phones),
                choices.phone_from_absorbed,
            );
            // The absorbed contact lets go of its points first: they are unique.
            w.replace_points(absorbed, PointKind::Email, &[])?;
            w.replace_points(absorbed, PointKind::Phone, &[])?;
            w.replace_points(survivor, PointKind::Email, &emails)?;
            w.replace_points(survivor, PointKind::Phone, &phones)?;
            let tags = crate::tag::parse_tags(&gone.tags)?;
            w.link_tags(survivor, &tags)?;
            w.update_contact(survivor, &record)?;
            w.move_history(absorbed, survivor)?;
            if !keep.reviewed || !gone.reviewed {
                w.set_reviewed(survivor, keep.reviewed && gone.reviewed)?;
            }
            w.delete_contact(absorbed)?;
            let after = w.contact(survivor)?.ok_or(Error::NotFound(survivor))?;
            record_change(w, actor, now, Some(&keep), &after)?;
            w.append_event(&EventDraft::new(
                actor,
                now,
                EventKind::Merged,
                Some(absorbed),
                json!({ "absorbed": absorbed, "survivor": survivor }),
            ))?;
            audit::record(
                w,
                actor,
                AuditAction::Merge,
                &[survivor, absorbed],
                json!({ "survivor": survivor }),
            )?;
            crate::book::reloaded(w, after)
        })
    }
}
