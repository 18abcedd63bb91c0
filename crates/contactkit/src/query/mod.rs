//! Queries: filter, search, sort and page through the contacts of a book.
//!
//! A [`Query`] is a value (serde, builder methods, `deny_unknown_fields`), so every front
//! passes the same thing: C as JSON, Python and the CLI from keyword arguments and flags.
//! [`crate::Book::query`] returns one [`Page`]; its `next_cursor`, given back with
//! [`Query::after`], returns the next one, and stays correct while contacts are added or
//! deleted in between. [`crate::Book::iter`] does that paging for you.
//!
//! # Examples
//! ```
//! use contactkit::{Actor, Book, NewContact, Query, Sort};
//! let book = Book::open_in_memory(Default::default())?;
//! let me = Actor::api("docs");
//! for name in ["José Álvarez", "Joséphine Roy", "Ana Souza"] {
//!     book.create(&me, NewContact::new(name).tag("hot"))?;
//! }
//! let query = Query::new().search("jose").tags_any(["HOT"]).sort(Sort::NameDesc).limit(1);
//! let page = book.query(&query)?;
//! assert_eq!((page.contacts[0].name.as_str(), page.total), ("Joséphine Roy", 2));
//! let next = book.query(&query.after(page.next_cursor))?;
//! assert_eq!(next.contacts[0].name, "José Álvarez");
//! # Ok::<(), contactkit::Error>(())
//! ```

mod book_api;
mod cursor;
mod filter;
mod search;

use serde::{Deserialize, Serialize};

use crate::contact::{Contact, Source, Verification};
use crate::error::{Error, Field, Result};

pub use book_api::Iter;
pub(crate) use cursor::{Cursor, SortKey};
pub use filter::{AttributeFilter, AttributeOp, Filter, TimeRange};
pub(crate) use filter::{Operand, tag_keys};
pub(crate) use search::{SearchTerm, is_dense};

/// The page size when a query sets none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page a query may ask for.
pub const MAX_LIMIT: u32 = 1000;

/// The order of a query's results. Every order is total: ties are broken by id (ascending for
/// the ascending orders, descending for the descending ones).
///
/// Wire names: `name`, `-name`, `created`, `-created`, `activity`, `-activity` (also
/// `name_asc`, `name_desc`, `created_asc`, `created_desc`, `activity_asc`, `activity_desc`).
///
/// # Examples
/// ```
/// use contactkit::Sort;
/// assert_eq!("-activity".parse::<Sort>()?, Sort::LastActivityDesc);
/// assert_eq!(serde_json::to_string(&Sort::NameAsc).unwrap(), "\"name\"");
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Sort {
    /// Name A–Z: folded (case and accents ignored), then by id. The default.
    #[default]
    NameAsc,
    /// Name Z–A, then by id descending.
    NameDesc,
    /// Oldest first.
    CreatedAsc,
    /// Newest first.
    CreatedDesc,
    /// Most recently active first; never-active contacts last.
    LastActivityDesc,
    /// The exact reverse of [`Sort::LastActivityDesc`]: never-active contacts first, then the
    /// longest inactive.
    LastActivityAsc,
}

impl Sort {
    /// Every order.
    pub const ALL: &'static [Sort] = &[
        Sort::NameAsc,
        Sort::NameDesc,
        Sort::CreatedAsc,
        Sort::CreatedDesc,
        Sort::LastActivityDesc,
        Sort::LastActivityAsc,
    ];

    /// The short wire name (`name`, `-name`, `created`, `-created`, `activity`, `-activity`).
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::NameAsc => "name",
            Sort::NameDesc => "-name",
            Sort::CreatedAsc => "created",
            Sort::CreatedDesc => "-created",
            Sort::LastActivityAsc => "activity",
            Sort::LastActivityDesc => "-activity",
        }
    }

    /// Whether the order runs from high keys to low.
    pub fn is_descending(self) -> bool {
        matches!(self, Sort::NameDesc | Sort::CreatedDesc | Sort::LastActivityDesc)
    }
}

impl std::str::FromStr for Sort {
    type Err = Error;
    fn from_str(text: &str) -> Result<Sort> {
        let sort = match text.trim() {
            "name" | "name_asc" | "+name" => Sort::NameAsc,
            "-name" | "name_desc" => Sort::NameDesc,
            "created" | "created_asc" | "+created" => Sort::CreatedAsc,
            "-created" | "created_desc" => Sort::CreatedDesc,
            "activity" | "activity_asc" | "+activity" => Sort::LastActivityAsc,
            "-activity" | "activity_desc" => Sort::LastActivityDesc,
            _ => {
                return Err(Error::invalid(
                    Field::Query,
                    text,
                    "sort is one of name, -name, created, -created, activity, -activity",
                ));
            }
        };
        Ok(sort)
    }
}

impl TryFrom<String> for Sort {
    type Error = Error;
    fn try_from(text: String) -> Result<Sort> {
        text.parse()
    }
}

impl From<Sort> for &'static str {
    fn from(sort: Sort) -> &'static str {
        sort.as_str()
    }
}

