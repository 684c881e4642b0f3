//! Reading a payload into the typed model, and the checks the type system cannot express
//! (formats, cross-field consistency). Every problem names the offending field path, e.g.
//! `media.capacity_bytes` or `outcome.exceptions[0].code`.

use std::fmt;

use serde::Serialize;

use crate::payload::{
    coverage_ppm, limitations, Certificate, MediaType, OutcomeStatus, VerificationMethod,
    VerificationResult, QC_RULE_LOG_V1, QC_RULE_NONE, QC_RULE_V1, SCHEMA_ID,
};

mod coverage;
mod sections;
pub use coverage::{COVERAGE_EXCEPTIONS, KNOWN_SAMPLE_ALGORITHMS};

/// One schema problem: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaIssue {
    /// JSON path of the offending field (`.` for the document itself).
    pub path: String,
    /// What is wrong with it, in words.
    pub message: String,
}

impl fmt::Display for SchemaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Several schema problems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_issues(.0))]
pub struct SchemaErrors(pub Vec<SchemaIssue>);

fn display_issues(issues: &[SchemaIssue]) -> String {
    issues
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses payload bytes into a [`Certificate`] (typed, unknown fields refused) and runs
/// [`validate`]. The first error of deserialisation is reported with its path; semantic
/// checks report every issue.
pub fn parse_payload(payload: &[u8]) -> Result<Certificate, SchemaErrors> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let cert: Certificate = match serde_path_to_error::deserialize(&mut de) {
        Ok(c) => c,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(SchemaErrors(vec![SchemaIssue {
                path: if path.is_empty() { ".".into() } else { path },
                message: inner.to_string(),
            }]));
        }
    };
    if let Err(e) = de.end() {
        return Err(SchemaErrors(vec![SchemaIssue {
            path: ".".into(),
            message: format!("trailing data after the JSON document: {e}"),
        }]));
    }
    let issues = validate(&cert);
    if issues.is_empty() {
        Ok(cert)
    } else {
        Err(SchemaErrors(issues))
    }
}

fn is_lower_hex(s: &str, len: Option<usize>) -> bool {
    !s.is_empty()
        && len.is_none_or(|l| s.len() == l)
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub use crate::ids::{
    is_certificate_station_id, is_id, is_kebab, is_station_name, ID_MAX_LEN, ID_RULE,
};

/// Whether `id` is a pseudonymous identifier as certificates carry them (`operator.id`):
/// 1-64 characters from `A-Z a-z 0-9 . _ -`. Configuration checks use the same rule.
pub fn is_pseudonym(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The rule for `issuer.registry_url`: an `http://` or `https://` base URL with a host, no
/// trailing slash, no query, fragment, user info or white space. Configuration applies
/// [`normalize_registry_url`] first, then this same check, so that a URL refused here is
/// refused when the station starts, never after an erase.
pub fn check_registry_url(url: &str) -> Result<(), RegistryUrlError> {
    let owned = || url.to_string();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| RegistryUrlError::NotHttp(owned()))?;
    if rest.split('/').next().unwrap_or("").is_empty() {
        return Err(RegistryUrlError::NoHost(owned()));
    }
    if url.ends_with('/') {
        return Err(RegistryUrlError::TrailingSlash(owned()));
    }
    if let Some(c) = url
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@'))
    {
        return Err(RegistryUrlError::ForbiddenCharacter(owned(), c));
    }
    Ok(())
}

/// Why [`check_registry_url`] refuses a URL; each message states the rule and the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryUrlError {
    /// Another scheme than `http://` or `https://`.
    #[error("{REGISTRY_URL_RULE}; {0:?} does not start with http:// or https://")]
    NotHttp(String),
    /// Nothing between the scheme and the path.
    #[error("{REGISTRY_URL_RULE}; {0:?} names no host")]
    NoHost(String),
    /// A trailing slash ([`normalize_registry_url`] removes it from configuration).
    #[error("{REGISTRY_URL_RULE}; {0:?} ends with a slash")]
    TrailingSlash(String),
    /// White space, a control character, or `?`, `#` or `@` (query, fragment, user info).
    #[error("{REGISTRY_URL_RULE}; {0:?} contains {1:?}")]
    ForbiddenCharacter(String, char),
}

