//! Rules for every free-text field of a certificate: no control characters (C0, DEL, C1)
//! except newline and tab in the few fields that hold sentences, and a length limit per field.
//!
//! A control character in a certificate breaks terminals (`ardoise verify` output), CSV
//! exports and databases (PostgreSQL refuses U+0000 in text); an unbounded field lets one
//! certificate fill a page or a log line. [`validate`](crate::validate::validate) refuses both
//! (station side before signing, registry and auditors after the signature), naming the field;
//! [`clean_device_texts`] lets the station turn what a drive or the firmware reported into
//! printable text of bounded length before it signs.

use crate::payload::Certificate;
pub use crate::text_rule::{check, clean, TextRule, ID, LONG, NAME, TEXT};

/// What the visitors call for each field: its path, its value, its rule.
type FieldFn<'a> = dyn FnMut(&str, &mut String, TextRule) + 'a;

/// Calls `f(path, value, rule)` for every text field of `c`, in document order.
pub fn visit(c: &mut Certificate, f: &mut dyn FnMut(&str, &mut String, TextRule)) {
    // Every Option<String> first, then the fields always present: the order paths are reported in.
    visit_optional_identity(c, f);
    visit_optional_media(c, f);
    visit_optional_process(c, f);
    visit_required(c, f);
}

/// Calls `f` on `v` when it holds a value.
fn opt(f: &mut FieldFn, path: &str, v: &mut Option<String>, rule: TextRule) {
    if let Some(s) = v {
        f(path, s, rule)
    }
}

/// The optional fields of who issued the certificate, for whom, and on which host.
fn visit_optional_identity(c: &mut Certificate, f: &mut FieldFn) {
    let i = &mut c.issuer;
    opt(f, "issuer.siret", &mut i.siret, ID);
    opt(f, "issuer.registry_url", &mut i.registry_url, LONG);
    opt(f, "operator.role", &mut c.operator.role, ID);
    opt(f, "tool.build", &mut c.tool.build, ID);
    opt(f, "tool.image_digest", &mut c.tool.image_digest, ID);
    opt(f, "policy.digest", &mut c.policy.digest, ID);
    let p = &mut c.provenance;
    opt(f, "provenance.donor.siren", &mut p.donor.siren, ID);
    opt(f, "provenance.donation_ref", &mut p.donation_ref, NAME);
    opt(f, "provenance.lot", &mut p.lot, NAME);
    opt(f, "host.asset_tag", &mut c.host.asset_tag, NAME);
    let s = &mut c.host.smbios;
    for (name, v) in [
        ("system_manufacturer", &mut s.system_manufacturer),
        ("system_product", &mut s.system_product),
        ("system_version", &mut s.system_version),
        ("system_serial", &mut s.system_serial),
        ("system_uuid", &mut s.system_uuid),
        ("board_serial", &mut s.board_serial),
        ("chassis_serial", &mut s.chassis_serial),
        ("chassis_asset_tag", &mut s.chassis_asset_tag),
        ("bios_vendor", &mut s.bios_vendor),
        ("bios_version", &mut s.bios_version),
    ] {
        opt(f, &format!("host.smbios.{name}"), v, NAME);
    }
}

/// The optional fields of the medium and of the host's storage controllers.
fn visit_optional_media(c: &mut Certificate, f: &mut FieldFn) {
    let m = &mut c.media;
    opt(f, "media.manufacturer", &mut m.manufacturer, NAME);
    opt(f, "media.firmware", &mut m.firmware, NAME);
    opt(f, "media.wwn", &mut m.wwn, ID);
    opt(f, "media.eui64", &mut m.eui64, ID);
    opt(f, "media.nguid", &mut m.nguid, ID);
    opt(
        f,
        "media.hidden_areas.action",
        &mut m.hidden_areas.action,
        TEXT,
    );
    for (n, cap) in m.capabilities.iter_mut().enumerate() {
        opt(
            f,
            &format!("media.capabilities[{n}].detail"),
            &mut cap.detail,
            TEXT,
        );
    }
    opt(f, "media.health.source", &mut m.health.source, ID);
    opt(f, "media.health.raw_blake3", &mut m.health.raw_blake3, ID);
    for (n, ns) in m.namespaces.iter_mut().enumerate() {
        opt(
            f,
            &format!("media.namespaces[{n}].nguid"),
            &mut ns.nguid,
            ID,
        );
        opt(
            f,
            &format!("media.namespaces[{n}].eui64"),
            &mut ns.eui64,
            ID,
        );
    }
    if let Some(s) = &mut c.host.storage {
        for (n, ctl) in s.controllers.iter_mut().enumerate() {
            let p = format!("host.storage.controllers[{n}]");
            opt(f, &format!("{p}.vendor_id"), &mut ctl.vendor_id, ID);
            opt(f, &format!("{p}.device_id"), &mut ctl.device_id, ID);
            opt(f, &format!("{p}.driver"), &mut ctl.driver, ID);
        }
    }
}

