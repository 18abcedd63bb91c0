//! The three-way merge of one linked contact: field by field against what both sides held
//! after the last sync.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sync::snapshot::Snapshot;

/// Which side a merged field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// contactkit.
    Local,
    /// Chatwoot.
    Remote,
}

/// A field changed on both sides since the last sync, to different values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The field (`name`, `email`, `phone`, `attributes.KEY`).
    pub field: String,
    /// The local value.
    pub local: Value,
    /// The remote value.
    pub remote: Value,
    /// The side whose change was newer, and won.
    pub winner: Side,
}

/// The outcome of merging one contact.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Merged {
    pub result: Snapshot,
    pub conflicts: Vec<Conflict>,
}

/// When each side last changed, for conflicts: the local field's provenance time, and the time
/// the remote change became known (a webhook's `updated_at`, else the moment the scan saw it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChangeTimes {
    pub local: DateTime<Utc>,
    pub remote: DateTime<Utc>,
}

fn pick<T: Clone + PartialEq + Serialize>(
    field: &str,
    base: Option<&T>,
    local: &T,
    remote: &T,
    times: ChangeTimes,
    conflicts: &mut Vec<Conflict>,
) -> T {
    if local == remote {
        return local.clone();
    }
    match base {
        Some(base) if local == base => remote.clone(),
        Some(base) if remote == base => local.clone(),
        _ => {
            // Changed on both sides (or first seen on both): the newer change wins.
            let winner = if times.local >= times.remote {
                Side::Local
            } else {
                Side::Remote
            };
            conflicts.push(Conflict {
                field: field.to_owned(),
                local: serde_json::to_value(local).unwrap_or(Value::Null),
                remote: serde_json::to_value(remote).unwrap_or(Value::Null),
                winner,
            });
            match winner {
                Side::Local => local.clone(),
                Side::Remote => remote.clone(),
            }
        }
    }
}

