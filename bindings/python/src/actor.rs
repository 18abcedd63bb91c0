//! `Actor`: who makes a change, and through which door it came in.

use contactkit::{Origin, Role};
use pyo3::prelude::*;

use crate::convert::{wire, wire_name};

const ROLES: &str = "owner, admin, agent, system";
const ORIGINS: &str = "ui, api, import, whatsapp, telegram, web_widget, sync:chatwoot";

/// The actor of a change: an id, a role (`owner`, `admin`, `agent`, `system`) and an origin.
/// Permissions are checked against the role; history and provenance record all three.
///
/// >>> Actor.member("u-17", "agent")
/// Actor(id='u-17', role='agent', origin='ui')
/// >>> Actor.api("crm-bridge").role
/// 'system'
#[pyclass(frozen, eq, module = "contactkit._contactkit")]
#[derive(Clone, PartialEq)]
pub struct Actor {
    pub inner: contactkit::Actor,
}

#[pymethods]
impl Actor {
    /// A team member working in the UI, with a role: `owner`, `admin` or `agent`.
    #[staticmethod]
    fn member(id: String, role: &str) -> PyResult<Actor> {
        let role: Role = wire(role, "role", ROLES)?;
        Ok(Actor {
            inner: contactkit::Actor::member(id, role),
        })
    }

    /// An integration calling the host's API (role `system`, origin `api`).
    #[staticmethod]
    fn api(id: String) -> Actor {
        Actor {
            inner: contactkit::Actor::api(id),
        }
    }

    /// A system actor with an explicit origin (`import`, `whatsapp`, `telegram`,
    /// `web_widget`...).
    #[staticmethod]
    fn system(id: String, origin: &str) -> PyResult<Actor> {
        let origin: Origin = wire(origin, "origin", ORIGINS)?;
        Ok(Actor {
            inner: contactkit::Actor::system(id, origin),
        })
    }

    /// The host's id for the team member or system.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The role permissions are checked against.
    #[getter]
    fn role(&self) -> String {
        wire_name(&self.inner.role)
    }

    /// The door the change came through.
    #[getter]
    fn origin(&self) -> String {
        wire_name(&self.inner.origin)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Actor(id={}, role='{}', origin='{}')",
            crate::convert::repr(py, &self.inner.id)?,
            self.role(),
            self.origin()
        ))
    }
}
