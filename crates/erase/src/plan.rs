//! The planner: which methods a drive supports, which one `auto` picks, and the steps that carry
//! a method out. The decision table is written out in docs/methods.md; the tests below walk it.

use serde::{Deserialize, Serialize};

use crate::capability::{CommandSet, DriveCapabilities, HostLimits};
use crate::limits::reaches_other_namespaces;
use crate::method::{Level, Method, MethodClass, SanitizeAction};
use candidates::CANDIDATES;

mod candidates;
use ardoise_disk::{MediaKind, Transport};

/// Overwrite scheme used when a magnetic or virtual disk offers no firmware purge.
pub const FALLBACK_SCHEME_MAGNETIC: &str = "zero";
/// Overwrite scheme used for flash without firmware purge (NIST SP 800-88r1 Table A-8 asks for
/// more than one pass on removable flash): random data, then zeros (verifiable).
pub const FALLBACK_SCHEME_FLASH: &str = "random-zero";

/// What the disk must read back as after the plan, for verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExpectedState {
    /// The last pass of this overwrite scheme, recomputed from the pattern generator.
    Overwritten {
        /// Scheme id.
        scheme: String,
    },
    /// Every byte equals this value (a firmware overwrite with a one-byte-repeating pattern).
    Fill {
        /// The byte every sector holds.
        byte: u8,
    },
    /// Every sample differs from its pre-erase fingerprint and carries no partition or filesystem
    /// signature (crypto erase, block erase, format, security erase: the drive decides the bytes).
    Changed,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Read the sample plan and keep a fingerprint of each sample (for `ExpectedState::Changed`).
    Fingerprint,
    /// Remove HPA / DCO / accessible-max restrictions so the whole native capacity is reachable.
    RemoveHiddenAreas,
    /// A firmware erase command, polled to completion and checked afterwards. `keep_data`: an
    /// NVMe Sanitize sent with No-Deallocate After Sanitize, so that what a crypto erase leaves
    /// can be told from a mere deallocation ([`Step::CryptoEraseCheck`]).
    Firmware {
        /// The firmware method to run.
        method: Method,
        /// Ask for No-Deallocate After Sanitize (NVMe Base 2.0, Sanitize command, NDAS;
        /// docs/standards.md §2.5).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        keep_data: bool,
    },
    /// Read the fingerprinted samples after a crypto erase that kept the data: every block that
    /// held data must now read differently and not uniformly.
    CryptoEraseCheck,
    /// Host overwrite with a scheme.
    Overwrite {
        /// Scheme id.
        scheme: String,
    },
    /// fsync / FLUSH CACHE.
    Flush,
    /// Read back and compare.
    Verify,
}

impl Step {
    /// A firmware step that lets the drive deallocate as it usually does.
    pub fn firmware(method: Method) -> Step {
        Step::Firmware {
            method,
            keep_data: false,
        }
    }
}

/// A method applied to one drive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The method carried out.
    pub method: Method,
    /// The level the method claims (SP 800-88 Rev. 1).
    pub level: Level,
    /// Why this method (auto) or that it was requested, in words.
    pub reason: String,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// What the disk must read back as afterwards.
    pub expected: ExpectedState,
    /// Fixed statements that travel with the certificate (what host read-back cannot show).
    pub limitations: Vec<String>,
    /// Things the technician should know before starting.
    pub warnings: Vec<String>,
}

