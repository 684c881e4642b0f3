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
use serde::Serialize;

use super::{
    check_label, dl, error_page, lang_from_query, opt, outcome_class, outcome_word, page, page_err,
    status_word, word,
};
use crate::handler::{blocking, Shared};
use crate::html::{esc, url_part};
use crate::i18n::{Language, Words, W};
use crate::records::{self, JournalView, Stored};
use crate::registry::Registry;

/// One line of a certificate's verification state.
#[derive(Debug, Clone, Serialize)]
pub struct PageCheck {
    pub name: &'static str,
    /// `pass`, `warn`, `fail`, `skipped`.
    pub status: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerificationState {
    pub valid: bool,
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
fn certificate_body(lang: Language, c: &Certificate) -> String {
    [
        medium_section(lang, c),
        host_section(lang, c),
        provenance_section(lang, c),
        sanitization_section(lang, c),
        verification_section(lang, c),
        outcome_section(lang, c),
        limitations_section(lang, c),
        issuer_section(lang, c),
    ]
    .concat()
}

/// The storage medium: model, serial, type, capacity, health.
fn medium_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let m = &c.media;
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertMedium))));
    h.push_str(&dl(&[
        (
            t(W::FModel),
            format!("{} {}", opt(&m.manufacturer), esc(&m.model)),
        ),
        (
            t(W::FSerial),
            format!("<span class=\"mono\">{}</span>", esc(&m.serial)),
        ),
        (
            t(W::FType),
            esc(&format!("{} / {}", word(&m.media_type), word(&m.transport))),
        ),
        (t(W::FCapacity), esc(&capacity(lang, m.capacity_bytes))),
        (
            t(W::FHealth),
            esc(&format!(
                "{} {}",
                word(&m.health.grade),
                m.health.reasons.join("; ")
            )),
        ),
    ]));
    h
}

/// The machine the medium was in.
fn host_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let s = &c.host.smbios;
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertHost))));
    h.push_str(&dl(&[
        (t(W::FManufacturer), opt(&s.system_manufacturer)),
        (t(W::FProduct), opt(&s.system_product)),
        (t(W::FSerial), opt(&s.system_serial)),
        (t(W::FAsset), opt(&c.host.asset_tag)),
    ]));
    h
}

/// Where the medium came from.
fn provenance_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let p = &c.provenance;
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertProvenance))));
    h.push_str(&dl(&[
        (t(W::FDonor), esc(&p.donor.name)),
        (t(W::FLot), opt(&p.lot)),
        (t(W::FDonation), opt(&p.donation_ref)),
    ]));
    h
}

/// How it was erased, step by step.
fn sanitization_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let z = &c.sanitization;
    let mut steps = String::from("<ol>");
    for st in &z.steps {
        steps.push_str(&format!(
            "<li>{} — {} ({} → {}){}</li>",
            esc(&st.technique),
            esc(&word(&st.status)),
            esc(&ardoise_cert::fmt_time(st.started_at)),
            esc(&ardoise_cert::fmt_time(st.ended_at)),
            st.device_status
                .as_deref()
                .map(|d| format!(": {}", esc(d)))
                .unwrap_or_default()
        ));
    }
    steps.push_str("</ol>");
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertSanitization))));
    h.push_str(&dl(&[
        (
            t(W::FTechnique),
            format!("<code>{}</code> — {}", esc(&z.technique), esc(&z.reason)),
        ),
        (
            t(W::FLevel),
            esc(&format!(
                "{} / {}",
                word(&z.level_requested),
                z.level_achieved
                    .map(|l| word(&l))
                    .unwrap_or_else(|| "—".into())
            )),
        ),
        (t(W::FStandard), opt(&z.standard_claimed)),
        (t(W::FSteps), steps),
    ]));
    h
}

/// How the erasure was checked.
fn verification_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let v = &c.verification;
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertVerification))));
    h.push_str(&dl(&[
        (t(W::FMethod), esc(&word(&v.method))),
        (
            t(W::FResult),
            esc(&format!(
                "{}, {} mismatch(es), {} unreadable",
                word(&v.result),
                v.mismatches,
                v.unreadable_samples
            )),
        ),
        (t(W::FSamples), esc(&v.parameters.samples.to_string())),
        (
            t(W::FCoverage),
            esc(&ardoise_cert::payload::ppm_text(v.parameters.coverage_ppm)),
        ),
        (
            t(W::FAssurance),
            esc(v
                .assurance
                .as_ref()
                .map(|a| a.statement.as_str())
                .unwrap_or("—")),
        ),
    ]));
    h
}

