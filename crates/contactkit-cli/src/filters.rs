//! The filter, search, sort and page options shared by `list`, `count`, `tag` and `export`,
//! turned into one core [`Query`].

use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::Args;
use contactkit::{Filter, Query, Sort, Source, TimeRange, Verification};

use crate::exit::Failure;

/// Which contacts, in which order.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Search names, phones (any digits, any formatting) and emails.
    #[arg(long, allow_hyphen_values = true)]
    pub search: Option<String>,
    /// Contacts with this tag (repeatable: all of them).
    #[arg(long = "tag", value_name = "T", allow_hyphen_values = true)]
    pub tags_all: Vec<String>,
    /// Contacts with any of these tags (repeatable).
    #[arg(long = "any-tag", value_name = "T", allow_hyphen_values = true)]
    pub tags_any: Vec<String>,
    /// Contacts without this tag (repeatable).
    #[arg(long = "no-tag", value_name = "T", allow_hyphen_values = true)]
    pub tags_none: Vec<String>,
    /// Source channel (repeatable: any of them).
    #[arg(long = "source", value_name = "S", allow_hyphen_values = true)]
    pub sources: Vec<String>,
    /// Verification status (repeatable: any of them).
    #[arg(long = "verification", value_name = "V", allow_hyphen_values = true)]
    pub verifications: Vec<String>,
    /// Created on or after this date (YYYY-MM-DD, or an RFC 3339 time).
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub created_from: Option<String>,
    /// Created on or before this date (a date includes its whole day).
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub created_to: Option<String>,
    /// Last active on or after this date.
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub active_from: Option<String>,
    /// Last active on or before this date.
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub active_to: Option<String>,
    /// Contacts that have never been active.
    #[arg(long)]
    pub never_active: bool,
    /// A query as JSON (the core's Query shape), from a file or `-` for stdin; the other
    /// options are added to it.
    #[arg(long, value_name = "FILE|-", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// Order: name, -name, created, -created, activity, -activity.
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Page size (1 to 1000).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Continue after this cursor (`next_cursor` of the previous page).
    #[arg(long, allow_hyphen_values = true)]
    pub cursor: Option<String>,
}

fn date(text: &str, end_of_day: bool, option: &str) -> Result<DateTime<Utc>, Failure> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Failure::bad_input(format!(
            "{option} {text:?}: expected YYYY-MM-DD or an RFC 3339 time"
        ))
    })?;
    let time = if end_of_day {
        NaiveTime::from_hms_milli_opt(23, 59, 59, 999)
    } else {
        Some(NaiveTime::MIN)
    };
    Ok(day.and_time(time.unwrap_or(NaiveTime::MIN)).and_utc())
}

fn range(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<TimeRange> {
    match (from, to) {
        (Some(from), Some(to)) => Some(TimeRange::between(from, to)),
        (Some(from), None) => Some(TimeRange::after(from)),
        (None, Some(to)) => Some(TimeRange::before(to)),
        (None, None) => None,
    }
}

impl FilterArgs {
    /// Whether any option selects contacts (so `tag add` knows it was given a selection).
    pub fn selects(&self) -> bool {
        self.search.is_some()
            || !self.tags_all.is_empty()
            || !self.tags_any.is_empty()
            || !self.tags_none.is_empty()
            || !self.sources.is_empty()
            || !self.verifications.is_empty()
            || self.created_from.is_some()
            || self.created_to.is_some()
            || self.active_from.is_some()
            || self.active_to.is_some()
            || self.never_active
            || self.query.is_some()
    }

    /// The core query these options describe.
    pub fn to_query(&self) -> Result<Query, Failure> {
        let mut query = match self.query.as_deref() {
            None => Query::new(),
            Some(source) => {
                let mut text = String::new();
                if source == "-" {
                    std::io::stdin().read_to_string(&mut text)?;
                } else {
                    text = std::fs::read_to_string(source)
                        .map_err(|e| Failure::bad_input(format!("--query {source}: {e}")))?;
                }
                serde_json::from_str(&text)
                    .map_err(|e| Failure::bad_input(format!("--query {source}: {e}")))?
            }
        };
        if let Some(search) = &self.search {
            query = query.search(search.clone());
        }
        if !self.tags_all.is_empty() {
            query = query.tags_all(self.tags_all.clone());
        }
        if !self.tags_any.is_empty() {
            query = query.tags_any(self.tags_any.clone());
        }
        if !self.tags_none.is_empty() {
            query = query.tags_none(self.tags_none.clone());
        }
        if !self.sources.is_empty() {
            let sources = self
                .sources
                .iter()
                .map(|s| s.parse::<Source>())
                .collect::<Result<Vec<_>, _>>()?;
            query = query.source_in(sources);
        }
        if !self.verifications.is_empty() {
            let set = self
                .verifications
                .iter()
                .map(|v| v.parse::<Verification>())
                .collect::<Result<Vec<_>, _>>()?;
            query = query.verification_in(set);
        }
        let created_from = self
            .created_from
            .as_deref()
            .map(|d| date(d, false, "--created-from"))
            .transpose()?;
        let created_to = self
            .created_to
            .as_deref()
            .map(|d| date(d, true, "--created-to"))
            .transpose()?;
        if let Some(created) = range(created_from, created_to) {
            query = query.created(created);
        }
        let active_from = self
            .active_from
            .as_deref()
            .map(|d| date(d, false, "--active-from"))
            .transpose()?;
        let active_to = self
            .active_to
            .as_deref()
            .map(|d| date(d, true, "--active-to"))
            .transpose()?;
        if let Some(active) = range(active_from, active_to) {
            query = query.last_activity(active);
        }
        if self.never_active {
            query = query.and(Filter::NeverActive);
        }
        if let Some(sort) = &self.sort {
            query = query.sort(sort.parse::<Sort>()?);
        }
        if let Some(limit) = self.limit {
            query = query.limit(limit);
        }
        if let Some(cursor) = &self.cursor {
            query = query.after(Some(cursor.clone()));
        }
        Ok(query)
    }
}
