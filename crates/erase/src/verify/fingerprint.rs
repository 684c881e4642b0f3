//! Fingerprints of a sample plan taken before a firmware erase (crypto or block erase), so that
//! afterwards every sample can be shown to have changed.
//!
//! Each sample is cut into blocks of [`super::VerifyOptions::fingerprint_block`] bytes (4 KiB by
//! default, so that a drive rewriting 4 KiB of every 64 KiB leaves 15 blocks in 16 unchanged and
//! fails) and each block keeps 8 bytes: a 64-bit blake3 digest, or the byte a uniform block was
//! filled with, or "not read". A block that was uniform before the erase (never written, or
//! trimmed) or unreadable proves nothing unless it reads differently afterwards; such blocks are
//! counted apart, and the job requires a minimum share of blocks that do prove something
//! ([`super::Evidence`]). Fingerprints stay in memory: they are a digest of user data and never
//! go into a report or a certificate (no `Serialize`, no `Debug` of contents).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use ardoise_disk::block::{AlignedBuf, BlockIo};

use super::plan::SamplePlan;
use super::read::Reader;
use super::{sample_pieces, VerifyError, VerifyOptions};
use crate::pipeline::ring::{self, Piece};
use crate::pipeline::{Control, Meter, Phase};

/// Memory the fingerprints of one job may take (8 bytes per block): 32 Mi blocks, i.e. 128 GiB
/// of samples in 4 KiB blocks. A larger plan is reduced to fit (the job says so).
pub const FINGERPRINT_MEMORY_BUDGET: u64 = 256 << 20;

/// One block before the erase, in 8 bytes: 0 = not read, 1 + b = every byte was b, anything
/// else the first 8 bytes of the block's blake3 (a digest below 257 is moved to the top half).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fp(u64);

/// What a block's fingerprint says.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FpKind {
    /// Not read (unreadable before the erase).
    Unknown,
    /// Every byte of the block had this value.
    Uniform(u8),
    Digest,
}

impl Fp {
    pub(crate) const UNKNOWN: Fp = Fp(0);

    pub(crate) fn of(block: &[u8]) -> Fp {
        match block.first() {
            Some(&b0) if block.iter().all(|&b| b == b0) => Fp(1 + u64::from(b0)),
            _ => {
                let h = blake3::hash(block);
                let d = u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"));
                Fp(if d <= 256 { d | 1 << 63 } else { d })
            }
        }
    }

    pub(crate) fn kind(self) -> FpKind {
        match self.0 {
            0 => FpKind::Unknown,
            v @ 1..=256 => FpKind::Uniform((v - 1) as u8),
            _ => FpKind::Digest,
        }
    }
}

/// Per-block digests of a sample plan's content, for [`super::Expected::DiffersFrom`].
pub struct Fingerprints {
    pub(crate) plan_digest: [u8; 32],
    pub(crate) block_bytes: usize,
    /// Index of the first block of each extent in `fps`.
    pub(crate) base: Vec<usize>,
    pub(crate) fps: Vec<Fp>,
}

impl std::fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Fingerprints({} blocks of {} bytes, {} informative)",
            self.fps.len(),
            self.block_bytes,
            self.informative_blocks()
        )
    }
}

