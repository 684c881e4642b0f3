//! What a simulated ATA drive is: its identity, capabilities and knobs.

use serde::{Deserialize, Serialize};

use super::super::erase::EraseKnobs;

/// How the SAT layer returns ATA registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenseMode {
    /// Descriptor format with the ATA Status Return descriptor (libata default).
    #[default]
    Descriptor,
    /// Fixed format: registers in INFORMATION / COMMAND-SPECIFIC INFORMATION.
    Fixed,
    /// No sense data on success even with CK_COND (some USB bridges); a failure is a bare
    /// ABORTED COMMAND.
    None,
}

/// Security feature set capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSecurityCaps {
    /// Word 128 bit 5.
    pub enhanced_erase: bool,
    /// Raw IDENTIFY word 89 (normal erase time).
    pub erase_time_normal_word: u16,
    /// Raw IDENTIFY word 90 (enhanced erase time).
    pub erase_time_enhanced_word: u16,
}

/// Which SANITIZE operations the drive implements (none: feature set not supported).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSanitizeCaps {
    /// CRYPTO SCRAMBLE EXT (IDENTIFY word 59 bit 13; ACS-4, Sanitize Device feature set).
    pub crypto_scramble: bool,
    /// BLOCK ERASE EXT (IDENTIFY word 59 bit 15).
    pub block_erase: bool,
    /// OVERWRITE EXT (IDENTIFY word 59 bit 14).
    pub overwrite: bool,
    /// SANITIZE ANTIFREEZE LOCK EXT (IDENTIFY word 59 bit 10).
    pub antifreeze: bool,
}

impl AtaSanitizeCaps {
    /// A drive implementing every sanitize operation and the antifreeze lock.
    pub fn all() -> Self {
        AtaSanitizeCaps {
            crypto_scramble: true,
            block_erase: true,
            overwrite: true,
            antifreeze: true,
        }
    }

    pub(super) fn any(&self) -> bool {
        self.crypto_scramble || self.block_erase || self.overwrite
    }
}

/// One SMART attribute with its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSmartAttribute {
    /// Attribute id (5 reallocated sectors, 9 power-on hours, 194 temperature...).
    pub id: u8,
    /// The attribute's flags word (bit 0 pre-fail, bit 1 online...), as smartmontools reads it.
    pub flags: u16,
    /// Current normalized value.
    pub value: u8,
    /// Worst normalized value seen.
    pub worst: u8,
    /// Threshold from SMART READ THRESHOLDS; a value at or below it means failing.
    pub threshold: u8,
    /// The 48-bit raw value (the six raw bytes, little-endian).
    pub raw: u64,
}

/// SMART contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartSim {
    /// The attributes, in the order of the 30 slots of SMART READ DATA and READ THRESHOLDS.
    pub attributes: Vec<SimSmartAttribute>,
    /// SMART RETURN STATUS answers "threshold exceeded".
    pub threshold_exceeded: bool,
}

impl SmartSim {
    /// A healthy drive: few hours, no defects.
    pub fn healthy() -> Self {
        let a = |id, flags, value, threshold, raw| SimSmartAttribute {
            id,
            flags,
            value,
            worst: value,
            threshold,
            raw,
        };
        SmartSim {
            attributes: vec![
                a(5, 0x33, 100, 10, 0),
                a(9, 0x32, 99, 0, 1234),
                a(12, 0x32, 100, 0, 321),
                a(194, 0x22, 64, 0, 36),
                a(197, 0x32, 100, 0, 0),
                a(198, 0x30, 100, 0, 0),
            ],
            threshold_exceeded: false,
        }
    }
}

