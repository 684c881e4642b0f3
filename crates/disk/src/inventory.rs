//! The machine the disks came out of: SMBIOS identity (/sys/class/dmi/id), firmware type and
//! Secure Boot state (efivars), CPU and memory (sysinfo). This goes into every certificate so that
//! a donor can match a disk to the PC it was in.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::system::read_attr;

/// How the machine booted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmwareKind {
    /// UEFI (`/sys/firmware/efi` exists).
    Uefi,
    /// Legacy BIOS, or UEFI's compatibility module.
    Bios,
}

/// Secure Boot state as the firmware reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecureBootState {
    /// The SecureBoot variable is 1: Secure Boot is enforced.
    Enabled,
    /// Secure Boot is off (and the firmware is not in setup mode).
    Disabled,
    /// UEFI in setup mode (no platform key enrolled): Secure Boot cannot be enforced.
    SetupMode,
    /// Legacy BIOS boot: Secure Boot does not apply.
    NotApplicable,
    /// UEFI, but the variable could not be read (efivarfs not mounted, no permission).
    Unknown,
}

/// Identity and resources of the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineInventory {
    /// System manufacturer (DMI `sys_vendor`). Every DMI string is `None` when absent or a
    /// placeholder such as "To Be Filled By O.E.M.".
    pub manufacturer: Option<String>,
    /// Product name (DMI `product_name`).
    pub product: Option<String>,
    /// Product version (DMI `product_version`).
    pub version: Option<String>,
    /// System serial number (DMI `product_serial`, readable by root only).
    pub serial: Option<String>,
    /// System UUID (DMI `product_uuid`).
    pub uuid: Option<String>,
    /// SKU (DMI `product_sku`).
    pub sku: Option<String>,
    /// Product family (DMI `product_family`).
    pub family: Option<String>,
    /// SMBIOS chassis type code (3.3.4 table) and its name ("desktop", "notebook"...).
    pub chassis_type_code: Option<u8>,
    /// Name of `chassis_type_code`.
    pub chassis_type: Option<String>,
    /// Chassis serial number (DMI `chassis_serial`).
    pub chassis_serial: Option<String>,
    /// Asset tag (DMI `chassis_asset_tag`).
    pub asset_tag: Option<String>,
    /// Mainboard manufacturer (DMI `board_vendor`).
    pub board_vendor: Option<String>,
    /// Mainboard model (DMI `board_name`).
    pub board_name: Option<String>,
    /// Mainboard serial number (DMI `board_serial`).
    pub board_serial: Option<String>,
    /// Firmware vendor (DMI `bios_vendor`).
    pub bios_vendor: Option<String>,
    /// Firmware version (DMI `bios_version`).
    pub bios_version: Option<String>,
    /// Firmware release date as the firmware writes it (DMI `bios_date`).
    pub bios_date: Option<String>,
    /// CPU brand string.
    pub cpu_model: Option<String>,
    /// Physical CPU cores, when known.
    pub cpu_physical_cores: Option<u32>,
    /// Logical CPUs the kernel sees.
    pub cpu_threads: u32,
    /// Installed memory the kernel sees, in bytes.
    pub memory_bytes: u64,
    /// How the machine booted.
    pub firmware: FirmwareKind,
    /// Secure Boot state (not applicable on a BIOS boot).
    pub secure_boot: SecureBootState,
    /// What decides reuse: batteries, memory modules, displays, TPM, CPU generation.
    #[serde(default)]
    pub hardware: crate::hardware::HardwareFacts,
}

/// EFI global variable GUID (SecureBoot, SetupMode).
const EFI_GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// Reads the inventory of the running machine.
pub fn read_inventory() -> MachineInventory {
    read_inventory_from(Path::new("/sys"), Path::new("/proc"))
}

/// Reads the inventory with given sysfs and procfs roots (tests point them at fake trees).
pub fn read_inventory_from(sys_root: &Path, proc_root: &Path) -> MachineInventory {
    let dmi = sys_root.join("class/dmi/id");
    let get = |name: &str| read_attr(&dmi.join(name)).filter(|v| !is_placeholder(v));
    let chassis_type_code = read_attr(&dmi.join("chassis_type")).and_then(|v| v.parse::<u8>().ok());
    let efi = sys_root.join("firmware/efi");
    let firmware = if efi.exists() {
        FirmwareKind::Uefi
    } else {
        FirmwareKind::Bios
    };
    let secure_boot = match firmware {
        FirmwareKind::Bios => SecureBootState::NotApplicable,
        FirmwareKind::Uefi => secure_boot_state(&efi.join("efivars")),
    };
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    sys.refresh_cpu_all();
    let cpu_model = sys
        .cpus()
        .first()
        .map(|c| c.brand().trim().to_string())
        .filter(|s| !s.is_empty());
    MachineInventory {
        manufacturer: get("sys_vendor"),
        product: get("product_name"),
        version: get("product_version"),
        serial: get("product_serial"),
        uuid: get("product_uuid"),
        sku: get("product_sku"),
        family: get("product_family"),
        chassis_type_code,
        chassis_type: chassis_type_code.map(|c| chassis_type_name(c).to_string()),
        chassis_serial: get("chassis_serial"),
        asset_tag: get("chassis_asset_tag"),
        board_vendor: get("board_vendor"),
        board_name: get("board_name"),
        board_serial: get("board_serial"),
        bios_vendor: get("bios_vendor"),
        bios_version: get("bios_version"),
        bios_date: get("bios_date"),
        cpu_model,
        cpu_physical_cores: sys.physical_core_count().map(|n| n as u32),
        cpu_threads: sys.cpus().len() as u32,
        memory_bytes: sys.total_memory(),
        firmware,
        secure_boot,
        hardware: crate::hardware::read_hardware_from(sys_root, proc_root),
    }
}

