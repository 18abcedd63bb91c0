//! Helpers the SQL modules share: reading our wire names back and the error for a value this
//! library cannot read.

use crate::error::{Error, StorageError};

/// A stored value this library cannot read (a newer library's, or a damaged file).
pub(super) fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Storage(StorageError::new(format!(
        "the book holds a value this library cannot read: {what}"
    )))
}

/// A snake_case wire name read back into its enum.
pub(super) fn wire<T: serde::de::DeserializeOwned>(text: &str) -> crate::Result<T> {
    use serde::de::IntoDeserializer;
    // Straight from the text: no JSON value and no copy (it runs for every point read).
    T::deserialize(text.into_deserializer())
        .map_err(|e: serde::de::value::Error| corrupt(format!("{text:?}: {e}")))
}

/// The snake_case wire name of an enum value.
pub(super) fn name_of<T: serde::Serialize>(value: &T) -> crate::Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(corrupt("a wire name is not a string")),
    }
}
