//! The certificate page `/c/{id}`: what the donor PDF's QR code points to. Anyone sees the
//! verification state (re-checked at every view) and the certificate with its personal fields
//! masked; a reader with an auditor or admin token sees everything.

use ardoise_cert::payload::Certificate;
use ardoise_cert::receipt::{verify_receipt, Receipt};
use ardoise_cert::trust::{KeyStatus, TrustFile};
use ardoise_cert::validate::parse_payload;
use ardoise_cert::verify::{verify_envelope, Check};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use serde::Serialize;

use super::{
    check_label, dl, error_page, lang_from_query, opt, outcome_class, outcome_word, page, page_err,
    status_word, word,
};
use crate::handler::{blocking, Shared};
use crate::html::url_part;
use crate::i18n::{Language, Words, W};
use crate::records::{self, JournalView, Stored};
use crate::registry::Registry;

/// One line of a certificate's verification state.
#[derive(Debug, Clone, Serialize)]
pub struct PageCheck {
    /// What was checked (shown on the page).
    pub name: &'static str,
    /// `pass`, `warn`, `fail`, `skipped`.
    pub status: &'static str,
    /// What was found, for the reader.
    pub detail: String,
}

/// A stored certificate's verification, as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationState {
    /// True when no check failed.
    pub valid: bool,
    /// Each check, in the order shown.
    pub checks: Vec<PageCheck>,
}

/// Verifies a stored certificate now: envelope signature, schema and key against the
/// registered keys (the same function as `ardoise verify`), and its log proof against the
/// latest signed checkpoint with the registry's key, from the envelope bytes in the database.
pub fn verification(reg: &Registry, s: &Stored, receipt: Option<&Receipt>) -> VerificationState {
    let trust = reg.trust();
    let bytes = s.envelope.as_bytes();
    let mut checks = match verify_envelope(bytes, &trust) {
        Ok(v) => {
            let key_id = &v.certificate.issuer.key_id;
            vec![
                PageCheck {
                    name: "signature",
                    status: "pass",
                    detail: format!("Ed25519, key {key_id}"),
                },
                PageCheck {
                    name: "schema",
                    status: "pass",
                    detail: ardoise_cert::payload::SCHEMA_ID.into(),
                },
                key_check(&trust, &v.certificate, s.received_at_unix),
            ]
        }
        Err(fails) => failed_envelope_checks(&fails),
    };
    checks.push(log_check(reg, bytes, receipt));
    VerificationState {
        valid: checks.iter().all(|c| c.status != "fail"),
        checks,
    }
}

/// The station key at issue time; a key revoked later passes only if this registry received
/// the certificate (by its own clock, `received`) before the revocation.
fn key_check(trust: &TrustFile, cert: &Certificate, received: i64) -> PageCheck {
    let (status, detail) = match trust.status(&cert.issuer.key_id, cert.issued_at) {
        KeyStatus::Valid {
            entry,
            revoked_later: Some(r),
        } => {
            // The registry's own clock, not the station's issued_at, says whether it
            // had the certificate before the revocation.
            let before = received < r.revoked_at.unix_timestamp();
            (
                if before { "pass" } else { "warn" },
                format!(
                    "{}/{}: valid at issue time, revoked later at {} ({}); received by this registry at {}, {} the revocation",
                    entry.workshop,
                    entry.station,
                    ardoise_cert::fmt_time(r.revoked_at),
                    r.reason,
                    records::unix_to_text(received),
                    if before { "before" } else { "AFTER" }
                ),
            )
        }
        KeyStatus::Valid { entry, .. } => (
            "pass",
            format!("{}/{}: valid at issue time", entry.workshop, entry.station),
        ),
        _ => ("fail", "key not valid".into()),
    };
    PageCheck {
        name: "key",
        status,
        detail,
    }
}

/// Signature, schema and key of an envelope that did not verify: the first failure fails,
/// the checks after it are skipped.
fn failed_envelope_checks(fails: &[Check]) -> Vec<PageCheck> {
    let mut checks = Vec::new();
    let mut failed_before = false;
    for name in ["signature", "schema", "key"] {
        if let Some(f) = fails
            .iter()
            .find(|f| f.name == name || (name == "signature" && f.name == "envelope"))
        {
            checks.push(PageCheck {
                name,
                status: "fail",
                detail: f.detail.clone(),
            });
            failed_before = true;
        } else {
            checks.push(PageCheck {
                name,
                status: if failed_before { "skipped" } else { "pass" },
                detail: String::new(),
            });
        }
    }
    checks
}

