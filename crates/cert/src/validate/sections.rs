//! The section checks of [`validate`](super::validate), one function per part of the
//! certificate, in the order the schema lists them.

use super::*;

/// Schema, issuer, operator and digests.
pub(super) fn identity(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    if c.schema != SCHEMA_ID {
        issue(
            "schema",
            format!("expected \"{SCHEMA_ID}\", found \"{}\"", c.schema),
        );
    }

    // Issuer.
    for (path, value) in [
        ("issuer.workshop_id", &c.issuer.workshop_id),
        ("issuer.workshop_name", &c.issuer.workshop_name),
        ("issuer.station_id", &c.issuer.station_id),
        ("tool.name", &c.tool.name),
        ("tool.version", &c.tool.version),
        ("policy.id", &c.policy.id),
        ("policy.version", &c.policy.version),
        ("provenance.donor.name", &c.provenance.donor.name),
        ("media.model", &c.media.model),
        ("sanitization.technique", &c.sanitization.technique),
        ("sanitization.reason", &c.sanitization.reason),
        (
            "verification.expected_state",
            &c.verification.expected_state,
        ),
    ] {
        if value.trim().is_empty() {
            issue(path, "must not be empty".into());
        }
    }
    if !c.issuer.workshop_id.trim().is_empty() && !is_id(&c.issuer.workshop_id) {
        issue("issuer.workshop_id", format!("must be {ID_RULE}"));
    }
    if !c.issuer.station_id.trim().is_empty() && !is_certificate_station_id(&c.issuer.station_id) {
        issue(
            "issuer.station_id",
            format!("must be {ID_RULE}, or a per-boot station's <id>-<boot id>"),
        );
    }
    if !is_lower_hex(&c.issuer.key_id, Some(64)) {
        issue(
            "issuer.key_id",
            "must be 64 lowercase hex digits (blake3 of the public key)".into(),
        );
    }
    if let Some(url) = &c.issuer.registry_url {
        if let Err(e) = check_registry_url(url) {
            issue("issuer.registry_url", e.to_string());
        }
    }

    // Operator: pseudonymous ids only.
    if !is_pseudonym(&c.operator.id) {
        issue(
            "operator.id",
            "must be a pseudonymous id of 1-64 characters from A-Z a-z 0-9 . _ -".into(),
        );
    }

    // Digests.
    if let Some(d) = &c.tool.image_digest {
        if !is_digest(d) {
            issue(
                "tool.image_digest",
                "must be <sha256|sha512|blake3>:<lowercase hex>".into(),
            );
        }
    }
    if let Some(d) = &c.policy.digest {
        if !is_digest(d) {
            issue(
                "policy.digest",
                "must be <sha256|sha512|blake3>:<lowercase hex>".into(),
            );
        }
    }
}

/// The disk: identifiers, size, hidden areas.
pub(super) fn media(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    // Media.
    let m = &c.media;
    for (path, value) in [
        ("media.wwn", &m.wwn),
        ("media.eui64", &m.eui64),
        ("media.nguid", &m.nguid),
        ("media.health.raw_blake3", &m.health.raw_blake3),
    ] {
        if let Some(s) = value {
            if !is_lower_hex(s, None) {
                issue(path, "must be lowercase hex".into());
            }
        }
    }
    for (n, ns) in m.namespaces.iter().enumerate() {
        for (name, value) in [("nguid", &ns.nguid), ("eui64", &ns.eui64)] {
            if value.as_ref().is_some_and(|s| !is_lower_hex(s, None)) {
                issue(
                    &format!("media.namespaces[{n}].{name}"),
                    "must be lowercase hex".into(),
                );
            }
        }
        if ns.device.trim().is_empty() {
            issue(
                &format!("media.namespaces[{n}].device"),
                "must not be empty".into(),
            );
        }
    }
    if !m.logical_sector_size.is_power_of_two() || m.logical_sector_size < 512 {
        issue(
            "media.logical_sector_size",
            format!("{} is not a power of two ≥ 512", m.logical_sector_size),
        );
    }
    if m.physical_sector_size < m.logical_sector_size || !m.physical_sector_size.is_power_of_two() {
        issue(
            "media.physical_sector_size",
            "must be a power of two no smaller than the logical sector size".into(),
        );
    }
    if (m.lba_count as u128) * (m.logical_sector_size as u128) != m.capacity_bytes as u128 {
        issue(
            "media.capacity_bytes",
            format!(
                "{} is not lba_count × logical_sector_size ({} × {})",
                m.capacity_bytes, m.lba_count, m.logical_sector_size
            ),
        );
    }
    for (i, cap) in m.capabilities.iter().enumerate() {
        if !is_kebab(&cap.id) {
            issue(
                &format!("media.capabilities[{i}].id"),
                "must be a kebab-case id".into(),
            );
        }
    }
    if let Some(s) = m.health.available_spare {
        if s > 100 {
            issue(
                "media.health.available_spare",
                "is a percentage (0-100)".into(),
            );
        }
    }
}

