//! Labels to stick on each machine: workshop, asset tag, date, destination, the verdict of
//! each disk and the QR code of each disk's certificate page. Two formats: a 62 mm continuous
//! roll (Brother QL and the like: one page per machine, as long as it needs) and an A4 sheet
//! of 2 × 4 labels of 99.1 × 67.7 mm (the common L7165 layout).
//!
//! Built on the donor report's PDF writer and QR drawing; certificates are verified the same
//! way (an invalid one is labelled INVALID, and without a trust file the label says the
//! signatures were not checked).

use super::texts::Text;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::layout::{GREY, RED};
use super::pdf::{self, Font, Page, Rgb, BLACK};
use super::qr::{draw_qr, qr_url};
use super::text::{fmt_bytes, wrap};
use super::words::outcome_words;
use super::{shown, Language, ReportError, ReportOptions};
use crate::payload::{Certificate, Destination};
use crate::trust::TrustFile;
use crate::verify::{verify_files, CertificateVerdict, Verdict};

/// 1 mm in points.
const MM: f32 = 72.0 / 25.4;

/// The label layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// 62 mm wide continuous roll, one label per machine.
    Roll62,
    /// A4 sheet, 2 columns × 4 rows of 99.1 × 67.7 mm.
    SheetA4,
}

impl std::str::FromStr for LabelFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<LabelFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "62mm" | "62" | "roll" => Ok(LabelFormat::Roll62),
            "a4" | "sheet" => Ok(LabelFormat::SheetA4),
            other => Err(format!("unknown label format {other:?} (62mm or a4)")),
        }
    }
}

/// The labels and what they were made from.
#[derive(Debug)]
pub struct LabelOutput {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// One per machine, in the order of the files.
    pub machines: usize,
    /// Number of pages of the PDF.
    pub pages: usize,
    /// The certificate page addresses the QR codes hold.
    pub urls: Vec<String>,
}

/// One disk line of a label.
struct DiskLine {
    text: String,
    verdict: (&'static str, Rgb),
    url: Option<String>,
}

/// One machine's label.
struct Machine {
    workshop: String,
    asset_tag: Option<String>,
    issued: OffsetDateTime,
    destination: Option<Destination>,
    model: Option<String>,
    disks: Vec<DiskLine>,
}

fn machine_key(c: &Certificate) -> String {
    c.host
        .machine_session
        .clone()
        .unwrap_or_else(|| super::host_key(c))
}

fn destination_word(d: Option<Destination>, lang: Language) -> &'static str {
    match d {
        Some(Destination::Reuse) => Text::Reuse.get(lang),
        Some(Destination::Parts) => Text::SparePartsCapitals.get(lang),
        Some(Destination::Recycling) => Text::RecyclingWeee.get(lang),
        None => Text::NotRecorded.get(lang),
    }
}

fn disk_line(
    v: &CertificateVerdict,
    c: &Certificate,
    checked: bool,
    o: &ReportOptions,
) -> DiskLine {
    let verdict = if checked && v.verdict == Verdict::Invalid {
        (Text::InvalidCertificate.get(o.lang), RED)
    } else {
        outcome_words(c.outcome.status, o.lang)
    };
    let serial: String = {
        let s: Vec<char> = c.media.serial.trim().chars().collect();
        s[s.len().saturating_sub(4)..].iter().collect()
    };
    DiskLine {
        text: format!(
            "{} \u{2026}{serial} {}",
            c.media.model.trim(),
            fmt_bytes(c.media.capacity_bytes, o.lang)
        ),
        verdict,
        url: qr_url(v, o),
    }
}

/// The machines of `verification`, grouped by machine session (else SMBIOS identity).
fn machines(verification: &[CertificateVerdict], checked: bool, o: &ReportOptions) -> Vec<Machine> {
    let mut out: Vec<(String, Machine)> = Vec::new();
    for v in verification {
        let Some(c) = shown(v) else { continue };
        let key = machine_key(c);
        let line = disk_line(v, c, checked, o);
        let i = match out.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let s = &c.host.smbios;
                let model = [
                    s.system_manufacturer.as_deref(),
                    s.system_version.as_deref().or(s.system_product.as_deref()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                out.push((
                    key,
                    Machine {
                        workshop: c.issuer.workshop_name.clone(),
                        asset_tag: c.host.asset_tag.clone(),
                        issued: c.issued_at,
                        destination: None,
                        model: (!model.is_empty()).then_some(model),
                        disks: Vec::new(),
                    },
                ));
                out.len() - 1
            }
        };
        let m = &mut out[i].1;
        m.issued = m.issued.max(c.issued_at);
        m.destination = m
            .destination
            .or(c.disposition.as_ref().map(|d| d.destination));
        m.asset_tag = m.asset_tag.clone().or_else(|| c.host.asset_tag.clone());
        m.disks.push(line);
    }
    out.into_iter().map(|(_, m)| m).collect()
}

