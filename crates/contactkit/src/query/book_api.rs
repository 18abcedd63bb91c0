//! The query methods of [`Book`]: one page, a count, and an iterator over every match.

use crate::book::Book;
use crate::contact::Contact;
use crate::error::Result;
use crate::query::{Page, Query};

impl Book {
    /// One page of the contacts matching `query`, with the total count of matches.
    ///
    /// Give `page.next_cursor` back with [`Query::after`] for the next page; the cursor stays
    /// correct while contacts are added or deleted in between, and a deep page costs what the
    /// first does.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] on [`crate::Field::Query`] for a bad limit, a foreign or
    /// damaged cursor, or a `gt`/`lt` operand that is not a number, date or time; on
    /// [`crate::Field::Tag`] for a bad tag name; [`crate::Error::Storage`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, Filter, NewContact, Query, Sort, Verification};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let me = Actor::api("docs");
    /// book.create(&me, NewContact::new("Hans Müller").phone("+44 1555 123456").verification(Verification::Verified))?;
    /// book.create(&me, NewContact::new("Ana Souza"))?;
    /// let page = book.query(&Query::new().search("MÜLLER"))?;
    /// assert_eq!(page.contacts[0].name, "Hans Müller");
    /// let page = book.query(&Query::new().search("+1 (555) 123"))?;
    /// assert_eq!(page.total, 1);
    /// let q = Query::new().filter(Filter::not(Filter::verification_in([Verification::Verified])));
    /// assert_eq!(book.query(&q)?.contacts[0].name, "Ana Souza");
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn query(&self, query: &Query) -> Result<Page> {
        query.validate()?;
        self.store().query(query)
    }

    /// How many contacts match `query` (the "1,234 contacts" label); sort, limit and cursor
    /// are ignored.
    ///
    /// # Errors
    /// As for [`Book::query`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, Query};
    /// let book = Book::open_in_memory(Default::default())?;
    /// book.create(&Actor::api("docs"), NewContact::new("Li Wei").tag("vip"))?;
    /// assert_eq!(book.count(&Query::new().tags_any(["VIP"]))?, 1);
    /// assert_eq!(book.count(&Query::new().search("王"))?, 0);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn count(&self, query: &Query) -> Result<u64> {
        let mut query = query.clone();
        query.cursor = None;
        query.validate()?;
        self.store().count(&query)
    }

    /// Every contact matching `query`, in its order, from its cursor on: an iterator that
    /// reads one page (of `query`'s limit) at a time through the keyset cursor. It owns
    /// everything it needs and holds no read transaction between pages, so writers are never
    /// blocked; contacts added or deleted meanwhile may or may not be seen, but none is seen
    /// twice or skipped when it did not change.
    ///
    /// An error ends the iteration after being returned once.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact, Query};
    /// let book = Book::open_in_memory(Default::default())?;
    /// for n in 0..5 {
    ///     book.create(&Actor::api("docs"), NewContact::new(format!("Contact {n}")))?;
    /// }
    /// let names: Vec<String> = book.iter(&Query::new().limit(2)).map(|c| c.map(|c| c.name)).collect::<Result<_, _>>()?;
    /// assert_eq!(names.len(), 5);
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn iter(&self, query: &Query) -> Iter<'_> {
        Iter {
            book: self,
            query: query.clone(),
            buffer: Vec::new().into_iter(),
            done: false,
        }
    }
}

/// The iterator of [`Book::iter`].
#[derive(Debug)]
pub struct Iter<'b> {
    book: &'b Book,
    query: Query,
    buffer: std::vec::IntoIter<Contact>,
    done: bool,
}

impl Iterator for Iter<'_> {
    type Item = Result<Contact>;

    fn next(&mut self) -> Option<Result<Contact>> {
        loop {
            if let Some(contact) = self.buffer.next() {
                return Some(Ok(contact));
            }
            if self.done {
                return None;
            }
            let page = self
                .query
                .validate()
                .and_then(|()| self.book.store().page(&self.query));
            match page {
                Ok((contacts, next)) => {
                    self.done = next.is_none();
                    self.query.cursor = next;
                    self.buffer = contacts.into_iter();
                }
                Err(err) => {
                    self.done = true;
                    return Some(Err(err));
                }
            }
        }
    }
}
