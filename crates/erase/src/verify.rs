//! Verification: read the device back (a sample plan or every sector) and compare it with the
//! state the erase method promises.
//!
//! - [`Expected::Pattern`]: the bytes of the last overwrite pass (zeros, a fixed byte, or the
//!   random pattern recomputed from its seed), compared sector by sector.
//! - [`Expected::DiffersFrom`]: after a crypto or block erase, every sample block must differ from
//!   the fingerprint taken before the erase ([`Fingerprints::capture`] on the same plan), and no
//!   sample may carry a partition-table or filesystem signature ([`crate::fs_magic`]).
//!
//! Reading overlaps comparing: by default several threads each read a piece (O_DIRECT through
//! the [`BlockIo`]) and compare it while it is still in that core's cache, so one thread's
//! comparison overlaps the others' reads (measured faster than handing buffers to a separate
//! comparer, which [`VerifyOptions::compare_threads`] > 0 selects). A medium error makes the piece be read again sector by sector; sectors
//! that stay unreadable are listed and fail the verification, since what they hold is unknown.

pub mod assurance;
mod compare;
mod evidence;
mod fingerprint;
pub mod plan;
mod read;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ardoise_disk::block::{AlignedBuf, BlockIo, IO_ALIGN};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use evidence::{Evidence, EVIDENCE_RULE, MIN_INFORMATIVE_SHARE_PPM};
pub use fingerprint::{Fingerprints, FINGERPRINT_MEMORY_BUDGET};
pub use plan::{ExtentKind, PlanError, PlanSummary, SampleExtent, SampleParams, SamplePlan};

use crate::fs_magic::SignatureHit;
use crate::pattern::{Pattern, PatternSpec, Seed};
use crate::pipeline::ring::{self, Piece};
use crate::pipeline::{ByteRange, Control, Meter, Phase, RangeSet};
use assurance::{Assurance, Coverage, DEFAULT_CONFIDENCE};
use compare::Checker;
use read::Reader;

const MIB: usize = 1 << 20;

/// What to read.
#[derive(Debug, Clone)]
pub enum VerifyScope {
    /// Every addressable sector.
    Full,
    /// The extents of a sample plan.
    Sampled(SamplePlan),
}

/// What the device must hold.
#[derive(Debug)]
pub enum Expected {
    /// The content of an overwrite pass.
    Pattern(Pattern),
    /// Different from the pre-erase fingerprints, and no known signature.
    DiffersFrom(Fingerprints),
    /// After a crypto erase that kept the data (NVMe Sanitize with No-Deallocate): every block
    /// that held data before reads differently *and not uniformly* (what the old ciphertext
    /// gives under a new key), and no known signature. A drive that only deallocates (reads
    /// zeros) fails.
    ChangedNotUniform(Fingerprints),
}

impl Expected {
    /// The fingerprints a comparison works with, if it is one.
    pub fn fingerprints(&self) -> Option<&Fingerprints> {
        match self {
            Expected::DiffersFrom(fp) | Expected::ChangedNotUniform(fp) => Some(fp),
            Expected::Pattern(_) => None,
        }
    }

    /// Gives the fingerprints back (to compare again after a later step).
    pub fn into_fingerprints(self) -> Option<Fingerprints> {
        match self {
            Expected::DiffersFrom(fp) | Expected::ChangedNotUniform(fp) => Some(fp),
            Expected::Pattern(_) => None,
        }
    }

    /// Zeros everywhere.
    pub fn zeros() -> Expected {
        Expected::Pattern(Pattern::zeros())
    }

    /// The byte `value` everywhere.
    pub fn byte(value: u8) -> Expected {
        Expected::Pattern(Pattern::byte(value))
    }

    /// The expected state as recorded in a report.
    fn state(&self) -> ExpectedState {
        match self {
            Expected::Pattern(p) => ExpectedState::Pattern {
                pattern: p.spec().clone(),
                seed: p.is_random().then(|| p.seed()),
                stream: p.is_random().then(|| p.stream()),
            },
            Expected::DiffersFrom(fp) => ExpectedState::DiffersFromBefore {
                fingerprint_block: fp.block_bytes(),
            },
            Expected::ChangedNotUniform(fp) => ExpectedState::ChangedNotUniform {
                fingerprint_block: fp.block_bytes(),
            },
        }
    }
}

