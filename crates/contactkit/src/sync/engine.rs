//! The sync engine: one pass of "sync now" over a [`Remote`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

use chrono::Utc;

use crate::actor::{Actor, Origin};
use crate::book::{Book, now};
use crate::contact::{AttributeValue, Contact, ContactId, ContactPatch, NewContact};
use crate::error::{Error, Result};
use crate::sync::merge::{ChangeTimes, merge};
use crate::sync::remote::{Remote, RemoteContact, RemoteDraft, RemoteError};
use crate::sync::snapshot::{IDENTIFIER_PREFIX, Snapshot, contact_of_identifier, label_for_tag};
use crate::sync::{ConflictRecord, Parked, Phase, Side, SyncLink, SyncProgress, SyncReport};

/// The name of the sync's change-feed consumer.
const CONSUMER: &str = "sync:chatwoot";

fn actor() -> Actor {
    Actor::system("chatwoot", Origin::SyncChatwoot)
}

fn remote_err(err: RemoteError) -> Error {
    Error::Sync(err)
}

/// A step of progress; a break cancels the sync (what was done stays done).
fn step(
    progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>,
    phase: Phase,
    done: u64,
    total: u64,
) -> Result<()> {
    match progress(SyncProgress { phase, done, total }) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Error::Cancelled),
    }
}

struct Pass<'a> {
    book: &'a Book,
    remote: &'a mut dyn Remote,
    report: SyncReport,
    /// When the remote side changed, if known (a webhook's `updated_at`); else "now".
    remote_time: Option<chrono::DateTime<Utc>>,
}

impl Book {
    /// Syncs the book with Chatwoot now: pushes local deletes, reads every Chatwoot contact,
    /// merges linked and matching pairs both ways, creates what exists on one side only, and
    /// deletes here what was deleted there. See [the sync model](crate::sync).
    ///
    /// `progress` is called at every step; a `Break` cancels the sync, and running it again
    /// resumes it without duplicating anything.
    ///
    /// # Errors
    /// [`Error::Sync`] when Chatwoot fails in a way retrying did not fix (401, a dropped
    /// connection); [`Error::Cancelled`]. A contact Chatwoot refuses is not an error: it is
    /// parked and listed in the report.
    pub fn sync_now(
        &self,
        remote: &mut dyn Remote,
        mut progress: impl FnMut(SyncProgress) -> ControlFlow<()>,
    ) -> Result<SyncReport> {
        let upto = self.last_change()?;
        let mut pass = Pass {
            book: self,
            remote,
            report: SyncReport::default(),
            remote_time: None,
        };
        pass.push_deletes(&mut progress)?;
        let scanned = pass.scan(&mut progress)?;
        let mut seen = pass.merge_scanned(&scanned, &mut progress)?;
        seen.extend(pass.push_new(&mut progress)?);
        pass.reconcile(&seen, &mut progress)?;
        self.acknowledge(CONSUMER, upto)?;
        Ok(pass.report)
    }

    /// Pushes the local changes made since the last push: the automatic mode's step, run as
    /// changes land (see [`Book::wait_for_changes`]). The outbox is the change feed, written in
    /// the same transaction as each change, so a crash between a change and its push loses
    /// nothing: the next call pushes it. Changes the sync itself made are not echoed back.
    /// Remote changes arrive by [`Book::sync_now`]'s scans (and webhooks).
    ///
    /// # Errors
    /// As [`Book::sync_now`].
    pub fn sync_pending(&self, remote: &mut dyn Remote) -> Result<SyncReport> {
        let start = self.consumer_cursor(CONSUMER)?;
        let mut changed: Vec<ContactId> = Vec::new();
        let mut seen: std::collections::HashSet<ContactId> = std::collections::HashSet::new();
        let mut after = start;
        loop {
            let page = self.changes(after, 1000, &crate::ChangeFilter::default())?;
            for event in &page.events {
                if event.origin == Origin::SyncChatwoot || event.kind == crate::EventKind::MessageAppended {
                    continue;
                }
                if let Some(id) = event.contact_id
                    && seen.insert(id)
                {
                    changed.push(id);
                }
                // An import's new contacts are one batch event, not an event each.
                for id in self.batch_contacts(event)? {
                    if seen.insert(id) {
                        changed.push(id);
                    }
                }
            }
            if page.events.is_empty() || page.next == after {
                break;
            }
            after = page.next;
        }
        let mut pass = Pass {
            book: self,
            remote,
            report: SyncReport::default(),
            remote_time: None,
        };
        for id in changed {
            let link = self.read_store(|r| r.sync_link(id))?;
            let contact = self.read_store(|r| r.contact(id))?;
            match (link, contact) {
                (Some(link), None) => pass.push_delete(&link)?,
                (Some(link), Some(contact)) => match pass.remote.show(link.remote_id) {
                    Ok(rc) => pass.merge_pair(contact, rc, Some(link.base))?,
                    Err(RemoteError::NotFound) => pass.delete_here(&link)?,
                    Err(err) => return Err(remote_err(err)),
                },
                (None, Some(contact)) => {
                    pass.push_one(contact)?;
                }
                (None, None) => {}
            }
        }
        self.acknowledge(CONSUMER, after)?;
        Ok(pass.report)
    }

