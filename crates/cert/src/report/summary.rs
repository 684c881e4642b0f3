//! The machine summary: the page before a machine's disk pages, with what the certificates
//! say about the machine and one table row per disk.

use super::layout::{Doc, AMBER, GREEN, GREY, LIGHT, MARGIN, RED};
use super::pdf::{Font, Page, Rgb, BLACK, PAGE_WIDTH};
use super::text::{first_line, fmt_bytes, opt};
use super::texts::Text;
use super::words::{disposition_text, host_reset_text, outcome_words, storage_text};
use super::{short_id, shown, Language};
use crate::payload::{Certificate, OutcomeStatus};
use crate::verify::{CertificateVerdict, Verdict, VerifyReport};

/// Font size of the disk table.
const TABLE_SIZE: f32 = 8.5;
/// Height of a disk table row.
const TABLE_LEAD: f32 = 13.0;

/// The summary page of the machine whose certificates are `list` (indices into `report`).
pub(super) fn summary_page(doc: &mut Doc, report: &VerifyReport, list: &[usize], checked: bool) {
    let first = list.iter().find_map(|&i| shown(&report.certificates[i]));
    title(doc, first);
    signatures_banner(doc, report, list, checked);
    if let Some(c) = first {
        machine(doc, c, report, list);
        provenance(doc, c);
    }
    let tally = disk_table(doc, report, list, checked);
    totals(doc, &tally, list.len());
}

fn title(doc: &mut Doc, first: Option<&Certificate>) {
    let title = Text::MachineSummary.get(doc.lang);
    doc.start_page(title, "");
    let y = doc.y - 18.0;
    doc.page().text(MARGIN, y, Font::Bold, 18.0, BLACK, title);
    doc.y -= 30.0;
    if let Some(c) = first {
        doc.paragraph(
            &format!(
                "{} \u{2014} {}",
                c.issuer.workshop_name, c.issuer.station_id
            ),
            10.0,
            GREY,
        );
        doc.y -= 4.0;
    }
}

/// Whether every certificate of the machine was verified.
fn signatures_banner(doc: &mut Doc, report: &VerifyReport, list: &[usize], checked: bool) {
    let lang = doc.lang;
    let invalid = list
        .iter()
        .filter(|&&i| report.certificates[i].verdict == Verdict::Invalid)
        .count();
    if !checked {
        doc.banner(AMBER, Text::SignaturesNotCheckedNoTrustFile.get(lang), &[]);
    } else if invalid > 0 {
        doc.banner(
            RED,
            &format!(
                "{} {}",
                invalid,
                Text::InvalidCertificatesSeePages.get(lang)
            ),
            &[],
        );
    } else {
        doc.banner(
            GREEN,
            Text::EveryCertificateOfMachineVerified.get(lang),
            &[],
        );
    }
}

/// The machine's identity (from the first certificate) and the statements about it.
fn machine(doc: &mut Doc, c: &Certificate, report: &VerifyReport, list: &[usize]) {
    let lang = doc.lang;
    doc.heading(Text::Machine.get(lang));
    let s = &c.host.smbios;
    let product = [&s.system_manufacturer, &s.system_product, &s.system_version]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    doc.row(
        Text::Model.get(lang),
        if product.is_empty() {
            "\u{2014}"
        } else {
            &product
        },
    );
    doc.row(Text::SerialNumber.get(lang), &opt(&s.system_serial));
    doc.row("UUID", &opt(&s.system_uuid));
    doc.row(Text::WorkshopAssetTag.get(lang), &opt(&c.host.asset_tag));
    doc.row(
        Text::Destination.get(lang),
        &distinct_statements(report, list, |c| disposition_text(c, lang)),
    );
    doc.row(
        Text::HostMachineReset.get(lang),
        &distinct_statements(report, list, |c| host_reset_text(c, lang)),
    );
    doc.row(
        Text::DiskControllers.get(lang),
        &distinct_statements(report, list, |c| storage_text(c, lang)),
    );
}

