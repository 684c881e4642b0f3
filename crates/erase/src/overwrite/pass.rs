//! One pass of the overwrite engine: the writers that share it, the retry sector by sector on
//! a medium error, and what the pass did.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use ardoise_disk::block::{AlignedBuf, BlockError, BlockIo, IO_ALIGN};

use super::{
    lcm, CancelToken, Control, FailReason, IoErrorRecord, OverwriteOptions, PassStatus, Phase,
    RangeSet, Setup,
};
use crate::pattern::Pattern;
use crate::pipeline::ring::{self, Halt, Piece};
use crate::pipeline::Meter;

/// What one pass did.
pub(super) struct PassRun {
    pub(super) status: PassStatus,
    pub(super) written: u64,
    pub(super) unwritable: RangeSet,
    pub(super) errors: Vec<IoErrorRecord>,
    pub(super) error_count: u64,
    pub(super) fatal: Option<(FailReason, String)>,
    pub(super) cancelled: bool,
    pub(super) seconds: f64,
}

/// State shared by the writers of one pass.
struct Writer<'a> {
    dev: &'a dyn BlockIo,
    pass: u32,
    sector: usize,
    attempts: u32,
    max_bad: u64,
    max_listed: usize,
    cancel: &'a CancelToken,
    written: AtomicU64,
    bad_sectors: AtomicU64,
    unwritable: Mutex<RangeSet>,
    errors: Mutex<(Vec<IoErrorRecord>, u64)>,
    fatal: Mutex<Option<(FailReason, String)>>,
}

impl<'a> Writer<'a> {
    fn new(
        dev: &'a dyn BlockIo,
        pass: u32,
        opts: &OverwriteOptions,
        cancel: &'a CancelToken,
    ) -> Writer<'a> {
        Writer {
            dev,
            pass,
            sector: dev.logical_sector_size() as usize,
            attempts: opts.sector_attempts,
            max_bad: opts.max_bad_sectors,
            max_listed: opts.max_listed,
            cancel,
            written: AtomicU64::new(0),
            bad_sectors: AtomicU64::new(0),
            unwritable: Mutex::new(RangeSet::new(opts.max_listed)),
            errors: Mutex::new((Vec::new(), 0)),
            fatal: Mutex::new(None),
        }
    }

    /// What the pass did, once the writers stopped: written whole, with unwritable sectors, or
    /// interrupted (by a fatal error, or else by cancellation).
    fn finish(self, size: u64, seconds: f64) -> PassRun {
        let written = self.written.load(Ordering::SeqCst);
        let unwritable = self.unwritable.into_inner().expect("range lock");
        let fatal = self.fatal.into_inner().expect("fatal lock");
        let (errors, error_count) = self.errors.into_inner().expect("error log");
        let attempted = written + unwritable.bytes();
        let status = if fatal.is_none() && attempted == size {
            if unwritable.is_empty() {
                PassStatus::Written
            } else {
                PassStatus::WrittenExceptUnwritable
            }
        } else {
            PassStatus::Interrupted
        };
        let cancelled = status == PassStatus::Interrupted && fatal.is_none();
        PassRun {
            status,
            written,
            unwritable,
            errors,
            error_count,
            fatal,
            cancelled,
            seconds,
        }
    }
}

