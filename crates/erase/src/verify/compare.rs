//! The compare stage of a read-back: each piece read is compared with what the device must
//! hold (a pattern, or its pre-erase fingerprints) and scanned for signatures of surviving data.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

use super::{evidence, Expected, Fingerprints, SampleExtent, SamplePlan};
use crate::fs_magic::{self, SignatureHit};
use crate::pattern::Pattern;
use crate::pipeline::ring::Piece;
use crate::pipeline::{ByteRange, RangeSet};

/// Comparison window: the expected bytes are generated this much at a time (stays in cache).
const WINDOW: usize = 64 * 1024;

/// The compare stage.
pub(super) struct Checker<'a> {
    expected: &'a Expected,
    extents: Option<&'a [SampleExtent]>,
    sector: usize,
    max_listed: usize,
    /// The expected window of a fixed-byte pattern, built once.
    static_window: Option<Vec<u8>>,
    pub(super) mismatched: Mutex<RangeSet>,
    pub(super) signatures: Mutex<Vec<SignatureHit>>,
    pub(super) signatures_found: AtomicU64,
    pub(super) uninformative: AtomicU64,
    pub(super) informative: AtomicU64,
    pub(super) sample_bad: Vec<AtomicBool>,
    pub(super) sample_unreadable: Vec<AtomicBool>,
    pub(super) pieces_left: Vec<AtomicU32>,
    pub(super) checked_bytes: AtomicU64,
}

impl<'a> Checker<'a> {
    /// A compare stage for `expected`; with a sample plan, it counts each sample's pieces
    /// (`sampled_pieces`) to tell when a sample has been checked whole.
    pub(super) fn new(
        expected: &'a Expected,
        plan: Option<&'a SamplePlan>,
        sector: u32,
        max_listed: usize,
        sampled_pieces: Option<&[Piece]>,
    ) -> Self {
        let samples = plan.map_or(0, |p| p.extents().len());
        let pieces_left: Vec<AtomicU32> = (0..samples).map(|_| AtomicU32::new(0)).collect();
        for p in sampled_pieces.unwrap_or_default() {
            pieces_left[p.tag].fetch_add(1, Ordering::Relaxed);
        }
        Checker {
            expected,
            extents: plan.map(|p| p.extents()),
            sector: sector as usize,
            max_listed,
            static_window: match expected {
                Expected::Pattern(p) if p.as_byte().is_some() => {
                    let mut w = vec![0u8; WINDOW];
                    p.fill(&mut w, 0);
                    Some(w)
                }
                _ => None,
            },
            mismatched: Mutex::new(RangeSet::new(max_listed)),
            signatures: Mutex::new(Vec::new()),
            signatures_found: AtomicU64::new(0),
            uninformative: AtomicU64::new(0),
            informative: AtomicU64::new(0),
            sample_bad: (0..samples).map(|_| AtomicBool::new(false)).collect(),
            sample_unreadable: (0..samples).map(|_| AtomicBool::new(false)).collect(),
            pieces_left,
            checked_bytes: AtomicU64::new(0),
        }
    }
}

fn overlaps(bad: &[ByteRange], offset: u64, len: usize) -> bool {
    bad.iter()
        .any(|r| r.offset < offset + len as u64 && offset < r.end())
}

impl Checker<'_> {
    pub(super) fn check(&self, p: &Piece, data: &[u8], bad: &[ByteRange]) {
        let mut local = RangeSet::new(self.max_listed);
        let found_signatures = match self.expected {
            Expected::Pattern(pattern) => {
                self.compare_pattern(pattern, p.offset, data, bad, &mut local);
                // A mismatching piece: tell what structures remain, as a clue.
                !local.is_empty() && self.scan(data, p.offset)
            }
            Expected::DiffersFrom(fp) => {
                self.compare_fingerprints(fp, false, p, data, bad, &mut local);
                self.scan(data, p.offset)
            }
            Expected::ChangedNotUniform(fp) => {
                self.compare_fingerprints(fp, true, p, data, bad, &mut local);
                self.scan(data, p.offset)
            }
        };
        let unreadable: u64 = bad.iter().map(|r| r.len).sum();
        self.checked_bytes
            .fetch_add(data.len() as u64 - unreadable, Ordering::Relaxed);
        if self.extents.is_some() {
            if !local.is_empty() || found_signatures {
                self.sample_bad[p.tag].store(true, Ordering::Relaxed);
            }
            if !bad.is_empty() {
                self.sample_unreadable[p.tag].store(true, Ordering::Relaxed);
            }
            self.pieces_left[p.tag].fetch_sub(1, Ordering::Relaxed);
        }
        if !local.is_empty() {
            self.mismatched.lock().expect("range lock").extend(&local);
        }
    }

    fn compare_pattern(
        &self,
        pattern: &Pattern,
        offset: u64,
        data: &[u8],
        bad: &[ByteRange],
        out: &mut RangeSet,
    ) {
        let mut scratch = Vec::new();
        for (k, got) in data.chunks(WINDOW).enumerate() {
            let at = offset + (k * WINDOW) as u64;
            let want: &[u8] = match &self.static_window {
                Some(w) => &w[..got.len()],
                None => {
                    scratch.resize(got.len(), 0);
                    pattern.fill(&mut scratch, at);
                    &scratch
                }
            };
            if got == want {
                continue;
            }
            for (s, (g, w)) in got
                .chunks(self.sector)
                .zip(want.chunks(self.sector))
                .enumerate()
            {
                let sat = at + (s * self.sector) as u64;
                if g != w && !overlaps(bad, sat, g.len()) {
                    out.insert(sat, g.len() as u64);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_fingerprints(
        &self,
        fp: &Fingerprints,
        data_must_stay_random: bool,
        p: &Piece,
        data: &[u8],
        bad: &[ByteRange],
        out: &mut RangeSet,
    ) {
        let extents = self.extents.expect("fingerprints come with a plan");
        let e = &extents[p.tag];
        let block = fp.block_bytes;
        let first = fp.base[p.tag] + ((p.offset - e.offset) as usize) / block;
        let mut counts = evidence::Counts::default();
        for (j, now) in data.chunks(block).enumerate() {
            let at = p.offset + (j * block) as u64;
            if overlaps(bad, at, now.len()) {
                continue;
            }
            if evidence::judge(fp.fps[first + j], now, data_must_stay_random, &mut counts) {
                out.insert(at, now.len() as u64);
            }
        }
        self.uninformative
            .fetch_add(counts.uninformative, Ordering::Relaxed);
        self.informative
            .fetch_add(counts.informative, Ordering::Relaxed);
    }

    /// Records signatures in `data`; true if any.
    fn scan(&self, data: &[u8], offset: u64) -> bool {
        let hits = fs_magic::scan(data, offset);
        if hits.is_empty() {
            return false;
        }
        self.signatures_found
            .fetch_add(hits.len() as u64, Ordering::Relaxed);
        let mut v = self.signatures.lock().expect("signature lock");
        for h in hits {
            if v.len() < self.max_listed {
                v.push(h);
            }
        }
        true
    }
}