/// The log proof of the receipt against the registry's key.
fn log_check(reg: &Registry, bytes: &[u8], receipt: Option<&Receipt>) -> PageCheck {
    match receipt {
        None => PageCheck {
            name: "log",
            status: "fail",
            detail: "no proof available".into(),
        },
        Some(r) => match verify_receipt(bytes, r, &reg.verifier) {
            Ok(v) => PageCheck {
                name: "log",
                status: "pass",
                detail: format!(
                    "entry {} of the log {} (signed size {})",
                    v.log_index, v.checkpoint.origin, v.checkpoint.size
                ),
            },
            Err(e) => PageCheck {
                name: "log",
                status: "fail",
                detail: e.to_string(),
            },
        },
    }
}

/// "500 Go (500107862016 octets)": the figure every front end shows, then the exact count.
fn capacity(lang: Language, bytes: u64) -> String {
    format!(
        "{} ({bytes} {})",
        ardoise_units::size(lang, bytes),
        lang.t(W::UnitBytes)
    )
}

/// The certificate, section by section (personal fields as given: masked or not by the caller).
fn certificate_body(lang: Language, c: &Certificate) -> Markup {
    html! {
        (medium_section(lang, c))
        (host_section(lang, c))
        (provenance_section(lang, c))
        (sanitization_section(lang, c))
        (verification_section(lang, c))
        (outcome_section(lang, c))
        (limitations_section(lang, c))
        (issuer_section(lang, c))
    }
}

/// The storage medium: model, serial, type, capacity, health.
fn medium_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let m = &c.media;
    html! {
        h2 { (t(W::CertMedium)) }
        (dl(&[
            (t(W::FModel), html! { (opt(&m.manufacturer)) " " (m.model) }),
            (t(W::FSerial), html! { span.mono { (m.serial) } }),
            (t(W::FType), html! { (word(&m.media_type)) " / " (word(&m.transport)) }),
            (t(W::FCapacity), html! { (capacity(lang, m.capacity_bytes)) }),
            (
                t(W::FHealth),
                html! { (word(&m.health.grade)) " " (m.health.reasons.join("; ")) },
            ),
        ]))
    }
}

/// The machine the medium was in.
fn host_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let s = &c.host.smbios;
    html! {
        h2 { (t(W::CertHost)) }
        (dl(&[
            (t(W::FManufacturer), opt(&s.system_manufacturer)),
            (t(W::FProduct), opt(&s.system_product)),
            (t(W::FSerial), opt(&s.system_serial)),
            (t(W::FAsset), opt(&c.host.asset_tag)),
        ]))
    }
}

/// Where the medium came from.
fn provenance_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let p = &c.provenance;
    html! {
        h2 { (t(W::CertProvenance)) }
        (dl(&[
            (t(W::FDonor), html! { (p.donor.name) }),
            (t(W::FLot), opt(&p.lot)),
            (t(W::FDonation), opt(&p.donation_ref)),
        ]))
    }
}

/// How it was erased, step by step.
fn sanitization_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let z = &c.sanitization;
    let steps = html! {
        ol {
            @for st in &z.steps {
                li {
                    (st.technique) " — " (word(&st.status)) " ("
                    (ardoise_cert::fmt_time(st.started_at)) " → "
                    (ardoise_cert::fmt_time(st.ended_at)) ")"
                    @if let Some(d) = &st.device_status { ": " (d) }
                }
            }
        }
    };
    let achieved = z
        .level_achieved
        .map(|l| word(&l))
        .unwrap_or_else(|| "—".into());
    html! {
        h2 { (t(W::CertSanitization)) }
        (dl(&[
            (t(W::FTechnique), html! { code { (z.technique) } " — " (z.reason) }),
            (t(W::FLevel), html! { (word(&z.level_requested)) " / " (achieved) }),
            (t(W::FStandard), opt(&z.standard_claimed)),
            (t(W::FSteps), steps),
        ]))
    }
}

/// How the erasure was checked.
fn verification_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let v = &c.verification;
    let assurance = v.assurance.as_ref().map(|a| a.statement.as_str());
    html! {
        h2 { (t(W::CertVerification)) }
        (dl(&[
            (t(W::FMethod), html! { (word(&v.method)) }),
            (
                t(W::FResult),
                html! {
                    (word(&v.result)) ", " (v.mismatches) " mismatch(es), "
                    (v.unreadable_samples) " unreadable"
                },
            ),
            (t(W::FSamples), html! { (v.parameters.samples) }),
            (
                t(W::FCoverage),
                html! { (ardoise_cert::payload::ppm_text(v.parameters.coverage_ppm)) },
            ),
            (t(W::FAssurance), html! { (assurance.unwrap_or("—")) }),
        ]))
    }
}