/// The outcome and its exceptions.
fn outcome_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let o = &c.outcome;
    let status = serde_json::to_value(o.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut exc = String::new();
    for e in &o.exceptions {
        exc.push_str(&format!(
            "<li><code>{}</code>: {}</li>",
            esc(&e.code),
            esc(&e.detail)
        ));
    }
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertOutcome))));
    h.push_str(&dl(&[
        (
            t(W::FStatus),
            format!(
                "<strong class=\"{}\" id=\"outcome\">{}</strong>",
                outcome_class(&status),
                esc(&outcome_word(lang, &status))
            ),
        ),
        (
            t(W::FExceptions),
            if exc.is_empty() {
                "—".into()
            } else {
                format!("<ul>{exc}</ul>")
            },
        ),
    ]));
    h
}

/// What the certificate does not claim.
fn limitations_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    h.push_str(&format!("<h2>{}</h2><ul>", esc(t(W::CertLimitations))));
    for l in &c.limitations {
        h.push_str(&format!("<li>{}</li>", esc(&l.text)));
    }
    h.push_str("</ul>");
    h
}

/// Who issued it: workshop, station, journal, key, operator, tool.
fn issuer_section(lang: Language, c: &Certificate) -> String {
    let t = |k| lang.t(k);
    let mut h = String::new();
    let i = &c.issuer;
    h.push_str(&format!("<h2>{}</h2>", esc(t(W::CertIssuer))));
    h.push_str(&dl(&[
        (
            t(W::FWorkshop),
            format!(
                "{} (<code>{}</code>)",
                esc(&i.workshop_name),
                esc(&i.workshop_id)
            ),
        ),
        (
            t(W::FStation),
            format!("<code>{}</code>", esc(&i.station_id)),
        ),
        (t(W::FSeq), esc(&c.journal.seq.to_string())),
        (t(W::FKey), format!("<code>{}</code>", esc(&i.key_id))),
        (
            t(W::FOperator),
            format!(
                "<code>{}</code>{}",
                esc(&c.operator.id),
                c.operator
                    .role
                    .as_deref()
                    .map(|r| format!(" ({})", esc(r)))
                    .unwrap_or_default()
            ),
        ),
        (t(W::FIssued), esc(&ardoise_cert::fmt_time(c.issued_at))),
        (
            t(W::FTool),
            esc(&format!(
                "{} {} {}",
                c.tool.name,
                c.tool.version,
                c.tool.image_digest.as_deref().unwrap_or("")
            )),
        ),
    ]));
    h
}

pub(super) fn journal_section(
    lang: Language,
    j: &JournalView,
    this_seq: Option<u64>,
    full_link: bool,
) -> String {
    let mut h = format!("<p>{}: {}. ", esc(lang.t(W::JCount)), j.certificates);
    if j.gaps.is_empty() {
        h.push_str(&format!("{}.</p>", esc(lang.t(W::JNogap))));
    } else {
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
        h.push_str(&format!(
            "<span class=\"warn\">{}: {}</span></p>",
            esc(lang.t(W::JGaps)),
            esc(&gaps.join(", "))
        ));
    }
    h.push_str("<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">");
    h.push_str(&esc(lang.t(W::ColDate)));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t(W::ColSerial)));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t(W::ColOutcome)));
    h.push_str("</th><th scope=\"col\">");
    h.push_str(&esc(lang.t(W::ColCertificate)));
    h.push_str("</th><th scope=\"col\"></th></tr></thead><tbody>");
    for e in &j.entries {
        let link = match e.link_ok {
            Some(true) => format!("<span class=\"ok\">{}</span>", esc(lang.t(W::JLinkOk))),
            Some(false) => format!("<span class=\"bad\">{}</span>", esc(lang.t(W::JLinkBad))),
            None => String::new(),
        };
        let this = if Some(e.seq) == this_seq {
            format!(" <strong>({})</strong>", esc(lang.t(W::JThis)))
        } else {
            String::new()
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td><a class=\"mono\" href=\"/c/{}?lang={}\">{}…</a>{}</td><td>{}</td></tr>",
            e.seq,
            esc(&e.issued_at[..10.min(e.issued_at.len())]),
            esc(&e.media_serial),
            esc(&outcome_word(lang, &e.outcome)),
            esc(&e.cert_id),
            lang.code(),
            esc(&e.cert_id[..16.min(e.cert_id.len())]),
            this,
            link
        ));
    }
    h.push_str("</tbody></table>");
    if full_link {
        h.push_str(&format!(
            "<p><a href=\"/stations/{}/{}?lang={}\">{}</a></p>",
            url_part(&j.workshop),
            url_part(&j.station),
            lang.code(),
            esc(lang.t(W::JFull))
        ));
    }
    h
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
    let mut h = format!(
        "<h1>{}</h1><p class=\"mono\">{}: {}</p>",
        esc(lang.t(W::CertTitle)),
        esc(lang.t(W::FCertid)),
        esc(&s.summary.cert_id)
    );
    h.push_str(&verdict_section(lang, &s, &j, state));
    if !full {
        h.push_str(&format!(
            "<p class=\"muted\" id=\"masked-note\">{} <a href=\"/login?lang={}\">{}</a></p>",
            esc(lang.t(W::CertMasked)),
            lang.code(),
            esc(lang.t(W::NavLogin))
        ));
        for e in &mut j.entries {
            e.media_serial = mask_serial(&e.media_serial);
        }
    }
    // The content: the signed payload (shown even when a check fails, under the warning).
    match ardoise_cert::envelope::Envelope::parse(s.envelope.as_bytes())
        .ok()
        .and_then(|e| parse_payload(&e.payload).ok())
    {
        Some(c) if full => h.push_str(&certificate_body(lang, &c)),
        Some(c) => h.push_str(&certificate_body(lang, &masked(&c))),
        None => h.push_str("<p class=\"bad\">payload unreadable</p>"),
    }
    h.push_str(&dl(&[(lang.t(W::FReceived), esc(&s.summary.received_at))]));
    h.push_str(&format!("<h2>{}</h2>", esc(lang.t(W::CertJournal))));
    h.push_str(&journal_section(lang, &j, Some(s.summary.seq), full));
    h.push_str(&format!("<h2>{}</h2>", esc(lang.t(W::CertLogproof))));
    if let Some(r) = &receipt {
        h.push_str(&proof_section(lang, r));
    }
    h.push_str(&downloads_section(lang, &s.summary.cert_id, full));
    let here = format!("/c/{}", s.summary.cert_id);
    page(lang, lang.t(W::CertTitle), &here, h)
}