/// A method and whether this drive supports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSupport {
    /// The method.
    pub method: Method,
    /// Its stable id (CLI `--method`, certificates).
    pub id: String,
    /// The level it claims on this drive (SP 800-88 Rev. 1).
    pub level: Level,
    /// `true` when this drive supports it.
    pub supported: bool,
    /// Why it is (or is not) available, in words.
    pub reason: String,
    /// What would make it available (e.g. the frozen-drive suspend cycle), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// The one `auto` picks.
    pub recommended: bool,
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The drive does not support the method asked for.
    #[error("{method} is not supported by this drive: {reason}")]
    Unsupported {
        /// Method id.
        method: String,
        /// Why the drive does not support it.
        reason: String,
    },
    /// No method has this id.
    #[error("unknown method {0:?} (see `ardoise methods`)")]
    UnknownMethod(String),
    /// No method is supported on this drive (the reasons, in words).
    #[error("no erase method is available for this drive: {0}")]
    NothingAvailable(String),
    /// The drive's own size is smaller than the block device's: the disk is not what it seems.
    #[error("the drive reports {drive_bytes} bytes but the kernel shows {kernel_bytes}: the two sizes contradict each other (a wrong disk behind the name, or a bridge that misreports), so nothing is written")]
    DriveSmallerThanKernel {
        /// Size the drive reports, bytes.
        drive_bytes: u64,
        /// Size of the block device, bytes.
        kernel_bytes: u64,
    },
}

/// Hint to offer when the ATA security feature set is frozen.
pub const FROZEN_REMEDY: &str =
    "the BIOS froze the drive's security commands at boot: a suspend-to-RAM cycle (the drive is power-cycled) usually lifts it; then check again";

/// The candidate methods for this drive's command set, strongest first, each with its support.
/// The order is the decision table of docs/methods.md.
pub fn supported_methods(caps: &DriveCapabilities) -> Vec<MethodSupport> {
    let mut out: Vec<MethodSupport> = CANDIDATES
        .iter()
        .filter(|row| (row.listed)(caps))
        .map(|row| {
            let method = (row.method)(caps);
            let available = (row.availability)(caps);
            MethodSupport {
                id: method.id(),
                method,
                level: (row.level)(caps),
                supported: available.supported,
                reason: available.reason,
                remedy: if available.supported {
                    None
                } else {
                    available.remedy.map(str::to_string)
                },
                recommended: false,
            }
        })
        .collect();
    apply_host_limits(caps, &mut out);
    if let Some(best) = out.iter_mut().find(|m| m.supported) {
        best.recommended = true;
    }
    out
}

/// Marks the methods that `caps.limits` forbids as unsupported, with the reason
/// ([`crate::limits`] says why each limit exists).
fn apply_host_limits(caps: &DriveCapabilities, methods: &mut [MethodSupport]) {
    let HostLimits {
        password_vault,
        other_namespaces,
    } = &caps.limits;
    let nvme = caps.nvme.clone().unwrap_or_default();
    for m in methods.iter_mut().filter(|m| m.supported) {
        let why = if m.method.sets_temporary_password() {
            password_vault.as_ref()
        } else if reaches_other_namespaces(&m.method, &nvme) {
            other_namespaces.as_ref()
        } else {
            None
        };
        if let Some(why) = why {
            m.supported = false;
            m.reason = why.clone();
            m.remedy = None;
        }
    }
}

/// Whether any firmware step of `plan` erases the controller's other namespaces.
pub fn plan_reaches_other_namespaces(plan: &Plan, caps: &DriveCapabilities) -> bool {
    let Some(nvme) = caps.nvme.as_ref() else {
        return false;
    };
    plan.steps.iter().any(|s| match s {
        Step::Firmware { method, .. } => reaches_other_namespaces(method, nvme),
        _ => false,
    })
}

/// The plan `auto` would run.
pub fn plan_auto(caps: &DriveCapabilities) -> Result<Plan, PlanError> {
    let methods = supported_methods(caps);
    let best = methods.iter().find(|m| m.recommended).ok_or_else(|| {
        PlanError::NothingAvailable("the drive accepts neither erase commands nor writes".into())
    })?;
    let stronger_blocked: Vec<&MethodSupport> = methods
        .iter()
        .take_while(|m| !m.recommended)
        .filter(|m| m.level >= best.level && m.remedy.is_some())
        .collect();
    let mut plan = build(caps, &best.method, best.level)?;
    plan.reason = format!(
        "strongest method this drive supports: {} ({})",
        best.method.describe(),
        best.reason
    );
    for m in stronger_blocked {
        plan.warnings.push(format!(
            "{} would be possible: {}",
            m.method.describe(),
            m.remedy.as_deref().unwrap_or("")
        ));
    }
    Ok(plan)
}