/// The expected state as recorded in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExpectedState {
    /// Every sector holds the pattern, byte for byte.
    Pattern {
        /// The pattern.
        pattern: PatternSpec,
        /// Seed and stream of a random pattern.
        seed: Option<Seed>,
        /// Stream number of a random pattern.
        stream: Option<u64>,
    },
    /// Every sample differs from its pre-erase fingerprint and carries no signature.
    DiffersFromBefore {
        /// Size of a fingerprinted block, bytes.
        fingerprint_block: usize,
    },
    /// Every block that held data differs from its fingerprint and is not uniform.
    ChangedNotUniform {
        /// Size of a fingerprinted block, bytes.
        fingerprint_block: usize,
    },
}

/// Tuning of verification reads. `Default` holds the measured defaults (docs/performance.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyOptions {
    /// Bytes per read request (rounded down to a multiple of `fingerprint_block`).
    pub chunk_bytes: usize,
    /// Buffers: one per reader when comparing in the readers, else the ring between readers and
    /// comparers.
    pub buffers: usize,
    /// Threads issuing reads.
    pub reader_threads: usize,
    /// Threads comparing what the readers read; 0: each reader compares its own pieces right
    /// after reading them (no hand-off, the data is still in that core's cache).
    pub compare_threads: usize,
    /// Attempts per sector when a piece failed with a medium error.
    pub sector_attempts: u32,
    /// Ranges and signature hits kept in the report (counts are always complete).
    pub max_listed: usize,
    /// Granularity of pre-erase fingerprints (a multiple of 4096).
    pub fingerprint_block: usize,
    /// Confidence of the stated assurance.
    pub confidence: f64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            chunk_bytes: MIB,
            buffers: 6,
            reader_threads: 6,
            compare_threads: 0,
            sector_attempts: 2,
            max_listed: 64,
            fingerprint_block: 4096,
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

impl VerifyOptions {
    pub(crate) fn checked(&self, dev: &dyn BlockIo) -> Result<VerifyOptions, VerifyError> {
        let mut o = self.clone();
        let ss = dev.logical_sector_size() as usize;
        if ss == 0 || o.fingerprint_block == 0 || !o.fingerprint_block.is_multiple_of(IO_ALIGN) {
            return Err(VerifyError::BadOptions(
                "fingerprint_block must be a non-zero multiple of 4096".into(),
            ));
        }
        if !o.fingerprint_block.is_multiple_of(ss) {
            return Err(VerifyError::BadOptions(format!(
                "fingerprint_block must be a multiple of the sector size {ss}"
            )));
        }
        o.chunk_bytes =
            (o.chunk_bytes / o.fingerprint_block * o.fingerprint_block).max(o.fingerprint_block);
        if o.chunk_bytes > 256 * MIB {
            return Err(VerifyError::BadOptions("chunk_bytes above 256 MiB".into()));
        }
        if o.buffers == 0 || o.reader_threads == 0 {
            return Err(VerifyError::BadOptions(
                "buffers and thread counts must be at least 1".into(),
            ));
        }
        if !(0.0..1.0).contains(&o.confidence) {
            return Err(VerifyError::BadOptions(
                "confidence must be in [0, 1)".into(),
            ));
        }
        o.max_listed = o.max_listed.max(1);
        Ok(o)
    }
}

