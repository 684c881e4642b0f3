//! Security feature set: the 512-byte data blocks of SET PASSWORD, UNLOCK, ERASE UNIT and
//! DISABLE PASSWORD, and the SECURITY ERASE UNIT timeout.
//!
//! Block layout (ACS-4 Security feature set; hdparm `do_set_security()`; docs/standards.md
//! §1.4): word 0 bit 0
//! identifier (0 user, 1 master), bit 1 enhanced erase (ERASE UNIT), bit 8 security level
//! (SET PASSWORD: 0 high, 1 maximum); bytes 2–33 password (32 bytes, NUL-padded); bytes 34–35
//! master password revision code (SET PASSWORD with the master identifier only).

use std::fmt;
use std::time::Duration;

use super::identify::{EraseTime, IdentifyData, SecurityLevel};

/// Which password a security command uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordKind {
    /// Word 0 bit 0 clear: the user password, the one that locks the drive when set.
    User,
    /// Word 0 bit 0 set: the master password, which unlocks at level High and can only erase at
    /// level Maximum.
    Master,
}

/// Normal or enhanced SECURITY ERASE UNIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseMode {
    /// Overwrites the user data area (ACS: with zeros or a vendor pattern).
    Normal,
    /// Vendor-defined pattern over all user data, including reallocated sectors (word 128 bit 5).
    Enhanced,
}

/// A 32-byte ATA security password. Its bytes never appear in `Debug` output, and the
/// transcript only ever sees a hash of the data block that carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityPassword([u8; 32]);

/// A password longer than the 32 bytes of the data block (the length given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an ATA password is at most 32 bytes ({0} given)")]
pub struct PasswordTooLong(pub usize);

impl SecurityPassword {
    /// A password from up to 32 bytes, NUL-padded (as hdparm pads it).
    pub fn new(bytes: &[u8]) -> Result<Self, PasswordTooLong> {
        if bytes.len() > 32 {
            return Err(PasswordTooLong(bytes.len()));
        }
        let mut p = [0u8; 32];
        p[..bytes.len()].copy_from_slice(bytes);
        Ok(SecurityPassword(p))
    }

    /// The all-zero password (hdparm's special password "NULL").
    pub fn empty() -> Self {
        SecurityPassword([0; 32])
    }

    /// The 32 bytes placed in bytes 2–33 of the security data block.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SecurityPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityPassword(<redacted>)")
    }
}

impl Drop for SecurityPassword {
    fn drop(&mut self) {
        // Best effort: the optimiser may elide this; the block buffers are cleared the same way.
        self.0.fill(0);
    }
}

fn identifier(kind: PasswordKind) -> u16 {
    match kind {
        PasswordKind::User => 0,
        PasswordKind::Master => 1,
    }
}

fn block(word0: u16, password: &SecurityPassword) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[0..2].copy_from_slice(&word0.to_le_bytes());
    b[2..34].copy_from_slice(password.as_bytes());
    b
}

/// SECURITY SET PASSWORD data. `master_revision` is written for the master password only.
pub fn set_password_block(
    password: &SecurityPassword,
    kind: PasswordKind,
    level: SecurityLevel,
    master_revision: Option<u16>,
) -> [u8; 512] {
    let level_bit = match level {
        SecurityLevel::High => 0,
        SecurityLevel::Maximum => 1 << 8,
    };
    let mut b = block(identifier(kind) | level_bit, password);
    if let (PasswordKind::Master, Some(rev)) = (kind, master_revision) {
        b[34..36].copy_from_slice(&rev.to_le_bytes());
    }
    b
}

/// SECURITY UNLOCK data.
pub fn unlock_block(password: &SecurityPassword, kind: PasswordKind) -> [u8; 512] {
    block(identifier(kind), password)
}

/// SECURITY DISABLE PASSWORD data (same layout as UNLOCK).
pub fn disable_block(password: &SecurityPassword, kind: PasswordKind) -> [u8; 512] {
    block(identifier(kind), password)
}

/// SECURITY ERASE UNIT data.
pub fn erase_unit_block(
    password: &SecurityPassword,
    kind: PasswordKind,
    mode: EraseMode,
) -> [u8; 512] {
    let enhanced = match mode {
        EraseMode::Normal => 0,
        EraseMode::Enhanced => 1 << 1,
    };
    block(identifier(kind) | enhanced, password)
}

/// hdparm's default when IDENTIFY cannot be read: twelve hours.
pub const ERASE_TIMEOUT_UNKNOWN: Duration = Duration::from_secs(12 * 3600);

/// The capacity floor: 1 s per 30 MB plus 30 minutes (hdparm, "Norman Diamond suggestion").
pub fn capacity_floor(capacity_bytes: u64) -> Duration {
    Duration::from_secs(capacity_bytes / (30 << 20) + 30 * 60)
}