/// What the simulated SATA disk is (fixed for its life).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtaSimConfig {
    /// IDENTIFY words 27–46, model number.
    pub model: String,
    /// IDENTIFY words 10–19, serial number.
    pub serial: String,
    /// IDENTIFY words 23–26, firmware revision.
    pub firmware: String,
    /// IDENTIFY words 108–111, world wide name (word 87 bit 8 says whether it is present).
    pub wwn: Option<u64>,
    /// IDENTIFY word 217: 1 = solid state, else rpm.
    pub rotation_rate: u16,
    /// log2(physical / logical sector size), word 106 bits 3:0.
    pub physical_sector_exponent: u8,
    /// DATA SET MANAGEMENT TRIM, with deterministic zeros after TRIM (words 69 and 169).
    pub trim: bool,
    /// How the simulated SAT layer returns the output registers.
    pub sense: SenseMode,
    /// `None`: security feature set not supported (commands F1h–F6h abort).
    pub security: Option<AtaSecurityCaps>,
    /// The Sanitize Device feature set; all false: not supported (B4h aborts).
    pub sanitize: AtaSanitizeCaps,
    /// Host Protected Area feature set (word 82 bit 10): READ NATIVE MAX / SET MAX ADDRESS work.
    pub hpa: bool,
    /// Accessible Max Address Configuration (word 119 bit 8): the 78h sub-commands work.
    pub amax: bool,
    /// Device Configuration Overlay (word 83 bit 11): the B1h sub-commands work.
    pub dco: bool,
    /// `None`: SMART not supported.
    pub smart: Option<SmartSim>,
    /// What BLOCK ERASE EXT leaves (0x00 or 0xFF).
    pub block_erase_fill: u8,
    /// The vendor pattern of ENHANCED SECURITY ERASE UNIT.
    pub enhanced_erase_fill: u8,
    /// The BIOS issued SECURITY FREEZE LOCK at boot.
    pub frozen_at_power_on: bool,
    /// SET MAX / SET ACCESSIBLE MAX / DCO RESTORE that would reveal hidden sectors abort.
    pub refuse_hpa_removal: bool,
    /// READ NATIVE MAX ADDRESS (EXT) and GET NATIVE MAX ADDRESS EXT abort although IDENTIFY
    /// reports the feature: the hidden area cannot be measured.
    #[serde(default)]
    pub refuse_read_native_max: bool,
    /// FLUSH CACHE (EXT) aborts (the drive could not write its cache to the medium).
    #[serde(default)]
    pub flush_cache_fails: bool,
    /// Behind a USB bridge (the profile's `usb_bridge`), the serial number the kernel reads: the
    /// bridge's own, as bridges that answer VPD page 80h themselves give it; the kernel then
    /// sees no WWN either. `None`: the bridge passes the drive's serial and WWN on. Commands
    /// (IDENTIFY through SAT) still reach the drive and answer with its own.
    #[serde(default)]
    pub bridge_serial: Option<String>,
    /// How the drive's SANITIZE and SECURITY ERASE UNIT misbehave and how long they take.
    pub knobs: EraseKnobs,
}

impl AtaSimConfig {
    /// A 7200 rpm disk with security (normal + enhanced), sanitize (overwrite, crypto, block),
    /// HPA, DCO and SMART.
    pub fn hdd() -> Self {
        AtaSimConfig {
            model: "WDC WD10EZEX-08WN4A0".into(),
            serial: "WD-WCC6Y0SIMULATED".into(),
            firmware: "01.01A01".into(),
            wwn: Some(0x5001_4ee2_0abc_def0),
            rotation_rate: 7200,
            physical_sector_exponent: 3,
            trim: false,
            sense: SenseMode::Descriptor,
            security: Some(AtaSecurityCaps {
                enhanced_erase: true,
                erase_time_normal_word: 0x0002,
                erase_time_enhanced_word: 0x0002,
            }),
            sanitize: AtaSanitizeCaps::all(),
            hpa: true,
            amax: false,
            dco: true,
            smart: Some(SmartSim::healthy()),
            block_erase_fill: 0x00,
            enhanced_erase_fill: 0x6b,
            frozen_at_power_on: false,
            refuse_hpa_removal: false,
            refuse_read_native_max: false,
            flush_cache_fails: false,
            bridge_serial: None,
            knobs: EraseKnobs::default(),
        }
    }

    /// A SATA SSD: non-rotating, TRIM, AMAX instead of DCO, wear attribute 233.
    pub fn ssd() -> Self {
        let mut smart = SmartSim::healthy();
        smart.attributes.push(SimSmartAttribute {
            id: 233,
            flags: 0x32,
            value: 97,
            worst: 97,
            threshold: 0,
            raw: 0,
        });
        AtaSimConfig {
            model: "Samsung SSD 860 EVO 250GB".into(),
            serial: "S3YJNX0SIMULATED".into(),
            firmware: "RVT04B6Q".into(),
            wwn: Some(0x5002_538e_4000_1234),
            rotation_rate: 1,
            physical_sector_exponent: 0,
            trim: true,
            amax: true,
            dco: false,
            smart: Some(smart),
            ..Self::hdd()
        }
    }
}