/// The optional fields of the sanitization, its verification, the disposition and the journal.
fn visit_optional_process(c: &mut Certificate, f: &mut FieldFn) {
    let z = &mut c.sanitization;
    opt(
        f,
        "sanitization.standard_claimed",
        &mut z.standard_claimed,
        NAME,
    );
    opt(f, "sanitization.pattern", &mut z.pattern, ID);
    for (n, st) in z.steps.iter_mut().enumerate() {
        opt(
            f,
            &format!("sanitization.steps[{n}].device_status"),
            &mut st.device_status,
            TEXT,
        );
    }
    if let Some(ds) = &mut z.device_status {
        opt(f, "sanitization.device_status.raw", &mut ds.raw, LONG);
    }
    opt(f, "verification.seed", &mut c.verification.seed, ID);
    if let Some(d) = &mut c.disposition {
        opt(f, "disposition.detail", &mut d.detail, TEXT);
    }
    opt(f, "host.machine_session", &mut c.host.machine_session, ID);
    opt(
        f,
        "journal.prev_envelope_blake3",
        &mut c.journal.prev_envelope_blake3,
        ID,
    );
}

/// The fields that are always present.
fn visit_required(c: &mut Certificate, f: &mut FieldFn) {
    visit_required_identity(c, f);
    visit_required_media(c, f);
    visit_required_process(c, f);
    if let Some(h) = &mut c.host.hardware {
        crate::host_hardware::visit_texts(h, f);
    }
    visit_required_records(c, f);
}

/// Schema, issuer, operator, tool, policy and donor.
fn visit_required_identity(c: &mut Certificate, f: &mut FieldFn) {
    f("schema", &mut c.schema, ID);
    f("issuer.workshop_id", &mut c.issuer.workshop_id, ID);
    f("issuer.workshop_name", &mut c.issuer.workshop_name, NAME);
    f("issuer.station_id", &mut c.issuer.station_id, ID);
    f("issuer.key_id", &mut c.issuer.key_id, ID);
    f("operator.id", &mut c.operator.id, ID);
    f("tool.name", &mut c.tool.name, ID);
    f("tool.version", &mut c.tool.version, ID);
    f("policy.id", &mut c.policy.id, ID);
    f("policy.version", &mut c.policy.version, ID);
    f("provenance.donor.name", &mut c.provenance.donor.name, NAME);
}

/// The medium (model, serial, capabilities, health reasons, namespaces) and the host's storage
/// controllers.
fn visit_required_media(c: &mut Certificate, f: &mut FieldFn) {
    let m = &mut c.media;
    f("media.model", &mut m.model, NAME);
    f("media.serial", &mut m.serial, NAME);
    for (n, cap) in m.capabilities.iter_mut().enumerate() {
        f(&format!("media.capabilities[{n}].id"), &mut cap.id, ID);
    }
    for (n, r) in m.health.reasons.iter_mut().enumerate() {
        f(&format!("media.health.reasons[{n}]"), r, TEXT);
    }
    for (n, ns) in m.namespaces.iter_mut().enumerate() {
        f(&format!("media.namespaces[{n}].device"), &mut ns.device, ID);
    }
    if let Some(s) = &mut c.host.storage {
        for (n, ctl) in s.controllers.iter_mut().enumerate() {
            let p = format!("host.storage.controllers[{n}]");
            f(&format!("{p}.address"), &mut ctl.address, ID);
            f(&format!("{p}.description"), &mut ctl.description, NAME);
        }
    }
}

/// The sanitization, its verification, the outcome's exceptions and the host reset.
fn visit_required_process(c: &mut Certificate, f: &mut FieldFn) {
    let z = &mut c.sanitization;
    f("sanitization.technique", &mut z.technique, ID);
    f("sanitization.reason", &mut z.reason, TEXT);
    for (n, st) in z.steps.iter_mut().enumerate() {
        f(
            &format!("sanitization.steps[{n}].technique"),
            &mut st.technique,
            ID,
        );
    }
    if let Some(ds) = &mut z.device_status {
        f("sanitization.device_status.summary", &mut ds.summary, TEXT);
    }
    let v = &mut c.verification;
    f("verification.expected_state", &mut v.expected_state, ID);
    if let Some(a) = &mut v.assurance {
        f("verification.assurance.statement", &mut a.statement, TEXT);
    }
    if let Some(p) = &mut v.sample_plan {
        f("verification.sample_plan.algorithm", &mut p.algorithm, ID);
    }
    if let Some(e) = &mut v.evidence {
        f("verification.evidence.rule", &mut e.rule, ID);
        for (n, cmp) in e.comparisons.iter_mut().enumerate() {
            f(
                &format!("verification.evidence.comparisons[{n}].stage"),
                &mut cmp.stage,
                ID,
            );
        }
    }
    for (n, e) in c.outcome.exceptions.iter_mut().enumerate() {
        f(&format!("outcome.exceptions[{n}].code"), &mut e.code, ID);
        f(
            &format!("outcome.exceptions[{n}].detail"),
            &mut e.detail,
            TEXT,
        );
    }
    if let Some(h) = &mut c.host_reset {
        f("host_reset.attested_by", &mut h.attested_by, ID);
    }
}

