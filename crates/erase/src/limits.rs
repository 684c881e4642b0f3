//! Limits the station puts on the drive's methods
//! ([`HostLimits`](crate::capability::HostLimits)); the planner applies them when it lists the
//! methods ([`crate::plan::supported_methods`]).
//!
//! - **Password vault.** ATA SECURITY ERASE UNIT leaves the drive locked with ardoise's
//!   temporary password if it is cut (power loss during a multi-hour enhanced erase). The
//!   password is only useful if it survives the same power cut: with the data directory in RAM
//!   (PXE boot, no data partition) the method is refused, and `auto` takes the next one.
//! - **Other namespaces.** NVMe Sanitize, and Format NVM when FNA bit 0 or bit 1 says so, erase
//!   every namespace of the controller (see [`ardoise_disk::siblings`]). When one of them is
//!   protected or in use, those methods are refused.

use crate::capability::{DriveCapabilities, NvmeCaps};
use crate::method::{Method, NamespaceReach};
use crate::outcome::{Exception, ExceptionCode};
use serde::{Deserialize, Serialize};

/// Whether `method` also erases the controller's other namespaces (given its FNA bits).
pub fn reaches_other_namespaces(method: &Method, nvme: &NvmeCaps) -> bool {
    match method.namespace_reach() {
        NamespaceReach::ThisDevice => false,
        NamespaceReach::WholeController => true,
        NamespaceReach::PerFormatAttributes => {
            nvme.format_applies_to_all_namespaces || nvme.secure_erase_applies_to_all_namespaces
        }
    }
}

/// A namespace that a command reached besides (or as) the one named: recorded in the report
/// and the certificate (`media.namespaces`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachedNamespace {
    /// Path of the namespace's block device, as shown to the user.
    pub device: String,
    #[serde(default)]
    /// NVMe namespace id, when known.
    pub nsid: Option<u32>,
    /// Size of the namespace, bytes.
    pub size_bytes: u64,
    #[serde(default)]
    /// Namespace Globally Unique Identifier (NGUID, Identify Namespace), hex, when reported.
    pub nguid: Option<String>,
    #[serde(default)]
    /// IEEE Extended Unique Identifier (EUI64, Identify Namespace), hex, when reported.
    pub eui64: Option<String>,
}

impl ReachedNamespace {
    /// Describes the namespace `info` with its id `nsid`.
    pub fn new(info: &ardoise_disk::DiskInfo, nsid: Option<u32>) -> Self {
        ReachedNamespace {
            device: info.path_display(),
            nsid,
            size_bytes: info.size_bytes,
            nguid: info.nguid.clone(),
            eui64: info.eui64.clone(),
        }
    }
}

/// The eMMC's hardware partitions that no method reaches: the erase commands and the host
/// overwrite act on the user area only (the partition selected by PARTITION_ACCESS, which
/// ardoise never switches), and so does the read-back. Boot and general-purpose partitions
/// are therefore recorded as not erased (a non-clean exception), never silently included in
/// the card's verdict. The RPMB, writable only with its authentication key, is named with them.
pub fn areas_not_reached(caps: &DriveCapabilities) -> Vec<Exception> {
    let Some(m) = caps.mmc.as_ref() else {
        return Vec::new();
    };
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / f64::from(1 << 20));
    let mut areas = Vec::new();
    if m.boot_partition_bytes > 0 {
        areas.push(format!(
            "two boot partitions of {} each",
            mib(m.boot_partition_bytes)
        ));
    }
    if !m.gp_partition_bytes.is_empty() {
        let sizes: Vec<String> = m.gp_partition_bytes.iter().map(|&b| mib(b)).collect();
        areas.push(format!(
            "{} general-purpose partition(s) ({})",
            sizes.len(),
            sizes.join(", ")
        ));
    }
    // Partitions the kernel shows although EXT_CSD reported none of their kind.
    let unreported: Vec<&str> = caps
        .mmc_hardware_partitions
        .iter()
        .map(String::as_str)
        .filter(|n| {
            let kind = n.trim_end_matches(|c: char| c.is_ascii_digit());
            (kind.ends_with("boot") && m.boot_partition_bytes == 0)
                || (kind.ends_with("gp") && m.gp_partition_bytes.is_empty())
        })
        .collect();
    if !unreported.is_empty() {
        areas.push(format!(
            "partitions the kernel shows although EXT_CSD reported none of their kind ({})",
            unreported.join(", ")
        ));
    }
    if areas.is_empty() {
        return Vec::new();
    }
    let rpmb = if m.rpmb_bytes > 0 {
        format!(
            "; its replay-protected block ({}) can only be written with its authentication key",
            mib(m.rpmb_bytes)
        )
    } else {
        String::new()
    };
    vec![Exception::new(
        ExceptionCode::HiddenAreaNotErased,
        format!(
            "the eMMC has {} outside the user area that the erase and the read-back reach: they were neither erased nor checked{rpmb}",
            areas.join(" and ")
        ),
    )]
}