/// The timeout to give SECURITY ERASE UNIT (hdparm `get_erase_timeout_secs`): the drive's own
/// estimate (word 89, or 90 for enhanced) × 2 minutes + 60 minutes of margin (508 + 90 or
/// 65532 + 90 minutes at the encodable maxima), never less than [`capacity_floor`].
pub fn erase_timeout(identify: Option<&IdentifyData>, mode: EraseMode) -> Duration {
    let Some(id) = identify else {
        return ERASE_TIMEOUT_UNKNOWN;
    };
    let floor = capacity_floor(id.capacity_bytes());
    let estimate = match mode {
        EraseMode::Normal => id.erase_time_normal,
        EraseMode::Enhanced => id.erase_time_enhanced,
    };
    let minutes = match estimate {
        EraseTime::NotReported => return floor,
        EraseTime::Minutes(m) => u64::from(m) + 60,
        EraseTime::MoreThan(m) => u64::from(m) + 90,
    };
    floor.max(Duration::from_secs(minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ata::identify::tests::{put_word, sample, seal};

    #[test]
    fn set_password_user_maximum() {
        let p = SecurityPassword::new(b"ardoise").unwrap();
        let b = set_password_block(&p, PasswordKind::User, SecurityLevel::Maximum, Some(7));
        assert_eq!(&b[0..2], &[0x00, 0x01]);
        assert_eq!(&b[2..9], b"ardoise");
        assert!(b[9..34].iter().all(|&x| x == 0));
        assert_eq!(&b[34..36], &[0, 0], "revision only for the master password");
        assert!(b[36..].iter().all(|&x| x == 0));
    }

    #[test]
    fn set_password_master_with_revision() {
        let p = SecurityPassword::new(&[0xaa; 32]).unwrap();
        let b = set_password_block(&p, PasswordKind::Master, SecurityLevel::High, Some(0x1234));
        assert_eq!(&b[0..2], &[0x01, 0x00]);
        assert_eq!(&b[2..34], &[0xaa; 32]);
        assert_eq!(&b[34..36], &[0x34, 0x12]);
    }

    #[test]
    fn unlock_disable_erase_blocks() {
        let p = SecurityPassword::new(b"x").unwrap();
        let u = unlock_block(&p, PasswordKind::Master);
        assert_eq!(&u[0..3], &[0x01, 0x00, b'x']);
        assert_eq!(disable_block(&p, PasswordKind::User)[0..3], [0, 0, b'x']);
        let e = erase_unit_block(&p, PasswordKind::User, EraseMode::Enhanced);
        assert_eq!(&e[0..3], &[0x02, 0x00, b'x']);
        let e = erase_unit_block(&p, PasswordKind::Master, EraseMode::Normal);
        assert_eq!(&e[0..2], &[0x01, 0x00]);
    }

    #[test]
    fn password_limits_and_redaction() {
        assert_eq!(SecurityPassword::new(&[1; 33]), Err(PasswordTooLong(33)));
        assert_eq!(SecurityPassword::empty().as_bytes(), &[0; 32]);
        let p = SecurityPassword::new(b"secret").unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }

    #[test]
    fn erase_timeouts() {
        // Sample: word 89 = 1200 min (extended), word 90 = 12 min, ~1 TB.
        let id = IdentifyData::parse(&sample()).unwrap();
        assert_eq!(
            erase_timeout(Some(&id), EraseMode::Normal),
            Duration::from_secs((1200 + 60) * 60)
        );
        // Enhanced: 12 + 60 min = 4320 s < floor (1,000,204,886,016 / 31,457,280 + 1800 = 33595 s).
        let floor = capacity_floor(id.capacity_bytes());
        assert_eq!(floor, Duration::from_secs(31_795 + 1800));
        assert_eq!(erase_timeout(Some(&id), EraseMode::Enhanced), floor);
        assert_eq!(
            erase_timeout(None, EraseMode::Normal),
            ERASE_TIMEOUT_UNKNOWN
        );
        let mut b = sample();
        put_word(&mut b, 89, 0x00ff); // "more than 508 min"
        put_word(&mut b, 90, 0xffff); // "more than 65532 min"
        seal(&mut b);
        let id = IdentifyData::parse(&b).unwrap();
        assert_eq!(
            erase_timeout(Some(&id), EraseMode::Normal),
            Duration::from_secs((508 + 90) * 60)
        );
        assert_eq!(
            erase_timeout(Some(&id), EraseMode::Enhanced),
            Duration::from_secs((65532 + 90) * 60)
        );
        let mut b = sample();
        put_word(&mut b, 89, 0);
        seal(&mut b);
        let id = IdentifyData::parse(&b).unwrap();
        assert_eq!(erase_timeout(Some(&id), EraseMode::Normal), floor);
    }
}
