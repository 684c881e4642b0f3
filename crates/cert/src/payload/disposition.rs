//! What becomes of the machine after the erase: the host-reset attestations, the destination
//! and its suggestion, and the quality-control selection.

use super::*;

/// Statements the operator attests about the host machine after the erasure (ANSSI
/// reconditioning guide: firmware settings, TPM, biometric templates, stickers). Each item is
/// `true` (attested done), `false` (attested not done) or null (not attested: nobody said).
/// The station never fills an item on its own; these are the operator's word, not a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostReset {
    /// Firmware (UEFI/BIOS) settings reset to factory defaults, passwords removed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub firmware_settings_reset: Option<bool>,
    /// TPM cleared (owner hierarchy reset).
    #[serde(deserialize_with = "Option::deserialize")]
    pub tpm_cleared: Option<bool>,
    /// Fingerprint / face templates stored by the reader or firmware deleted.
    #[serde(deserialize_with = "Option::deserialize")]
    pub biometric_templates_cleared: Option<bool>,
    /// Stickers, asset labels and engravings of the previous owner removed.
    #[serde(deserialize_with = "Option::deserialize")]
    pub labels_removed: Option<bool>,
    /// Pseudonymous id of the operator who attests (same rules as `operator.id`).
    pub attested_by: String,
}

impl HostReset {
    /// The four items in document order, with their field names.
    pub fn items(&self) -> [(&'static str, Option<bool>); 4] {
        [
            ("firmware_settings_reset", self.firmware_settings_reset),
            ("tpm_cleared", self.tpm_cleared),
            (
                "biometric_templates_cleared",
                self.biometric_templates_cleared,
            ),
            ("labels_removed", self.labels_removed),
        ]
    }
}

/// Where a sanitized device goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// Reused whole: sale or donation.
    Reuse,
    /// Dismantled for spare parts.
    Parts,
    /// Recycled as WEEE (DEEE) through an eco-organisme.
    Recycling,
}

impl Destination {
    /// The destination as written in JSON: `reuse`, `parts` or `recycling`.
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Reuse => "reuse",
            Destination::Parts => "parts",
            Destination::Recycling => "recycling",
        }
    }

    /// The destination written `s` (`reuse`, `parts`, `recycling`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Destination> {
        match s {
            "reuse" => Some(Destination::Reuse),
            "parts" => Some(Destination::Parts),
            "recycling" => Some(Destination::Recycling),
            _ => None,
        }
    }
}

/// The post-sanitization destination of the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposition {
    /// Where the device goes, as the technician chose.
    pub destination: Destination,
    /// Free text, e.g. the buyer programme or the eco-organisme; no personal data.
    #[serde(deserialize_with = "Option::deserialize")]
    pub detail: Option<String>,
    /// What the workshop's reuse policy suggested from `host.hardware` and the disks' health
    /// (the technician chose `destination`, which may differ); null when no grade was made.
    /// Missing in older certificates, read as null.
    #[serde(default)]
    pub suggestion: Option<Suggestion>,
}

/// The destination a workshop's reuse policy suggests, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suggestion {
    /// The suggested destination.
    pub destination: Destination,
    /// Id of the reuse policy that graded the machine (the station's `[reuse] id`).
    pub policy: String,
    /// Why, in order: each a code of the vocabulary in docs/certificate.md and its detail.
    pub reasons: Vec<SuggestionReason>,
}

/// One reason of a [`Suggestion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuggestionReason {
    /// Kebab-case code, e.g. `battery-worn`, `cpu-below-minimum`, `meets-policy`.
    pub code: String,
    /// In words (English), with the figures.
    pub detail: String,
}

/// Identifier of the quality-control selection rule implemented by [`qc_selected`]: the
/// station can compute it before it erases (kept for older certificates; a registry that
/// enforces the network's rate refuses it).
pub const QC_RULE_V1: &str = "blake3-key-seq-v1";
/// The selection rule decided by the registry's log: the draw hashes the certificate id with
/// the registry's signature on the first checkpoint that includes the certificate, which
/// nobody knows before the certificate is logged (see [`crate::statement::qc_log_draw`]).
/// The certificate carries `selected: false` (not decided when signed); the registry's
/// signed receipt statement says the selection.
pub const QC_RULE_LOG_V1: &str = "registry-log-v1";
/// The rule of certificates that carry no QC selection (made before the field existed).
pub const QC_RULE_NONE: &str = "none";
/// Domain-separation prefix hashed before the key id and sequence number.
pub const QC_DOMAIN: &str = "ardoise-qc-v1";

/// The draw of rule [`QC_RULE_V1`] for one certificate, in 0..1_000_000: the first 8 bytes
/// (little-endian u64) of blake3(`ardoise-qc-v1` ‖ key_id ‖ `:` ‖ seq in decimal), modulo
/// 1,000,000. Anyone can recompute it from `issuer.key_id` and `journal.seq`.
pub fn qc_draw(key_id: &str, seq: u64) -> u32 {
    let digest = blake3::hash(format!("{QC_DOMAIN}{key_id}:{seq}").as_bytes());
    let first: [u8; 8] = digest.as_bytes()[..8]
        .try_into()
        .expect("blake3 gives 32 bytes");
    (u64::from_le_bytes(first) % 1_000_000) as u32
}

/// Whether rule [`QC_RULE_V1`] selects the certificate of `key_id` at journal `seq` for
/// quality control at `rate_ppm`: `qc_draw(key_id, seq) < rate_ppm`.
pub fn qc_selected(key_id: &str, seq: u64, rate_ppm: u32) -> bool {
    qc_draw(key_id, seq) < rate_ppm
}

/// Selection for independent quality control (NIST SP 800-88r1 §4.7 secondary verification;
/// R2v3 asks for at least 5 %): a later validation record refers to the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qc {
    /// In the sample. Must equal what `rule` gives for this certificate.
    pub selected: bool,
    /// Sampling rate of the policy, parts per million (0-1,000,000).
    pub rate_ppm: u32,
    /// The selection rule: [`QC_RULE_V1`] or [`QC_RULE_NONE`].
    pub rule: String,
}

impl Qc {
    /// What a certificate without the field reads as: no selection, rate 0, rule `none`.
    pub fn not_recorded() -> Qc {
        Qc {
            selected: false,
            rate_ppm: 0,
            rule: QC_RULE_NONE.into(),
        }
    }

    /// Rule [`QC_RULE_LOG_V1`] at `rate_ppm`: the registry decides when it logs the
    /// certificate, so the station cannot know (or steer) the selection when it signs.
    pub fn sampled(rate_ppm: u32) -> Qc {
        Qc {
            selected: false,
            rate_ppm,
            rule: QC_RULE_LOG_V1.into(),
        }
    }

    /// What `rule` gives for the certificate of `key_id` at `seq`; `None` for an unknown rule.
    /// Rule [`QC_RULE_LOG_V1`] gives `false` here: nothing is decided at signing time.
    pub fn expected(&self, key_id: &str, seq: u64) -> Option<bool> {
        match self.rule.as_str() {
            QC_RULE_V1 => Some(qc_selected(key_id, seq, self.rate_ppm)),
            QC_RULE_NONE | QC_RULE_LOG_V1 => Some(false),
            _ => None,
        }
    }
}

impl Certificate {
    /// Sets `qc.selected` from its rule, `issuer.key_id` and `journal.seq` (called by the
    /// store once those are final). An unknown rule is left alone (validation refuses it).
    pub fn apply_qc_rule(&mut self) {
        if let Some(s) = self.qc.expected(&self.issuer.key_id, self.journal.seq) {
            self.qc.selected = s;
        }
    }
}
