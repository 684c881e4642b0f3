//! What the technician enters for a machine (operator, donor, lot, destination, the host reset
//! attestations) before its disks are erased.

use ardoise_cert::payload as cm;
use serde::{Deserialize, Serialize};

/// Who erased, for whom, on which machine: what the technician entered for this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Pseudonymous operator id (from the workshop's list, or derived from a typed name).
    pub operator_id: String,
    /// The operator's role (`technician`, `trainee`, …); `None` leaves `operator.role` null.
    #[serde(default)]
    pub operator_role: Option<String>,
    /// The workshop's own label for the machine (barcode / sticker), if it has one.
    #[serde(default)]
    pub asset_tag: Option<String>,
    /// The donor organisation (no personal contact details); `None` if not entered.
    #[serde(default)]
    pub donor: Option<String>,
    /// The donor's French SIREN (9 digits), when it has one.
    #[serde(default)]
    pub donor_siren: Option<String>,
    /// Reference of the donation (convention, procès-verbal de cession, …).
    #[serde(default)]
    pub donation_ref: Option<String>,
    /// Lot number given at intake.
    #[serde(default)]
    pub lot: Option<String>,
    /// Where the machine goes after erasure; `None` takes the policy's `disposition`.
    #[serde(default)]
    pub disposition: Option<cm::Disposition>,
    /// What the operator attests about the host machine; `None` (unattended runs, nothing
    /// said) leaves `host_reset` null. The attester is `operator_id`.
    #[serde(default)]
    pub host_reset: Option<HostResetChecks>,
    /// The machine session shared by the certificates of this machine's disks
    /// ([`crate::remember::new_machine_session`]); None leaves `host.machine_session` null.
    #[serde(default)]
    pub machine_session: Option<String>,
    /// The reuse policy's grade of the machine ([`crate::reuse::suggest`]), recorded beside
    /// the destination (`disposition.suggestion`).
    #[serde(default)]
    pub suggestion: Option<cm::Suggestion>,
}

/// The operator's statements about the host machine, as the front end collects them: each
/// item `Some(true)` (done), `Some(false)` (not done) or `None` (not attested). Nothing here
/// is ever set by the station itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostResetChecks {
    /// Firmware (UEFI/BIOS) settings reset to factory defaults, passwords removed.
    #[serde(default)]
    pub firmware_settings_reset: Option<bool>,
    /// TPM cleared (owner hierarchy reset).
    #[serde(default)]
    pub tpm_cleared: Option<bool>,
    /// Fingerprint / face templates stored by the reader or firmware deleted.
    #[serde(default)]
    pub biometric_templates_cleared: Option<bool>,
    /// Stickers, asset labels and engravings of the previous owner removed.
    #[serde(default)]
    pub labels_removed: Option<bool>,
}

/// The item names `HostResetChecks::parse_list` accepts, in order.
pub const HOST_RESET_ITEMS: [&str; 4] = ["firmware", "tpm", "biometrics", "labels"];

/// Why a list of host reset items was refused (`--host-reset`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostResetListError {
    /// An item not in [`HOST_RESET_ITEMS`].
    #[error("unknown host reset item {item:?} (known: {})", HOST_RESET_ITEMS.join(", "))]
    UnknownItem {
        /// The item as typed.
        item: String,
    },
    /// The list named no item.
    #[error("name at least one item of {}", HOST_RESET_ITEMS.join(", "))]
    Empty,
}

impl HostResetChecks {
    /// Parses a comma-separated list of items attested done (`firmware`, `tpm`, `biometrics`,
    /// `labels`). Items not named stay "not attested" (`None`), never `false`.
    pub fn parse_list(list: &str) -> Result<HostResetChecks, HostResetListError> {
        let mut h = HostResetChecks::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let slot = match item {
                "firmware" => &mut h.firmware_settings_reset,
                "tpm" => &mut h.tpm_cleared,
                "biometrics" => &mut h.biometric_templates_cleared,
                "labels" => &mut h.labels_removed,
                other => {
                    return Err(HostResetListError::UnknownItem {
                        item: other.to_string(),
                    })
                }
            };
            *slot = Some(true);
        }
        if h.is_empty() {
            return Err(HostResetListError::Empty);
        }
        Ok(h)
    }

    /// Nothing attested.
    pub fn is_empty(&self) -> bool {
        *self == HostResetChecks::default()
    }

    /// The certificate's record, attested by `operator_id`; `None` when nothing is attested.
    pub fn attested_by(&self, operator_id: &str) -> Option<cm::HostReset> {
        (!self.is_empty()).then(|| cm::HostReset {
            firmware_settings_reset: self.firmware_settings_reset,
            tpm_cleared: self.tpm_cleared,
            biometric_templates_cleared: self.biometric_templates_cleared,
            labels_removed: self.labels_removed,
            attested_by: operator_id.to_string(),
        })
    }
}

/// Derives a pseudonymous operator id from a typed name: the name never leaves the station.
pub fn pseudonymous_operator_id(workshop_id: &str, name: &str) -> String {
    let digest = blake3::hash(format!("{workshop_id}\n{}", name.trim().to_lowercase()).as_bytes());
    format!("op-{}", &digest.to_hex()[..8])
}