/// The reason written into [`HostLimits::password_vault`](crate::capability::HostLimits) when
/// the vault is in RAM.
pub const VAULT_NOT_DURABLE: &str = "the password vault is not on a persistent data partition (PXE boot or no ARDOISE partition): a power cut during SECURITY ERASE UNIT would leave the drive locked with a password that no longer exists";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capability::{AtaSecurity, CommandSet};
    use crate::plan::{plan_auto, plan_request};
    use ardoise_disk::{MediaKind, Transport};

    fn ata_hdd_with_security_only() -> DriveCapabilities {
        let disk = ardoise_disk::discovery::file_target(std::path::Path::new("/dev/x"), 1 << 30);
        let mut c = DriveCapabilities::block_only(&disk);
        c.command_set = CommandSet::Ata;
        c.media = MediaKind::Hdd;
        c.transport = Transport::Ata;
        c.ata_security = Some(AtaSecurity {
            supported: true,
            enhanced_supported: true,
            ..Default::default()
        });
        c
    }

    #[test]
    fn a_volatile_vault_refuses_security_erase_and_auto_takes_the_next_method() {
        let mut c = ata_hdd_with_security_only();
        assert_eq!(
            plan_auto(&c).unwrap().method.id(),
            "ata-security-erase-enhanced"
        );
        c.limits.password_vault = Some(VAULT_NOT_DURABLE.into());
        let p = plan_auto(&c).unwrap();
        assert!(!p.method.is_firmware(), "{:?}", p.method);
        let e = plan_request(&c, "ata-security-erase-enhanced").unwrap_err();
        assert!(e.to_string().contains("persistent data partition"), "{e}");
    }

    #[test]
    fn a_busy_sibling_namespace_refuses_sanitize_and_all_namespace_format() {
        let disk = ardoise_disk::discovery::file_target(std::path::Path::new("/dev/x"), 1 << 30);
        let mut c = DriveCapabilities::block_only(&disk);
        c.command_set = CommandSet::Nvme;
        c.media = MediaKind::NvmeSsd;
        c.transport = Transport::Nvme;
        c.nvme = Some(NvmeCaps {
            sanitize_crypto: true,
            sanitize_block: true,
            format_supported: true,
            namespaces: 2,
            nsid: 1,
            ..Default::default()
        });
        c.limits.other_namespaces = Some("/dev/nvme0n2 is mounted on /mnt".into());
        // A per-namespace Format still reaches only this namespace: auto takes it.
        let p = plan_auto(&c).unwrap();
        assert_eq!(p.method.id(), "nvme-format-user-data");
        let e = plan_request(&c, "nvme-sanitize-block").unwrap_err();
        assert!(e.to_string().contains("nvme0n2"), "{e}");
        // With FNA bit 1, a secure-erase Format reaches every namespace too: overwrite is left.
        c.nvme
            .as_mut()
            .unwrap()
            .secure_erase_applies_to_all_namespaces = true;
        let p = plan_auto(&c).unwrap();
        assert!(!p.method.is_firmware(), "{:?}", p.method);
    }
}