/// Why a verification could not start (nothing was read).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    /// The sample plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The sample plan was made for another device size or sector size.
    #[error("the sample plan was made for {plan_bytes} bytes of {plan_sector}-byte sectors, the device has {dev_bytes} bytes of {dev_sector}-byte sectors")]
    PlanMismatch {
        /// Device size the plan was made for, bytes.
        plan_bytes: u64,
        /// Sector size the plan was made for, bytes.
        plan_sector: u32,
        /// Size of the device, bytes.
        dev_bytes: u64,
        /// Logical sector size of the device, bytes.
        dev_sector: u32,
    },
    /// Fingerprints were given with a plan other than the one they were taken with.
    #[error("pre-erase fingerprints can only be compared on the sample plan they were taken with")]
    FingerprintsNeedTheirPlan,
    /// An option is out of range (the text says which).
    #[error("invalid options: {0}")]
    BadOptions(String),
    /// Fingerprinting: the device failed (gone, I/O error).
    #[error("the device failed while reading: {0}")]
    Device(String),
    /// Fingerprinting was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// What was read matches the expectation.
    Pass,
    /// Something that should be gone was found.
    Fail,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Full read-back or sampling.
    pub method: Coverage,
    /// What the device was expected to hold.
    pub expected: ExpectedState,
    /// The sample plan (seed, parameters, figures) for a sampled verification.
    pub plan: Option<PlanSummary>,
    /// Size of the device, bytes.
    pub device_bytes: u64,
    /// Logical sector size, bytes.
    pub sector_size: u32,
    /// Bytes the verification was to read.
    pub bytes_planned: u64,
    /// Bytes read successfully.
    pub bytes_read: u64,
    /// Samples in the plan (0 for a full read-back).
    pub samples_total: u64,
    /// Samples entirely read and compared.
    pub samples_checked: u64,
    /// Samples with at least one mismatching sector, unchanged block or signature.
    pub mismatched_samples: u64,
    /// Bytes that did not match (sectors for a pattern, blocks for fingerprints). A byte read by
    /// two overlapping samples counts twice.
    pub mismatched_bytes: u64,
    /// The first mismatching ranges, lowest offsets first.
    pub first_mismatches: Vec<ByteRange>,
    /// Samples with at least one unreadable sector.
    pub unreadable_samples: u64,
    /// Bytes that could not be read.
    pub unreadable_bytes: u64,
    /// The first unreadable ranges, lowest offsets first.
    pub unreadable: Vec<ByteRange>,
    /// Partition-table or filesystem structures found (fingerprint checks: in every sample;
    /// pattern checks: in mismatching pieces, as a clue to what remained).
    pub signatures_found: u64,
    /// The first structures found (at most [`VerifyOptions::max_listed`]).
    pub signatures: Vec<SignatureHit>,
    /// Fingerprint checks: blocks that were uniform (or unreadable) before the erase and read
    /// the same after, so could not show a change.
    pub uninformative_blocks: u64,
    /// Fingerprint checks: blocks compared that could show a change (held data before, or read
    /// differently after). [`VerifyReport::evidence`] weighs the two counts.
    #[serde(default)]
    pub informative_blocks: u64,
    /// Why the read-back stopped early (device gone, I/O error, cancelled).
    pub aborted: Option<String>,
    /// Pass or fail.
    pub verdict: Verdict,
    /// What a pass allows one to state (`None` when the verification failed).
    pub assurance: Option<Assurance>,
    /// When the read-back started (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// When the read-back ended (UTC, RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub ended: OffsetDateTime,
    /// Duration of the read-back, seconds.
    pub seconds: f64,
}

impl VerifyReport {
    /// `true` when the verdict is [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// What a fingerprint comparison proves (`None` for a pattern check, which proves the
    /// content byte for byte).
    pub fn evidence(&self) -> Option<Evidence> {
        match self.expected {
            ExpectedState::DiffersFromBefore { fingerprint_block }
            | ExpectedState::ChangedNotUniform { fingerprint_block } => Some(Evidence::new(
                fingerprint_block as u64,
                self.informative_blocks,
                self.uninformative_blocks,
            )),
            ExpectedState::Pattern { .. } => None,
        }
    }