const REGISTRY_URL_RULE: &str =
    "must be an http(s) base URL without a trailing slash (e.g. https://registre.example.org)";

/// The harmless normalisation of a registry URL: surrounding white space and trailing
/// slashes removed (`http://host/` and `http://host` name the same registry).
pub fn normalize_registry_url(url: &str) -> String {
    let trimmed = url.trim();
    let scheme_end = trimmed.find("://").map(|i| i + 3).unwrap_or(0);
    let (scheme, rest) = trimmed.split_at(scheme_end);
    format!("{scheme}{}", rest.trim_end_matches('/'))
}

fn is_digest(s: &str) -> bool {
    match s.split_once(':') {
        Some((alg, hex)) => {
            matches!(alg, "sha256" | "sha512" | "blake3")
                && is_lower_hex(hex, Some(if alg == "sha512" { 128 } else { 64 }))
        }
        None => false,
    }
}

/// Semantic checks of a typed certificate. Empty means valid. The station runs them before
/// signing; verifiers run them after checking the signature.
pub fn validate(c: &Certificate) -> Vec<SchemaIssue> {
    let mut v = Vec::new();
    use sections::*;
    for check in [
        identity,
        media,
        sanitization,
        verification,
        outcome,
        host_storage,
        disposition,
        reuse,
        records,
    ] {
        check(c, &mut v);
    }
    // The whole disk, evidence, claims (validate/coverage.rs).
    v.extend(coverage::issues(c));
    v
}

