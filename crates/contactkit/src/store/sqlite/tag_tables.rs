//! `tag_facts` and `tag_activity` (migration 0003) rebuilt from the contacts and their tag
//! links, for [`super::search::rebuild_ranked`].
//!
//! In SQL each is a join of every link with its contact and a sort of the result: at 1M
//! contacts and 2M links, 3.0 s and 2.5 s, of which the join alone is 1.8 s (one B-tree seek
//! per link) while a scan of either table takes 0.08 s. Here, for each table, the contacts'
//! columns it needs are read in id order into arrays; the links are read in tag order from
//! their by-tag index; each tag's rows are sorted in memory and written in key order, so every
//! insert appends. Both tables took 5.2 s and 3.0 s so against 5.9 s and 5.6 s in SQL (1M,
//! alternating); a 1M import's peak stayed at 98 MB.

use rusqlite::Connection;

use crate::error::Result;

/// The activity key of a contact that was never active (what the SQL of migration 0003 uses).
const NEVER_ACTIVE: i64 = -9_223_372_036_854_775_807;

/// Which of the two tables.
#[derive(Clone, Copy, PartialEq)]
enum Table {
    /// `tag_facts`: verification, created time.
    Facts,
    /// `tag_activity`: activity key.
    Activity,
}

/// The filter columns of every contact that one table needs, in id order. One table at a
/// time, and ids only when they have gaps: at 1M contacts 9 MB, not the 25 MB of all of it.
struct Contacts {
    /// The first id; with `ids` empty, contact `i` has id `first + i`.
    first: i64,
    ids: Vec<i64>,
    /// The created time (facts) or the activity key (activity).
    key: Vec<i64>,
    /// Facts: an index into `verifications`, which is sorted, so codes sort as the texts do.
    verification: Vec<u8>,
    verifications: Vec<String>,
}

impl Contacts {
    /// Reads them; `None` when the book holds more distinct verification texts than a code
    /// can tell apart (the schema allows four) or more contacts than a `u32` counts.
    fn read(conn: &Connection, table: Table) -> Result<Option<Contacts>> {
        let sql = match table {
            Table::Facts => "SELECT id, created_at, verification FROM contacts ORDER BY id",
            Table::Activity => "SELECT id, coalesce(last_activity_at, ?1) FROM contacts ORDER BY id",
        };
        let mut stmt = conn.prepare(sql)?;
        let mut rows = match table {
            Table::Facts => stmt.query([])?,
            Table::Activity => stmt.query([NEVER_ACTIVE])?,
        };
        let mut c = Contacts {
            first: 0,
            ids: Vec::new(),
            key: Vec::new(),
            verification: Vec::new(),
            verifications: Vec::new(),
        };
        let mut dense = true;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if c.key.is_empty() {
                c.first = id;
            }
            let expected = c.first + c.key.len() as i64;
            if dense && id != expected {
                dense = false;
                c.ids = (c.first..expected).collect();
            }
            if !dense {
                c.ids.push(id);
            }
            c.key.push(row.get(1)?);
            if table == Table::Facts {
                let text = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
                let code = match c.verifications.iter().position(|v| v == text) {
                    Some(code) => code,
                    None => {
                        c.verifications.push(text.to_owned());
                        c.verifications.len() - 1
                    }
                };
                let Ok(code) = u8::try_from(code) else {
                    return Ok(None);
                };
                c.verification.push(code);
            }
        }
        // Places are u32: a book larger than that is left to the SQL.
        if u32::try_from(c.key.len()).is_err() {
            return Ok(None);
        }
        // Codes in the texts' order.
        let mut order: Vec<usize> = (0..c.verifications.len()).collect();
        order.sort_by(|a, b| c.verifications[*a].cmp(&c.verifications[*b]));
        let mut rank = vec![0u8; order.len()];
        for (place, code) in order.iter().enumerate() {
            rank[*code] = place as u8;
        }
        for code in &mut c.verification {
            *code = rank[usize::from(*code)];
        }
        c.verifications.sort();
        Ok(Some(c))
    }

    fn id(&self, at: u32) -> i64 {
        match self.ids.get(at as usize) {
            Some(id) => *id,
            None => self.first + i64::from(at),
        }
    }

    /// The place of contact `id` in the arrays.
    fn place(&self, id: i64) -> Option<u32> {
        let at = if self.ids.is_empty() {
            usize::try_from(id - self.first)
                .ok()
                .filter(|&at| at < self.key.len())?
        } else {
            self.ids.binary_search(&id).ok()?
        };
        u32::try_from(at).ok()
    }
}

/// Empties `tag_facts` and `tag_activity` and writes them again. Returns false, having written
/// nothing, when the contacts cannot be coded (the caller then runs the SQL).
pub(super) fn rebuild(conn: &Connection) -> Result<bool> {
    let Some(facts) = Contacts::read(conn, Table::Facts)? else {
        return Ok(false);
    };
    conn.execute_batch("DELETE FROM tag_facts; DELETE FROM tag_activity;")?;
    let mut fact = conn.prepare(
        "INSERT INTO tag_facts (tag_id, verification, created_at, contact_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    write_table(conn, &facts, |c, tag, places| {
        places.sort_unstable_by_key(|&at| (c.verification[at as usize], c.key[at as usize], c.id(at)));
        for &at in places.iter() {
            let verification = &c.verifications[usize::from(c.verification[at as usize])];
            fact.execute(rusqlite::params![tag, verification, c.key[at as usize], c.id(at)])?;
        }
        Ok(())
    })?;
    drop(facts);
    let Some(activity) = Contacts::read(conn, Table::Activity)? else {
        return Ok(false);
    };
    let mut insert =
        conn.prepare("INSERT INTO tag_activity (tag_id, activity_key, contact_id) VALUES (?1, ?2, ?3)")?;
    write_table(conn, &activity, |c, tag, places| {
        places.sort_unstable_by_key(|&at| (c.key[at as usize], c.id(at)));
        for &at in places.iter() {
            insert.execute([tag, c.key[at as usize], c.id(at)])?;
        }
        Ok(())
    })?;
    Ok(true)
}

/// Reads the links in tag order and hands `write` each tag with the places of its contacts.
fn write_table(
    conn: &Connection,
    contacts: &Contacts,
    mut write: impl FnMut(&Contacts, i64, &mut Vec<u32>) -> Result<()>,
) -> Result<()> {
    let mut links = conn.prepare(
        "SELECT tag_id, contact_id FROM contact_tags INDEXED BY contact_tags_by_tag ORDER BY tag_id, contact_id",
    )?;
    let mut rows = links.query([])?;
    let mut current: Option<i64> = None;
    let mut places: Vec<u32> = Vec::new();
    while let Some(row) = rows.next()? {
        let tag: i64 = row.get(0)?;
        let contact: i64 = row.get(1)?;
        if let Some(previous) = current.filter(|&t| t != tag) {
            write(contacts, previous, &mut places)?;
            places.clear();
        }
        current = Some(tag);
        // A link to no contact (the foreign key forbids it) gets no row, as in the join.
        if let Some(at) = contacts.place(contact) {
            places.push(at);
        }
    }
    if let Some(tag) = current {
        write(contacts, tag, &mut places)?;
    }
    Ok(())
}