    /// Merges one Chatwoot contact seen outside a scan (a webhook): with its linked local
    /// contact, or a twin found by identifier, email or phone, or as a new local contact.
    pub(crate) fn sync_observed(
        &self,
        remote: &mut dyn Remote,
        rc: crate::sync::RemoteContact,
        remote_time: Option<chrono::DateTime<Utc>>,
    ) -> Result<crate::sync::WebhookOutcome> {
        use crate::sync::WebhookOutcome;
        let mut pass = Pass {
            book: self,
            remote,
            report: SyncReport::default(),
            remote_time,
        };
        let link = self.read_store(|r| r.sync_link_by_remote(rc.id))?;
        let (local, base) = match link {
            Some(link) => match self.read_store(|r| r.contact(link.contact_id))? {
                Some(contact) => (Some(contact), Some(link.base)),
                None => {
                    pass.push_delete(&link)?;
                    return Ok(WebhookOutcome::Ignored {
                        reason: "the contact was deleted here".into(),
                    });
                }
            },
            None => (pass.find_local(&rc)?, None),
        };
        match local {
            Some(contact) => {
                let id = contact.id;
                pass.merge_pair(contact, rc, base)?;
                Ok(WebhookOutcome::Applied { contact_id: id })
            }
            None => {
                pass.create_local(&rc)?;
                match self.read_store(|r| r.sync_link_by_remote(rc.id))? {
                    Some(link) => Ok(WebhookOutcome::Created {
                        contact_id: link.contact_id,
                    }),
                    None => Ok(WebhookOutcome::Ignored {
                        reason: pass
                            .report
                            .refused
                            .first()
                            .map(|(_, why)| why.clone())
                            .unwrap_or_default(),
                    }),
                }
            }
        }
    }

    /// The most recent sync conflicts, newest first.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn sync_conflicts(&self, limit: u32) -> Result<Vec<ConflictRecord>> {
        self.read_store(|r| r.sync_conflicts(limit))
    }

    /// The links between local and Chatwoot contacts.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn sync_links(&self) -> Result<Vec<SyncLink>> {
        self.read_store(|r| r.sync_links())
    }

    /// Contacts Chatwoot refused, with its reason.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn sync_parked(&self) -> Result<Vec<Parked>> {
        self.read_store(|r| r.sync_parked())
    }
}