impl Writer<'_> {
    /// Writes one piece; on a medium error, sector by sector.
    fn write_piece(&self, data: &[u8], offset: u64) -> Result<(), Halt> {
        if self.cancel.is_cancelled() {
            return Err(Halt);
        }
        match self.dev.write_at(data, offset) {
            Ok(()) => {
                self.written.fetch_add(data.len() as u64, Ordering::Relaxed);
                Ok(())
            }
            // A pulled disk answers its last writes with EIO: that is not a bad range.
            Err(e) if e.is_medium() && !self.dev.is_present() => Err(self.gone(&e)),
            Err(e) if e.is_medium() => {
                let first = e.to_string();
                let before = self.bad_sectors.load(Ordering::Relaxed);
                let res = self.write_sectors(data, offset);
                let lost = self.bad_sectors.load(Ordering::Relaxed) - before;
                let mut errs = self.errors.lock().expect("error log");
                errs.1 += 1;
                if errs.0.len() < self.max_listed {
                    errs.0.push(IoErrorRecord {
                        pass: self.pass,
                        offset,
                        len: data.len() as u64,
                        error: first,
                        unwritable_sectors: lost,
                    });
                }
                res
            }
            Err(e) => Err(self.fail(&e)),
        }
    }

    fn write_sectors(&self, data: &[u8], offset: u64) -> Result<(), Halt> {
        // O_DIRECT wants an aligned buffer for each single-sector write.
        let mut scratch = AlignedBuf::new(self.sector.max(IO_ALIGN));
        for (k, sector) in data.chunks(self.sector).enumerate() {
            if self.cancel.is_cancelled() {
                return Err(Halt);
            }
            let at = offset + (k * self.sector) as u64;
            let buf = &mut scratch.as_mut_slice()[..sector.len()];
            buf.copy_from_slice(sector);
            let mut ok = false;
            for _ in 0..self.attempts {
                match self.dev.write_at(buf, at) {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(e) if e.is_medium() && !self.dev.is_present() => return Err(self.gone(&e)),
                    Err(e) if e.is_medium() => {}
                    Err(e) => return Err(self.fail(&e)),
                }
            }
            if ok {
                self.written
                    .fetch_add(sector.len() as u64, Ordering::Relaxed);
            } else {
                self.unwritable
                    .lock()
                    .expect("range lock")
                    .insert(at, sector.len() as u64);
                let bad = self.bad_sectors.fetch_add(1, Ordering::Relaxed) + 1;
                if bad > self.max_bad {
                    self.set_fatal(
                        FailReason::TooManyBadSectors,
                        format!("more than {} unwritable sectors", self.max_bad),
                    );
                    return Err(Halt);
                }
            }
        }
        Ok(())
    }

    fn fail(&self, e: &BlockError) -> Halt {
        let reason = match e {
            BlockError::Gone { .. } => FailReason::DeviceGone,
            BlockError::NoSpace { .. } => FailReason::NoSpace,
            _ => FailReason::IoError,
        };
        self.set_fatal(reason, e.to_string());
        Halt
    }

    fn gone(&self, e: &BlockError) -> Halt {
        self.set_fatal(FailReason::DeviceGone, format!("the device is gone ({e})"));
        Halt
    }

    fn set_fatal(&self, reason: FailReason, detail: String) {
        let mut f = self.fatal.lock().expect("fatal lock");
        if f.is_none() {
            *f = Some((reason, detail));
        }
    }

    fn done_bytes(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
            + self.bad_sectors.load(Ordering::Relaxed) * self.sector as u64
    }
}

/// Writes one pass of `pattern` over the whole device, reporting progress, until it is done,
/// cancelled, or the device fails.
pub(super) fn write_pass(
    dev: &dyn BlockIo,
    pattern: &Pattern,
    pass_no: u32,
    setup: &Setup,
    pool: &mut Vec<AlignedBuf>,
    ctl: &mut Control<'_>,
    phase: Phase,
) -> PassRun {
    let size = dev.size_bytes();
    let cancel = ctl.cancel.clone();
    let w = Writer::new(dev, pass_no, &setup.opts, &cancel);
    let halt = AtomicBool::new(false);
    let start = Instant::now();
    let mut meter = Meter::new(phase, size, start);
    ctl.report(&meter.progress(0, 0));
    {
        let interval = ctl.interval;
        let mut monitor = || {
            if ctl.cancel.is_cancelled() {
                halt.store(true, Ordering::SeqCst);
            }
            let p = meter.progress(w.done_bytes(), w.bad_sectors.load(Ordering::Relaxed));
            ctl.report(&p);
        };
        let (chunk, opts) = (setup.chunk, &setup.opts);
        if let Some(period) = pattern.period() {
            // One buffer, filled once, whose length is a multiple of the period so that every
            // piece starts at phase 0.
            let piece_len = {
                let unit = lcm(setup.align, period);
                (chunk / unit * unit).max(unit)
            };
            let mut buf = take_buffer(pool, piece_len);
            pattern.fill(&mut buf.as_mut_slice()[..piece_len], 0);
            let (count, piece) = ring::linear(size, piece_len);
            let data = &buf.as_slice()[..piece_len];
            ring::run_parallel(
                count,
                &piece,
                opts.writer_threads,
                |p: &Piece| w.write_piece(&data[..p.len], p.offset),
                &halt,
                &mut monitor,
                interval,
            );
            pool.push(buf);
        } else {
            // A buffer left by a fixed-pattern pass may be shorter than a chunk.
            pool.retain(|b| b.len() >= chunk);
            while pool.len() < opts.buffers {
                pool.push(AlignedBuf::new(chunk));
            }
            let (count, piece) = ring::linear(size, chunk);
            ring::run_ring(
                count,
                &piece,
                pool,
                opts.generator_threads,
                opts.writer_threads,
                |p: &Piece, b: &mut [u8]| {
                    pattern.fill(b, p.offset);
                    Ok(())
                },
                |p: &Piece, b: &mut [u8], ()| w.write_piece(b, p.offset),
                &halt,
                &mut monitor,
                interval,
            );
        }
    }
    let run = w.finish(size, start.elapsed().as_secs_f64());
    ctl.report(&meter.progress(
        run.written + run.unwritable.bytes(),
        run.unwritable.bytes() / u64::from(dev.logical_sector_size()),
    ));
    run
}

/// A pool buffer of at least `len` bytes, or a new one.
fn take_buffer(pool: &mut Vec<AlignedBuf>, len: usize) -> AlignedBuf {
    match pool.iter().position(|b| b.len() >= len) {
        Some(i) => pool.swap_remove(i),
        None => AlignedBuf::new(len),
    }
}