/// The outcome and its exceptions.
fn outcome_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let o = &c.outcome;
    let status = serde_json::to_value(o.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let status_html = html! {
        strong #outcome class=(outcome_class(&status)) { (outcome_word(lang, &status)) }
    };
    let exceptions = html! {
        @if o.exceptions.is_empty() {
            "—"
        } @else {
            ul {
                @for e in &o.exceptions {
                    li { code { (e.code) } ": " (e.detail) }
                }
            }
        }
    };
    html! {
        h2 { (t(W::CertOutcome)) }
        (dl(&[(t(W::FStatus), status_html), (t(W::FExceptions), exceptions)]))
    }
}

/// What the certificate does not claim.
fn limitations_section(lang: Language, c: &Certificate) -> Markup {
    html! {
        h2 { (lang.t(W::CertLimitations)) }
        ul {
            @for l in &c.limitations {
                li { (l.text) }
            }
        }
    }
}

/// Who issued it: workshop, station, journal, key, operator, tool.
fn issuer_section(lang: Language, c: &Certificate) -> Markup {
    let t = |k| lang.t(k);
    let i = &c.issuer;
    let tool = format!(
        "{} {} {}",
        c.tool.name,
        c.tool.version,
        c.tool.image_digest.as_deref().unwrap_or("")
    );
    html! {
        h2 { (t(W::CertIssuer)) }
        (dl(&[
            (t(W::FWorkshop), html! { (i.workshop_name) " (" code { (i.workshop_id) } ")" }),
            (t(W::FStation), html! { code { (i.station_id) } }),
            (t(W::FSeq), html! { (c.journal.seq) }),
            (t(W::FKey), html! { code { (i.key_id) } }),
            (
                t(W::FOperator),
                html! {
                    code { (c.operator.id) }
                    @if let Some(r) = &c.operator.role { " (" (r) ")" }
                },
            ),
            (t(W::FIssued), html! { (ardoise_cert::fmt_time(c.issued_at)) }),
            (t(W::FTool), html! { (tool) }),
        ]))
    }
}

/// The gaps of a station journal, as "3, 5–7".
fn gaps_text(j: &JournalView) -> String {
    let gaps: Vec<String> = j
        .gaps
        .iter()
        .take(20)
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    gaps.join(", ")
}

pub(super) fn journal_section(
    lang: Language,
    j: &JournalView,
    this_seq: Option<u64>,
    full_link: bool,
) -> Markup {
    html! {
        p {
            (lang.t(W::JCount)) ": " (j.certificates) ". "
            @if j.gaps.is_empty() {
                (lang.t(W::JNogap)) "."
            } @else {
                span.warn { (lang.t(W::JGaps)) ": " (gaps_text(j)) }
            }
        }
        table {
            thead { tr {
                th scope="col" { "#" }
                @for k in [W::ColDate, W::ColSerial, W::ColOutcome, W::ColCertificate] {
                    th scope="col" { (lang.t(k)) }
                }
                th scope="col" {}
            } }
            tbody {
                @for e in &j.entries {
                    tr {
                        td { (e.seq) }
                        td { (&e.issued_at[..10.min(e.issued_at.len())]) }
                        td.mono { (e.media_serial) }
                        td { (outcome_word(lang, &e.outcome)) }
                        td {
                            a.mono href={ "/c/" (e.cert_id) "?lang=" (lang.code()) } {
                                (&e.cert_id[..16.min(e.cert_id.len())]) "…"
                            }
                            @if Some(e.seq) == this_seq {
                                " " strong { "(" (lang.t(W::JThis)) ")" }
                            }
                        }
                        td {
                            @match e.link_ok {
                                Some(true) => span.ok { (lang.t(W::JLinkOk)) },
                                Some(false) => span.bad { (lang.t(W::JLinkBad)) },
                                None => {},
                            }
                        }
                    }
                }
            }
        }
        @if full_link {
            p {
                a href={
                    "/stations/" (url_part(&j.workshop)) "/" (url_part(&j.station))
                    "?lang=" (lang.code())
                } { (lang.t(W::JFull)) }
            }
        }
    }
}

