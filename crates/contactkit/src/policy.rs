//! Who may do what: the one place permissions are decided.

use serde::{Deserialize, Serialize};

use crate::actor::Role;

/// An action that not every role may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Delete one contact.
    DeleteContact,
    /// Delete every contact of a selection.
    BulkDelete,
    /// Rename, merge or delete a tag of the whole book.
    ManageTags,
}

impl Action {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::DeleteContact => "delete_contact",
            Action::BulkDelete => "bulk_delete",
            Action::ManageTags => "manage_tags",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// Whether `role` may take `action`.
///
/// Deleting (one contact or many) is for owners and admins; the system role (a sync applying
/// a delete made on the other side, a host's own maintenance) may too. Agents may do
/// everything else, tag housekeeping included.
///
/// # Examples
/// ```
/// use contactkit::{is_allowed, Action, Role};
/// assert!(is_allowed(Role::Admin, Action::BulkDelete));
/// assert!(!is_allowed(Role::Agent, Action::DeleteContact));
/// ```
pub fn is_allowed(role: Role, action: Action) -> bool {
    match action {
        Action::DeleteContact | Action::BulkDelete => {
            matches!(role, Role::Owner | Role::Admin | Role::System)
        }
        Action::ManageTags => true,
    }
}
