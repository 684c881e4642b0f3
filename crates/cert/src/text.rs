//! Rules for every free-text field of a certificate: no control characters (C0, DEL, C1)
//! except newline and tab in the few fields that hold sentences, and a length limit per field.
//!
//! A control character in a certificate breaks terminals (`ardoise verify` output), CSV
//! exports and databases (PostgreSQL refuses U+0000 in text); an unbounded field lets one
//! certificate fill a page or a log line. [`validate`](crate::validate::validate) refuses both
//! (station side before signing, registry and auditors after the signature), naming the field;
//! [`clean_device_texts`] lets the station turn what a drive or the firmware reported into
//! printable text of bounded length before it signs.

use crate::model::Certificate;

/// How one field may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// Largest length in characters (Unicode scalar values).
    pub max_chars: usize,
    /// Newline and tab allowed (sentences, device reports).
    pub multiline: bool,
}

/// Identifiers: ids, versions, codes, hex digests.
pub const ID: TextRule = TextRule {
    max_chars: 128,
    multiline: false,
};
/// Names and references a person types or a device reports (donor, model, serial, …).
pub const NAME: TextRule = TextRule {
    max_chars: 256,
    multiline: false,
};
/// Long single values: URLs, raw status bytes in hex.
pub const LONG: TextRule = TextRule {
    max_chars: 8192,
    multiline: false,
};
/// Sentences: reasons, details, device reports, statements.
pub const TEXT: TextRule = TextRule {
    max_chars: 4000,
    multiline: true,
};

/// Whether `c` is a control character this field may not hold.
fn forbidden(c: char, multiline: bool) -> bool {
    let u = c as u32;
    let control = u < 0x20 || u == 0x7f || (0x80..=0x9f).contains(&u);
    control && !(multiline && (c == '\n' || c == '\t'))
}

/// The problem with `value` under `rule`, if any.
pub fn check(value: &str, rule: TextRule) -> Option<String> {
    if let Some((i, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| forbidden(*c, rule.multiline))
    {
        return Some(format!(
            "holds the control character U+{:04X} at position {i}{}",
            c as u32,
            if rule.multiline {
                " (only newline and tab are allowed)"
            } else {
                ""
            }
        ));
    }
    let n = value.chars().count();
    if n > rule.max_chars {
        return Some(format!(
            "is {n} characters long; the limit is {}",
            rule.max_chars
        ));
    }
    None
}

/// `value` made acceptable under `rule`: control characters become U+FFFD, and text past the
/// limit is cut (ending with `…`).
pub fn clean(value: &str, rule: TextRule) -> String {
    let mut out: String = value
        .chars()
        .map(|c| {
            if forbidden(c, rule.multiline) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if out.chars().count() > rule.max_chars {
        out = out.chars().take(rule.max_chars - 1).collect();
        out.push('…');
    }
    out
}

/// Calls `f(path, value, rule)` for every text field of `c`, in document order.
pub fn visit(c: &mut Certificate, f: &mut dyn FnMut(&str, &mut String, TextRule)) {
    let mut opt = |path: &str, v: &mut Option<String>, rule: TextRule| {
        if let Some(s) = v {
            f(path, s, rule)
        }
    };
    // Every Option<String> first (one closure borrows `f` at a time).
    let i = &mut c.issuer;
    opt("issuer.siret", &mut i.siret, ID);
    opt("issuer.registry_url", &mut i.registry_url, LONG);
    opt("operator.role", &mut c.operator.role, ID);
    opt("tool.build", &mut c.tool.build, ID);
    opt("tool.image_digest", &mut c.tool.image_digest, ID);
    opt("policy.digest", &mut c.policy.digest, ID);
    let p = &mut c.provenance;
    opt("provenance.donor.siren", &mut p.donor.siren, ID);
    opt("provenance.donation_ref", &mut p.donation_ref, NAME);
    opt("provenance.lot", &mut p.lot, NAME);
    opt("host.asset_tag", &mut c.host.asset_tag, NAME);
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
        opt(&format!("host.smbios.{name}"), v, NAME);
    }
    let m = &mut c.media;
    opt("media.manufacturer", &mut m.manufacturer, NAME);
    opt("media.firmware", &mut m.firmware, NAME);
    opt("media.wwn", &mut m.wwn, ID);
    opt("media.eui64", &mut m.eui64, ID);
    opt("media.nguid", &mut m.nguid, ID);
    opt(
        "media.hidden_areas.action",
        &mut m.hidden_areas.action,
        TEXT,
    );
    for (n, cap) in m.capabilities.iter_mut().enumerate() {
        opt(
            &format!("media.capabilities[{n}].detail"),
            &mut cap.detail,
            TEXT,
        );
    }
    opt("media.health.source", &mut m.health.source, ID);
    opt("media.health.raw_blake3", &mut m.health.raw_blake3, ID);
    let z = &mut c.sanitization;
    opt(
        "sanitization.standard_claimed",
        &mut z.standard_claimed,
        NAME,
    );
    opt("sanitization.pattern", &mut z.pattern, ID);
    for (n, st) in z.steps.iter_mut().enumerate() {
        opt(
            &format!("sanitization.steps[{n}].device_status"),
            &mut st.device_status,
            TEXT,
        );
    }
    if let Some(ds) = &mut z.device_status {
        opt("sanitization.device_status.raw", &mut ds.raw, LONG);
    }
    opt("verification.seed", &mut c.verification.seed, ID);
    if let Some(d) = &mut c.disposition {
        opt("disposition.detail", &mut d.detail, TEXT);
    }
    opt("host.machine_session", &mut c.host.machine_session, ID);
    opt(
        "journal.prev_envelope_blake3",
        &mut c.journal.prev_envelope_blake3,
        ID,
    );
    visit_required(c, f);
}

/// The fields that are always present.
fn visit_required(c: &mut Certificate, f: &mut dyn FnMut(&str, &mut String, TextRule)) {
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
    let m = &mut c.media;
    f("media.model", &mut m.model, NAME);
    f("media.serial", &mut m.serial, NAME);
    for (n, cap) in m.capabilities.iter_mut().enumerate() {
        f(&format!("media.capabilities[{n}].id"), &mut cap.id, ID);
    }
    for (n, r) in m.health.reasons.iter_mut().enumerate() {
        f(&format!("media.health.reasons[{n}]"), r, TEXT);
    }
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
    if let Some(h) = &mut c.host.hardware {
        crate::host_hardware::visit_texts(h, f);
    }
    if let Some(s) = c.disposition.as_mut().and_then(|d| d.suggestion.as_mut()) {
        f("disposition.suggestion.policy", &mut s.policy, ID);
        for (n, r) in s.reasons.iter_mut().enumerate() {
            f(
                &format!("disposition.suggestion.reasons[{n}].code"),
                &mut r.code,
                ID,
            );
            f(
                &format!("disposition.suggestion.reasons[{n}].detail"),
                &mut r.detail,
                TEXT,
            );
        }
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

    #[test]
    fn every_field_is_visited_and_paths_name_it() {
        let mut c = Certificate::example();
        c.media.model = "bad\u{0}".into();
        c.provenance.donor.name = "x".repeat(300);
        c.outcome.exceptions.push(crate::model::Exception {
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
