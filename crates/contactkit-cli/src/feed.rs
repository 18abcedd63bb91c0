//! `changes`: the change feed as NDJSON, optionally followed as it grows.

use std::time::Duration;

use contactkit::{Book, ChangeFilter};

use crate::args::ChangesArgs;
use crate::exit::Failure;
use crate::output;

/// Events per read while following.
const PAGE: u32 = 500;

pub fn changes(book: &Book, args: ChangesArgs) -> Result<(), Failure> {
    let filter = ChangeFilter {
        meaningful_only: args.meaningful,
        ..ChangeFilter::default()
    };
    let mut after = args.after;
    let mut left = args.limit.map(u64::from);
    loop {
        let want = left.map_or(PAGE, |n| n.min(u64::from(PAGE)) as u32);
        if want == 0 {
            return Ok(());
        }
        let page = book.changes(after, want, &filter)?;
        for event in &page.events {
            let text = serde_json::to_string(event).map_err(|e| Failure::bad_input(e.to_string()))?;
            output::line(&text)?;
        }
        if let Some(n) = left.as_mut() {
            *n -= page.events.len() as u64;
        }
        let caught_up = page.next == after || page.events.len() < want as usize;
        after = page.next;
        if caught_up {
            if !args.follow {
                return Ok(());
            }
            book.wait_for_changes(after, Duration::from_secs(1))?;
        }
    }
}
