//! The arguments of the writing calls: a new contact from keyword arguments, emails and
//! phones given as text or `(value, label)`, selections.

use chrono::{DateTime, Utc};
use contactkit::{NewContact, PointInput, Selection, Source, Verification};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{attributes, contact_ids, utc_opt};
use crate::errors;
use crate::query::Query;

/// The keyword arguments of `create` and `upsert`, as Python gave them.
pub struct NewContactArgs<'a, 'py> {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub additional_emails: Option<&'a Bound<'py, PyAny>>,
    pub additional_phones: Option<&'a Bound<'py, PyAny>>,
    pub tags: Option<Vec<String>>,
    pub source: Option<&'a str>,
    pub verification: Option<&'a str>,
    pub attributes: Option<&'a Bound<'py, PyDict>>,
    pub created_at: Option<&'a Bound<'py, PyAny>>,
    pub last_activity_at: Option<&'a Bound<'py, PyAny>>,
}

impl NewContactArgs<'_, '_> {
    /// The core's `NewContact`.
    pub fn build(self) -> PyResult<NewContact> {
        Ok(NewContact {
            name: self.name,
            email: self.email,
            phone: self.phone,
            additional_emails: points(self.additional_emails)?,
            additional_phones: points(self.additional_phones)?,
            tags: self.tags.unwrap_or_default(),
            source: self.source.map(source).transpose()?,
            verification: self.verification.map(verification).transpose()?,
            attributes: attributes(self.attributes)?,
            created_at: utc_opt(self.created_at, "created_at")?,
            last_activity_at: utc_opt(self.last_activity_at, "last_activity_at")?,
        })
    }
}

/// A source wire name (`whatsapp`, `web_widget`...).
pub fn source(text: &str) -> PyResult<Source> {
    text.parse().map_err(errors::to_py)
}

/// A verification wire name (`unverified`, `pending`, `verified`, `failed`).
pub fn verification(text: &str) -> PyResult<Verification> {
    text.parse().map_err(errors::to_py)
}

/// Emails or phones given as `str` or `(value, label)` pairs.
pub fn points(list: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PointInput>> {
    let Some(list) = list.filter(|l| !l.is_none()) else {
        return Ok(Vec::new());
    };
    if list.is_instance_of::<PyString>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "expected a list of str or (value, label) pairs, not one str",
        ));
    }
    list.try_iter()?
        .map(|item| {
            let item = item?;
            if let Ok(value) = item.extract::<String>() {
                Ok(PointInput::new(value))
            } else {
                let (value, label): (String, Option<String>) = item.extract()?;
                Ok(PointInput { value, label })
            }
        })
        .collect()
}

/// A selection: a `Query` (every contact it matches) or a list of ids.
pub fn selection(value: &Bound<'_, PyAny>) -> PyResult<Selection> {
    if let Ok(query) = value.cast::<Query>() {
        return Ok(Selection::Query(query.get().inner.clone()));
    }
    let ids: Vec<i64> = value.extract().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("a selection is a Query or a list of contact ids")
    })?;
    Ok(Selection::Ids(contact_ids(&ids)?))
}

/// An optional time.
pub fn at(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DateTime<Utc>>> {
    utc_opt(value, "at")
}