/// A reuse grade at `at` (`disposition.suggestion`, `suggested_disposition`).
fn visit_suggestion(at: &str, s: &mut crate::payload::Suggestion, f: &mut FieldFn) {
    f(&format!("{at}.policy"), &mut s.policy, ID);
    for (n, r) in s.reasons.iter_mut().enumerate() {
        f(&format!("{at}.reasons[{n}].code"), &mut r.code, ID);
        f(&format!("{at}.reasons[{n}].detail"), &mut r.detail, TEXT);
    }
}

/// The reuse grade, the QC rule, the limitations and the transcript.
fn visit_required_records(c: &mut Certificate, f: &mut FieldFn) {
    if let Some(s) = c.disposition.as_mut().and_then(|d| d.suggestion.as_mut()) {
        visit_suggestion("disposition.suggestion", s, f);
    }
    if let Some(s) = &mut c.suggested_disposition {
        visit_suggestion("suggested_disposition", s, f);
    }
    f("qc.rule", &mut c.qc.rule, ID);
    for (n, l) in c.limitations.iter_mut().enumerate() {
        f(&format!("limitations[{n}].code"), &mut l.code, ID);
        f(&format!("limitations[{n}].text"), &mut l.text, TEXT);
    }
    f("transcript.blake3", &mut c.transcript.blake3, ID);
    for (n, cmd) in c.transcript.commands.iter_mut().enumerate() {
        f(
            &format!("transcript.commands[{n}].protocol"),
            &mut cmd.protocol,
            ID,
        );
        f(
            &format!("transcript.commands[{n}].name"),
            &mut cmd.name,
            NAME,
        );
        f(
            &format!("transcript.commands[{n}].outcome"),
            &mut cmd.outcome,
            TEXT,
        );
    }
}

/// Every text problem of `c`, as (field path, message).
pub fn problems(c: &Certificate) -> Vec<(String, String)> {
    let mut copy = c.clone();
    let mut out = Vec::new();
    visit(&mut copy, &mut |path, value, rule| {
        if let Some(m) = check(value, rule) {
            out.push((path.to_string(), m));
        }
    });
    out
}