/// A statement about the machine is recorded in each of its certificates: every distinct
/// one, in order, one a line.
fn distinct_statements(
    report: &VerifyReport,
    list: &[usize],
    statement: impl Fn(&Certificate) -> String,
) -> String {
    let mut out: Vec<String> = Vec::new();
    for t in list
        .iter()
        .filter_map(|&i| shown(&report.certificates[i]))
        .map(statement)
    {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.join("\n")
}

fn provenance(doc: &mut Doc, c: &Certificate) {
    let lang = doc.lang;
    doc.heading(Text::Provenance.get(lang));
    doc.row(Text::Donor.get(lang), &c.provenance.donor.name);
    if let Some(siren) = &c.provenance.donor.siren {
        doc.row("SIREN", siren);
    }
    doc.row(
        Text::DonationReference.get(lang),
        &opt(&c.provenance.donation_ref),
    );
    doc.row(Text::Lot.get(lang), &opt(&c.provenance.lot));
}

/// How many disks of the machine ended in each way.
#[derive(Default)]
struct Tally {
    erased: usize,
    exceptions: usize,
    not_erased: usize,
    /// Invalid certificates and files that held none.
    unusable: usize,
}

/// The x of each column of the disk table and its heading.
fn columns(lang: Language) -> [(f32, &'static str); 5] {
    [
        (MARGIN, Text::Model.get(lang)),
        (MARGIN + 170.0, Text::Serial.get(lang)),
        (MARGIN + 285.0, Text::Capacity.get(lang)),
        (MARGIN + 350.0, Text::Result.get(lang)),
        (MARGIN + 455.0, Text::Certificate.get(lang)),
    ]
}

/// One row per disk: model, serial, capacity, result, certificate id.
fn disk_table(doc: &mut Doc, report: &VerifyReport, list: &[usize], checked: bool) -> Tally {
    doc.heading(Text::StorageMedia.get(doc.lang));
    let cols = columns(doc.lang);
    doc.ensure(14.0);
    for (x, h) in cols {
        let y = doc.y;
        doc.page().text(x, y, Font::Bold, TABLE_SIZE, GREY, h);
    }
    doc.y -= TABLE_LEAD;
    let mut tally = Tally::default();
    for (row, &i) in list.iter().enumerate() {
        let v = &report.certificates[i];
        doc.ensure(TABLE_LEAD);
        let (result, color) = result_cell(v, checked, doc.lang, &mut tally);
        disk_row(doc, &cols, row, v, (&result, color));
        doc.y -= TABLE_LEAD;
    }
    tally
}

/// The result column of a disk, counted in `tally`.
fn result_cell(
    v: &CertificateVerdict,
    checked: bool,
    lang: Language,
    tally: &mut Tally,
) -> (String, Rgb) {
    match (shown(v), v.verdict, checked) {
        (_, Verdict::Invalid, true) => {
            tally.unusable += 1;
            (Text::Invalid.get(lang).to_string(), RED)
        }
        (Some(c), _, _) => {
            match c.outcome.status {
                OutcomeStatus::Erased => tally.erased += 1,
                OutcomeStatus::ErasedWithExceptions => tally.exceptions += 1,
                OutcomeStatus::NotErased => tally.not_erased += 1,
            }
            let (w, col) = outcome_words(c.outcome.status, lang);
            (w.to_string(), col)
        }
        (None, _, _) => {
            tally.unusable += 1;
            (Text::Unreadable.get(lang).to_string(), RED)
        }
    }
}

/// Draws row number `row` (every other one shaded) at the cursor.
fn disk_row(
    doc: &mut Doc,
    cols: &[(f32, &str); 5],
    row: usize,
    v: &CertificateVerdict,
    (result, color): (&str, Rgb),
) {
    let lang = doc.lang;
    let y = doc.y;
    let fit = |s: &str, w: f32| first_line(s, Font::Regular, TABLE_SIZE, w);
    let page = doc.page();
    if !row.is_multiple_of(2) {
        page.fill_rect(
            MARGIN - 3.0,
            y - 3.5,
            PAGE_WIDTH - 2.0 * MARGIN + 6.0,
            12.5,
            LIGHT,
        );
    }
    let cell = |page: &mut Page, col: usize, text: &str| {
        page.text(cols[col].0, y, Font::Regular, TABLE_SIZE, BLACK, text);
    };
    if let Some(c) = shown(v) {
        cell(page, 0, &fit(&c.media.model, 165.0));
        cell(page, 1, &fit(&c.media.serial, 110.0));
        cell(page, 2, &fmt_bytes(c.media.capacity_bytes, lang));
    } else {
        let name = v
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cell(page, 0, &fit(&name, 280.0));
    }
    page.text(
        cols[3].0,
        y,
        Font::Bold,
        TABLE_SIZE,
        color,
        &fit(result, 100.0),
    );
    cell(page, 4, short_id(v).unwrap_or("\u{2014}"));
}

/// The count of each outcome under the table.
fn totals(doc: &mut Doc, t: &Tally, disks: usize) {
    let Tally {
        erased,
        exceptions,
        not_erased,
        unusable,
    } = t;
    doc.y -= 6.0;
    doc.paragraph(
        &match doc.lang {
            Language::Fr => format!(
                "{disks} certificat(s) : {erased} effacé(s), {exceptions} effacé(s) avec réserves, {not_erased} non effacé(s), {unusable} invalide(s) ou illisible(s)."
            ),
            Language::En => format!(
                "{disks} certificate(s): {erased} erased, {exceptions} erased with exceptions, {not_erased} not erased, {unusable} invalid or unreadable."
            ),
        },
        9.5,
        BLACK,
    );
}