/// The method, its technique and its steps.
pub(super) fn sanitization(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    // Sanitization.
    let s = &c.sanitization;
    if !is_kebab(&s.technique) {
        issue(
            "sanitization.technique",
            "must be a kebab-case technique id".into(),
        );
    }
    if s.ended_at < s.started_at {
        issue(
            "sanitization.ended_at",
            "is before sanitization.started_at".into(),
        );
    }
    if c.issued_at < s.ended_at {
        issue("issued_at", "is before sanitization.ended_at".into());
    }
    for (i, step) in s.steps.iter().enumerate() {
        if !is_kebab(&step.technique) {
            issue(
                &format!("sanitization.steps[{i}].technique"),
                "must be a kebab-case technique id".into(),
            );
        }
        if step.ended_at < step.started_at {
            issue(
                &format!("sanitization.steps[{i}].ended_at"),
                "is before its started_at".into(),
            );
        }
        if step.started_at < s.started_at || step.ended_at > s.ended_at {
            issue(
                &format!("sanitization.steps[{i}]"),
                "lies outside sanitization.started_at..ended_at".into(),
            );
        }
    }
    if let (Some(req), Some(done)) = (s.passes_requested, s.passes_completed) {
        if done > req {
            issue(
                "sanitization.passes_completed",
                "exceeds passes_requested".into(),
            );
        }
    }
    if s.errors.unreadable_lbas.len() > 100 {
        issue(
            "sanitization.errors.unreadable_lbas",
            "lists more than 100 LBAs".into(),
        );
    }
    if s.errors.unreadable_lbas.len() as u64 > s.errors.unreadable_sectors {
        issue(
            "sanitization.errors.unreadable_lbas",
            "lists more LBAs than sanitization.errors.unreadable_sectors".into(),
        );
    }
    if !s.errors.unreadable_lbas.windows(2).all(|w| w[0] < w[1]) {
        issue(
            "sanitization.errors.unreadable_lbas",
            "must be strictly ascending".into(),
        );
    }
    if let Some(ds) = &s.device_status {
        if let Some(raw) = &ds.raw {
            if !is_lower_hex(raw, None) {
                issue(
                    "sanitization.device_status.raw",
                    "must be lowercase hex".into(),
                );
            }
        }
    }
}

/// How the result was read back, and what that reading may claim.
pub(super) fn verification(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    let m = &c.media;
    // Verification.
    let ver = &c.verification;
    if let Some(seed) = &ver.seed {
        if !is_lower_hex(seed, None) {
            issue("verification.seed", "must be lowercase hex".into());
        }
    }
    let p = &ver.parameters;
    let expected_cov = coverage_ppm(p.bytes_read, m.capacity_bytes);
    if p.coverage_ppm != expected_cov {
        issue(
            "verification.parameters.coverage_ppm",
            format!(
                "is {} but bytes_read / capacity_bytes gives {expected_cov}",
                p.coverage_ppm
            ),
        );
    }
    if ver.method == VerificationMethod::None && ver.result != VerificationResult::NotRun {
        issue(
            "verification.result",
            "must be not_run when verification.method is none".into(),
        );
    }
    if ver.result == VerificationResult::Pass && ver.mismatches > 0 {
        issue(
            "verification.result",
            "is pass but mismatches were recorded".into(),
        );
    }
    // Samples that could not be read were not checked: a pass is then only a pass for the
    // rest, and the outcome must say so with the unreadable-sectors exception.
    if ver.result == VerificationResult::Pass
        && ver.unreadable_samples > 0
        && !c
            .outcome
            .exceptions
            .iter()
            .any(|e| e.code == "unreadable-sectors")
    {
        issue(
            "verification.result",
            "is pass with unreadable samples, but outcome.exceptions lacks unreadable-sectors"
                .into(),
        );
    }
    if ver.result == VerificationResult::Pass && p.samples == 0 {
        issue(
            "verification.result",
            "is pass but no sample was read".into(),
        );
    }
    drop(issue);
    verification_records(c, v);
}

