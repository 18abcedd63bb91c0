//! The `contactkit._contactkit` extension module: the Python face of the contactkit core.
//! This file is the module table only; each concept has its own module.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod actor;
mod book;
mod contact;
mod convert;
mod edit;
mod errors;
mod query;
mod stream;
mod transfer;
mod values;

use pyo3::prelude::*;

/// contactkit: an embeddable contacts engine (contacts, emails, phones, tags, custom
/// attributes, queries, import and export) on an embedded SQLite book.
#[pymodule]
fn _contactkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<book::ContactBook>()?;
    m.add_class::<actor::Actor>()?;
    m.add_class::<contact::Contact>()?;
    m.add_class::<contact::EmailAddress>()?;
    m.add_class::<contact::PhoneNumber>()?;
    m.add_class::<contact::Tag>()?;
    m.add_class::<query::Query>()?;
    m.add_class::<query::Page>()?;
    m.add_class::<query::ContactIterator>()?;
    m.add_class::<values::BulkOutcome>()?;
    m.add_class::<values::InboundOutcome>()?;
    m.add_class::<values::UpsertOutcome>()?;
    m.add_class::<values::Progress>()?;
    m.add_class::<values::ImportReport>()?;
    m.add_class::<values::ExportSummary>()?;
    m.add_class::<values::ChangePage>()?;
    m.add_class::<values::DuplicatePair>()?;
    m.add_class::<values::Conversation>()?;
    m.add_class::<values::Message>()?;
    m.add_class::<values::MessagePage>()?;
    errors::register(m)?;
    Ok(())
}
