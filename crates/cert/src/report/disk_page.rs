//! A disk's page: its certificate, block by block (title and QR code, verdict banner,
//! medium, erasure, verification, exceptions and limitations, issue).

use super::layout::{Doc, AMBER, GREEN, GREY, MARGIN, RED, TOP};
use super::pdf::{Font, Rgb, BLACK, PAGE_WIDTH};
use super::qr::{draw_qr, qr_url};
use super::text::{fmt_bytes, fmt_datetime, fmt_duration, fmt_int, fmt_ppm, opt, wrap};
use super::texts::Text;
use super::winansi;
use super::words::{
    assurance_text, health_word, level_word, limitation_text, media_type_word, method_word,
    outcome_words, qc_text, result_word, transport_word,
};
use super::{short_id, shown, Language, ReportError, ReportOptions};
use crate::payload::{Certificate, HiddenAreaState, Media, Sanitization, StepStatus};
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
    let title = Text::ErasureCertificate.get(lang);
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
        doc.row(Text::File.get(lang), &v.file.display().to_string());
        doc.row(
            Text::Identifier.get(lang),
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
    let label = Text::VerifyOnline.get(doc.lang);
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
            Text::Station.get(lang),
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
        &format!("{} {word}", Text::ResultColon.get(lang)),
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
            Text::LevelAchieved.get(lang),
            level_word(c.sanitization.level_achieved, lang),
            Text::Requested.get(lang),
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
            Text::SignatureNotCheckedNoTrustFile.get(lang).into(),
            vec![Text::NotGuaranteedUntilVerified.get(lang).into()],
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
                Text::CertificateVerifiedValidSignature.get(lang).into(),
                lines,
            )
        }
        Verdict::Invalid => {
            let mut lines: Vec<String> = v
                .failed_checks()
                .map(|c| format!("{} : {}", c.name, c.detail))
                .collect();
            lines.push(Text::ClaimedNotGuaranteed.get(lang).into());
            (
                RED,
                Text::InvalidCertificateDoNotRely.get(lang).into(),
                lines,
            )
        }
    }
}