/// The verification state, with the station journal's continuity around the entry.
fn verdict_section(
    lang: Language,
    s: &Stored,
    j: &JournalView,
    state: VerificationState,
) -> String {
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
    let mut h = format!(
        "<section aria-labelledby=\"state\"><h2 id=\"state\">{}</h2><p class=\"verdict {}\" id=\"verdict\" data-valid=\"{}\">{}</p><ul class=\"checks\">",
        esc(lang.t(W::CertState)),
        if valid { "ok" } else { "bad" },
        valid,
        esc(lang.t(if valid { W::CertValid } else { W::CertInvalid }))
    );
    for c in &checks {
        let (word, class) = status_word(lang, c.status);
        h.push_str(&format!(
            "<li class=\"{class}\" data-check=\"{name}\" data-status=\"{status}\"><strong>{label}: {word}</strong>{detail}</li>",
            name = c.name,
            status = c.status,
            label = esc(check_label(lang, c.name)),
            word = esc(word),
            detail = if c.detail.is_empty() { String::new() } else { format!(" <span class=\"muted\">({})</span>", esc(&c.detail)) }
        ));
    }
    h.push_str("</ul></section>");
    h
}

/// The inclusion proof and the signed checkpoint it leads to.
fn proof_section(lang: Language, r: &Receipt) -> String {
    let cp = ardoise_cert::note::checkpoint_unverified(&r.checkpoint).ok();
    dl(&[
        (lang.t(W::FIndex), esc(&r.log_index.to_string())),
        (
            lang.t(W::FTreesize),
            esc(&cp.as_ref().map(|c| c.size.to_string()).unwrap_or_default()),
        ),
        (
            lang.t(W::FRoot),
            format!(
                "<code>{}</code>",
                esc(&cp.as_ref().map(|c| hex::encode(c.root)).unwrap_or_default())
            ),
        ),
        (
            lang.t(W::FProof),
            format!(
                "<ol class=\"mono\">{}</ol>",
                r.inclusion_proof
                    .iter()
                    .map(|p| format!("<li>{}</li>", esc(p)))
                    .collect::<String>()
            ),
        ),
        (
            lang.t(W::FCheckpoint),
            format!("<pre>{}</pre>", esc(&r.checkpoint)),
        ),
        (
            lang.t(W::FRegistrykey),
            format!("<code>{}</code>", esc(&r.registry_key)),
        ),
    ])
}

/// Downloads: the receipt for anyone, the envelope (the whole signed payload) for auditors.
fn downloads_section(lang: Language, cert_id: &str, full: bool) -> String {
    let id = esc(cert_id);
    let envelope = if full {
        format!(
            "<li><a href=\"/api/v1/certificates/{id}/envelope\" download=\"{id}.dsse.json\">{}</a></li>",
            esc(lang.t(W::CertEnvelope))
        )
    } else {
        format!(
            "<li class=\"muted\">{}</li>",
            esc(lang.t(W::CertEnvelopeAuditors))
        )
    };
    format!(
        "<h2>{}</h2><ul>{envelope}<li><a href=\"/api/v1/certificates/{id}/receipt\" download=\"{id}.receipt.json\">{}</a></li></ul><p class=\"muted\">{}</p>",
        esc(lang.t(W::CertDownloads)),
        esc(lang.t(W::CertReceipt)),
        esc(lang.t(W::CertOffline)),
    )
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