/// The plan for a method the technician chose. Overwrite schemes are always accepted (their
/// names are checked when the job starts); firmware methods must be supported by the drive.
pub fn plan_method(caps: &DriveCapabilities, method: &Method) -> Result<Plan, PlanError> {
    if let MethodClass::HostOverwrite { scheme } = method.class() {
        let mut plan = build(caps, method, Level::Clear)?;
        plan.reason = format!("requested: overwrite with the {scheme} scheme");
        return Ok(plan);
    }
    let methods = supported_methods(caps);
    let support = methods
        .iter()
        .find(|m| &m.method == method)
        .ok_or_else(|| PlanError::Unsupported {
            method: method.id(),
            reason: "not a method for this kind of drive".into(),
        })?;
    if !support.supported {
        let reason = match &support.remedy {
            Some(r) => format!("{}; {}", support.reason, r),
            None => support.reason.clone(),
        };
        return Err(PlanError::Unsupported {
            method: method.id(),
            reason,
        });
    }
    let mut plan = build(caps, method, support.level)?;
    plan.reason = format!("requested: {} ({})", method.describe(), support.reason);
    Ok(plan)
}

/// Resolves `auto` or a method id.
pub fn plan_request(caps: &DriveCapabilities, request: &str) -> Result<Plan, PlanError> {
    if request == "auto" {
        return plan_auto(caps);
    }
    let method =
        Method::from_id(request).ok_or_else(|| PlanError::UnknownMethod(request.to_string()))?;
    plan_method(caps, &method)
}

/// The firmware steps of `method`. A crypto erase is verified against the fingerprints; a
/// following block erase, when the drive offers one, also resets the flash so the result reads
/// back uniformly. On NVMe, when the controller honours No-Deallocate (SANICAP NDI clear), the
/// crypto erase keeps the data so that its result can be told from a trim-only fake (which
/// reads zeros), is checked, and is then deallocated by a block erase or, without one, a second
/// crypto erase.
fn firmware_steps(
    caps: &DriveCapabilities,
    method: &Method,
    steps: &mut Vec<Step>,
    limitations: &mut Vec<String>,
) {
    let nvme_crypto = Method::NvmeSanitize {
        action: SanitizeAction::CryptoErase,
    };
    let nvme_block = Method::NvmeSanitize {
        action: SanitizeAction::BlockErase,
    };
    if *method == nvme_crypto {
        let n = caps.nvme.clone().unwrap_or_default();
        if n.sanitize_keeps_data {
            steps.push(Step::Firmware {
                method: method.clone(),
                keep_data: true,
            });
            steps.push(Step::CryptoEraseCheck);
            steps.push(Step::firmware(if n.sanitize_block {
                nvme_block
            } else {
                nvme_crypto
            }));
        } else {
            steps.push(Step::firmware(method.clone()));
            if n.sanitize_block {
                steps.push(Step::firmware(nvme_block));
            }
            limitations.push(
                "the controller deallocates after every sanitize (SANICAP NDI): what its crypto erase leaves reads as zeros, like a deallocation without erasure, so the read-back cannot tell them apart"
                    .to_string(),
            );
        }
        return;
    }
    steps.push(Step::firmware(method.clone()));
    if matches!(
        method,
        Method::AtaSanitize {
            action: SanitizeAction::CryptoErase
        }
    ) && caps.ata_sanitize.as_ref().is_some_and(|s| s.block_erase)
        && caps.media != MediaKind::Hdd
    {
        steps.push(Step::firmware(Method::AtaSanitize {
            action: SanitizeAction::BlockErase,
        }));
    }
}