/// Merges what each side holds now against `base` (none: the first sync of the pair).
///
/// - A field changed on one side only takes that side.
/// - A field changed on both sides to different values takes the newer change, and is
///   recorded as a conflict. On a first sync an empty value never conflicts: it is filled.
/// - Labels merge as sets: what either side added is kept, what either side removed goes.
/// - Custom attributes merge key by key like fields; a key removed on one side and unchanged
///   on the other goes.
pub(crate) fn merge(
    base: Option<&Snapshot>,
    local: &Snapshot,
    remote: &Snapshot,
    times: ChangeTimes,
) -> Merged {
    let mut conflicts = Vec::new();
    let first = base.is_none();
    let fill = |l: &Option<String>, r: &Option<String>| -> Option<Option<String>> {
        match (l, r) {
            (None, Some(_)) if first => Some(r.clone()),
            (Some(_), None) if first => Some(l.clone()),
            _ => None,
        }
    };
    let name = if first && local.name.is_empty() {
        remote.name.clone()
    } else if first && remote.name.is_empty() {
        local.name.clone()
    } else {
        pick(
            "name",
            base.map(|b| &b.name),
            &local.name,
            &remote.name,
            times,
            &mut conflicts,
        )
    };
    let email = fill(&local.email, &remote.email).unwrap_or_else(|| {
        pick(
            "email",
            base.map(|b| &b.email),
            &local.email,
            &remote.email,
            times,
            &mut conflicts,
        )
    });
    let phone = fill(&local.phone, &remote.phone).unwrap_or_else(|| {
        pick(
            "phone",
            base.map(|b| &b.phone),
            &local.phone,
            &remote.phone,
            times,
            &mut conflicts,
        )
    });

    let empty = BTreeSet::new();
    let base_labels = base.map_or(&empty, |b| &b.labels);
    let labels: BTreeSet<String> = local
        .labels
        .union(&remote.labels)
        .filter(|l| {
            !(base_labels.contains(*l) && (!local.labels.contains(*l) || !remote.labels.contains(*l)))
        })
        .cloned()
        .collect();

    let no_attributes = BTreeMap::new();
    let base_attributes = base.map_or(&no_attributes, |b| &b.attributes);
    let keys: BTreeSet<&String> = local
        .attributes
        .keys()
        .chain(remote.attributes.keys())
        .chain(base_attributes.keys())
        .collect();
    let mut attributes = BTreeMap::new();
    for key in keys {
        let (b, l, r) = (
            base_attributes.get(key).cloned(),
            local.attributes.get(key).cloned(),
            remote.attributes.get(key).cloned(),
        );
        let value = if first && l.is_none() {
            r
        } else if first && r.is_none() {
            l
        } else {
            pick(
                &format!("attributes.{key}"),
                base.map(|_| &b),
                &l,
                &r,
                times,
                &mut conflicts,
            )
        };
        if let Some(value) = value {
            attributes.insert(key.clone(), value);
        }
    }
    Merged {
        result: Snapshot {
            name,
            email,
            phone,
            labels,
            attributes,
        },
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(name: &str, labels: &[&str], attrs: &[(&str, Value)]) -> Snapshot {
        Snapshot {
            name: name.into(),
            email: None,
            phone: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }

    fn times(local_newer: bool) -> ChangeTimes {
        let now = Utc::now();
        let earlier = now - chrono::Duration::seconds(5);
        if local_newer {
            ChangeTimes {
                local: now,
                remote: earlier,
            }
        } else {
            ChangeTimes {
                local: earlier,
                remote: now,
            }
        }
    }

    #[test]
    fn a_field_changed_on_one_side_takes_that_side() {
        let base = snap("Ana", &[], &[]);
        let m = merge(
            Some(&base),
            &snap("Ana", &[], &[]),
            &snap("Ana Souza", &[], &[]),
            times(true),
        );
        assert_eq!((m.result.name.as_str(), m.conflicts.len()), ("Ana Souza", 0));
        let m = merge(
            Some(&base),
            &snap("Ana B", &[], &[]),
            &snap("Ana", &[], &[]),
            times(false),
        );
        assert_eq!((m.result.name.as_str(), m.conflicts.len()), ("Ana B", 0));
    }

    #[test]
    fn both_sides_changed_takes_the_newer_and_records_it() {
        let base = snap("Ana", &[], &[]);
        let m = merge(
            Some(&base),
            &snap("Ana L", &[], &[]),
            &snap("Ana R", &[], &[]),
            times(false),
        );
        assert_eq!(m.result.name, "Ana R");
        assert_eq!(m.conflicts[0].winner, Side::Remote);
        let m = merge(
            Some(&base),
            &snap("Ana L", &[], &[]),
            &snap("Ana R", &[], &[]),
            times(true),
        );
        assert_eq!(m.result.name, "Ana L");
    }

    #[test]
    fn labels_merge_as_sets_keeping_adds_and_removes() {
        let base = snap("A", &["a", "b", "c"], &[]);
        let local = snap("A", &["a", "b", "x"], &[]); // removed c, added x
        let remote = snap("A", &["b", "c", "y"], &[]); // removed a, added y
        let m = merge(Some(&base), &local, &remote, times(true));
        assert_eq!(
            m.result.labels,
            ["b", "x", "y"].iter().map(|s| s.to_string()).collect()
        );
    }

    #[test]
    fn attributes_merge_key_by_key() {
        let base = snap("A", &[], &[("k", json!(1)), ("gone", json!("x"))]);
        let local = snap("A", &[], &[("k", json!(1)), ("new_local", json!(true))]);
        let remote = snap("A", &[], &[("k", json!(2)), ("gone", json!("x"))]);
        let m = merge(Some(&base), &local, &remote, times(true));
        assert_eq!(
            m.result.attributes,
            [
                ("k".to_string(), json!(2)),
                ("new_local".to_string(), json!(true))
            ]
            .into_iter()
            .collect()
        );
        assert!(m.conflicts.is_empty());
    }
}
