//! A disk's page: its certificate, block by block (title and QR code, verdict banner,
//! medium, erasure, verification, exceptions and limitations, issue).

use super::layout::{Doc, AMBER, GREEN, GREY, MARGIN, RED, TOP};
use super::pdf::{Font, Rgb, BLACK, PAGE_WIDTH};
use super::qr::{draw_qr, qr_url};
use super::text::{fmt_bytes, fmt_datetime, fmt_duration, fmt_int, fmt_ppm, opt, wrap};
use super::winansi;
use super::words::{
    assurance_text, health_word, level_word, limitation_text, media_type_word, method_word,
    outcome_words, qc_text, result_word, transport_word,
};
use super::{short_id, shown, Language, ReportError, ReportOptions};
use crate::model::{Certificate, HiddenAreaState, Media, Sanitization, StepStatus};
use crate::verify::{CertificateVerdict, CheckStatus, Verdict};

/// Side of the QR code in the top right corner.
const QR: f32 = 104.0;

/// The page of the certificate `v`; `checked` says whether a trust file was given.
pub(super) fn disk_page(
    doc: &mut Doc,
    v: &CertificateVerdict,
    checked: bool,
    options: &ReportOptions,
) -> Result<(), ReportError> {
    let lang = doc.lang;
    let title = lang.pick("Certificat d'effacement", "Erasure certificate");
    doc.start_page(title, short_id(v).unwrap_or_default());
    let url = qr_url(v, options);
    if let Some(url) = &url {
        qr_corner(doc, url)?;
    }
    let c = shown(v);
    title_block(doc, title, c);
    doc.y = doc.y.min(TOP - QR - 12.0);

    let (color, banner_title, lines) = verdict_banner(v, checked, lang);
    doc.banner(color, &banner_title, &lines);

    let Some(c) = c else {
        doc.row(lang.pick("Fichier", "File"), &v.file.display().to_string());
        doc.row(
            lang.pick("Identifiant", "Identifier"),
            v.cert_id.as_deref().unwrap_or("\u{2014}"),
        );
        return Ok(());
    };
    medium(doc, &c.media);
    erasure(doc, &c.sanitization);
    verification(doc, c);
    exceptions_and_limitations(doc, c);
    issue(doc, c, v, url.as_deref());
    Ok(())
}

/// The QR code of the registry page in the top right corner, captioned.
fn qr_corner(doc: &mut Doc, url: &str) -> Result<(), ReportError> {
    let label = doc.lang.pick("Vérifier en ligne", "Verify online");
    let page = doc.page();
    draw_qr(page, url, PAGE_WIDTH - MARGIN - QR, TOP + 6.0, QR)?;
    let w = winansi::text_width(label, false, 7.5);
    page.text(
        PAGE_WIDTH - MARGIN - QR / 2.0 - w / 2.0,
        TOP - QR + 2.0,
        Font::Regular,
        7.5,
        GREY,
        label,
    );
    Ok(())
}

/// Title, issuer, outcome and level, left of the QR code.
fn title_block(doc: &mut Doc, title: &str, c: Option<&Certificate>) {
    let lang = doc.lang;
    let y = doc.y - 18.0;
    doc.page().text(MARGIN, y, Font::Bold, 18.0, BLACK, title);
    doc.y -= 32.0;
    let Some(c) = c else { return };
    for l in wrap(
        &format!(
            "{} \u{2014} {} {}",
            c.issuer.workshop_name,
            lang.pick("poste", "station"),
            c.issuer.station_id
        ),
        Font::Regular,
        10.0,
        PAGE_WIDTH - 2.0 * MARGIN - QR - 10.0,
    ) {
        let y = doc.y;
        doc.page().text(MARGIN, y, Font::Regular, 10.0, GREY, &l);
        doc.y -= 13.0;
    }
    let (word, color) = outcome_words(c.outcome.status, lang);
    doc.y -= 10.0;
    let y = doc.y - 8.0;
    doc.page().text(
        MARGIN,
        y,
        Font::Bold,
        16.0,
        color,
        &format!("{} {word}", lang.pick("Résultat :", "Result:")),
    );
    doc.y -= 26.0;
    let y = doc.y;
    doc.page().text(
        MARGIN,
        y,
        Font::Regular,
        9.5,
        BLACK,
        &format!(
            "{} {} \u{2014} {} {}",
            lang.pick("niveau atteint :", "level achieved:"),
            level_word(c.sanitization.level_achieved, lang),
            lang.pick("demandé :", "requested:"),
            level_word(Some(c.sanitization.level_requested), lang)
        ),
    );
}