/// Makes every text field of `c` acceptable (see [`clean`]): for the station, whose
/// certificate repeats what drives and firmware report (a model string with a NUL in it must
/// not leave a disk without a certificate).
pub fn clean_device_texts(c: &mut Certificate) {
    visit(c, &mut |_, value, rule| {
        if check(value, rule).is_some() {
            *value = clean(value, rule);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_lengths() {
        assert_eq!(check("Samsung SSD 970", NAME), None);
        assert!(check("a\u{0}b", NAME).unwrap().contains("U+0000"));
        assert!(check("a\nb", NAME).unwrap().contains("U+000A"));
        assert_eq!(check("a\nb\tc", TEXT), None);
        assert!(check("a\u{1b}[2K", TEXT).unwrap().contains("U+001B"));
        assert!(check("\u{7f}", ID).is_some());
        assert!(check("\u{85}", NAME).unwrap().contains("U+0085"), "C1");
        assert_eq!(check("Łódź Ørsted Ñ 東京 مرحبا", NAME), None);
        assert_eq!(check(&"é".repeat(256), NAME), None, "characters, not bytes");
        assert!(check(&"é".repeat(257), NAME)
            .unwrap()
            .contains("limit is 256"));
    }

    #[test]
    fn cleaning_makes_a_value_acceptable() {
        let c = clean("WDC\u{0}WD10\u{1}", NAME);
        assert_eq!(c, "WDC\u{FFFD}WD10\u{FFFD}");
        assert_eq!(check(&c, NAME), None);
        let long = clean(&"x".repeat(300), NAME);
        assert_eq!(long.chars().count(), 256);
        assert_eq!(check(&long, NAME), None);
    }

    use serde_json::Value;

    /// [`Certificate::example`] with every optional field filled and every list non-empty, so
    /// that every field of the model appears in its JSON.
    fn full() -> Certificate {
        use crate::payload::{Exception, MediaNamespace};
        let mut c = Certificate::example();
        let other = Certificate::example_overwrite();
        c.media.wwn = other.media.wwn.clone();
        for cap in &mut c.media.capabilities {
            cap.detail.get_or_insert_with(|| "supported".into());
        }
        c.media.health.pending_sectors = Some(0);
        c.media.health.reallocated_sectors = Some(0);
        c.media.health.uncorrectable_sectors = Some(0);
        c.media.namespaces = vec![MediaNamespace {
            nsid: Some(1),
            device: "/dev/nvme0n1".into(),
            capacity_bytes: c.media.capacity_bytes,
            nguid: c.media.nguid.clone(),
            eui64: c.media.eui64.clone(),
        }];
        c.host.storage = Some(crate::host_storage::HostStorage::example_incomplete());
        for ctl in &mut c.host.storage.as_mut().unwrap().controllers {
            ctl.driver.get_or_insert_with(|| "rtsx_pci".into());
        }
        if let Some(h) = &mut c.host.hardware {
            for m in &mut h.os_minimums {
                m.unmet.push("tpm-2.0".into());
                m.unknown.push("secure-boot".into());
            }
        }
        if let Some(h) = &mut c.host_reset {
            h.biometric_templates_cleared = Some(false);
        }
        c.sanitization.passes_requested = Some(1);
        c.sanitization.passes_completed = Some(1);
        c.sanitization.pattern = other.sanitization.pattern.clone();
        c.sanitization.errors.unreadable_lbas = vec![12];
        c.verification.mismatch_offsets = vec![4096];
        c.outcome.exceptions = vec![Exception {
            code: "unreadable-sectors".into(),
            detail: "1 sector".into(),
        }];
        c.journal.prev_envelope_blake3 = other.journal.prev_envelope_blake3.clone();
        // Recorded only without a disposition; present here so that its fields are visited.
        c.suggested_disposition = c.disposition.as_ref().and_then(|d| d.suggestion.clone());
        c
    }

    /// Every leaf of `v` as (JSON pointer, path as the visitor names it), and the pointers of
    /// nulls and empty lists.
    fn leaves(
        v: &Value,
        ptr: &str,
        path: &str,
        out: &mut Vec<(String, String)>,
        gaps: &mut Vec<String>,
    ) {
        match v {
            Value::Object(m) => {
                for (k, sub) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    leaves(sub, &format!("{ptr}/{k}"), &p, out, gaps);
                }
            }
            Value::Array(items) if items.is_empty() => gaps.push(path.to_string()),
            Value::Array(items) => {
                for (i, sub) in items.iter().enumerate() {
                    leaves(
                        sub,
                        &format!("{ptr}/{i}"),
                        &format!("{path}[{i}]"),
                        out,
                        gaps,
                    );
                }
            }
            Value::Null => gaps.push(path.to_string()),
            _ => out.push((ptr.to_string(), path.to_string())),
        }
    }

    /// Every string of the certificate's JSON that the model reads back as free text (a
    /// U+0000 in it still deserialises: not an enum, a date or a number) is visited, under the
    /// path the JSON gives it. The fixture fills every field, so a field added to the model
    /// without a visit fails here.
    #[test]
    fn every_text_field_of_the_model_is_visited() {
        let json = serde_json::to_value(full()).unwrap();
        let (mut all, mut gaps) = (Vec::new(), Vec::new());
        leaves(&json, "", "", &mut all, &mut gaps);
        assert_eq!(gaps, Vec::<String>::new(), "fill these in full()");
        let (mut text, mut typed, mut missed) = (0, 0, Vec::new());
        for (ptr, path) in all
            .iter()
            .filter(|(p, _)| json.pointer(p).unwrap().is_string())
        {
            let mut bad = json.clone();
            *bad.pointer_mut(ptr).unwrap() = Value::String("x\u{0}".into());
            let Ok(c) = serde_json::from_value::<Certificate>(bad) else {
                typed += 1;
                continue;
            };
            text += 1;
            if !problems(&c)
                .iter()
                .any(|(p, m)| p == path && m.contains("U+0000"))
            {
                missed.push(path.clone());
            }
        }
        assert_eq!(missed, Vec::<String>::new(), "text fields no rule visits");
        assert!(
            text > 100 && typed > 10,
            "{text} text fields, {typed} typed"
        );
    }

    #[test]
    fn every_field_is_visited_and_paths_name_it() {
        let mut c = Certificate::example();
        c.media.model = "bad\u{0}".into();
        c.provenance.donor.name = "x".repeat(300);
        c.outcome.exceptions.push(crate::payload::Exception {
            code: "unreadable-sectors".into(),
            detail: "two lines\nare fine".into(),
        });
        let p: Vec<String> = problems(&c).into_iter().map(|(p, _)| p).collect();
        assert_eq!(p, vec!["provenance.donor.name", "media.model"]);
        clean_device_texts(&mut c);
        assert!(problems(&c).is_empty());
        assert_eq!(c.outcome.exceptions[0].detail, "two lines\nare fine");
    }
}
