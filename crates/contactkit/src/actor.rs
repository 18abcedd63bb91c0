//! Who makes a change, and through which door it came in.

use serde::{Deserialize, Serialize};

/// The role of the person or system behind a change. Permissions are decided from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The owner of the workspace.
    Owner,
    /// An administrator.
    Admin,
    /// A team member who works contacts but may not delete them.
    Agent,
    /// The library itself or an integration acting on its own (a channel, an import, a sync).
    System,
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A team member in the host's user interface.
    Ui,
    /// The host's API.
    Api,
    /// A file import.
    Import,
    /// A WhatsApp message.
    Whatsapp,
    /// A Telegram message.
    Telegram,
    /// The web widget or a web form.
    WebWidget,
    /// The Chatwoot sync.
    #[serde(rename = "sync:chatwoot")]
    SyncChatwoot,
}

/// The actor of a mutating call: who (an id and a role) and from where.
///
/// # Examples
/// ```
/// use contactkit::{Actor, Origin, Role};
/// let agent = Actor::member("u-17", Role::Agent);
/// assert_eq!(agent.origin, Origin::Ui);
/// assert_eq!(Actor::api("crm-bridge").role, Role::System);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The host's id for the team member or system.
    pub id: String,
    /// The role that permissions are checked against.
    pub role: Role,
    /// The door the change came through.
    pub origin: Origin,
}

impl Actor {
    /// A team member working in the UI.
    pub fn member(id: impl Into<String>, role: Role) -> Self {
        Actor {
            id: id.into(),
            role,
            origin: Origin::Ui,
        }
    }

    /// An integration calling the host's API.
    pub fn api(id: impl Into<String>) -> Self {
        Actor {
            id: id.into(),
            role: Role::System,
            origin: Origin::Api,
        }
    }

    /// A system actor with an explicit origin (a channel, an import, a sync).
    pub fn system(id: impl Into<String>, origin: Origin) -> Self {
        Actor {
            id: id.into(),
            role: Role::System,
            origin,
        }
    }
}
