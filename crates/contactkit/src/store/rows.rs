//! [`RowPage`]: contacts as flat rows, every text in one buffer, the way a CSV export reads
//! the whole book.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{Contact, ContactId, Source, Verification};
use crate::error::{Error, Field, Result};
use crate::store::PointKind;

/// Where a text of a [`RowPage`] lies in [`RowPage::text`]: bytes `start..end`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// One contact of a [`RowPage`]: every field the CSV columns show, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The contact's id.
    pub id: ContactId,
    /// The name.
    pub name: Span,
    /// The primary email, as written.
    pub email: Option<Span>,
    /// The primary email's label.
    pub email_label: Option<Span>,
    /// The primary phone, E.164.
    pub phone: Option<Span>,
    /// The primary phone's label.
    pub phone_label: Option<Span>,
    /// Its entries of [`RowPage::more_points`]: `start..end`, emails before phones.
    pub more_points: (u32, u32),
    /// Its entries of [`RowPage::tags`]: `start..end`, in tag key order.
    pub tags: (u32, u32),
    /// The source channel.
    pub source: Source,
    /// The verification status.
    pub verification: Verification,
    /// The custom attributes as a JSON object (`{}` for none).
    pub attributes: Span,
    /// When the contact was created.
    pub created_at: DateTime<Utc>,
    /// Its last activity, if any.
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// An email or phone after a contact's primary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowPoint {
    /// Email or phone.
    pub kind: PointKind,
    /// The address as written, or the E.164 number.
    pub value: Span,
    /// Its label.
    pub label: Option<Span>,
}

/// A page of contacts in id order, flat: each text is a [`Span`] of one buffer, so a page
/// of a thousand contacts is a handful of allocations instead of several per contact (a
/// whole [`Contact`] also holds what no CSV column shows: phone originals, point origins).
/// What [`Reader::row_page_after`](crate::store::Reader::row_page_after) gives a CSV
/// export of the whole book.
///
/// # Examples
/// ```
/// use contactkit::{Actor, Book, NewContact};
/// use contactkit::store::RowPage;
/// let book = Book::open_in_memory(Default::default())?;
/// let ana = book.create(&Actor::api("x"), NewContact::new("Ana").email("ana@x.io").tag("Hot"))?;
/// let mut page = RowPage::default();
/// page.push_contact(&ana)?;
/// let row = &page.rows[0];
/// assert_eq!(page.text(row.name), "Ana");
/// assert_eq!(row.email.map(|s| page.text(s)), Some("ana@x.io"));
/// assert_eq!(page.tags_of(row).collect::<Vec<_>>(), ["Hot"]);
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowPage {
    /// Every text of the page, one after the other.
    pub text: String,
    /// The contacts, in id order.
    pub rows: Vec<Row>,
    /// The emails and phones after the primary ones, contact by contact.
    pub more_points: Vec<RowPoint>,
    /// The tag names, contact by contact.
    pub tags: Vec<Span>,
}

impl RowPage {
    /// The text `span` marks (empty for a span outside the buffer).
    pub fn text(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// Appends `text` to the buffer and returns its span.
    pub fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span {
            start,
            end: self.text.len() as u32,
        }
    }

    /// Appends a tag name for the row being built (the last one pushed).
    pub fn push_tag(&mut self, name: &str) {
        let span = self.push_text(name);
        self.tags.push(span);
    }

    /// The tag names of `row`, in key order.
    pub fn tags_of<'a>(&'a self, row: &Row) -> impl Iterator<Item = &'a str> + 'a {
        let (start, end) = row.tags;
        self.tags
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .map(|span| self.text(*span))
    }

    /// The emails or phones of `row` after its primary one, as value and label.
    pub fn more_points_of<'a>(
        &'a self,
        row: &Row,
        kind: PointKind,
    ) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        let (start, end) = row.more_points;
        self.more_points
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .filter(move |p| p.kind == kind)
            .map(|p| (self.text(p.value), p.label.map(|l| self.text(l))))
    }

    /// Appends `contact` as a row.
    ///
    /// # Errors
    /// [`Error::Invalid`] for attributes that cannot be written as JSON.
    pub fn push_contact(&mut self, contact: &Contact) -> Result<()> {
        let attributes = match contact.attributes.is_empty() {
            true => self.push_text("{}"),
            false => {
                let json = serde_json::to_string(&contact.attributes)
                    .map_err(|err| Error::invalid(Field::Attribute, "", err.to_string()))?;
                self.push_text(&json)
            }
        };
        self.push_fields(contact, attributes);
        Ok(())
    }

    /// Appends `contact` as a row whose attributes read as none: for a writer that takes
    /// them from the contact itself.
    pub(crate) fn push_contact_without_attributes(&mut self, contact: &Contact) {
        let attributes = self.push_text("{}");
        self.push_fields(contact, attributes);
    }

    fn push_fields(&mut self, contact: &Contact, attributes: Span) {
        let name = self.push_text(&contact.name);
        let mut row = Row {
            id: contact.id,
            name,
            email: None,
            email_label: None,
            phone: None,
            phone_label: None,
            more_points: (self.more_points.len() as u32, self.more_points.len() as u32),
            tags: (self.tags.len() as u32, self.tags.len() as u32),
            source: contact.source,
            verification: contact.verification,
            attributes,
            created_at: contact.created_at,
            last_activity_at: contact.last_activity_at,
        };
        let emails = contact
            .emails
            .iter()
            .map(|p| (PointKind::Email, p.address.as_str(), p.label.as_deref()));
        let phones = contact
            .phones
            .iter()
            .map(|p| (PointKind::Phone, p.e164.as_str(), p.label.as_deref()));
        let mut first_email = true;
        let mut first_phone = true;
        for (kind, value, label) in emails.chain(phones) {
            let value = self.push_text(value);
            let label = label.map(|l| self.push_text(l));
            let first = match kind {
                PointKind::Email => std::mem::replace(&mut first_email, false),
                PointKind::Phone => std::mem::replace(&mut first_phone, false),
            };
            match (kind, first) {
                (PointKind::Email, true) => (row.email, row.email_label) = (Some(value), label),
                (PointKind::Phone, true) => (row.phone, row.phone_label) = (Some(value), label),
                (_, false) => self.more_points.push(RowPoint { kind, value, label }),
            }
        }
        row.more_points.1 = self.more_points.len() as u32;
        for tag in &contact.tags {
            self.push_tag(tag);
        }
        row.tags.1 = self.tags.len() as u32;
        self.rows.push(row);
    }

    /// Empties the page, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
        self.more_points.clear();
        self.tags.clear();
    }
}
