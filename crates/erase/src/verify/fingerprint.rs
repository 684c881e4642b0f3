//! Fingerprints of a sample plan taken before a firmware erase (crypto or block erase), so that
//! afterwards every sample can be shown to have changed.
//!
//! Each sample is cut into blocks of [`super::VerifyOptions::fingerprint_block`] bytes and each
//! block keeps a 128-bit blake3 digest (a partially erased sample is then caught too). A block
//! whose bytes were all equal before the erase (never written, or trimmed) proves nothing
//! either way and is counted apart. Fingerprints stay in memory: they are a digest of user
//! data and never go into a report or a certificate (no `Serialize`, no `Debug` of contents).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use ardoise_disk::block::{AlignedBuf, BlockIo};

use super::plan::SamplePlan;
use super::read::Reader;
use super::{sample_pieces, VerifyError, VerifyOptions};
use crate::overwrite::ring::{self, Piece};
use crate::overwrite::{Control, Meter, Phase};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fp {
    /// Not read (unreadable before the erase).
    Unknown,
    /// Every byte of the block had this value.
    Uniform(u8),
    Digest([u8; 16]),
}

impl Fp {
    pub(crate) fn of(block: &[u8]) -> Fp {
        match block.first() {
            Some(&b0) if block.iter().all(|&b| b == b0) => Fp::Uniform(b0),
            _ => {
                let mut d = [0u8; 16];
                d.copy_from_slice(&blake3::hash(block).as_bytes()[..16]);
                Fp::Digest(d)
            }
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
        let fps = Mutex::new(vec![Fp::Unknown; n]);
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
                        local.push(if hit { Fp::Unknown } else { Fp::of(chunk) });
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

    /// Blocks whose pre-erase content was read and not uniform: the ones that can show a change.
    pub fn informative_blocks(&self) -> usize {
        self.fps
            .iter()
            .filter(|f| matches!(f, Fp::Digest(_)))
            .count()
    }

    pub fn block_bytes(&self) -> usize {
        self.block_bytes
    }

    /// Whether these fingerprints were taken with `plan`.
    pub fn matches_plan(&self, plan: &SamplePlan) -> bool {
        self.plan_digest == plan.digest()
    }
}
