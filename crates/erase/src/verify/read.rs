//! The read stage shared by verification and fingerprinting: a piece is read in one request; on a
//! medium error it is read again sector by sector so that only the bad sectors are lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ardoise_disk::block::{AlignedBuf, BlockIo, IO_ALIGN};

use crate::pipeline::ring::{Halt, Piece};
use crate::pipeline::{ByteRange, CancelToken, RangeSet};

pub(crate) struct Reader<'a> {
    dev: &'a dyn BlockIo,
    sector: usize,
    attempts: u32,
    cancel: &'a CancelToken,
    pub bytes_read: AtomicU64,
    pub unreadable: Mutex<RangeSet>,
    pub fatal: Mutex<Option<String>>,
}

impl<'a> Reader<'a> {
    pub fn new(
        dev: &'a dyn BlockIo,
        attempts: u32,
        max_listed: usize,
        cancel: &'a CancelToken,
    ) -> Self {
        Reader {
            dev,
            sector: dev.logical_sector_size() as usize,
            attempts: attempts.max(1),
            cancel,
            bytes_read: AtomicU64::new(0),
            unreadable: Mutex::new(RangeSet::new(max_listed)),
            fatal: Mutex::new(None),
        }
    }

    /// Reads `p` into `buf`; returns the unreadable sub-ranges (zero-filled in `buf`).
    pub fn read(&self, p: &Piece, buf: &mut [u8]) -> Result<Vec<ByteRange>, Halt> {
        if self.cancel.is_cancelled() {
            return Err(Halt);
        }
        match self.dev.read_at(buf, p.offset) {
            Ok(()) => {
                self.bytes_read
                    .fetch_add(buf.len() as u64, Ordering::Relaxed);
                Ok(Vec::new())
            }
            Err(e) if e.is_medium() && !self.dev.is_present() => {
                self.fail(format!("the device is gone ({e})"));
                Err(Halt)
            }
            Err(e) if e.is_medium() => self.read_sectors(buf, p.offset),
            Err(e) => {
                self.fail(e.to_string());
                Err(Halt)
            }
        }
    }

    fn read_sectors(&self, buf: &mut [u8], offset: u64) -> Result<Vec<ByteRange>, Halt> {
        let mut scratch = AlignedBuf::new(self.sector.max(IO_ALIGN));
        let mut bad = RangeSet::new(usize::MAX);
        for (k, out) in buf.chunks_mut(self.sector).enumerate() {
            if self.cancel.is_cancelled() {
                return Err(Halt);
            }
            let at = offset + (k * self.sector) as u64;
            let tmp = &mut scratch.as_mut_slice()[..out.len()];
            let mut ok = false;
            for _ in 0..self.attempts {
                match self.dev.read_at(tmp, at) {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(e) if e.is_medium() && !self.dev.is_present() => {
                        self.fail(format!("the device is gone ({e})"));
                        return Err(Halt);
                    }
                    Err(e) if e.is_medium() => {}
                    Err(e) => {
                        self.fail(e.to_string());
                        return Err(Halt);
                    }
                }
            }
            if ok {
                out.copy_from_slice(tmp);
                self.bytes_read
                    .fetch_add(out.len() as u64, Ordering::Relaxed);
            } else {
                out.fill(0);
                bad.insert(at, out.len() as u64);
            }
        }
        let ranges = bad.ranges();
        let mut shared = self.unreadable.lock().expect("range lock");
        for r in &ranges {
            shared.insert(r.offset, r.len);
        }
        Ok(ranges)
    }

    fn fail(&self, detail: String) {
        let mut f = self.fatal.lock().expect("fatal lock");
        if f.is_none() {
            *f = Some(detail);
        }
    }
}