fn build(caps: &DriveCapabilities, method: &Method, level: Level) -> Result<Plan, PlanError> {
    let mut steps = Vec::new();
    let mut limitations = Vec::new();
    let mut warnings = Vec::new();
    let hidden = caps
        .hidden
        .as_ref()
        .is_some_and(|h| h.hpa_present() || h.dco_present());
    let expected = expected_state(method);
    // Hidden areas first: the fingerprints' sample plan is tied to the visible size.
    if hidden {
        steps.push(Step::RemoveHiddenAreas);
        warnings.push(format!(
            "{} sectors are hidden (HPA/DCO); they will be made visible before erasing",
            caps.hidden
                .as_ref()
                .map(|h| h.hidden_sectors())
                .unwrap_or(0)
        ));
    }
    if expected == ExpectedState::Changed {
        steps.push(Step::Fingerprint);
    }
    match method.class() {
        MethodClass::HostOverwrite { scheme } => steps.push(Step::Overwrite {
            scheme: scheme.to_string(),
        }),
        MethodClass::FirmwareOverwrite | MethodClass::CryptoErase | MethodClass::FirmwareErase => {
            firmware_steps(caps, method, &mut steps, &mut limitations)
        }
    }
    steps.push(Step::Flush);
    steps.push(Step::Verify);

    add_statements(caps, method, &mut limitations, &mut warnings);
    Ok(Plan {
        method: method.clone(),
        level,
        reason: String::new(),
        steps,
        expected,
        limitations,
        warnings,
    })
}

/// What the disk must read back as after `method`.
fn expected_state(method: &Method) -> ExpectedState {
    match method.class() {
        MethodClass::HostOverwrite { scheme } => ExpectedState::Overwritten {
            scheme: scheme.to_string(),
        },
        MethodClass::FirmwareOverwrite => ExpectedState::Fill { byte: 0 },
        MethodClass::CryptoErase | MethodClass::FirmwareErase => ExpectedState::Changed,
    }
}

/// The fixed statements that travel with the certificate (what the read-back cannot see, what a
/// crypto erase rests on) and the warnings for the technician (namespaces reached, hidden
/// areas unchecked, a USB bridge).
fn add_statements(
    caps: &DriveCapabilities,
    method: &Method,
    limitations: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    if caps.media.is_known_flash() {
        limitations.push(
            "read-back from the computer cannot see flash blocks outside the logical address space (spare, over-provisioned or retired blocks)"
                .to_string(),
        );
    } else {
        limitations.push(
            "read-back from the computer cannot see sectors the drive has remapped (grown defects)"
                .to_string(),
        );
    }
    if let Some(n) = caps.nvme.as_ref().filter(|n| n.namespaces > 1) {
        // A Format that erases (SES 1 or 2) reaches every namespace when FNA bit 0 or bit 1 says
        // so (NVMe Base 2.0, Identify Controller FNA): the same rule the limits apply.
        let erases_every_namespace = reaches_other_namespaces(method, n);
        if erases_every_namespace {
            warnings.push(format!(
                "this command erases all {} namespaces of the controller",
                n.namespaces
            ));
        }
    }
    if method.is_crypto_erase() {
        limitations.push(
            "a cryptographic erase is only as strong as the drive's encryption of all data since its first use, which the computer cannot check"
                .to_string(),
        );
    }
    if !method.is_firmware() && caps.command_set == CommandSet::Ata && caps.hidden.is_none() {
        warnings.push("hidden areas (HPA/DCO) could not be checked".into());
    }
    if caps.transport == Transport::Usb && method.is_firmware() {
        warnings.push(
            "the drive is behind a USB bridge: a bus reset during a long command can interrupt it"
                .into(),
        );
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod scheme_names {
    #[test]
    fn fallback_schemes_exist() {
        for id in [
            super::FALLBACK_SCHEME_MAGNETIC,
            super::FALLBACK_SCHEME_FLASH,
        ] {
            assert!(crate::overwrite::Scheme::by_id(id).is_some(), "{id}");
        }
    }
}