/// Where the section checks put what they find.
fn sink(v: &mut Vec<SchemaIssue>) -> impl FnMut(&str, String) + '_ {
    |path: &str, message: String| {
        v.push(SchemaIssue {
            path: path.to_string(),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::*;

    fn example() -> Certificate {
        let mut c = Certificate::example();
        c.issuer.key_id = "ab".repeat(32);
        c
    }

    fn paths(c: &Certificate) -> Vec<String> {
        validate(c).into_iter().map(|i| i.path).collect()
    }

    #[test]
    fn example_is_valid() {
        assert_eq!(validate(&example()), vec![]);
    }

    #[test]
    fn erased_with_failed_verification_is_refused() {
        let mut c = example();
        c.verification.result = VerificationResult::Fail;
        c.verification.mismatches = 3;
        assert!(paths(&c).contains(&"verification.result".to_string()));
    }

    #[test]
    fn erased_with_exceptions_needs_exceptions() {
        let mut c = example();
        c.outcome.status = OutcomeStatus::ErasedWithExceptions;
        assert_eq!(paths(&c), vec!["outcome.exceptions"]);
    }

    #[test]
    fn wrong_capacity_is_named() {
        let mut c = example();
        c.media.capacity_bytes += 1;
        let p = paths(&c);
        assert!(p.contains(&"media.capacity_bytes".to_string()), "{p:?}");
    }

    #[test]
    fn registry_urls_are_checked_and_normalised() {
        for ok in [
            "http://10.0.2.100",
            "https://registre.example.org",
            "https://registre.example.org:8443/ardoise",
        ] {
            assert_eq!(check_registry_url(ok), Ok(()), "{ok}");
            assert_eq!(normalize_registry_url(ok), ok);
        }
        for (given, normal) in [
            ("http://10.0.2.100/", "http://10.0.2.100"),
            (
                " https://registre.example.org// ",
                "https://registre.example.org",
            ),
            ("https://h/base/", "https://h/base"),
        ] {
            assert_eq!(normalize_registry_url(given), normal);
            assert_eq!(check_registry_url(normal), Ok(()));
        }
        for bad in [
            "ftp://h",
            "https://",
            "http:///x",
            "https://h/?q=1",
            "https://user@h",
            "https://h/a b",
            "registre.example.org",
            "https://h/",
        ] {
            assert!(check_registry_url(bad).is_err(), "{bad}");
        }
        let mut c = example();
        c.issuer.registry_url = Some("http://10.0.2.100/".into());
        assert_eq!(paths(&c), vec!["issuer.registry_url"]);
    }

    #[test]
    fn workshop_and_station_ids_follow_the_registrys_rule() {
        for ok in [
            "ressourcerie-caen",
            "poste-1",
            "st-01",
            "demonstration",
            "a",
        ] {
            assert!(is_id(ok), "{ok}");
            assert!(is_station_name(ok), "{ok}");
            assert!(is_certificate_station_id(ok), "{ok}");
        }
        let longest = "a".repeat(ID_MAX_LEN);
        assert!(is_id(&longest));
        for bad in [
            "",
            "Atelier Caen",
            "atelier caen",
            "Poste-1",
            "poste_1",
            "poste.1",
            "-poste",
            "poste-",
            "poste--1",
            "poste-1\u{0}",
            "pxe-1-*",
        ] {
            assert!(!is_id(bad), "{bad:?}");
        }
        assert!(!is_id(&format!("{longest}a")));
        // A per-boot station: `base-*` where keys are bound, `base-<boot id>` in certificates.
        assert!(is_station_name("pxe-1-*"));
        assert!(!is_station_name("Pxe 1-*") && !is_station_name("-*"));
        assert!(!is_certificate_station_id("pxe-1-*"));
        let base = "p".repeat(ID_MAX_LEN);
        assert!(is_certificate_station_id(&format!("{base}-3fa2c9d1")));
        assert!(!is_certificate_station_id(&format!("{base}-3FA2C9D1")));
        assert!(!is_certificate_station_id(&format!("{base}p-3fa2c9d1")));

        let mut c = example();
        c.issuer.workshop_id = "Atelier Caen".into();
        c.issuer.station_id = "Poste 1".into();
        assert_eq!(paths(&c), vec!["issuer.workshop_id", "issuer.station_id"]);
        let issues = validate(&c);
        assert!(issues[0].message.contains("lowercase"), "{issues:?}");
        c.issuer.workshop_id = format!("{longest}a");
        c.issuer.station_id = "poste_1".into();
        assert_eq!(paths(&c), vec!["issuer.workshop_id", "issuer.station_id"]);
        c.issuer.workshop_id = "ressourcerie-caen".into();
        c.issuer.station_id = "pxe-1-3fa2c9d1".into();
        assert_eq!(paths(&c), Vec::<String>::new());
        // Empty: said once, by the "must not be empty" rule.
        c.issuer.workshop_id = String::new();
        assert_eq!(paths(&c), vec!["issuer.workshop_id"]);
    }

    #[test]
    fn namespace_fields_are_checked() {
        let mut c = example();
        let ns = |device: &str, nguid: Option<&str>, eui64: Option<&str>| MediaNamespace {
            nsid: Some(1),
            device: device.into(),
            capacity_bytes: 1 << 30,
            nguid: nguid.map(Into::into),
            eui64: eui64.map(Into::into),
        };
        c.media.namespaces = vec![
            ns("/dev/nvme0n1", c.media.nguid.as_deref(), None),
            ns("/dev/nvme0n2", None, Some("002538b781b2c3d5")),
        ];
        assert_eq!(paths(&c), Vec::<String>::new());
        c.media.namespaces = vec![
            ns("/dev/nvme0n1\u{0}", Some("002538B7F1B2C3D4"), None),
            ns(&"n".repeat(200), None, Some(&"0".repeat(200))),
            ns("", None, Some("00:25:38")),
        ];
        let p = paths(&c);
        for want in [
            "media.namespaces[0].device",
            "media.namespaces[0].nguid",
            "media.namespaces[1].device",
            "media.namespaces[1].eui64",
            "media.namespaces[2].device",
            "media.namespaces[2].eui64",
        ] {
            assert!(p.contains(&want.to_string()), "{want} not in {p:?}");
        }
        let issues = validate(&c);
        assert!(issues
            .iter()
            .any(|i| i.path == "media.namespaces[0].device" && i.message.contains("U+0000")));
        assert!(issues
            .iter()
            .any(|i| i.path == "media.namespaces[1].eui64" && i.message.contains("limit is 128")));
    }

    #[test]
    fn a_suggested_disposition_stands_only_where_no_destination_is_recorded() {
        let mut c = example();
        let grade = c.disposition.as_ref().unwrap().suggestion.clone().unwrap();
        c.suggested_disposition = Some(grade.clone());
        assert_eq!(paths(&c), vec!["suggested_disposition"]);
        c.disposition = None;
        assert_eq!(paths(&c), Vec::<String>::new());
        c.suggested_disposition = Some(Suggestion {
            policy: "Reuse Default".into(),
            reasons: vec![],
            ..grade
        });
        assert_eq!(
            paths(&c),
            vec![
                "suggested_disposition.policy",
                "suggested_disposition.reasons"
            ]
        );
        // Written only when present: a certificate without it serialises as before.
        let json = serde_json::to_value(example()).unwrap();
        assert!(json.get("suggested_disposition").is_none());
    }

    #[test]
    fn operator_names_are_refused() {
        let mut c = example();
        c.operator.id = "Jean Dupont".into();
        assert_eq!(paths(&c), vec!["operator.id"]);
        c.operator.id = "jean@example.org".into();
        assert_eq!(paths(&c), vec!["operator.id"]);
    }

    #[test]
    fn flash_needs_the_spare_area_limitation() {
        let mut c = example();
        c.limitations
            .retain(|l| l.code != limitations::HOST_READBACK_SPARE_FLASH);
        assert_eq!(paths(&c), vec!["limitations"]);
        c.media.media_type = MediaType::Hdd;
        assert_eq!(paths(&c), Vec::<String>::new());
    }

    #[test]
    fn journal_genesis_rules() {
        let mut c = example();
        c.journal.seq = 3;
        assert_eq!(paths(&c), vec!["journal.prev_envelope_blake3"]);
        c.journal.prev_envelope_blake3 = Some("cd".repeat(32));
        assert!(paths(&c).is_empty());
        c.journal.seq = 0;
        assert_eq!(paths(&c), vec!["journal.prev_envelope_blake3"]);
    }

    #[test]
    fn host_reset_disposition_and_qc_problems_name_the_field() {
        let mut c = example();
        c.host_reset.as_mut().unwrap().attested_by = "Camille Dupont".into();
        assert_eq!(paths(&c), vec!["host_reset.attested_by"]);
        let h = c.host_reset.as_mut().unwrap();
        h.attested_by = "op-7f3a".into();
        (h.firmware_settings_reset, h.tpm_cleared, h.labels_removed) = (None, None, None);
        assert_eq!(paths(&c), vec!["host_reset"]);
        c.host_reset = None;
        assert!(paths(&c).is_empty());

        c.disposition.as_mut().unwrap().detail = Some("  ".into());
        assert_eq!(paths(&c), vec!["disposition.detail"]);
        c.disposition = None;
        assert!(paths(&c).is_empty());

        c.qc.rate_ppm = 1_000_001;
        assert_eq!(paths(&c), vec!["qc.rate_ppm"]);
        c.qc.rate_ppm = 1_000_000;
        c.qc.rule = "coin-toss".into();
        assert_eq!(paths(&c), vec!["qc.rule"]);
        c.qc = Qc::not_recorded();
        assert!(paths(&c).is_empty());
        c.qc.selected = true;
        c.qc.rate_ppm = 50_000;
        assert_eq!(paths(&c), vec!["qc.rate_ppm", "qc.selected"]);
    }

    #[test]
    fn unknown_disposition_is_named() {
        let mut v = serde_json::to_value(example()).unwrap();
        v["disposition"]["destination"] = serde_json::json!("landfill");
        let err = parse_payload(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.0[0].path, "disposition.destination");
        assert!(
            err.0[0].message.contains("landfill"),
            "{}",
            err.0[0].message
        );

        let mut v = serde_json::to_value(example()).unwrap();
        v["qc"]["rate_ppm"] = serde_json::json!(2_000_000);
        let err = parse_payload(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.0[0].path, "qc.rate_ppm");
    }

    #[test]
    fn deserialisation_errors_name_the_path() {
        let mut v = serde_json::to_value(example()).unwrap();
        v["media"]["capabilities"][1]["available"] = serde_json::json!("yes");
        let bytes = serde_json::to_vec(&v).unwrap();
        let err = parse_payload(&bytes).unwrap_err();
        assert_eq!(err.0[0].path, "media.capabilities[1].available");

        let mut v = serde_json::to_value(example()).unwrap();
        v["sanitization"]["errors"]["surprise"] = serde_json::json!(1);
        let err = parse_payload(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.0[0].path, "sanitization.errors.surprise");
        assert!(
            err.0[0].message.contains("surprise"),
            "{}",
            err.0[0].message
        );

        let mut v = serde_json::to_value(example()).unwrap();
        v["outcome"]["status"] = serde_json::json!("mostly_erased");
        let err = parse_payload(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.0[0].path, "outcome.status");
    }
}
