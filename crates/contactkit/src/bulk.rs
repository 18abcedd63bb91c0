//! Bulk actions on a selection: a list of ids, or every contact a query matches (evaluated
//! once, when the action starts). Each action is one transaction and one audit entry.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::audit::{self, AuditAction};
use crate::book::{Book, erase_in, require};
use crate::contact::ContactId;
use crate::error::Result;
use crate::policy::Action;
use crate::query::{MAX_LIMIT, Query};

/// The contacts a bulk action works on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Selection {
    /// These contacts (ids that do not exist are skipped and not counted).
    Ids(Vec<ContactId>),
    /// Every contact matching the query when the action starts (its limit and cursor are
    /// ignored).
    Query(Query),
}

/// What a bulk action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Contacts in the selection that exist.
    pub selected: u64,
    /// Contacts the action changed (a tag they already had is no change).
    pub changed: u64,
}

impl Book {
    /// The ids of a selection, in id order, without repeats.
    ///
    /// # Errors
    /// As [`Book::query`] for a query selection.
    pub fn selection_ids(&self, selection: &Selection) -> Result<Vec<ContactId>> {
        let mut ids = match selection {
            Selection::Ids(ids) => ids.clone(),
            Selection::Query(query) => {
                let mut query = query.clone().limit(MAX_LIMIT);
                query.cursor = None;
                self.iter(&query)
                    .map(|c| c.map(|c| c.id))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Adds tags to every contact of the selection, in one transaction.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for a bad tag name (nothing changes).
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, Query, Role, Selection};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let agent = Actor::member("u-1", Role::Agent);
    /// book.create(&agent, NewContact::new("Ana").tag("lead"))?;
    /// book.create(&agent, NewContact::new("Bo"))?;
    /// let out = book.bulk_add_tags(&agent, &Selection::Query(Query::new().tags_any(["lead"])), &["Hot"])?;
    /// assert_eq!((out.selected, out.changed), (1, 1));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn bulk_add_tags<S: AsRef<str>>(
        &self,
        actor: &Actor,
        selection: &Selection,
        tags: &[S],
    ) -> Result<BulkOutcome> {
        self.bulk_tags(actor, selection, tags, AuditAction::BulkAddTags)
    }

    /// Removes tags from every contact of the selection, in one transaction.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for a bad tag name (nothing changes).
    pub fn bulk_remove_tags<S: AsRef<str>>(
        &self,
        actor: &Actor,
        selection: &Selection,
        tags: &[S],
    ) -> Result<BulkOutcome> {
        self.bulk_tags(actor, selection, tags, AuditAction::BulkRemoveTags)
    }

    fn bulk_tags<S: AsRef<str>>(
        &self,
        actor: &Actor,
        selection: &Selection,
        tags: &[S],
        action: AuditAction,
    ) -> Result<BulkOutcome> {
        crate::tag::parse_tags(tags)?;
        let ids = self.selection_ids(selection)?;
        let names: Vec<&str> = tags.iter().map(AsRef::as_ref).collect();
        self.write_store(|w| {
            let mut outcome = BulkOutcome {
                selected: 0,
                changed: 0,
            };
            let mut changed_ids = Vec::new();
            for id in &ids {
                let Some(before) = w.contact(*id)? else { continue };
                outcome.selected += 1;
                let after = if action == AuditAction::BulkAddTags {
                    self.add_tags_in(w, actor, *id, tags)?
                } else {
                    self.remove_tags_in(w, actor, *id, tags)?
                };
                if after.tags != before.tags {
                    outcome.changed += 1;
                    changed_ids.push(*id);
                }
            }
            audit::record(
                w,
                actor,
                action,
                &changed_ids,
                json!({ "tags": names, "selected": outcome.selected }),
            )?;
            Ok(outcome)
        })
    }

    /// Deletes every contact of the selection for good, in one transaction (owners and
    /// admins only).
    ///
    /// # Errors
    /// [`crate::Error::PermissionDenied`] for any other role; nothing changes then.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, ErrorKind, NewContact, Role, Selection};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let c = book.create(&Actor::api("x"), NewContact::new("Ana"))?;
    /// let agent = Actor::member("u-1", Role::Agent);
    /// let err = book.bulk_delete(&agent, &Selection::Ids(vec![c.id])).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    /// let out = book.bulk_delete(&Actor::member("u-0", Role::Owner), &Selection::Ids(vec![c.id]))?;
    /// assert_eq!(out.changed, 1);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn bulk_delete(&self, actor: &Actor, selection: &Selection) -> Result<BulkOutcome> {
        require(actor, Action::BulkDelete)?;
        let ids = self.selection_ids(selection)?;
        let outcome = self.write_store(|w| {
            let mut deleted = Vec::new();
            for id in &ids {
                if w.contact(*id)?.is_some() {
                    erase_in(w, actor, *id)?;
                    deleted.push(*id);
                }
            }
            audit::record(w, actor, AuditAction::BulkDelete, &deleted, json!({}))?;
            Ok(BulkOutcome {
                selected: deleted.len() as u64,
                changed: deleted.len() as u64,
            })
        })?;
        self.store().scrub_journal()?;
        Ok(outcome)
    }
}