impl std::fmt::Display for Sort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to list: a filter, a search text, an order, a page size and where to start.
///
/// In JSON every field is optional:
/// `{"filter": {"tags_any": ["hot"]}, "search": "jose", "sort": "-activity", "limit": 20,
/// "cursor": "…"}`. Unknown fields are refused.
///
/// **Search** takes one text and matches a contact when its folded name
/// ([`crate::fold()`]: case and accents ignored) contains the folded text, or one of its emails
/// (any of them, lower case) contains it, or, when the text looks like a phone number (only
/// digits, spaces and `+ - . ( )`), one of its phones' digits contain the text's digits:
/// "555123", "555-123" and "+1 (555) 123" all find +15551234567. Blank text searches nothing.
///
/// # Examples
/// ```
/// use contactkit::{Filter, Query, Sort};
/// let q: Query = serde_json::from_str(r#"{"search": "ana", "sort": "-created", "limit": 10}"#)?;
/// assert_eq!(q, Query::new().search("ana").sort(Sort::CreatedDesc).limit(10));
/// assert!(serde_json::from_str::<Query>(r#"{"serach": "ana"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    /// The condition contacts must meet (none: every contact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    /// The search text (none or blank: no search).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// The order.
    pub sort: Sort,
    /// The page size, 1 to [`MAX_LIMIT`]; none means [`DEFAULT_LIMIT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Where to start: the `next_cursor` of the previous page (none: the first page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Query {
    /// Every contact, by name, first page.
    pub fn new() -> Self {
        Query::default()
    }

    /// Sets the search text.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// Sets the order.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts after `cursor` (a page's `next_cursor`); `None` starts at the first page.
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Replaces the filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Adds `filter` to the current one with AND.
    pub fn and(mut self, filter: Filter) -> Self {
        self.filter = Some(match self.filter.take() {
            None => filter,
            Some(Filter::And(mut all)) => {
                all.push(filter);
                Filter::And(all)
            }
            Some(other) => Filter::And(vec![other, filter]),
        });
        self
    }

    /// ANDs a [`Filter::TagsAny`].
    pub fn tags_any<S: Into<String>>(self, tags: impl IntoIterator<Item = S>) -> Self {
        self.and(Filter::tags_any(tags))
    }

    /// ANDs a [`Filter::TagsAll`].
    pub fn tags_all<S: Into<String>>(self, tags: impl IntoIterator<Item = S>) -> Self {
        self.and(Filter::tags_all(tags))
    }

    /// ANDs a [`Filter::TagsNone`].
    pub fn tags_none<S: Into<String>>(self, tags: impl IntoIterator<Item = S>) -> Self {
        self.and(Filter::tags_none(tags))
    }

    /// ANDs a [`Filter::VerificationIn`].
    pub fn verification_in(self, set: impl IntoIterator<Item = Verification>) -> Self {
        self.and(Filter::verification_in(set))
    }

    /// ANDs a [`Filter::SourceIn`].
    pub fn source_in(self, set: impl IntoIterator<Item = Source>) -> Self {
        self.and(Filter::source_in(set))
    }

    /// ANDs a [`Filter::Created`].
    pub fn created(self, range: TimeRange) -> Self {
        self.and(Filter::Created(range))
    }

    /// ANDs a [`Filter::LastActivity`].
    pub fn last_activity(self, range: TimeRange) -> Self {
        self.and(Filter::LastActivity(range))
    }

    /// The page size this query asks for.
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Query`] for 0 or more than [`MAX_LIMIT`].
    pub fn page_size(&self) -> Result<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n @ 1..=MAX_LIMIT) => Ok(n),
            Some(n) => Err(Error::invalid(
                Field::Query,
                n.to_string(),
                format!("limit is 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// Checks everything a backend should not have to: the page size, tag names, attribute
    /// operands and the cursor.
    ///
    /// # Errors
    /// [`Error::Invalid`] on [`Field::Query`] or [`Field::Tag`], naming the bad value.
    ///
    /// # Examples
    /// ```
    /// use contactkit::Query;
    /// assert!(Query::new().limit(0).validate().is_err());
    /// assert!(Query::new().after(Some("zz".into())).validate().is_err());
    /// assert!(Query::new().search("").validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.page_size()?;
        if let Some(filter) = &self.filter {
            filter.validate()?;
        }
        self.start()?;
        Ok(())
    }

    /// The decoded cursor, checked against this query's order.
    pub(crate) fn start(&self) -> Result<Option<Cursor>> {
        let Some(text) = &self.cursor else {
            return Ok(None);
        };
        let cursor = Cursor::decode(text)?;
        if cursor.sort != self.sort {
            return Err(Error::invalid(
                Field::Query,
                text.as_str(),
                format!(
                    "this cursor belongs to a query sorted by {}, not {}",
                    cursor.sort, self.sort
                ),
            ));
        }
        Ok(Some(cursor))
    }

    /// The analysed search text, if there is any to search.
    pub(crate) fn search_term(&self) -> Option<SearchTerm> {
        self.search.as_deref().and_then(SearchTerm::new)
    }
}

/// One page of results.
///
/// # Examples
/// ```
/// use contactkit::{Actor, Book, NewContact, Query};
/// let book = Book::open_in_memory(Default::default())?;
/// book.create(&Actor::api("docs"), NewContact::new("Ana"))?;
/// let page = book.query(&Query::new())?;
/// assert_eq!((page.contacts.len(), page.total, page.next_cursor), (1, 1, None));
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The contacts of this page, in the query's order.
    pub contacts: Vec<Contact>,
    /// How many contacts match the query in all (every page, not just this one).
    pub total: u64,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}