/// Verdict banner for one certificate: colour, title, reasons.
fn verdict_banner(
    v: &CertificateVerdict,
    checked: bool,
    lang: Language,
) -> (Rgb, String, Vec<String>) {
    if !checked {
        return (
            AMBER,
            lang.pick(
                "SIGNATURE NON VÉRIFIÉE — aucun fichier de confiance n'a été fourni",
                "SIGNATURE NOT CHECKED — no trust file was given",
            )
            .into(),
            vec![lang
                .pick(
                    "Les informations ci-dessous ne sont pas garanties tant que le certificat n'a pas été vérifié (ardoise verify, ou la page du registre).",
                    "The information below is not guaranteed until the certificate is verified (ardoise verify, or the registry page).",
                )
                .into()],
        );
    }
    match v.verdict {
        Verdict::Valid => {
            let lines = v
                .checks
                .iter()
                .filter(|c| c.status == CheckStatus::Warn)
                .map(|c| format!("{} : {}", c.name, c.detail))
                .collect();
            (
                GREEN,
                lang.pick(
                    "Certificat vérifié : signature valide d'une station de confiance",
                    "Certificate verified: valid signature by a trusted station",
                )
                .into(),
                lines,
            )
        }
        Verdict::Invalid => {
            let mut lines: Vec<String> = v
                .failed_checks()
                .map(|c| format!("{} : {}", c.name, c.detail))
                .collect();
            lines.push(
                lang.pick(
                    "Les informations ci-dessous sont celles que le fichier prétend contenir ; elles ne sont PAS garanties.",
                    "The information below is what the file claims; it is NOT guaranteed.",
                )
                .into(),
            );
            (
                RED,
                lang.pick(
                    "CERTIFICAT INVALIDE — NE PAS S'Y FIER",
                    "INVALID CERTIFICATE — DO NOT RELY ON IT",
                )
                .into(),
                lines,
            )
        }
    }
}