    /// One English sentence: the assurance on a pass, the reasons on a failure.
    pub fn summary(&self) -> String {
        if let Some(a) = &self.assurance {
            return a.statement.clone();
        }
        let mut why = Vec::new();
        if let Some(a) = &self.aborted {
            why.push(format!("the read-back stopped early ({a})"));
        }
        if self.mismatched_bytes > 0 || self.mismatched_samples > 0 {
            let first = self
                .first_mismatches
                .first()
                .map(|r| format!(", first at byte {}", r.offset))
                .unwrap_or_default();
            if self.method == Coverage::Sampled {
                why.push(format!(
                    "{} of {} samples do not hold the expected content ({} bytes{first})",
                    self.mismatched_samples, self.samples_total, self.mismatched_bytes
                ));
            } else {
                why.push(format!(
                    "{} bytes do not hold the expected content{first}",
                    self.mismatched_bytes
                ));
            }
        }
        if self.unreadable_bytes > 0 {
            why.push(format!("{} bytes could not be read", self.unreadable_bytes));
        }
        if self.signatures_found > 0 {
            let names: Vec<&str> = self.signatures.iter().map(|s| s.kind.name()).collect();
            why.push(format!(
                "{} partition or filesystem signatures remain ({})",
                self.signatures_found,
                names.join(", ")
            ));
        }
        if why.is_empty() {
            why.push("not every planned byte was checked".into());
        }
        format!("Verification failed: {}.", why.join("; "))
    }
}

/// Reads `scope` back and compares it with `expected`. `Err` only when nothing could start; a
/// device failure during the read-back is a failed report (`aborted`).
pub fn run(
    dev: &dyn BlockIo,
    scope: &VerifyScope,
    expected: &Expected,
    options: &VerifyOptions,
    ctl: &mut Control<'_>,
) -> Result<VerifyReport, VerifyError> {
    run_phase(dev, scope, expected, options, ctl, Phase::Verify)
}

pub(crate) fn check_plan(dev: &dyn BlockIo, plan: &SamplePlan) -> Result<(), VerifyError> {
    let s = plan.summary();
    if s.device_bytes != dev.size_bytes() || s.sector_size != dev.logical_sector_size() {
        return Err(VerifyError::PlanMismatch {
            plan_bytes: s.device_bytes,
            plan_sector: s.sector_size,
            dev_bytes: dev.size_bytes(),
            dev_sector: dev.logical_sector_size(),
        });
    }
    Ok(())
}

/// The extents of `plan` cut into pieces of at most `chunk` bytes, tagged with their extent.
pub(crate) fn sample_pieces(plan: &SamplePlan, chunk: usize) -> Vec<Piece> {
    let mut v = Vec::new();
    for (i, e) in plan.extents().iter().enumerate() {
        let mut off = 0;
        while off < e.len {
            let len = (e.len - off).min(chunk as u64) as usize;
            v.push(Piece {
                offset: e.offset + off,
                len,
                tag: i,
            });
            off += len as u64;
        }
    }
    v
}

pub(crate) fn run_phase(
    dev: &dyn BlockIo,
    scope: &VerifyScope,
    expected: &Expected,
    options: &VerifyOptions,
    ctl: &mut Control<'_>,
    phase: Phase,
) -> Result<VerifyReport, VerifyError> {
    let (opts, plan) = checked_inputs(dev, scope, expected, options)?;
    let size = dev.size_bytes();
    let ss = dev.logical_sector_size();
    let expected_state = expected.state();
    let started = OffsetDateTime::now_utc();
    let start = Instant::now();

    let sampled_pieces = plan.map(|p| sample_pieces(p, opts.chunk_bytes));
    let (full_count, full_piece) = ring::linear(size, opts.chunk_bytes);
    let (count, piece): (usize, Box<dyn Fn(usize) -> Piece + Sync>) = match &sampled_pieces {
        Some(v) => (v.len(), Box::new(move |i| v[i])),
        None => (full_count, Box::new(full_piece)),
    };
    let bytes_planned = match &sampled_pieces {
        Some(v) => v.iter().map(|p| p.len as u64).sum(),
        None => size,
    };

    let cancel = ctl.cancel.clone();
    let reader = Reader::new(dev, opts.sector_attempts, opts.max_listed, &cancel);
    let checker = Checker::new(
        expected,
        plan,
        ss,
        opts.max_listed,
        sampled_pieces.as_deref(),
    );
    let halt = AtomicBool::new(false);
    let mut pool: Vec<AlignedBuf> = (0..opts.buffers)
        .map(|_| AlignedBuf::new(opts.chunk_bytes))
        .collect();
    if let Err(e) = dev.drop_cache() {
        tracing::warn!("could not drop cached pages before verifying: {e}");
    }
    let mut meter = Meter::new(phase, bytes_planned, start);
    ctl.report(&meter.progress(0, 0));
    let stages = Stages {
        reader: &reader,
        checker: &checker,
        halt: &halt,
        sector: ss,
    };
    stages.run(&opts, (count, &*piece), &mut pool, ctl, &mut meter);

    let findings = Findings::collect(reader, checker, &halt);
    ctl.report(&meter.progress(
        findings.bytes_read,
        findings.unreadable.bytes() / u64::from(ss),
    ));
    Ok(findings.into_report(ReportFrame {
        plan,
        confidence: opts.confidence,
        expected: expected_state,
        device_bytes: size,
        sector_size: ss,
        bytes_planned,
        started,
        start,
    }))
}

