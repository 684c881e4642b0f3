//! The ATA registers as the drive receives and returns them, the opcodes it knows, and the
//! helpers every command shares to answer.

use crate::transport::DataDir;

// ATA opcodes, spelled out here so that the model does not share the encoder's tables.
pub(super) const IDENTIFY: u8 = 0xec;
pub(super) const CHECK_POWER_MODE: u8 = 0xe5;
pub(super) const FLUSH_CACHE: u8 = 0xe7;
pub(super) const FLUSH_CACHE_EXT: u8 = 0xea;
pub(super) const SMART: u8 = 0xb0;
pub(super) const DCO: u8 = 0xb1;
pub(super) const SANITIZE: u8 = 0xb4;
pub(super) const SET_PASSWORD: u8 = 0xf1;
pub(super) const UNLOCK: u8 = 0xf2;
pub(super) const ERASE_PREPARE: u8 = 0xf3;
pub(super) const ERASE_UNIT: u8 = 0xf4;
pub(super) const FREEZE_LOCK: u8 = 0xf5;
pub(super) const DISABLE_PASSWORD: u8 = 0xf6;
pub(super) const READ_NATIVE_MAX: u8 = 0xf8;
pub(super) const SET_MAX: u8 = 0xf9;
pub(super) const READ_NATIVE_MAX_EXT: u8 = 0x27;
pub(super) const SET_MAX_EXT: u8 = 0x37;
pub(super) const AMAX: u8 = 0x78;

pub(super) const STATUS_OK: u8 = 0x50; // DRDY | DSC
pub(super) const STATUS_ERR: u8 = 0x51; // DRDY | DSC | ERR
pub(super) const ERROR_ABRT: u8 = 0x04;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Proto {
    NonData,
    PioIn,
    PioOut,
}

/// The registers as the drive receives them.
#[derive(Debug, Clone, Copy)]
pub(super) struct TaskFile {
    pub(super) command: u8,
    pub(super) features: u16,
    pub(super) count: u16,
    /// LBA(47:0); the high 24 bits are zero unless the CDB had EXTEND.
    pub(super) lba: u64,
    pub(super) device: u8,
    pub(super) ext: bool,
}

impl TaskFile {
    /// A 28-bit command's address: LBA(23:0) with LBA(27:24) from DEVICE bits 3:0.
    pub(super) fn lba28(&self) -> u64 {
        (self.lba & 0x00ff_ffff) | u64::from(self.device & 0x0f) << 24
    }

    pub(super) fn features_low(&self) -> u8 {
        (self.features & 0xff) as u8
    }
}

/// The registers the drive returns.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Out {
    pub(super) error: u8,
    pub(super) count: u16,
    pub(super) lba: u64,
    pub(super) device: u8,
    pub(super) status: u8,
}

pub(super) enum Done {
    Ok(Out),
    Abort(Out),
}

pub(super) fn ok() -> Done {
    Done::Ok(Out {
        status: STATUS_OK,
        device: 0x40,
        ..Out::default()
    })
}

pub(super) fn ok_with(count: u16, lba: u64, device: u8) -> Done {
    Done::Ok(Out {
        status: STATUS_OK,
        count,
        lba,
        device,
        error: 0,
    })
}

pub(super) fn abort_reason(reason: u8) -> Done {
    Done::Abort(Out {
        status: STATUS_ERR,
        error: ERROR_ABRT,
        lba: u64::from(reason),
        device: 0x40,
        count: 0,
    })
}

pub(super) fn abort() -> Done {
    abort_reason(0)
}

/// Serialises words and seals word 255 (A5h + two's-complement checksum).
pub(super) fn seal(words: &[u16; 256]) -> [u8; 512] {
    let mut b = [0u8; 512];
    for (i, w) in words.iter().enumerate() {
        b[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
    }
    b[510] = 0xa5;
    let sum = b[..511].iter().fold(0u8, |a, &x| a.wrapping_add(x));
    b[511] = sum.wrapping_neg();
    b
}

/// Copies a 512-byte response into a data-in buffer.
pub(super) fn put_in(data: &mut DataDir<'_>, block: &[u8; 512]) {
    if let DataDir::FromDevice(buf) = data {
        let n = buf.len().min(512);
        buf[..n].copy_from_slice(&block[..n]);
    }
}
