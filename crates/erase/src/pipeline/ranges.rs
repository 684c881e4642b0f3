//! Byte ranges of bad sectors (unwritable, unreadable, mismatching), merged and capped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A contiguous byte range on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ByteRange {
    /// Start, bytes from the beginning of the device.
    pub offset: u64,
    /// Length, bytes.
    pub len: u64,
}

impl ByteRange {
    /// The range of `len` bytes starting at `offset`.
    pub fn new(offset: u64, len: u64) -> Self {
        ByteRange { offset, len }
    }

    /// First byte after the range.
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }

    /// `true` when byte `offset` lies inside the range.
    pub fn contains(&self, offset: u64) -> bool {
        offset >= self.offset && offset < self.end()
    }

    /// `true` when the two ranges share at least one byte.
    pub fn overlaps(&self, other: &ByteRange) -> bool {
        self.offset < other.end() && other.offset < self.end()
    }
}

/// A set of ranges kept merged (adjacent and overlapping ranges join). At most `cap` ranges are
/// kept, the lowest offsets first; `truncated` tells that more existed. `bytes` counts every byte
/// added (added twice, counted twice: callers add each sector once).
#[derive(Debug, Clone)]
pub struct RangeSet {
    ranges: BTreeMap<u64, u64>,
    cap: usize,
    truncated: bool,
    bytes: u64,
}

impl RangeSet {
    /// An empty set keeping at most `cap` ranges (at least 1).
    pub fn new(cap: usize) -> Self {
        RangeSet {
            ranges: BTreeMap::new(),
            cap: cap.max(1),
            truncated: false,
            bytes: 0,
        }
    }

    /// Adds `len` bytes at `offset`, merging with the ranges it touches; a range beyond the kept
    /// ones is dropped (and counted) once the cap is reached.
    pub fn insert(&mut self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        self.bytes += len;
        let (mut start, mut end) = (offset, offset + len);
        if self.ranges.len() >= self.cap {
            if let Some((_, &last_end)) = self.ranges.iter().next_back() {
                if start > last_end {
                    self.truncated = true;
                    return;
                }
            }
        }
        // Absorb a range that starts before and reaches us.
        if let Some((&s, &e)) = self.ranges.range(..=start).next_back() {
            if e >= start {
                start = s;
                end = end.max(e);
                self.ranges.remove(&s);
            }
        }
        // Absorb ranges that start inside [start, end].
        while let Some((&s, &e)) = self.ranges.range(start..=end).next() {
            end = end.max(e);
            self.ranges.remove(&s);
        }
        self.ranges.insert(start, end);
        while self.ranges.len() > self.cap {
            self.ranges.pop_last();
            self.truncated = true;
        }
    }

    /// Adds every range of `other`, and its byte count and truncation.
    pub fn extend(&mut self, other: &RangeSet) {
        for r in other.ranges() {
            self.insert(r.offset, r.len);
        }
        self.bytes = self.bytes - other.covered_bytes() + other.bytes;
        self.truncated |= other.truncated;
    }

    /// The kept ranges, lowest offset first.
    pub fn ranges(&self) -> Vec<ByteRange> {
        self.ranges
            .iter()
            .map(|(&s, &e)| ByteRange::new(s, e - s))
            .collect()
    }

    /// Bytes inside the kept ranges.
    pub fn covered_bytes(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| e - s).sum()
    }

    /// Every byte ever added.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// `true` when nothing was ever added.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// `true` when ranges were dropped because of the cap.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_adjacent_and_overlapping() {
        let mut s = RangeSet::new(10);
        s.insert(1024, 512);
        s.insert(0, 512);
        s.insert(512, 512);
        s.insert(4096, 512);
        s.insert(3584, 1024);
        assert_eq!(
            s.ranges(),
            vec![ByteRange::new(0, 1536), ByteRange::new(3584, 1024)]
        );
        assert_eq!(s.bytes(), 3072);
        assert!(!s.truncated());
    }

    #[test]
    fn keeps_the_lowest_ranges_when_capped() {
        let mut s = RangeSet::new(2);
        s.insert(3000, 10);
        s.insert(1000, 10);
        s.insert(2000, 10);
        s.insert(5000, 10);
        assert_eq!(
            s.ranges(),
            vec![ByteRange::new(1000, 10), ByteRange::new(2000, 10)]
        );
        assert!(s.truncated());
        assert_eq!(s.bytes(), 40);
    }

    #[test]
    fn extend_adds_counts() {
        let mut a = RangeSet::new(10);
        a.insert(0, 10);
        let mut b = RangeSet::new(10);
        b.insert(10, 5);
        b.insert(100, 5);
        a.extend(&b);
        assert_eq!(a.bytes(), 20);
        assert_eq!(
            a.ranges(),
            vec![ByteRange::new(0, 15), ByteRange::new(100, 5)]
        );
    }
}