/// The verification's recorded offsets and its assurance statement.
fn verification_records(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    let ver = &c.verification;
    if ver.mismatch_offsets.len() > 100 {
        issue(
            "verification.mismatch_offsets",
            "lists more than 100 offsets".into(),
        );
    }
    if ver.mismatch_offsets.len() as u64 > ver.mismatches {
        issue(
            "verification.mismatch_offsets",
            "lists more offsets than verification.mismatches".into(),
        );
    }
    if let Some(a) = &ver.assurance {
        if !(1..=99).contains(&a.confidence_percent) {
            issue(
                "verification.assurance.confidence_percent",
                "must be 1-99".into(),
            );
        }
        if a.detectable_fraction_ppm == 0 || a.detectable_fraction_ppm > 1_000_000 {
            issue(
                "verification.assurance.detectable_fraction_ppm",
                "must be 1-1000000".into(),
            );
        }
    }
}

/// The status must agree with the facts, so a station bug cannot claim success.
pub(super) fn outcome(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    let s = &c.sanitization;
    let ver = &c.verification;
    // Outcome: the status must agree with the facts, so a station bug cannot claim success.
    let o = &c.outcome;
    for (i, e) in o.exceptions.iter().enumerate() {
        if !is_kebab(&e.code) {
            issue(
                &format!("outcome.exceptions[{i}].code"),
                "must be a kebab-case code".into(),
            );
        }
    }
    match o.status {
        OutcomeStatus::Erased => {
            if !o.exceptions.is_empty() {
                issue(
                    "outcome.exceptions",
                    "must be empty when outcome.status is erased (use erased_with_exceptions)"
                        .into(),
                );
            }
            if s.level_achieved.is_none() {
                issue(
                    "sanitization.level_achieved",
                    "is null but outcome.status is erased".into(),
                );
            }
            if ver.result != VerificationResult::Pass {
                issue(
                    "verification.result",
                    "must be pass when outcome.status is erased".into(),
                );
            }
            if s.errors.unreadable_sectors > 0 || ver.unreadable_samples > 0 {
                issue(
                    "sanitization.errors.unreadable_sectors",
                    "is not 0 but outcome.status is erased (use erased_with_exceptions)".into(),
                );
            }
        }
        OutcomeStatus::ErasedWithExceptions => {
            if o.exceptions.is_empty() {
                issue(
                    "outcome.exceptions",
                    "must list the exceptions when outcome.status is erased_with_exceptions".into(),
                );
            }
            if s.level_achieved.is_none() {
                issue(
                    "sanitization.level_achieved",
                    "is null but outcome.status is erased_with_exceptions".into(),
                );
            }
            if ver.result == VerificationResult::Fail {
                issue(
                    "verification.result",
                    "is fail: the outcome must be not_erased".into(),
                );
            }
        }
        OutcomeStatus::NotErased => {
            if s.level_achieved.is_some() {
                issue(
                    "sanitization.level_achieved",
                    "must be null when outcome.status is not_erased".into(),
                );
            }
        }
    }
}

/// Limitations, and the storage controllers of the host.
pub(super) fn host_storage(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    let m = &c.media;
    let ver = &c.verification;
    // Limitations: flash read back by the host always carries the spare-area statement.
    for (i, l) in c.limitations.iter().enumerate() {
        if !is_kebab(&l.code) {
            issue(
                &format!("limitations[{i}].code"),
                "must be a kebab-case code".into(),
            );
        }
    }
    if m.media_type.has_hidden_flash()
        && ver.method != VerificationMethod::None
        && !c
            .limitations
            .iter()
            .any(|l| l.code == limitations::HOST_READBACK_SPARE_FLASH)
    {
        issue(
            "limitations",
            format!(
                "must include {} for this media type",
                limitations::HOST_READBACK_SPARE_FLASH
            ),
        );
    }

    // Storage controllers of the host; a RAID volume says its members were not reached.
    if let Some(storage) = &c.host.storage {
        for (path, problem) in crate::host_storage::check(storage) {
            issue(&path, problem);
        }
    }
    if m.media_type == MediaType::RaidVolume
        && !c
            .limitations
            .iter()
            .any(|l| l.code == limitations::RAID_MEMBERS_NOT_SANITISED)
    {
        issue(
            "limitations",
            format!(
                "must include {} for a RAID volume",
                limitations::RAID_MEMBERS_NOT_SANITISED
            ),
        );
    }
}

/// Host reset, disposition, quality control.
pub(super) fn disposition(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    // Host reset, disposition, quality control.
    if let Some(h) = &c.host_reset {
        if !is_pseudonym(&h.attested_by) {
            issue(
                "host_reset.attested_by",
                "must be a pseudonymous id of 1-64 characters from A-Z a-z 0-9 . _ -".into(),
            );
        }
        if h.items().iter().all(|(_, v)| v.is_none()) {
            issue(
                "host_reset",
                "attests nothing: must be null when no item is attested".into(),
            );
        }
    }
    if let Some(d) = &c.disposition {
        if d.detail.as_ref().is_some_and(|t| t.trim().is_empty()) {
            issue(
                "disposition.detail",
                "must be null or non-empty text".into(),
            );
        }
        if let Some(s) = &d.suggestion {
            suggestion("disposition.suggestion", s, &mut issue);
        }
    }
    if let Some(s) = &c.suggested_disposition {
        if c.disposition.is_some() {
            issue(
                "suggested_disposition",
                "must be absent when a disposition is recorded (the grade is then disposition.suggestion)".into(),
            );
        }
        suggestion("suggested_disposition", s, &mut issue);
    }
}