impl Fingerprints {
    /// Reads every extent of `plan` and keeps a digest per block.
    pub fn capture(
        dev: &dyn BlockIo,
        plan: &SamplePlan,
        options: &VerifyOptions,
        ctl: &mut Control<'_>,
    ) -> Result<Fingerprints, VerifyError> {
        let opts = options.checked(dev)?;
        super::check_plan(dev, plan)?;
        let block = opts.fingerprint_block;
        let mut base = Vec::with_capacity(plan.extents().len());
        let mut n = 0;
        for e in plan.extents() {
            base.push(n);
            n += (e.len as usize).div_ceil(block);
        }
        let fps = Mutex::new(vec![Fp::UNKNOWN; n]);
        let pieces = sample_pieces(plan, opts.chunk_bytes);
        let total: u64 = plan.extents().iter().map(|e| e.len).sum();
        let cancel = ctl.cancel.clone();
        let reader = Reader::new(dev, opts.sector_attempts, opts.max_listed, &cancel);
        let halt = AtomicBool::new(false);
        let mut pool: Vec<AlignedBuf> = (0..opts.buffers)
            .map(|_| AlignedBuf::new(opts.chunk_bytes))
            .collect();
        let mut meter = Meter::new(Phase::Fingerprint, total, Instant::now());
        let _ = dev.drop_cache();
        ctl.report(&meter.progress(0, 0));
        {
            let interval = ctl.interval;
            let mut monitor = || {
                if ctl.cancel.is_cancelled() {
                    halt.store(true, Ordering::SeqCst);
                }
                let done = reader.bytes_read.load(Ordering::Relaxed);
                ctl.report(&meter.progress(done, 0));
            };
            let extents = plan.extents();
            ring::run_ring(
                pieces.len(),
                &|i| pieces[i],
                &mut pool,
                opts.reader_threads,
                opts.compare_threads,
                |p: &Piece, b: &mut [u8]| reader.read(p, b),
                |p: &Piece, b: &mut [u8], bad: Vec<crate::ByteRange>| {
                    let e = &extents[p.tag];
                    let first = base[p.tag] + ((p.offset - e.offset) as usize) / block;
                    let mut local = Vec::with_capacity(b.len().div_ceil(block));
                    for (j, chunk) in b.chunks(block).enumerate() {
                        let at = p.offset + (j * block) as u64;
                        let hit = bad
                            .iter()
                            .any(|r| r.offset < at + chunk.len() as u64 && at < r.end());
                        local.push(if hit { Fp::UNKNOWN } else { Fp::of(chunk) });
                    }
                    let mut all = fps.lock().expect("fingerprint lock");
                    all[first..first + local.len()].copy_from_slice(&local);
                    Ok(())
                },
                &halt,
                &mut monitor,
                interval,
            );
        }
        if let Some(detail) = reader.fatal.lock().expect("fatal lock").take() {
            return Err(VerifyError::Device(detail));
        }
        if halt.load(Ordering::SeqCst) || ctl.cancel.is_cancelled() {
            return Err(VerifyError::Cancelled);
        }
        ctl.report(&meter.progress(reader.bytes_read.load(Ordering::Relaxed), 0));
        Ok(Fingerprints {
            plan_digest: plan.digest(),
            block_bytes: block,
            base,
            fps: fps.into_inner().expect("fingerprint lock"),
        })
    }

    /// Blocks fingerprinted.
    pub fn blocks(&self) -> usize {
        self.fps.len()
    }

    /// Blocks whose pre-erase content was read and not uniform: the ones that show a change
    /// whatever the drive leaves (uniform blocks show one only if they read differently after).
    pub fn informative_blocks(&self) -> usize {
        self.fps
            .iter()
            .filter(|f| f.kind() == FpKind::Digest)
            .count()
    }

    /// Granularity of the fingerprints, bytes.
    pub fn block_bytes(&self) -> usize {
        self.block_bytes
    }

    /// The sample coverage (percent) that keeps the fingerprints of a `device_bytes` device
    /// within [`FINGERPRINT_MEMORY_BUDGET`] at `block_bytes` per fingerprint: `wanted` when it
    /// fits, else the largest that does (with room for the fixed head and tail extents).
    pub fn coverage_within_budget(wanted: f64, device_bytes: u64, block_bytes: usize) -> f64 {
        let blocks_allowed = (FINGERPRINT_MEMORY_BUDGET / 8) as f64;
        let planned_blocks = device_bytes as f64 * wanted / 100.0 / block_bytes as f64;
        if planned_blocks <= blocks_allowed * 0.9 {
            return wanted;
        }
        wanted * blocks_allowed * 0.9 / planned_blocks
    }

    /// Whether these fingerprints were taken with `plan`.
    pub fn matches_plan(&self, plan: &SamplePlan) -> bool {
        self.plan_digest == plan.digest()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_is_reduced_only_when_the_fingerprints_would_not_fit() {
        const TB: u64 = 1_000_000_000_000;
        // 1 % of 1 TB in 4 KiB blocks: 2.4 M blocks, 19 MiB.
        assert_eq!(Fingerprints::coverage_within_budget(1.0, TB, 4096), 1.0);
        // 10 % of 4 TB: 98 M blocks would take 745 MiB; reduced to fit 256 MiB (with room).
        let c = Fingerprints::coverage_within_budget(10.0, 4 * TB, 4096);
        assert!(c < 10.0 && c > 2.5, "{c}");
        let blocks = 4.0 * TB as f64 * c / 100.0 / 4096.0;
        assert!(blocks * 8.0 <= FINGERPRINT_MEMORY_BUDGET as f64, "{blocks}");
    }

    #[test]
    fn fingerprints_pack_each_block_in_8_bytes() {
        assert_eq!(std::mem::size_of::<Fp>(), 8);
        assert!(Fp::of(&[0u8; 4096]).kind() == FpKind::Uniform(0));
        assert!(Fp::of(&[0xffu8; 4096]).kind() == FpKind::Uniform(0xff));
        let mut b = [0u8; 4096];
        b[100] = 1;
        assert!(Fp::of(&b).kind() == FpKind::Digest);
        assert!(Fp::UNKNOWN.kind() == FpKind::Unknown);
    }
}