/// The erased medium: identity, size, health, hidden areas.
fn medium(doc: &mut Doc, m: &Media) {
    let lang = doc.lang;
    doc.heading(lang.pick("Support effacé", "Erased medium"));
    doc.row(
        lang.pick("Fabricant", "Manufacturer"),
        &opt(&m.manufacturer),
    );
    doc.row(lang.pick("Modèle", "Model"), &m.model);
    doc.row(
        lang.pick("Numéro de série", "Serial number"),
        if m.serial.is_empty() {
            "\u{2014}"
        } else {
            &m.serial
        },
    );
    doc.row(lang.pick("Micrologiciel", "Firmware"), &opt(&m.firmware));
    let ids: Vec<String> = [("WWN", &m.wwn), ("EUI-64", &m.eui64), ("NGUID", &m.nguid)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    if !ids.is_empty() {
        doc.row(
            lang.pick("Identifiants uniques", "Unique identifiers"),
            &ids.join(", "),
        );
    }
    doc.row(
        lang.pick("Type / interface", "Type / interface"),
        &format!(
            "{} / {}",
            media_type_word(m.media_type, lang),
            transport_word(m.transport)
        ),
    );
    doc.row(lang.pick("Capacité", "Capacity"), &capacity_text(m, lang));
    doc.row(lang.pick("Santé", "Health"), &health_text(m, lang));
    doc.row(
        lang.pick("Zones cachées avant / après", "Hidden areas before / after"),
        &format!(
            "{}\n{}",
            hidden_area_text(&m.hidden_areas.before, lang),
            hidden_area_text(&m.hidden_areas.after, lang)
        ),
    );
}

/// "256 GB (256,060,514,304 bytes = 500,118,192 × 512; physical sector 4096)".
fn capacity_text(m: &Media, lang: Language) -> String {
    format!(
        "{} ({} {} = {} × {} ; {} {})",
        fmt_bytes(m.capacity_bytes, lang),
        fmt_int(m.capacity_bytes, lang),
        lang.pick("octets", "bytes"),
        fmt_int(m.lba_count, lang),
        m.logical_sector_size,
        lang.pick("secteur physique", "physical sector"),
        m.physical_sector_size,
    )
}

/// The health grade, hours powered on and the reasons for the grade.
fn health_text(m: &Media, lang: Language) -> String {
    let mut health = health_word(m.health.grade, lang).to_string();
    if let Some(h) = m.health.power_on_hours {
        health.push_str(&format!(
            ", {} h {}",
            fmt_int(h, lang),
            lang.pick("de fonctionnement", "powered on")
        ));
    }
    if !m.health.reasons.is_empty() {
        health.push_str(&format!(" ({})", m.health.reasons.join("; ")));
    }
    health
}

/// "HPA no, DCO no, visible / native sectors 1,000 / 1,000".
fn hidden_area_text(s: &HiddenAreaState, lang: Language) -> String {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => lang.pick("oui", "yes"),
        Some(false) => lang.pick("non", "no"),
        None => "?",
    };
    let sectors = |n: Option<u64>| n.map(|v| fmt_int(v, lang)).unwrap_or_else(|| "?".into());
    format!(
        "HPA {}, DCO {}, {} {} / {}",
        yes_no(s.hpa),
        yes_no(s.dco),
        lang.pick("secteurs visibles / natifs", "visible / native sectors"),
        sectors(s.visible_sectors),
        sectors(s.native_sectors),
    )
}

/// How the medium was erased: technique, steps, passes, timing, errors.
fn erasure(doc: &mut Doc, s: &Sanitization) {
    let lang = doc.lang;
    doc.heading(lang.pick("Effacement", "Erasure"));
    doc.row(lang.pick("Technique", "Technique"), &s.technique);
    doc.row(lang.pick("Motif du choix", "Why this technique"), &s.reason);
    if let Some(std) = &s.standard_claimed {
        doc.row(lang.pick("Référentiel", "Standard"), std);
    }
    if !s.steps.is_empty() {
        doc.row(lang.pick("Étapes", "Steps"), &steps_text(s, lang));
    }
    if let (Some(r), Some(d)) = (s.passes_requested, s.passes_completed) {
        doc.row(
            lang.pick("Passes", "Passes"),
            &format!(
                "{d}/{r}{}",
                s.pattern
                    .as_ref()
                    .map(|p| format!(", {p}"))
                    .unwrap_or_default()
            ),
        );
    }
    doc.row(
        lang.pick("Début / fin", "Start / end"),
        &format!(
            "{} \u{2192} {} ({})",
            fmt_datetime(s.started_at, lang),
            fmt_datetime(s.ended_at, lang),
            fmt_duration((s.ended_at - s.started_at).whole_seconds(), lang)
        ),
    );
    doc.row(
        lang.pick("Écritures / erreurs", "Writes / errors"),
        &writes_text(s, lang),
    );
    if let Some(ds) = &s.device_status {
        doc.row(
            lang.pick("État rapporté par le disque", "Device-reported status"),
            &ds.summary,
        );
    }
}