pub async fn certificate_page(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let lang = lang_from_query(&headers, q.as_deref());
    let id = id.to_ascii_lowercase();
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return error_page(lang, StatusCode::BAD_REQUEST, lang.t(W::NotfoundCert));
    }
    // An unknown or revoked cookie reads as anonymous: the public page, masked.
    let full = crate::auth::role(&reg.tokens(), &headers)
        .ok()
        .flatten()
        .is_some();
    let r2 = reg.clone();
    let idc = id.clone();
    let res = blocking(move || {
        let Some(s) = r2.pool.with(|c| records::get_certificate(c, &idc))? else {
            return Ok(None);
        };
        let receipt = r2.receipt_for(&s).ok();
        let j = r2.pool.with(|c| {
            records::journal(
                c,
                &s.summary.workshop,
                &s.summary.station,
                Some(s.summary.seq),
                3,
            )
        })?;
        Ok(Some((s, receipt, j)))
    })
    .await;
    let (s, receipt, mut j) = match res {
        Ok(Some(v)) => v,
        Ok(None) => return error_page(lang, StatusCode::NOT_FOUND, lang.t(W::NotfoundCert)),
        Err(e) => return page_err(lang, e),
    };
    let state = verification(&reg, &s, receipt.as_ref());
    if !full {
        for e in &mut j.entries {
            e.media_serial = mask_serial(&e.media_serial);
        }
    }
    // The content: the signed payload (shown even when a check fails, under the warning).
    let payload = ardoise_cert::envelope::Envelope::parse(s.envelope.as_bytes())
        .ok()
        .and_then(|e| parse_payload(&e.payload).ok());
    let h = html! {
        h1 { (lang.t(W::CertTitle)) }
        p.mono { (lang.t(W::FCertid)) ": " (s.summary.cert_id) }
        (verdict_section(lang, &s, &j, state))
        @if !full {
            p.muted #masked-note {
                (lang.t(W::CertMasked)) " "
                a href={ "/login?lang=" (lang.code()) } { (lang.t(W::NavLogin)) }
            }
        }
        @match payload {
            Some(c) if full => (certificate_body(lang, &c)),
            Some(c) => (certificate_body(lang, &masked(&c))),
            None => p.bad { "payload unreadable" },
        }
        (dl(&[(lang.t(W::FReceived), html! { (s.summary.received_at) })]))
        h2 { (lang.t(W::CertJournal)) }
        (journal_section(lang, &j, Some(s.summary.seq), full))
        h2 { (lang.t(W::CertLogproof)) }
        @if let Some(r) = &receipt {
            (proof_section(lang, r))
        }
        (downloads_section(lang, &s.summary.cert_id, full))
    };
    let here = format!("/c/{}", s.summary.cert_id);
    page(lang, lang.t(W::CertTitle), &here, h)
}

/// The verification state, with the station journal's continuity around the entry.
fn verdict_section(
    lang: Language,
    s: &Stored,
    j: &JournalView,
    state: VerificationState,
) -> Markup {
    let mut checks = state.checks;
    let mine = j.entries.iter().find(|e| e.seq == s.summary.seq);
    let next = j.entries.iter().find(|e| e.seq == s.summary.seq + 1);
    let broken =
        mine.and_then(|e| e.link_ok) == Some(false) || next.and_then(|e| e.link_ok) == Some(false);
    checks.push(PageCheck {
        name: "journal",
        status: if broken { "fail" } else { "pass" },
        detail: if broken {
            "broken link with a neighbour".into()
        } else {
            format!("seq {}", s.summary.seq)
        },
    });
    let valid = checks.iter().all(|c| c.status != "fail");
    html! {
        section aria-labelledby="state" {
            h2 #state { (lang.t(W::CertState)) }
            p #verdict class={ "verdict " (if valid { "ok" } else { "bad" }) } data-valid=(valid) {
                (lang.t(if valid { W::CertValid } else { W::CertInvalid }))
            }
            ul.checks {
                @for c in &checks {
                    @let (word, class) = status_word(lang, c.status);
                    li class=(class) data-check=(c.name) data-status=(c.status) {
                        strong { (check_label(lang, c.name)) ": " (word) }
                        @if !c.detail.is_empty() {
                            " " span.muted { "(" (c.detail) ")" }
                        }
                    }
                }
            }
        }
    }
}