/// Reads SecureBoot and SetupMode (4 bytes of attributes, then the value byte).
fn secure_boot_state(efivars: &Path) -> SecureBootState {
    let var = |name: &str| -> Option<u8> {
        let bytes = fs::read(efivars.join(format!("{name}-{EFI_GLOBAL}"))).ok()?;
        bytes.get(4).copied()
    };
    match (var("SecureBoot"), var("SetupMode")) {
        (Some(1), _) => SecureBootState::Enabled,
        (_, Some(1)) => SecureBootState::SetupMode,
        (Some(0), _) => SecureBootState::Disabled,
        _ => SecureBootState::Unknown,
    }
}

/// Strings vendors leave in unset SMBIOS fields.
fn is_placeholder(v: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "to be filled by o.e.m.",
        "default string",
        "system serial number",
        "system product name",
        "system manufacturer",
        "not specified",
        "not applicable",
        "none",
        "n/a",
        "0123456789",
        "123456789",
        "xxxxxxxxxxxx",
        "chassis serial number",
        "asset tag",
        "no asset tag",
        "03000200-0400-0500-0006-000700080009",
    ];
    let l = v.trim().to_ascii_lowercase();
    PLACEHOLDERS.contains(&l.as_str())
        || l.chars()
            .all(|c| c == '0' || c == '-' || c == 'f' || c == ' ')
}

/// SMBIOS 3.x chassis types (DSP0134 §7.4.1).
pub fn chassis_type_name(code: u8) -> &'static str {
    match code & 0x7f {
        1 => "other",
        2 => "unknown",
        3 => "desktop",
        4 => "low-profile desktop",
        5 => "pizza box",
        6 => "mini tower",
        7 => "tower",
        8 => "portable",
        9 => "laptop",
        10 => "notebook",
        11 => "hand held",
        12 => "docking station",
        13 => "all in one",
        14 => "sub notebook",
        15 => "space-saving",
        16 => "lunch box",
        17 => "main server chassis",
        18 => "expansion chassis",
        19 => "sub chassis",
        20 => "bus expansion chassis",
        21 => "peripheral chassis",
        22 => "raid chassis",
        23 => "rack mount chassis",
        24 => "sealed-case pc",
        25 => "multi-system chassis",
        26 => "compact pci",
        27 => "advanced tca",
        28 => "blade",
        29 => "blade enclosure",
        30 => "tablet",
        31 => "convertible",
        32 => "detachable",
        33 => "iot gateway",
        34 => "embedded pc",
        35 => "mini pc",
        36 => "stick pc",
        _ => "unknown",
    }
}

/// Where the fake-tree tests build their /sys.
#[doc(hidden)]
pub fn dmi_dir(sys_root: &Path) -> PathBuf {
    sys_root.join("class/dmi/id")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_sys(efi: Option<(u8, u8)>) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dmi = dmi_dir(root.path());
        fs::create_dir_all(&dmi).unwrap();
        for (k, v) in [
            ("sys_vendor", "LENOVO\n"),
            ("product_name", "20HRCTO1WW\n"),
            ("product_serial", "PF0XXXXX\n"),
            ("chassis_type", "10\n"),
            ("chassis_asset_tag", "To Be Filled By O.E.M.\n"),
            ("bios_version", "N1MET69W (1.54 )\n"),
        ] {
            fs::write(dmi.join(k), v).unwrap();
        }
        if let Some((sb, setup)) = efi {
            let vars = root.path().join("firmware/efi/efivars");
            fs::create_dir_all(&vars).unwrap();
            fs::write(
                vars.join(format!("SecureBoot-{EFI_GLOBAL}")),
                [6, 0, 0, 0, sb],
            )
            .unwrap();
            fs::write(
                vars.join(format!("SetupMode-{EFI_GLOBAL}")),
                [6, 0, 0, 0, setup],
            )
            .unwrap();
        }
        root
    }

    #[test]
    fn dmi_fields_and_placeholders() {
        let root = fake_sys(None);
        let inv = read_inventory_from(root.path(), Path::new("/proc"));
        assert_eq!(inv.manufacturer.as_deref(), Some("LENOVO"));
        assert_eq!(inv.serial.as_deref(), Some("PF0XXXXX"));
        assert_eq!(inv.chassis_type.as_deref(), Some("notebook"));
        assert_eq!(inv.asset_tag, None, "placeholder asset tags are dropped");
        assert_eq!(inv.firmware, FirmwareKind::Bios);
        assert_eq!(inv.secure_boot, SecureBootState::NotApplicable);
        assert!(inv.cpu_threads >= 1);
        assert!(inv.memory_bytes > 0);
    }

    #[test]
    fn secure_boot_states() {
        assert_eq!(
            read_inventory_from(fake_sys(Some((1, 0))).path(), Path::new("/proc")).secure_boot,
            SecureBootState::Enabled
        );
        assert_eq!(
            read_inventory_from(fake_sys(Some((0, 0))).path(), Path::new("/proc")).secure_boot,
            SecureBootState::Disabled
        );
        assert_eq!(
            read_inventory_from(fake_sys(Some((0, 1))).path(), Path::new("/proc")).secure_boot,
            SecureBootState::SetupMode
        );
        let root = fake_sys(None);
        fs::create_dir_all(root.path().join("firmware/efi")).unwrap();
        assert_eq!(
            read_inventory_from(root.path(), Path::new("/proc")).secure_boot,
            SecureBootState::Unknown
        );
    }
}
