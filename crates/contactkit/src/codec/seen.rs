//! The email and phone keys an import has seen, each with the line of the first row that had
//! it: how a row is found to repeat an earlier one of the same file.
//!
//! A million-row file has about two million keys. A `HashMap<u64, u64>` of them takes 64 MiB
//! and twice that while it grows; here each key is a 64-bit hash and a 32-bit line, 12 bytes,
//! kept in one sorted vector plus a small hash map of the newest keys that is merged into it
//! when full: about 24 MiB for those two million, growing in place.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::store::PointKind;

/// The newest keys wait here until there are this many.
const RECENT: usize = 64 * 1024;

/// A key's hash and its first line; 4-byte aligned, so 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    hash: [u32; 2],
    line: u32,
}

fn split(hash: u64) -> [u32; 2] {
    [(hash >> 32) as u32, hash as u32]
}

/// Every key seen so far, with its first line.
#[derive(Debug, Default)]
pub(crate) struct SeenKeys {
    sorted: Vec<Entry>,
    recent: HashMap<u64, u32>,
}

impl SeenKeys {
    fn hash(kind: PointKind, key: &str) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (kind, key).hash(&mut hasher);
        hasher.finish()
    }

    /// The first line that had this key, if any.
    pub(crate) fn first_line(&self, kind: PointKind, key: &str) -> Option<u64> {
        let hash = Self::hash(kind, key);
        if let Some(line) = self.recent.get(&hash) {
            return Some(u64::from(*line));
        }
        let wanted = split(hash);
        self.sorted
            .binary_search_by(|e| e.hash.cmp(&wanted))
            .ok()
            .map(|at| u64::from(self.sorted[at].line))
    }

    /// Remembers `key` as first seen at `line`, unless it was seen before.
    pub(crate) fn insert(&mut self, kind: PointKind, key: &str, line: u64) {
        if self.first_line(kind, key).is_some() {
            return;
        }
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.recent.insert(Self::hash(kind, key), line);
        if self.recent.len() >= RECENT {
            self.merge();
        }
    }

    /// Moves the recent keys into the sorted vector, merging from the back in place.
    fn merge(&mut self) {
        let mut recent: Vec<Entry> = self
            .recent
            .drain()
            .map(|(hash, line)| Entry {
                hash: split(hash),
                line,
            })
            .collect();
        recent.sort_unstable();
        let old = self.sorted.len();
        self.sorted.reserve_exact(recent.len());
        self.sorted.extend_from_slice(&recent);
        // Merge `sorted[..old]` and `recent` into `sorted`, largest first.
        let (mut i, mut j, mut k) = (old, recent.len(), self.sorted.len());
        while j > 0 {
            k -= 1;
            if i > 0 && self.sorted[i - 1] > recent[j - 1] {
                self.sorted[k] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k] = recent[j - 1];
                j -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_first_line_across_merges() {
        let mut seen = SeenKeys::default();
        let total = RECENT * 3 + 17;
        for i in 0..total {
            seen.insert(PointKind::Email, &format!("user{i}@example.com"), i as u64 + 2);
        }
        // Seen again later: the first line stays.
        seen.insert(PointKind::Email, "user5@example.com", 999_999);
        for i in (0..total).step_by(997) {
            assert_eq!(
                seen.first_line(PointKind::Email, &format!("user{i}@example.com")),
                Some(i as u64 + 2)
            );
        }
        assert_eq!(seen.first_line(PointKind::Email, "user5@example.com"), Some(7));
        assert_eq!(seen.first_line(PointKind::Phone, "user5@example.com"), None);
        assert_eq!(seen.first_line(PointKind::Email, "nobody@example.com"), None);
        assert!(seen.sorted.windows(2).all(|w| w[0] < w[1]));
    }
}