fn date(t: OffsetDateTime, lang: Language) -> String {
    let f = match lang {
        Language::Fr => time::macros::format_description!("[day]/[month]/[year]"),
        Language::En => time::macros::format_description!("[year]-[month]-[day]"),
    };
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

/// Where a label's text goes: a column `width` wide from (x, top) down; lines that would go
/// below `floor` are left out (the sheet's fixed height).
#[derive(Clone, Copy)]
struct Column {
    x: f32,
    top: f32,
    width: f32,
    floor: f32,
}

/// Draws the text of a label in `col`; returns the y below the last line.
fn draw_text(page: &mut Page, m: &Machine, col: Column, checked: bool, lang: Language) -> f32 {
    let Column {
        x,
        top,
        width,
        floor,
    } = col;
    let mut y = top;
    let put = |page: &mut Page, text: &str, font: Font, size: f32, color: Rgb, y: &mut f32| {
        for l in wrap(text, font, size, width) {
            if *y - size < floor {
                return;
            }
            *y -= size;
            page.text(x, *y, font, size, color, &l);
            *y -= size * 0.3;
        }
    };
    put(page, &m.workshop, Font::Bold, 8.5, BLACK, &mut y);
    put(
        page,
        Text::AssetTag.get(lang),
        Font::Regular,
        6.5,
        GREY,
        &mut y,
    );
    put(
        page,
        m.asset_tag.as_deref().unwrap_or("\u{2014}"),
        Font::Bold,
        14.0,
        BLACK,
        &mut y,
    );
    let when = format!("{} {}", Text::ErasedOn.get(lang), date(m.issued, lang));
    put(page, &when, Font::Regular, 7.5, BLACK, &mut y);
    put(
        page,
        &format!(
            "{} : {}",
            Text::Destination.get(lang),
            destination_word(m.destination, lang)
        ),
        Font::Bold,
        8.0,
        BLACK,
        &mut y,
    );
    if let Some(model) = &m.model {
        put(page, model, Font::Regular, 6.5, GREY, &mut y);
    }
    y -= 3.0;
    for (n, d) in m.disks.iter().enumerate() {
        let text = format!("{}. {}", n + 1, d.text);
        put(page, &text, Font::Regular, 6.5, BLACK, &mut y);
        put(page, d.verdict.0, Font::Bold, 8.0, d.verdict.1, &mut y);
    }
    if !checked {
        put(
            page,
            Text::SignaturesNotChecked.get(lang),
            Font::Regular,
            6.0,
            RED,
            &mut y,
        );
    }
    y
}

/// Height of the disk number under each QR code.
const CAPTION: f32 = 8.0;

/// QR codes of the disks' certificate pages, `size` points each with the disk's number under
/// it, in rows of `per_row` starting at (x, top); returns the y below them.
fn draw_qrs(
    page: &mut Page,
    m: &Machine,
    x: f32,
    top: f32,
    size: f32,
    per_row: usize,
    urls: &mut Vec<String>,
) -> Result<f32, ReportError> {
    let mut y = top;
    let list: Vec<(usize, &String)> = m
        .disks
        .iter()
        .enumerate()
        .filter_map(|(n, d)| Some((n + 1, d.url.as_ref()?)))
        .collect();
    for row in list.chunks(per_row.max(1)) {
        for (i, (n, url)) in row.iter().enumerate() {
            let left = x + i as f32 * size;
            draw_qr(page, url, left, y, size)?;
            let caption = n.to_string();
            page.text(
                left + size / 2.0 - 2.0,
                y - size - 6.0,
                Font::Bold,
                7.0,
                BLACK,
                &caption,
            );
            urls.push((*url).clone());
        }
        y -= size + CAPTION;
    }
    Ok(y)
}

/// One 62 mm roll label per machine, as long as its content.
fn roll(
    machines: &[Machine],
    checked: bool,
    lang: Language,
    urls: &mut Vec<String>,
) -> Result<Vec<Page>, ReportError> {
    let width = 62.0 * MM;
    let margin = 3.0 * MM;
    let qr = 27.0 * MM;
    let mut pages = Vec::new();
    for m in machines {
        // Measured on a scratch page, then drawn on a page of that height.
        let scratch = Column {
            x: 0.0,
            top: 10_000.0,
            width: width - 2.0 * margin,
            floor: f32::MIN,
        };
        let text_h = 10_000.0 - draw_text(&mut Page::new(), m, scratch, checked, lang);
        let n = m.disks.iter().filter(|d| d.url.is_some()).count();
        let qr_h = n.div_ceil(2) as f32 * (qr + CAPTION);
        let height = margin + text_h + 2.0 * MM + qr_h + margin;
        let mut page = Page::sized(width, height);
        let col = Column {
            x: margin,
            top: height - margin,
            floor: margin,
            ..scratch
        };
        let below = draw_text(&mut page, m, col, checked, lang);
        let per_row = n.clamp(1, 2);
        let x = (width - per_row as f32 * qr) / 2.0;
        draw_qrs(&mut page, m, x, below - 2.0 * MM, qr, per_row, urls)?;
        pages.push(page);
    }
    Ok(pages)
}

/// A4 sheets of 2 × 4 labels of 99.1 × 67.7 mm: text on the left, QR codes on the right.
fn sheet(
    machines: &[Machine],
    checked: bool,
    lang: Language,
    urls: &mut Vec<String>,
) -> Result<Vec<Page>, ReportError> {
    let (w, h) = (99.1 * MM, 67.7 * MM);
    let (left, top) = (4.65 * MM, pdf::PAGE_HEIGHT - 13.1 * MM);
    let (pitch_x, pad) = (101.6 * MM, 4.0 * MM);
    let qr_area = 38.0 * MM;
    let mut pages: Vec<Page> = Vec::new();
    for (i, m) in machines.iter().enumerate() {
        if i % 8 == 0 {
            pages.push(Page::new());
        }
        let page = pages.last_mut().expect("pushed");
        let (col, row) = ((i % 8) % 2, (i % 8) / 2);
        let x = left + col as f32 * pitch_x;
        let y_top = top - row as f32 * h;
        page.line(x, y_top - h, x + w, y_top - h, 0.2, GREY);
        let col = Column {
            x: x + pad,
            top: y_top - pad,
            width: w - qr_area - 2.0 * pad,
            floor: y_top - h + pad,
        };
        draw_text(page, m, col, checked, lang);
        let n = m.disks.iter().filter(|d| d.url.is_some()).count().max(1);
        // Stacked when two fit, else side by side, as large as the area allows.
        let high = h - 2.0 * pad;
        let (per_row, size) = if n <= 2 {
            (1, (high / n as f32 - CAPTION).min(qr_area))
        } else {
            let per_row = n.div_ceil(2);
            (
                per_row,
                (qr_area / per_row as f32).min(high / 2.0 - CAPTION),
            )
        };
        let qx = x + w - pad - per_row as f32 * size;
        draw_qrs(page, m, qx, y_top - pad, size, per_row, urls)?;
    }
    Ok(pages)
}

/// The labels of the machines whose certificates are `files`.
pub fn labels(
    files: &[PathBuf],
    format: LabelFormat,
    options: &ReportOptions,
) -> Result<LabelOutput, ReportError> {
    if files.is_empty() {
        return Err(ReportError::NoFiles);
    }
    let verification = verify_files(
        files,
        options.trust.as_ref().unwrap_or(&TrustFile::default()),
        &options.verify,
    );
    let checked = options.trust.is_some();
    let machines = machines(&verification.certificates, checked, options);
    let mut urls = Vec::new();
    let pages = match format {
        LabelFormat::Roll62 => roll(&machines, checked, options.lang, &mut urls)?,
        LabelFormat::SheetA4 => sheet(&machines, checked, options.lang, &mut urls)?,
    };
    let created = options
        .generated_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let pdf = pdf::write(
        &pages,
        &pdf::Info {
            title: Text::MachineLabels.get(options.lang),
            producer: concat!("ardoise ", env!("CARGO_PKG_VERSION")),
            creation_date: &created,
        },
    );
    Ok(LabelOutput {
        pdf,
        machines: machines.len(),
        pages: pages.len(),
        urls,
    })
}