/// The erased medium: identity, size, health, hidden areas.
fn medium(doc: &mut Doc, m: &Media) {
    let lang = doc.lang;
    doc.heading(Text::ErasedMedium.get(lang));
    doc.row(Text::Manufacturer.get(lang), &opt(&m.manufacturer));
    doc.row(Text::Model.get(lang), &m.model);
    doc.row(
        Text::SerialNumber.get(lang),
        if m.serial.is_empty() {
            "\u{2014}"
        } else {
            &m.serial
        },
    );
    doc.row(Text::Firmware.get(lang), &opt(&m.firmware));
    let ids: Vec<String> = [("WWN", &m.wwn), ("EUI-64", &m.eui64), ("NGUID", &m.nguid)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    if !ids.is_empty() {
        doc.row(Text::UniqueIdentifiers.get(lang), &ids.join(", "));
    }
    doc.row(
        Text::TypeInterface.get(lang),
        &format!(
            "{} / {}",
            media_type_word(m.media_type, lang),
            transport_word(m.transport)
        ),
    );
    doc.row(Text::Capacity.get(lang), &capacity_text(m, lang));
    doc.row(Text::Health.get(lang), &health_text(m, lang));
    doc.row(
        Text::HiddenAreasBeforeAfter.get(lang),
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
        Text::Bytes.get(lang),
        fmt_int(m.lba_count, lang),
        m.logical_sector_size,
        Text::PhysicalSector.get(lang),
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
            Text::PoweredOn.get(lang)
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
        Some(true) => Text::Yes.get(lang),
        Some(false) => Text::No.get(lang),
        None => "?",
    };
    let sectors = |n: Option<u64>| n.map(|v| fmt_int(v, lang)).unwrap_or_else(|| "?".into());
    format!(
        "HPA {}, DCO {}, {} {} / {}",
        yes_no(s.hpa),
        yes_no(s.dco),
        Text::VisibleNativeSectors.get(lang),
        sectors(s.visible_sectors),
        sectors(s.native_sectors),
    )
}

/// How the medium was erased: technique, steps, passes, timing, errors.
fn erasure(doc: &mut Doc, s: &Sanitization) {
    let lang = doc.lang;
    doc.heading(Text::Erasure.get(lang));
    doc.row(Text::Technique.get(lang), &s.technique);
    doc.row(Text::WhyThisTechnique.get(lang), &s.reason);
    if let Some(std) = &s.standard_claimed {
        doc.row(Text::Standard.get(lang), std);
    }
    if !s.steps.is_empty() {
        doc.row(Text::Steps.get(lang), &steps_text(s, lang));
    }
    if let (Some(r), Some(d)) = (s.passes_requested, s.passes_completed) {
        doc.row(
            Text::Passes.get(lang),
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
        Text::StartEnd.get(lang),
        &format!(
            "{} \u{2192} {} ({})",
            fmt_datetime(s.started_at, lang),
            fmt_datetime(s.ended_at, lang),
            fmt_duration((s.ended_at - s.started_at).whole_seconds(), lang)
        ),
    );
    doc.row(Text::WritesErrors.get(lang), &writes_text(s, lang));
    if let Some(ds) = &s.device_status {
        doc.row(Text::DeviceReportedStatus.get(lang), &ds.summary);
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
                    StepStatus::Completed => Text::Completed.get(lang),
                    StepStatus::Failed => Text::Failed.get(lang),
                    StepStatus::Aborted => Text::Aborted.get(lang),
                    StepStatus::Skipped => Text::Skipped.get(lang),
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
        Text::BytesWritten.get(lang),
        fmt_int(s.errors.io_errors, lang),
        Text::IoErrors.get(lang),
        fmt_int(s.errors.retries, lang),
        Text::Retries.get(lang),
        fmt_int(s.errors.unreadable_sectors, lang),
        Text::UnreadableSectors.get(lang)
    )
}

/// The read-back: method, result, what was read, what it proves, quality control.
fn verification(doc: &mut Doc, c: &Certificate) {
    let lang = doc.lang;
    let ver = &c.verification;
    doc.heading(Text::Verification.get(lang));
    doc.row(Text::Method.get(lang), method_word(ver.method, lang));
    doc.row(
        Text::Result.get(lang),
        &format!(
            "{} \u{2014} {} {}, {} {}",
            result_word(ver.result, lang),
            fmt_int(ver.mismatches, lang),
            Text::Mismatches.get(lang),
            fmt_int(ver.unreadable_samples, lang),
            Text::UnreadableSamples.get(lang)
        ),
    );
    doc.row(
        Text::ReadBack.get(lang),
        &format!(
            "{} {}, {} ({} {})",
            fmt_int(ver.parameters.samples, lang),
            Text::Locations.get(lang),
            fmt_bytes(ver.parameters.bytes_read, lang),
            fmt_ppm(ver.parameters.coverage_ppm, lang),
            Text::OfTheCapacity.get(lang)
        ),
    );
    if let Some(a) = assurance_text(c, lang) {
        doc.row(Text::Assurance.get(lang), &a);
    }
    doc.row(Text::QualityControl.get(lang), &qc_text(c, lang));
}

fn exceptions_and_limitations(doc: &mut Doc, c: &Certificate) {
    let lang = doc.lang;
    if !c.outcome.exceptions.is_empty() {
        doc.heading(Text::Exceptions.get(lang));
        for e in &c.outcome.exceptions {
            doc.row(&e.code, &e.detail);
        }
    }
    if !c.limitations.is_empty() {
        doc.heading(Text::KnownLimitations.get(lang));
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
    doc.heading(Text::Issue.get(lang));
    doc.row(
        Text::Workshop.get(lang),
        &format!("{} ({})", c.issuer.workshop_name, c.issuer.workshop_id),
    );
    doc.row(Text::OperatorPseudonym.get(lang), &c.operator.id);
    doc.row(
        Text::Software.get(lang),
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
        Text::Issued.get(lang),
        &format!(
            "{} ({} {})",
            fmt_datetime(c.issued_at, lang),
            Text::StationJournalNumber.get(lang),
            c.journal.seq
        ),
    );
    doc.row(
        Text::CertificateIdentifier.get(lang),
        v.cert_id.as_deref().unwrap_or("\u{2014}"),
    );
    if let Some(url) = url {
        doc.row(Text::VerificationPage.get(lang), url);
    }
}
