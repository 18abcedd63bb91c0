//! The opaque keyset cursor: the sort key and id of the last contact of a page.
//!
//! A cursor names a position in the order, not a contact, so it stays correct when that
//! contact (or any other) is deleted or when contacts are added before or after it: the next
//! page starts with the first contact whose `(key, id)` comes after the cursor's.

use serde::{Deserialize, Serialize};

use crate::contact::ContactId;
use crate::error::{Error, Field, Result};
use crate::query::Sort;

/// The value a contact sorts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum SortKey {
    /// A folded name.
    Text(String),
    /// Unix milliseconds (never-active: `i64::MIN + 1`, below every real time).
    Int(i64),
}

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// The order it was made for.
    #[serde(rename = "s")]
    pub sort: Sort,
    /// The sort key of the last contact of the page.
    #[serde(rename = "k")]
    pub key: SortKey,
    /// Its id.
    #[serde(rename = "i")]
    pub id: ContactId,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Cursor {
    /// The opaque text form: the hex of a small JSON object.
    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut out = String::with_capacity(json.len() * 2);
        for byte in json {
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
        out
    }

    /// Reads a cursor made by [`Cursor::encode`].
    pub(crate) fn decode(text: &str) -> Result<Cursor> {
        let bad = || Error::invalid(Field::Query, text, "this is not a cursor returned by a query");
        let digits = text.trim().as_bytes();
        if !digits.len().is_multiple_of(2) {
            return Err(bad());
        }
        let nibble = |c: u8| {
            HEX.iter()
                .position(|h| *h == c.to_ascii_lowercase())
                .map(|p| p as u8)
        };
        let mut bytes = Vec::with_capacity(digits.len() / 2);
        for pair in digits.chunks(2) {
            let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) else {
                return Err(bad());
            };
            bytes.push(hi << 4 | lo);
        }
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let fits = matches!(
            (cursor.sort, &cursor.key),
            (Sort::NameAsc | Sort::NameDesc, SortKey::Text(_))
                | (
                    Sort::CreatedAsc | Sort::CreatedDesc | Sort::LastActivityAsc | Sort::LastActivityDesc,
                    SortKey::Int(_)
                )
        );
        if fits { Ok(cursor) } else { Err(bad()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_refuses_garbage() {
        let c = Cursor {
            sort: Sort::NameDesc,
            key: SortKey::Text("josé \"x\"".into()),
            id: ContactId::from_raw(7),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("abc").is_err());
        assert!(Cursor::decode("zz").is_err());
        let wrong = Cursor {
            sort: Sort::CreatedAsc,
            key: SortKey::Text("x".into()),
            id: ContactId::from_raw(1),
        };
        assert!(Cursor::decode(&wrong.encode()).is_err());
    }
}
