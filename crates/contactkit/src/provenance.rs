//! Field provenance: where the current value of each field came from, and the one rule that
//! decides whether an automatic update may replace it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Origin, Role};

/// Where one field's current value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSource {
    /// The door the value came through.
    pub origin: Origin,
    /// Who set it.
    pub actor_id: String,
    /// Their role.
    pub actor_role: Role,
    /// When.
    pub at: DateTime<Utc>,
}

impl FieldSource {
    pub(crate) fn of(actor: &Actor, at: DateTime<Utc>) -> Self {
        FieldSource {
            origin: actor.origin,
            actor_id: actor.id.clone(),
            actor_role: actor.role,
            at,
        }
    }
}

/// The provenance of a contact's fields, by field name: `name`, `email`, `phone` (the primary
/// values) and `attributes.KEY`.
pub type Provenance = BTreeMap<String, FieldSource>;

/// Whether `origin` is a messaging channel, whose profile data arrives automatically with
/// messages and forms.
pub fn is_channel(origin: Origin) -> bool {
    matches!(origin, Origin::Whatsapp | Origin::Telegram | Origin::WebWidget)
}

/// Whether `incoming` may replace a field whose value came from `current` (`None`: unknown
/// or never set) and is `empty` or not.
///
/// The rule: people and integrations that write on purpose (a team member, the API, an
/// import, the sync) always may. An automatic update from a channel (a profile name that
/// arrives with a message) fills an empty field, or replaces a value that the same channel
/// set; it never overwrites what anyone else wrote — above all what a team member typed.
///
/// # Examples
/// ```
/// use contactkit::{may_overwrite, Actor, FieldSource, Origin, Role};
/// let typed = FieldSource { origin: Origin::Ui, actor_id: "u-1".into(), actor_role: Role::Agent, at: chrono::Utc::now() };
/// let whatsapp = Actor::system("wa", Origin::Whatsapp);
/// assert!(!may_overwrite(Some(&typed), false, &whatsapp));
/// assert!(may_overwrite(Some(&typed), true, &whatsapp));
/// ```
pub fn may_overwrite(current: Option<&FieldSource>, empty: bool, incoming: &Actor) -> bool {
    if !is_channel(incoming.origin) || empty {
        return true;
    }
    current.is_some_and(|source| source.origin == incoming.origin)
}