/// The options checked against the device, and the sample plan when the scope has one.
fn checked_inputs<'s>(
    dev: &dyn BlockIo,
    scope: &'s VerifyScope,
    expected: &Expected,
    options: &VerifyOptions,
) -> Result<(VerifyOptions, Option<&'s SamplePlan>), VerifyError> {
    let mut opts = options.checked(dev)?;
    if let Some(fp) = expected.fingerprints() {
        // Pieces must start on the fingerprints' block boundaries.
        opts.chunk_bytes = (opts.chunk_bytes / fp.block_bytes * fp.block_bytes).max(fp.block_bytes);
    }
    let plan = match scope {
        VerifyScope::Full => None,
        VerifyScope::Sampled(p) => {
            check_plan(dev, p)?;
            Some(p)
        }
    };
    if let Some(fp) = expected.fingerprints() {
        match plan {
            Some(p) if fp.matches_plan(p) => {}
            _ => return Err(VerifyError::FingerprintsNeedTheirPlan),
        }
    }
    Ok((opts, plan))
}

/// The read and compare stages of one phase, and the flag that stops them.
struct Stages<'r, 'a> {
    reader: &'r Reader<'a>,
    checker: &'r Checker<'a>,
    halt: &'r AtomicBool,
    sector: u32,
}

impl Stages<'_, '_> {
    /// Runs the `pieces` (their count and the piece at an index) through the stages, reporting
    /// progress until they are done, cancelled or the device fails.
    fn run(
        &self,
        opts: &VerifyOptions,
        pieces: (usize, &(dyn Fn(usize) -> Piece + Sync)),
        pool: &mut Vec<AlignedBuf>,
        ctl: &mut Control<'_>,
        meter: &mut Meter,
    ) {
        let (count, piece) = pieces;
        let (reader, checker, halt) = (self.reader, self.checker, self.halt);
        let interval = ctl.interval;
        let mut monitor = || {
            if ctl.cancel.is_cancelled() {
                halt.store(true, Ordering::SeqCst);
            }
            let bad =
                reader.unreadable.lock().expect("range lock").bytes() / u64::from(self.sector);
            let done = reader.bytes_read.load(Ordering::Relaxed);
            ctl.report(&meter.progress(done, bad));
        };
        if opts.compare_threads == 0 {
            ring::run_owned(
                count,
                piece,
                pool,
                opts.reader_threads,
                |p: &Piece, b: &mut [u8]| {
                    let bad = reader.read(p, b)?;
                    checker.check(p, b, &bad);
                    Ok(())
                },
                halt,
                &mut monitor,
                interval,
            );
        } else {
            ring::run_ring(
                count,
                piece,
                pool,
                opts.reader_threads,
                opts.compare_threads,
                |p: &Piece, b: &mut [u8]| reader.read(p, b),
                |p: &Piece, b: &mut [u8], bad: Vec<ByteRange>| {
                    checker.check(p, b, &bad);
                    Ok(())
                },
                halt,
                &mut monitor,
                interval,
            );
        }
    }
}