/// The inclusion proof and the signed checkpoint it leads to.
fn proof_section(lang: Language, r: &Receipt) -> Markup {
    let cp = ardoise_cert::note::checkpoint_unverified(&r.checkpoint).ok();
    let size = cp.as_ref().map(|c| c.size.to_string()).unwrap_or_default();
    let root = cp.as_ref().map(|c| hex::encode(c.root)).unwrap_or_default();
    dl(&[
        (lang.t(W::FIndex), html! { (r.log_index) }),
        (lang.t(W::FTreesize), html! { (size) }),
        (lang.t(W::FRoot), html! { code { (root) } }),
        (
            lang.t(W::FProof),
            html! { ol.mono { @for p in &r.inclusion_proof { li { (p) } } } },
        ),
        (lang.t(W::FCheckpoint), html! { pre { (r.checkpoint) } }),
        (lang.t(W::FRegistrykey), html! { code { (r.registry_key) } }),
    ])
}

/// Downloads: the receipt for anyone, the envelope (the whole signed payload) for auditors.
fn downloads_section(lang: Language, cert_id: &str, full: bool) -> Markup {
    html! {
        h2 { (lang.t(W::CertDownloads)) }
        ul {
            @if full {
                li {
                    a href={ "/api/v1/certificates/" (cert_id) "/envelope" }
                        download={ (cert_id) ".dsse.json" } { (lang.t(W::CertEnvelope)) }
                }
            } @else {
                li.muted { (lang.t(W::CertEnvelopeAuditors)) }
            }
            li {
                a href={ "/api/v1/certificates/" (cert_id) "/receipt" }
                    download={ (cert_id) ".receipt.json" } { (lang.t(W::CertReceipt)) }
            }
        }
        p.muted { (lang.t(W::CertOffline)) }
    }
}

/// Shown in place of a personal field on the public page.
const MASK: &str = "•••";

/// A serial with only its last four characters shown: enough for whoever holds the disk to
/// match it, not enough to look it up.
pub fn mask_serial(serial: &str) -> String {
    let n = serial.chars().count();
    if n <= 4 {
        return MASK.into();
    }
    let tail: String = serial.chars().skip(n - 4).collect();
    format!("{MASK}{tail}")
}

/// What an anonymous reader sees of a certificate: the personal fields masked (the donor,
/// its references and lot, the machine's serials and asset tags, the operators' pseudonyms;
/// the disk serial but for its last four characters). See docs/registry.md, "Personal data".
pub fn masked(c: &Certificate) -> Certificate {
    let mut m = c.clone();
    let hide = |v: &mut Option<String>| {
        if v.is_some() {
            *v = Some(MASK.into());
        }
    };
    m.provenance.donor.name = MASK.into();
    hide(&mut m.provenance.donor.siren);
    hide(&mut m.provenance.donation_ref);
    hide(&mut m.provenance.lot);
    hide(&mut m.host.asset_tag);
    let s = &mut m.host.smbios;
    for v in [
        &mut s.system_serial,
        &mut s.system_uuid,
        &mut s.board_serial,
        &mut s.chassis_serial,
        &mut s.chassis_asset_tag,
    ] {
        hide(v);
    }
    m.media.serial = mask_serial(&m.media.serial);
    for v in [&mut m.media.wwn, &mut m.media.eui64, &mut m.media.nguid] {
        hide(v);
    }
    m.operator.id = MASK.into();
    if let Some(h) = &mut m.host_reset {
        h.attested_by = MASK.into();
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script>\"'&";
    const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;";

    #[test]
    fn certificate_fields_are_escaped_by_default() {
        let mut c = Certificate::example();
        c.provenance.donor.name = EVIL.into();
        c.provenance.lot = Some(EVIL.into());
        c.media.model = EVIL.into();
        c.media.serial = EVIL.into();
        c.issuer.workshop_name = EVIL.into();
        c.issuer.station_id = EVIL.into();
        c.operator.id = EVIL.into();
        c.sanitization.reason = EVIL.into();
        for full in [true, false] {
            let shown = if full { c.clone() } else { masked(&c) };
            let h = certificate_body(Language::En, &shown).into_string();
            assert!(!h.contains("<script"), "{h}");
            assert!(h.contains(&format!("<code>{ESCAPED}</code>")), "{h}");
            assert!(h.contains(&format!("{ESCAPED} (<code>")), "{h}");
            assert_eq!(h.contains(&format!("<dd>{ESCAPED}</dd>")), full, "{h}");
        }
        let dl = downloads_section(Language::Fr, EVIL, true).into_string();
        assert!(!dl.contains("<script"), "{dl}");
        assert!(dl.contains(&format!("href=\"/api/v1/certificates/{ESCAPED}/receipt\"")));
    }
}