/// One line per step: technique, status and what the device said.
fn steps_text(s: &Sanitization, lang: Language) -> String {
    s.steps
        .iter()
        .map(|st| {
            format!(
                "{} ({}){}",
                st.technique,
                match st.status {
                    StepStatus::Completed => lang.pick("terminé", "completed"),
                    StepStatus::Failed => lang.pick("échec", "failed"),
                    StepStatus::Aborted => lang.pick("interrompu", "aborted"),
                    StepStatus::Skipped => lang.pick("non exécuté", "skipped"),
                },
                st.device_status
                    .as_ref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bytes written and the errors met on the way.
fn writes_text(s: &Sanitization, lang: Language) -> String {
    format!(
        "{} {} ; {} {}, {} {}, {} {}",
        fmt_int(s.bytes_written, lang),
        lang.pick("octets écrits", "bytes written"),
        fmt_int(s.errors.io_errors, lang),
        lang.pick("erreur(s) d'E/S", "I/O error(s)"),
        fmt_int(s.errors.retries, lang),
        lang.pick("nouvel(les) essai(s)", "retries"),
        fmt_int(s.errors.unreadable_sectors, lang),
        lang.pick("secteur(s) illisible(s)", "unreadable sector(s)")
    )
}

/// The read-back: method, result, what was read, what it proves, quality control.
fn verification(doc: &mut Doc, c: &Certificate) {
    let lang = doc.lang;
    let ver = &c.verification;
    doc.heading(lang.pick("Vérification", "Verification"));
    doc.row(
        lang.pick("Méthode", "Method"),
        method_word(ver.method, lang),
    );
    doc.row(
        lang.pick("Résultat", "Result"),
        &format!(
            "{} \u{2014} {} {}, {} {}",
            result_word(ver.result, lang),
            fmt_int(ver.mismatches, lang),
            lang.pick("écart(s)", "mismatch(es)"),
            fmt_int(ver.unreadable_samples, lang),
            lang.pick("échantillon(s) illisible(s)", "unreadable sample(s)")
        ),
    );
    doc.row(
        lang.pick("Relu", "Read back"),
        &format!(
            "{} {}, {} ({} {})",
            fmt_int(ver.parameters.samples, lang),
            lang.pick("emplacement(s)", "location(s)"),
            fmt_bytes(ver.parameters.bytes_read, lang),
            fmt_ppm(ver.parameters.coverage_ppm, lang),
            lang.pick("de la capacité", "of the capacity")
        ),
    );
    if let Some(a) = assurance_text(c, lang) {
        doc.row(lang.pick("Portée", "Assurance"), &a);
    }
    doc.row(
        lang.pick("Contrôle qualité", "Quality control"),
        &qc_text(c, lang),
    );
}

fn exceptions_and_limitations(doc: &mut Doc, c: &Certificate) {
    let lang = doc.lang;
    if !c.outcome.exceptions.is_empty() {
        doc.heading(lang.pick("Réserves", "Exceptions"));
        for e in &c.outcome.exceptions {
            doc.row(&e.code, &e.detail);
        }
    }
    if !c.limitations.is_empty() {
        doc.heading(lang.pick("Limites connues", "Known limitations"));
        for l in &c.limitations {
            doc.paragraph(
                &format!("\u{2022} {}", limitation_text(&l.code, &l.text, lang)),
                8.0,
                BLACK,
            );
        }
    }
}

/// Who issued the certificate, with what, when, and where to verify it.
fn issue(doc: &mut Doc, c: &Certificate, v: &CertificateVerdict, url: Option<&str>) {
    let lang = doc.lang;
    doc.heading(lang.pick("Émission", "Issue"));
    doc.row(
        lang.pick("Atelier", "Workshop"),
        &format!("{} ({})", c.issuer.workshop_name, c.issuer.workshop_id),
    );
    doc.row(
        lang.pick("Opérateur (pseudonyme)", "Operator (pseudonym)"),
        &c.operator.id,
    );
    doc.row(
        lang.pick("Logiciel", "Software"),
        &format!(
            "{} {}{}",
            c.tool.name,
            c.tool.version,
            c.tool
                .build
                .as_ref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default()
        ),
    );
    doc.row(
        lang.pick("Émis le", "Issued"),
        &format!(
            "{} ({} {})",
            fmt_datetime(c.issued_at, lang),
            lang.pick("journal du poste n°", "station journal no."),
            c.journal.seq
        ),
    );
    doc.row(
        lang.pick("Identifiant du certificat", "Certificate identifier"),
        v.cert_id.as_deref().unwrap_or("\u{2014}"),
    );
    if let Some(url) = url {
        doc.row(lang.pick("Page de vérification", "Verification page"), url);
    }
}