/// What a phase set out to read, as its report states it.
struct ReportFrame<'a> {
    plan: Option<&'a SamplePlan>,
    confidence: f64,
    expected: ExpectedState,
    device_bytes: u64,
    sector_size: u32,
    bytes_planned: u64,
    started: OffsetDateTime,
    start: Instant,
}

/// What the read and compare stages found, once they stopped.
struct Findings {
    bytes_read: u64,
    unreadable: RangeSet,
    aborted: Option<String>,
    mismatched: RangeSet,
    signatures: Vec<SignatureHit>,
    signatures_found: u64,
    checked_bytes: u64,
    samples_checked: u64,
    mismatched_samples: u64,
    unreadable_samples: u64,
    uninformative_blocks: u64,
    informative_blocks: u64,
}

impl Findings {
    fn collect(reader: Reader<'_>, checker: Checker<'_>, halt: &AtomicBool) -> Findings {
        let aborted = reader
            .fatal
            .into_inner()
            .expect("fatal lock")
            .or_else(|| halt.load(Ordering::SeqCst).then(|| "cancelled".to_string()));
        let mut signatures = checker.signatures.into_inner().expect("signature lock");
        signatures.sort();
        let count_true =
            |v: &[AtomicBool]| v.iter().filter(|b| b.load(Ordering::SeqCst)).count() as u64;
        Findings {
            bytes_read: reader.bytes_read.load(Ordering::SeqCst),
            unreadable: reader.unreadable.into_inner().expect("range lock"),
            aborted,
            mismatched: checker.mismatched.into_inner().expect("range lock"),
            signatures,
            signatures_found: checker.signatures_found.load(Ordering::SeqCst),
            checked_bytes: checker.checked_bytes.load(Ordering::SeqCst),
            samples_checked: checker
                .pieces_left
                .iter()
                .filter(|n| n.load(Ordering::SeqCst) == 0)
                .count() as u64,
            mismatched_samples: count_true(&checker.sample_bad),
            unreadable_samples: count_true(&checker.sample_unreadable),
            uninformative_blocks: checker.uninformative.load(Ordering::SeqCst),
            informative_blocks: checker.informative.load(Ordering::SeqCst),
        }
    }

    /// Pass only when every planned byte was read and checked, and nothing mismatched, was
    /// unreadable or carried a signature.
    fn verdict(&self, bytes_planned: u64) -> Verdict {
        let everything_checked =
            self.aborted.is_none() && self.checked_bytes + self.unreadable.bytes() == bytes_planned;
        if everything_checked
            && self.mismatched.is_empty()
            && self.unreadable.is_empty()
            && self.signatures_found == 0
        {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    fn into_report(self, frame: ReportFrame<'_>) -> VerifyReport {
        let verdict = self.verdict(frame.bytes_planned);
        let plan = frame.plan;
        let assurance = (verdict == Verdict::Pass).then(|| match plan {
            Some(p) => Assurance::for_plan(p.summary(), frame.confidence),
            None => Assurance::full(frame.device_bytes, frame.sector_size),
        });
        VerifyReport {
            method: if plan.is_some() {
                Coverage::Sampled
            } else {
                Coverage::Full
            },
            expected: frame.expected,
            plan: plan.map(|p| p.summary().clone()),
            device_bytes: frame.device_bytes,
            sector_size: frame.sector_size,
            bytes_planned: frame.bytes_planned,
            bytes_read: self.bytes_read,
            samples_total: plan.map_or(0, |p| p.extents().len()) as u64,
            samples_checked: self.samples_checked,
            mismatched_samples: self.mismatched_samples,
            mismatched_bytes: self.mismatched.bytes(),
            first_mismatches: self.mismatched.ranges(),
            unreadable_samples: self.unreadable_samples,
            unreadable_bytes: self.unreadable.bytes(),
            unreadable: self.unreadable.ranges(),
            signatures_found: self.signatures_found,
            signatures: self.signatures,
            uninformative_blocks: self.uninformative_blocks,
            informative_blocks: self.informative_blocks,
            aborted: self.aborted,
            verdict,
            assurance,
            started: frame.started,
            ended: OffsetDateTime::now_utc(),
            seconds: frame.start.elapsed().as_secs_f64(),
        }
    }
}
