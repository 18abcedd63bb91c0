//! The email and phone keys an import has seen, each with the line of the first row that had
//! it: how a row is found to repeat an earlier one of the same file.
//!
//! A million-row file has about two million keys. A `HashMap<u64, u64>` of them takes 64 MiB
//! and twice that while it grows; here each key is a 64-bit hash and a 32-bit line, 12 bytes,
//! kept in one sorted vector plus a small hash map of the newest keys that is merged into it
//! when full: about 24 MiB for those two million, growing in place. A lookup goes straight to
//! the few entries that share the hash's top 16 bits (an index of 65,536 starts, 256 KiB)
//! instead of a binary search of the whole vector, whose 21 steps were each a cache miss.

use std::hash::BuildHasher;

use crate::store::PointKind;

/// The newest keys wait here until there are this many.
const RECENT: usize = 64 * 1024;

/// How many of a hash's top bits pick its bucket of the sorted vector.
const BUCKET_BITS: u32 = 16;

/// The hash of keys: foldhash's quality variant with a fixed seed, so that a run is
/// reproducible. It is several times faster than std's SipHash for these short keys, and its
/// 64 bits are as well spread (two of two million keys share a hash with a chance of about
/// one in ten million).
const HASHER: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x636f_6e74_6163_746b);

/// A key's hash and its first line; 4-byte aligned, so 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    hash: [u32; 2],
    line: u32,
}

fn split(hash: u64) -> [u32; 2] {
    [(hash >> 32) as u32, hash as u32]
}

fn bucket(hash: u64) -> usize {
    (hash >> (64 - BUCKET_BITS)) as usize
}

/// Every key seen so far, with its first line.
#[derive(Debug, Default)]
pub(crate) struct SeenKeys {
    sorted: Vec<Entry>,
    /// `starts[b]` is the index of the first entry of `sorted` in bucket `b` or a later one
    /// (`1 << BUCKET_BITS` + 1 of them once `sorted` has entries; empty before).
    starts: Vec<u32>,
    recent: foldhash::HashMap<u64, u32>,
}

impl SeenKeys {
    fn hash(kind: PointKind, key: &str) -> u64 {
        HASHER.hash_one((kind, key))
    }

    /// The first line that had this key, if any.
    pub(crate) fn first_line(&self, kind: PointKind, key: &str) -> Option<u64> {
        self.line_of(Self::hash(kind, key))
    }

    fn line_of(&self, hash: u64) -> Option<u64> {
        if let Some(line) = self.recent.get(&hash) {
            return Some(u64::from(*line));
        }
        let b = bucket(hash);
        let (from, to) = match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(from), Some(to)) => (*from as usize, *to as usize),
            _ => return None,
        };
        let wanted = split(hash);
        let entries = self.sorted.get(from..to)?;
        entries
            .binary_search_by(|e| e.hash.cmp(&wanted))
            .ok()
            .map(|at| u64::from(entries[at].line))
    }

    /// Remembers `key` as first seen at `line`, unless it was seen before.
    pub(crate) fn insert(&mut self, kind: PointKind, key: &str, line: u64) {
        let hash = Self::hash(kind, key);
        if self.line_of(hash).is_some() {
            return;
        }
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.recent.insert(hash, line);
        if self.recent.len() >= RECENT {
            self.merge();
        }
    }

    /// Moves the recent keys into the sorted vector, merging from the back in place, and
    /// indexes the buckets again.
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
        self.index_buckets();
    }

    fn index_buckets(&mut self) {
        let buckets = 1usize << BUCKET_BITS;
        self.starts.clear();
        self.starts.reserve_exact(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < self.sorted.len() && bucket(u64::from(self.sorted[at].hash[0]) << 32) < b {
                at += 1;
            }
            self.starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        self.starts
            .push(u32::try_from(self.sorted.len()).unwrap_or(u32::MAX));
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