impl Pass<'_> {
    /// Step 1: every link whose local contact is gone was deleted here: delete it there.
    fn push_deletes(&mut self, progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>) -> Result<()> {
        let links = self.book.read_store(|r| r.sync_links())?;
        let mut gone = Vec::new();
        for link in links {
            if self.book.read_store(|r| r.contact(link.contact_id))?.is_none() {
                gone.push(link);
            }
        }
        let total = gone.len() as u64;
        for (i, link) in gone.into_iter().enumerate() {
            step(progress, Phase::PushDeletes, i as u64, total)?;
            self.push_delete(&link)?;
        }
        Ok(())
    }

    /// Deletes there a contact deleted here, and remembers it.
    fn push_delete(&mut self, link: &SyncLink) -> Result<()> {
        match self.remote.delete(link.remote_id) {
            Ok(()) => self.report.deleted_remote += 1,
            Err(RemoteError::NotFound) => {}
            Err(err) => return Err(remote_err(err)),
        }
        self.book.write_store(|w| {
            w.add_sync_tombstone(link.remote_id, link.contact_id, Side::Local, now())?;
            w.delete_sync_link(link.contact_id)
        })
    }

    /// Deletes here a contact Chatwoot confirmed gone, and remembers it.
    fn delete_here(&mut self, link: &SyncLink) -> Result<()> {
        let id = link.contact_id;
        self.book.write_store(|w| {
            if w.contact(id)?.is_some() {
                crate::book::erase_in(w, &actor(), id)?;
            }
            w.add_sync_tombstone(link.remote_id, id, Side::Remote, now())?;
            w.delete_sync_link(id)
        })?;
        self.book.store().scrub_journal()?;
        self.report.deleted_local += 1;
        Ok(())
    }

    /// Step 2: every Chatwoot contact, 15 a page.
    fn scan(
        &mut self,
        progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>,
    ) -> Result<Vec<RemoteContact>> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let got = self.remote.list(page).map_err(remote_err)?;
            step(progress, Phase::Scan, all.len() as u64, got.total)?;
            if got.contacts.is_empty() {
                break;
            }
            all.extend(got.contacts);
            page += 1;
        }
        let mut ids = HashSet::new();
        all.retain(|c| ids.insert(c.id)); // offset paging over a changing set can repeat rows
        Ok(all)
    }

    /// Step 3: merge each scanned contact with its local twin (linked, or matched by
    /// identifier, email, phone), or create it here.
    fn merge_scanned(
        &mut self,
        scanned: &[RemoteContact],
        progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>,
    ) -> Result<HashSet<i64>> {
        let total = scanned.len() as u64;
        let mut seen = HashSet::new();
        for (i, rc) in scanned.iter().enumerate() {
            step(progress, Phase::Merge, i as u64, total)?;
            seen.insert(rc.id);
            if let Some(side) = self.book.read_store(|r| r.sync_tombstone(rc.id))? {
                // Deleted here before: never brought back. If our delete did not reach it, repeat it.
                if side == Side::Local {
                    match self.remote.delete(rc.id) {
                        Ok(()) => self.report.deleted_remote += 1,
                        Err(RemoteError::NotFound) => {}
                        Err(err) => return Err(remote_err(err)),
                    }
                }
                continue;
            }
            let link = self.book.read_store(|r| r.sync_link_by_remote(rc.id))?;
            let (local, base) = match link {
                Some(link) => match self.book.read_store(|r| r.contact(link.contact_id))? {
                    Some(contact) => (Some(contact), Some(link.base)),
                    // Deleted here, not pushed yet: push the delete, never re-create it.
                    None => {
                        self.push_delete(&link)?;
                        continue;
                    }
                },
                None => match self.find_local(rc)? {
                    Some(c) => {
                        self.report.linked += 1;
                        (Some(c), None)
                    }
                    None => (None, None),
                },
            };
            match local {
                Some(contact) => self.merge_pair(contact, rc.clone(), base)?,
                None => self.create_local(rc)?,
            }
        }
        Ok(seen)
    }

    /// A local contact not linked yet that is the same person as `rc`.
    fn find_local(&mut self, rc: &RemoteContact) -> Result<Option<Contact>> {
        let candidates = [
            contact_of_identifier(rc.identifier.as_deref()),
            match &rc.email {
                Some(e) => crate::email::Email::parse(e)
                    .ok()
                    .map(|e| {
                        self.book
                            .read_store(|r| r.point_owner(crate::store::PointKind::Email, &e.key()))
                    })
                    .transpose()?
                    .flatten(),
                None => None,
            },
            match &rc.phone_number {
                Some(p) => self
                    .book
                    .read_store(|r| r.point_owner(crate::store::PointKind::Phone, p))?,
                None => None,
            },
        ];
        for id in candidates.into_iter().flatten() {
            let linked = self.book.read_store(|r| r.sync_link(id))?;
            if linked.is_none()
                && let Some(c) = self.book.read_store(|r| r.contact(id))?
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    fn create_local(&mut self, rc: &RemoteContact) -> Result<()> {
        let labels = self.remote.labels(rc.id).map_err(remote_err)?;
        let remote = Snapshot::of_remote(rc, &labels);
        let name = if remote.name.is_empty() {
            remote
                .email
                .clone()
                .or(remote.phone.clone())
                .unwrap_or_else(|| format!("Chatwoot contact {}", rc.id))
        } else {
            remote.name.clone()
        };
        let mut new = NewContact::new(name).source(crate::Source::Api);
        new.email = remote.email.clone();
        new.phone = remote.phone.clone();
        new.tags = self.tags_for_labels(&remote.labels)?;
        for (key, value) in &remote.attributes {
            if let Ok(value) = serde_json::from_value::<AttributeValue>(value.clone()) {
                new.attributes.insert(key.clone(), value);
            }
        }
        // The contact and its link in one transaction: a failure after it (the identifier
        // update below) can never leave an unlinked twin that a later pass would push back.
        let base = Snapshot::of_remote(rc, &labels);
        let created = self.book.write_store(|w| {
            let created = self.book.create_in(w, &actor(), new)?;
            w.save_sync_link(&SyncLink {
                contact_id: created.id,
                remote_id: rc.id,
                base: base.clone(),
                synced_at: now(),
            })?;
            Ok(created)
        });
        let created = match created {
            Ok(c) => c,
            // Chatwoot holds a value our rules refuse (or one another contact holds): keep the
            // remote contact unlinked and say why, rather than guess.
            Err(err @ (Error::Invalid { .. } | Error::Duplicate { .. })) => {
                self.report.refused.push((
                    ContactId::from_raw(0),
                    format!("Chatwoot contact {}: {err}", rc.id),
                ));
                return Ok(());
            }
            Err(err) => return Err(err),
        };
        self.report.created_local += 1;
        // Write our id into the remote identifier, so the pair can always find itself.
        let draft = RemoteDraft {
            identifier: Some(format!("{IDENTIFIER_PREFIX}{}", created.id)),
            ..RemoteDraft::default()
        };
        self.remote.update(rc.id, &draft).map_err(remote_err)?;
        Ok(())
    }

    /// Local tag names for label titles: an existing tag whose label it is, else the label.
    fn tags_for_labels(&self, labels: &BTreeSet<String>) -> Result<Vec<String>> {
        let catalogue = self.book.tags()?;
        Ok(labels
            .iter()
            .map(|label| {
                catalogue
                    .iter()
                    .find(|t| label_for_tag(&t.name) == *label)
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| label.clone())
            })
            .collect())
    }

    fn save_link(&mut self, contact_id: ContactId, remote_id: i64, base: Snapshot) -> Result<()> {
        let link = SyncLink {
            contact_id,
            remote_id,
            base,
            synced_at: now(),
        };
        self.book.write_store(|w| {
            w.save_sync_link(&link)?;
            w.park_sync(contact_id, None, now())
        })
    }

    /// Merges one pair both ways and stores the new base.
    fn merge_pair(&mut self, contact: Contact, rc: RemoteContact, base: Option<Snapshot>) -> Result<()> {
        let labels = self.remote.labels(rc.id).map_err(remote_err)?;
        let local = Snapshot::of_contact(&contact);
        let remote = Snapshot::of_remote(&rc, &labels);
        let provenance = self.book.read_store(|r| r.provenance(contact.id))?;
        let local_time = ["name", "email", "phone"]
            .iter()
            .filter_map(|f| provenance.get(*f).map(|s| s.at))
            .max()
            .unwrap_or(contact.updated_at)
            .max(contact.updated_at);
        let merged = merge(
            base.as_ref(),
            &local,
            &remote,
            ChangeTimes {
                local: local_time,
                remote: self.remote_time.unwrap_or_else(Utc::now),
            },
        );
        let result = merged.result.clone();

        // Chatwoot first: if it refuses, nothing changes here either.
        let mut draft = RemoteDraft::default();
        if result.name != remote.name {
            draft.name = Some(result.name.clone());
        }
        if result.email != remote.email {
            draft.email = Some(result.email.clone());
        }
        if result.phone != remote.phone {
            draft.phone_number = Some(result.phone.clone());
        }
        let ours = format!("{IDENTIFIER_PREFIX}{}", contact.id);
        if rc.identifier.as_deref() != Some(ours.as_str()) {
            draft.identifier = Some(ours);
        }
        for (key, value) in &result.attributes {
            if remote.attributes.get(key) != Some(value) {
                draft.custom_attributes.insert(key.clone(), value.clone());
            }
        }
        let removed: Vec<String> = remote
            .attributes
            .keys()
            .filter(|k| !result.attributes.contains_key(*k))
            .cloned()
            .collect();
        let mut remote_changed = false;
        let mut held_labels = labels.clone();
        if !draft.is_empty() {
            match self.remote.update(rc.id, &draft) {
                Ok(_) => remote_changed = true,
                Err(RemoteError::Unprocessable { message, .. }) => {
                    self.park(contact.id, &message)?;
                    return Ok(());
                }
                Err(err) => return Err(remote_err(err)),
            }
        }
        if !removed.is_empty() {
            self.remote
                .remove_custom_attributes(rc.id, &removed)
                .map_err(remote_err)?;
            remote_changed = true;
        }
        if result.labels != remote.labels {
            let wanted: Vec<String> = result.labels.iter().cloned().collect();
            self.remote.ensure_labels(&wanted).map_err(remote_err)?;
            held_labels = self.remote.set_labels(rc.id, &wanted).map_err(remote_err)?;
            remote_changed = true;
            let held: BTreeSet<String> = held_labels.iter().map(|l| label_for_tag(l)).collect();
            for dropped in result.labels.difference(&held) {
                self.report
                    .refused
                    .push((contact.id, format!("Chatwoot dropped the label {dropped:?}")));
            }
        }
        if remote_changed {
            self.report.updated_remote += 1;
        }

        // Then here, as the sync (so the push never echoes it back).
        let mut patch = ContactPatch::new();
        if result.name != local.name && !result.name.is_empty() {
            patch.name = Some(result.name.clone());
        }
        if result.email != local.email {
            patch.email = Some(result.email.clone());
        }
        if result.phone != local.phone {
            patch.phone = Some(result.phone.clone());
        }
        for (key, value) in &result.attributes {
            if local.attributes.get(key) != Some(value)
                && let Ok(v) = serde_json::from_value::<AttributeValue>(value.clone())
            {
                patch.set_attributes.insert(key.clone(), v);
            }
        }
        patch.unset_attributes = local
            .attributes
            .keys()
            .filter(|k| !result.attributes.contains_key(*k))
            .cloned()
            .collect();
        let add_labels: BTreeSet<String> = result.labels.difference(&local.labels).cloned().collect();
        let add_tags = self.tags_for_labels(&add_labels)?;
        let remove_tags: Vec<String> = contact
            .tags
            .iter()
            .filter(|t| !result.labels.contains(&label_for_tag(t)))
            .cloned()
            .collect();
        let conflicts = merged.conflicts.clone();
        let id = contact.id;
        let changed_here = patch != ContactPatch::new() || !add_tags.is_empty() || !remove_tags.is_empty();
        let outcome = self.book.write_store(|w| {
            // A local edit since we read the contact wins this round; the next pass merges it.
            let current = w.contact(id)?.ok_or(Error::NotFound(id))?;
            if current != contact {
                return Ok(false);
            }
            if changed_here {
                self.book.update_in(w, &actor(), id, &patch)?;
                if !add_tags.is_empty() {
                    self.book.add_tags_in(w, &actor(), id, &add_tags)?;
                }
                if !remove_tags.is_empty() {
                    self.book.remove_tags_in(w, &actor(), id, &remove_tags)?;
                }
            }
            for conflict in &conflicts {
                w.add_sync_conflict(&ConflictRecord {
                    contact_id: id,
                    conflict: conflict.clone(),
                    at: now(),
                })?;
            }
            let mut base = result.clone();
            base.labels = held_labels.iter().map(|l| label_for_tag(l)).collect();
            w.save_sync_link(&SyncLink {
                contact_id: id,
                remote_id: rc.id,
                base,
                synced_at: now(),
            })?;
            w.park_sync(id, None, now())?;
            Ok(true)
        });
        match outcome {
            Ok(true) => {
                self.report.conflicts += merged.conflicts.len() as u64;
                if changed_here {
                    self.report.updated_local += 1;
                }
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(err @ (Error::Duplicate { .. } | Error::Invalid { .. })) => self.park(id, &err.to_string()),
            Err(err) => Err(err),
        }
    }

    fn park(&mut self, id: ContactId, reason: &str) -> Result<()> {
        self.report.refused.push((id, reason.to_owned()));
        self.book.write_store(|w| w.park_sync(id, Some(reason), now()))
    }

    /// Step 4: local contacts with no link yet (created here): create them there.
    fn push_new(&mut self, progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>) -> Result<Vec<i64>> {
        let linked: HashSet<ContactId> = self
            .book
            .read_store(|r| r.sync_links())?
            .into_iter()
            .map(|l| l.contact_id)
            .collect();
        let parked: HashMap<ContactId, Parked> = self
            .book
            .read_store(|r| r.sync_parked())?
            .into_iter()
            .map(|p| (p.contact_id, p))
            .collect();
        let mut new = Vec::new();
        for contact in self.book.iter(&crate::Query::new().limit(crate::MAX_LIMIT)) {
            let contact = contact?;
            // A refused contact is tried again once it has changed since the refusal.
            let refused = parked
                .get(&contact.id)
                .is_some_and(|p| contact.updated_at <= p.at);
            if !linked.contains(&contact.id) && !refused {
                new.push(contact);
            }
        }
        let total = new.len() as u64;
        let mut created = Vec::new();
        for (i, contact) in new.into_iter().enumerate() {
            step(progress, Phase::PushNew, i as u64, total)?;
            if let Some(remote_id) = self.create_remote(contact)? {
                created.push(remote_id);
            }
        }
        Ok(created)
    }

    /// Pushes one unlinked local contact: linked to its Chatwoot twin if a search finds one
    /// (by our identifier, email or phone), else created there.
    fn push_one(&mut self, contact: Contact) -> Result<()> {
        let snapshot = Snapshot::of_contact(&contact);
        let ours = format!("{IDENTIFIER_PREFIX}{}", contact.id);
        let keys = [Some(ours.clone()), snapshot.email.clone(), snapshot.phone.clone()];
        for key in keys.into_iter().flatten() {
            let hits = self.remote.search(&key).map_err(remote_err)?;
            let twin = hits.into_iter().find(|rc| {
                rc.identifier.as_deref() == Some(ours.as_str())
                    || rc.email.as_deref() == Some(key.as_str())
                    || rc.phone_number.as_deref() == Some(key.as_str())
            });
            if let Some(rc) = twin
                && self.book.read_store(|r| r.sync_link_by_remote(rc.id))?.is_none()
                && self.book.read_store(|r| r.sync_tombstone(rc.id))?.is_none()
            {
                self.report.linked += 1;
                return self.merge_pair(contact, rc, None);
            }
        }
        self.create_remote(contact).map(|_| ())
    }

    /// Creates a local contact on Chatwoot and links the pair; `None` when Chatwoot refused it.
    fn create_remote(&mut self, contact: Contact) -> Result<Option<i64>> {
        {
            let snapshot = Snapshot::of_contact(&contact);
            let draft = RemoteDraft {
                name: Some(snapshot.name.clone()),
                email: snapshot.email.clone().map(Some),
                phone_number: snapshot.phone.clone().map(Some),
                identifier: Some(format!("{IDENTIFIER_PREFIX}{}", contact.id)),
                custom_attributes: snapshot.attributes.clone(),
            };
            let rc = match self.remote.create(&draft) {
                Ok(rc) => rc,
                Err(RemoteError::Unprocessable { message, .. }) => {
                    self.park(contact.id, &message)?;
                    return Ok(None);
                }
                Err(err) => return Err(remote_err(err)),
            };
            let labels: Vec<String> = snapshot.labels.iter().cloned().collect();
            if !labels.is_empty() {
                self.remote.ensure_labels(&labels).map_err(remote_err)?;
            }
            let held = if labels.is_empty() {
                Vec::new()
            } else {
                self.remote.set_labels(rc.id, &labels).map_err(remote_err)?
            };
            self.report.created_remote += 1;
            let mut base = Snapshot::of_remote(&rc, &held);
            base.attributes = snapshot.attributes.clone();
            self.save_link(contact.id, rc.id, base)?;
            Ok(Some(rc.id))
        }
    }

    /// Step 5: linked contacts the scan did not list: gone there (404) means delete here.
    fn reconcile(
        &mut self,
        seen: &HashSet<i64>,
        progress: &mut dyn FnMut(SyncProgress) -> ControlFlow<()>,
    ) -> Result<()> {
        let missing: Vec<SyncLink> = self
            .book
            .read_store(|r| r.sync_links())?
            .into_iter()
            .filter(|l| !seen.contains(&l.remote_id))
            .collect();
        let total = missing.len() as u64;
        for (i, link) in missing.into_iter().enumerate() {
            step(progress, Phase::Reconcile, i as u64, total)?;
            match self.remote.show(link.remote_id) {
                Err(RemoteError::NotFound) => self.delete_here(&link)?,
                Ok(rc) => {
                    // Listed no more (no email, phone or identifier left) but still there.
                    if let Some(contact) = self.book.read_store(|r| r.contact(link.contact_id))? {
                        self.merge_pair(contact, rc, Some(link.base))?;
                    }
                }
                Err(err) => return Err(remote_err(err)),
            }
        }
        Ok(())
    }
}

/// The settings key of the sync's configuration.
const SETTINGS_KEY: &str = "sync:chatwoot";

impl Book {
    /// Stores where the book syncs to.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty URL; [`Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Book, sync::SyncSettings};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let settings = SyncSettings { base_url: "https://chat.example".into(), account_id: 3, webhook_secret_env: None };
    /// book.configure_sync(&settings)?;
    /// assert_eq!(book.sync_settings()?, Some(settings));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn configure_sync(&self, settings: &crate::sync::SyncSettings) -> Result<()> {
        let url = settings.base_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid(
                crate::Field::Query,
                url,
                "the Chatwoot URL must start with http:// or https://",
            ));
        }
        let value = serde_json::to_value(settings)
            .map_err(|e| Error::Storage(crate::StorageError::new(e.to_string())))?;
        self.write_store(|w| w.set_setting(SETTINGS_KEY, Some(&value)))
    }

    /// Where the book syncs to, if configured.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn sync_settings(&self) -> Result<Option<crate::sync::SyncSettings>> {
        let value = self.read_store(|r| r.setting(SETTINGS_KEY))?;
        value
            .map(|v| {
                serde_json::from_value(v).map_err(|e| Error::Storage(crate::StorageError::new(e.to_string())))
            })
            .transpose()
    }

    /// Links, pending changes, the last sync, conflicts and refusals.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn sync_status(&self) -> Result<crate::sync::SyncStatus> {
        let settings = self.sync_settings()?;
        let links = self.sync_links()?;
        let cursor = self.consumer_cursor(CONSUMER)?;
        let mut pending = 0;
        let mut after = cursor.max(self.read_store(|r| r.feed_horizon())?);
        loop {
            let page = self.changes(after, 1000, &crate::ChangeFilter::default())?;
            pending += page
                .events
                .iter()
                .filter(|e| e.origin != Origin::SyncChatwoot && e.kind != crate::EventKind::MessageAppended)
                .count() as u64;
            if page.events.is_empty() || page.next == after {
                break;
            }
            after = page.next;
        }
        Ok(crate::sync::SyncStatus {
            settings,
            links: links.len() as u64,
            pending,
            last_synced_at: links.iter().map(|l| l.synced_at).max(),
            conflicts: self.read_store(|r| r.sync_conflicts(u32::MAX))?.len() as u64,
            parked: self.sync_parked()?.len() as u64,
        })
    }
}