/// A reuse grade (`disposition.suggestion` or `suggested_disposition`, at `at`).
fn suggestion(at: &str, s: &crate::payload::Suggestion, issue: &mut impl FnMut(&str, String)) {
    if !is_kebab(&s.policy) {
        issue(&format!("{at}.policy"), "must be a kebab-case id".into());
    }
    if s.reasons.is_empty() {
        issue(
            &format!("{at}.reasons"),
            "a suggestion gives at least one reason".into(),
        );
    }
    for (n, r) in s.reasons.iter().enumerate() {
        if !is_kebab(&r.code) {
            issue(
                &format!("{at}.reasons[{n}].code"),
                "must be a kebab-case code".into(),
            );
        }
    }
}

/// Reuse facts of the host, and the machine session that groups its disks.
pub(super) fn reuse(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    // Reuse facts of the host, and the machine session that groups a machine's disks.
    if let Some(h) = &c.host.hardware {
        for (path, problem) in crate::host_hardware::check(h) {
            issue(&path, problem);
        }
    }
    if let Some(m) = &c.host.machine_session {
        if !is_lower_hex(m, Some(32)) {
            issue(
                "host.machine_session",
                "must be 32 lowercase hexadecimal digits".into(),
            );
        }
    }
    let qc = &c.qc;
    if qc.rate_ppm > 1_000_000 {
        issue(
            "qc.rate_ppm",
            format!("{} is above 1000000 (100 %)", qc.rate_ppm),
        );
    }
    match qc.rule.as_str() {
        QC_RULE_V1 => {}
        QC_RULE_LOG_V1 => {
            if qc.selected {
                issue(
                    "qc.selected",
                    format!(
                        "must be false with rule {QC_RULE_LOG_V1}: the registry decides when it logs the certificate"
                    ),
                );
            }
        }
        QC_RULE_NONE => {
            if qc.rate_ppm != 0 {
                issue("qc.rate_ppm", format!("must be 0 with rule {QC_RULE_NONE}"));
            }
            if qc.selected {
                issue(
                    "qc.selected",
                    format!("must be false with rule {QC_RULE_NONE}"),
                );
            }
        }
        other => issue(
            "qc.rule",
            format!(
                "unknown selection rule \"{other}\" (known: {QC_RULE_LOG_V1}, {QC_RULE_V1}, {QC_RULE_NONE})"
            ),
        ),
    }
}

/// Transcript, free text and journal.
pub(super) fn records(c: &Certificate, v: &mut Vec<SchemaIssue>) {
    let mut issue = sink(v);
    // Transcript.
    if !is_lower_hex(&c.transcript.blake3, Some(64)) {
        issue(
            "transcript.blake3",
            "must be 64 lowercase hex digits".into(),
        );
    }
    for (i, cmd) in c.transcript.commands.iter().enumerate() {
        if cmd.seq as usize != i {
            issue(
                &format!("transcript.commands[{i}].seq"),
                format!(
                    "is {} but should be {i} (commands in order, none left out)",
                    cmd.seq
                ),
            );
        }
        if !matches!(
            cmd.protocol.as_str(),
            "ata" | "scsi" | "nvme" | "mmc" | "block"
        ) {
            issue(
                &format!("transcript.commands[{i}].protocol"),
                "must be one of ata, scsi, nvme, mmc, block".into(),
            );
        }
    }

    // Free text: no control characters, bounded lengths (crate::text).
    for (path, message) in crate::text::problems(c) {
        issue(&path, message);
    }

    // Journal.
    let j = &c.journal;
    match (&j.prev_envelope_blake3, j.seq) {
        (None, 0) => {}
        (None, _) => issue(
            "journal.prev_envelope_blake3",
            "is null but journal.seq is not 0".into(),
        ),
        (Some(_), 0) => issue(
            "journal.prev_envelope_blake3",
            "must be null for the first certificate (journal.seq 0)".into(),
        ),
        (Some(h), _) => {
            if !is_lower_hex(h, Some(64)) {
                issue(
                    "journal.prev_envelope_blake3",
                    "must be 64 lowercase hex digits".into(),
                );
            }
        }
    }
}
