//! The donor report: a PDF with one summary page per machine and one page per disk, in
//! French (default) or English, generated from the signed certificates after verifying them.
//!
//! A certificate that fails verification is still shown (so the donor sees which disk it
//! claims to cover) under a red "INVALID — do not rely on it" banner listing the failed
//! checks; with no trust file the banner says the signature was not checked. Each disk page
//! carries the certificate id and a QR code of `<registry_url>/c/<cert_id>`.

pub mod label;
mod pdf;
mod ttf;
mod unicode;
mod winansi;

use std::path::PathBuf;

use qrcode::{Color, EcLevel, QrCode};
use time::OffsetDateTime;

use crate::model::{
    limitations, Certificate, Destination, HealthGrade, Level, MediaTransport, MediaType,
    OutcomeStatus, VerificationMethod, VerificationResult, QC_RULE_NONE,
};
use crate::trust::TrustFile;
use crate::verify::{
    verify_files, CertificateVerdict, CheckStatus, Verdict, VerifyOptions, VerifyReport,
};
use pdf::{Font, Page, Rgb, BLACK, PAGE_HEIGHT, PAGE_WIDTH, WHITE};

/// Report language: the one every front end shares.
pub use ardoise_units::Language;

/// Options of [`report`].
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub lang: Language,
    /// Base URL of the registry for the QR codes; defaults to each certificate's
    /// `issuer.registry_url`.
    pub registry_url: Option<String>,
    /// Trust file to verify with; without one the report says the signatures were not checked.
    pub trust: Option<TrustFile>,
    pub verify: VerifyOptions,
    /// Shown in the footer.
    pub generated_at: OffsetDateTime,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Language::Fr,
            registry_url: None,
            trust: None,
            verify: VerifyOptions::default(),
            generated_at: OffsetDateTime::now_utc(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no certificate file given")]
    NoFiles,
    #[error("QR code for {url}: {reason}")]
    Qr { url: String, reason: String },
}

/// The PDF and the verification it was built from (so a caller can refuse or warn).
#[derive(Debug)]
pub struct ReportOutput {
    pub pdf: Vec<u8>,
    pub verification: VerifyReport,
    /// True when every certificate was verified with a trust file and is valid.
    pub all_verified: bool,
    pub pages: usize,
}

/// Builds the donor report for `files`.
pub fn report(files: &[PathBuf], options: &ReportOptions) -> Result<ReportOutput, ReportError> {
    if files.is_empty() {
        return Err(ReportError::NoFiles);
    }
    let verification = verify_files(
        files,
        options.trust.as_ref().unwrap_or(&TrustFile::default()),
        &options.verify,
    );
    let checked = options.trust.is_some();

    // Group by machine, in the order the files were given.
    let mut hosts: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in verification.certificates.iter().enumerate() {
        let key = shown(v).map(host_key).unwrap_or_else(|| "?".into());
        match hosts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(i),
            None => hosts.push((key, vec![i])),
        }
    }

    let mut doc = Doc::new(options.lang);
    for (_, list) in &hosts {
        summary_page(&mut doc, &verification, list, checked);
        for &i in list {
            disk_page(&mut doc, &verification.certificates[i], checked, options)?;
        }
    }

    let lang = options.lang;
    let generated = fmt_datetime(options.generated_at, lang);
    let total = doc.pages.len();
    for (n, (page, tag)) in doc.pages.iter_mut().enumerate() {
        let tag_text = if tag.is_empty() {
            String::new()
        } else {
            format!(
                " \u{2014} {} {tag}\u{2026}",
                lang.pick("certificat", "certificate")
            )
        };
        let footer = format!(
            "ardoise {} \u{2014} {} {}{tag_text} \u{2014} {} {}/{}",
            env!("CARGO_PKG_VERSION"),
            lang.pick("généré le", "generated"),
            generated,
            lang.pick("page", "page"),
            n + 1,
            total
        );
        page.line(MARGIN, 42.0, PAGE_WIDTH - MARGIN, 42.0, 0.5, GREY);
        page.text(MARGIN, 30.0, Font::Regular, 7.5, GREY, &footer);
    }
    let pages: Vec<Page> = doc.pages.into_iter().map(|(p, _)| p).collect();
    let created = options
        .generated_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let bytes = pdf::write(
        &pages,
        &pdf::Info {
            title: lang.pick("Certificats d'effacement", "Erasure certificates"),
            producer: concat!("ardoise ", env!("CARGO_PKG_VERSION")),
            creation_date: &created,
        },
    );
    let all_verified = checked && verification.ok;
    Ok(ReportOutput {
        pdf: bytes,
        all_verified,
        pages: pages.len(),
        verification,
    })
}

const MARGIN: f32 = 45.0;
const TOP: f32 = PAGE_HEIGHT - 45.0;
const BOTTOM: f32 = 52.0;
const LABEL_WIDTH: f32 = 150.0;
const ROW_SIZE: f32 = 8.5;
const ROW_LEAD: f32 = 10.5;
const GREY: Rgb = Rgb(0.4, 0.4, 0.4);
const GREEN: Rgb = Rgb(0.11, 0.48, 0.24);
const RED: Rgb = Rgb(0.75, 0.08, 0.08);
const AMBER: Rgb = Rgb(0.80, 0.47, 0.0);
const LIGHT: Rgb = Rgb(0.93, 0.93, 0.93);

/// Pages being laid out, each with a footer tag (certificate id or machine).
struct Doc {
    lang: Language,
    pages: Vec<(Page, String)>,
    y: f32,
    /// Title repeated on continuation pages.
    continuation: String,
    tag: String,
}

impl Doc {
    fn new(lang: Language) -> Doc {
        Doc {
            lang,
            pages: Vec::new(),
            y: TOP,
            continuation: String::new(),
            tag: String::new(),
        }
    }

    fn page(&mut self) -> &mut Page {
        &mut self.pages.last_mut().expect("a page was started").0
    }

    fn start_page(&mut self, continuation: &str, tag: &str) {
        self.pages.push((Page::new(), tag.to_string()));
        self.continuation = continuation.to_string();
        self.tag = tag.to_string();
        self.y = TOP;
    }

    /// Makes room for `h` points, continuing on a new page if needed.
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            let title = format!(
                "{} ({})",
                self.continuation,
                self.lang.pick("suite", "continued")
            );
            let tag = self.tag.clone();
            let cont = self.continuation.clone();
            self.start_page(&cont, &tag);
            let y = self.y - 12.0;
            self.page().text(MARGIN, y, Font::Bold, 12.0, BLACK, &title);
            self.y -= 28.0;
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(30.0);
        self.y -= 11.0;
        let y = self.y;
        self.page().text(MARGIN, y, Font::Bold, 10.5, BLACK, text);
        self.y -= 3.5;
        let y = self.y;
        self.page()
            .line(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.6, GREY);
        self.y -= 10.5;
    }

    /// A label and a (wrapped) value.
    fn row(&mut self, label: &str, value: &str) {
        let width = PAGE_WIDTH - 2.0 * MARGIN - LABEL_WIDTH;
        let lines = wrap(value, Font::Regular, ROW_SIZE, width);
        let label_lines = wrap(label, Font::Bold, ROW_SIZE, LABEL_WIDTH - 8.0);
        let n = lines.len().max(label_lines.len()).max(1);
        self.ensure(n as f32 * ROW_LEAD);
        for (i, l) in label_lines.iter().enumerate() {
            let y = self.y - i as f32 * ROW_LEAD;
            self.page().text(MARGIN, y, Font::Bold, ROW_SIZE, GREY, l);
        }
        for (i, l) in lines.iter().enumerate() {
            let y = self.y - i as f32 * ROW_LEAD;
            self.page()
                .text(MARGIN + LABEL_WIDTH, y, Font::Regular, ROW_SIZE, BLACK, l);
        }
        self.y -= n as f32 * ROW_LEAD;
    }

    fn paragraph(&mut self, text: &str, size: f32, color: Rgb) {
        for l in wrap(text, Font::Regular, size, PAGE_WIDTH - 2.0 * MARGIN) {
            self.ensure(size + 3.0);
            let y = self.y;
            self.page().text(MARGIN, y, Font::Regular, size, color, &l);
            self.y -= size + 3.0;
        }
    }

    /// A full-width coloured banner with a bold first line and smaller lines below.
    fn banner(&mut self, color: Rgb, title: &str, lines: &[String]) {
        let width = PAGE_WIDTH - 2.0 * MARGIN - 16.0;
        let title_lines = wrap(title, Font::Bold, 12.0, width);
        let body: Vec<String> = lines
            .iter()
            .flat_map(|l| wrap(l, Font::Regular, 9.0, width))
            .collect();
        let h = 12.0 + title_lines.len() as f32 * 15.0 + body.len() as f32 * 11.5;
        self.ensure(h + 8.0);
        let top = self.y;
        self.page()
            .fill_rect(MARGIN, top - h, PAGE_WIDTH - 2.0 * MARGIN, h, color);
        let mut y = top - 18.0;
        for l in &title_lines {
            self.page()
                .text(MARGIN + 8.0, y, Font::Bold, 12.0, WHITE, l);
            y -= 15.0;
        }
        for l in &body {
            self.page()
                .text(MARGIN + 8.0, y + 2.0, Font::Regular, 9.0, WHITE, l);
            y -= 11.5;
        }
        self.y = top - h - 10.0;
    }
}

/// Greedy word wrap; words longer than a line (hex ids) are cut.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let bold = font.is_bold();
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if winansi::text_width(&candidate, bold, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while winansi::text_width(&rest, bold, size) > width {
                let mut cut = rest.len();
                while cut > 1
                    && (!rest.is_char_boundary(cut)
                        || winansi::text_width(&rest[..cut], bold, size) > width)
                {
                    cut -= 1;
                }
                lines.push(rest[..cut].to_string());
                rest = rest[cut..].to_string();
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// The certificate to display: verified if possible, else what the payload claims.
fn shown(v: &CertificateVerdict) -> Option<&Certificate> {
    v.certificate.as_ref().or(v.claimed.as_ref())
}

fn host_key(c: &Certificate) -> String {
    let s = &c.host.smbios;
    s.system_uuid
        .clone()
        .or_else(|| s.system_serial.clone())
        .or_else(|| c.host.asset_tag.clone())
        .unwrap_or_else(|| "?".into())
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "\u{2014}".into())
}

fn fmt_int(n: u64, lang: Language) -> String {
    let sep = match lang {
        Language::Fr => '\u{a0}',
        Language::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Decimal units, as drives are sold: the same figures as the screens and the registry.
fn fmt_bytes(n: u64, lang: Language) -> String {
    ardoise_units::size(lang, n)
}

fn fmt_datetime(t: OffsetDateTime, lang: Language) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let f = match lang {
        Language::Fr => {
            time::macros::format_description!("[day]/[month]/[year] [hour]:[minute]:[second] UTC")
        }
        Language::En => {
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC")
        }
    };
    t.format(f).unwrap_or_default()
}

/// A span of the erase; a negative one (clock set back) reads as zero.
fn fmt_duration(secs: i64, lang: Language) -> String {
    let secs = u64::try_from(secs).unwrap_or(0);
    ardoise_units::duration(lang, std::time::Duration::from_secs(secs))
}

fn outcome_words(s: OutcomeStatus, lang: Language) -> (&'static str, Rgb) {
    match s {
        OutcomeStatus::Erased => (lang.pick("EFFACÉ", "ERASED"), GREEN),
        OutcomeStatus::ErasedWithExceptions => (
            lang.pick("EFFACÉ AVEC RÉSERVES", "ERASED WITH EXCEPTIONS"),
            AMBER,
        ),
        OutcomeStatus::NotErased => (lang.pick("NON EFFACÉ", "NOT ERASED"), RED),
    }
}

fn level_word(l: Option<Level>, lang: Language) -> &'static str {
    match l {
        Some(Level::Clear) => lang.pick("effacement simple (clear)", "clear"),
        Some(Level::Purge) => lang.pick("purge", "purge"),
        None => lang.pick("aucun", "none"),
    }
}

fn media_type_word(t: MediaType, lang: Language) -> &'static str {
    match t {
        MediaType::Hdd => lang.pick("disque dur (HDD)", "hard disk (HDD)"),
        MediaType::Ssd => "SSD",
        MediaType::NvmeSsd => lang.pick("SSD NVMe", "NVMe SSD"),
        MediaType::Hybrid => lang.pick("disque hybride (SSHD)", "hybrid disk (SSHD)"),
        MediaType::Emmc => "eMMC",
        MediaType::UsbFlash => lang.pick("mémoire flash USB", "USB flash"),
        MediaType::Virtual => lang.pick("disque virtuel", "virtual disk"),
        MediaType::RaidVolume => lang.pick("volume RAID", "RAID volume"),
        MediaType::Unknown => lang.pick("inconnu", "unknown"),
    }
}

fn transport_word(t: MediaTransport) -> &'static str {
    match t {
        MediaTransport::Ata => "SATA/ATA",
        MediaTransport::Sas => "SAS",
        MediaTransport::Nvme => "NVMe",
        MediaTransport::Usb => "USB",
        MediaTransport::Mmc => "MMC",
        MediaTransport::Virtio => "virtio",
        MediaTransport::Loop => "loop",
        MediaTransport::File => "file",
        MediaTransport::Simulated => "simulated",
        MediaTransport::Other => "other",
    }
}

fn method_word(m: VerificationMethod, lang: Language) -> &'static str {
    match m {
        VerificationMethod::Full => lang.pick("relecture complète", "full read-back"),
        VerificationMethod::StratifiedSample => lang.pick(
            "échantillonnage aléatoire stratifié (NIST SP 800-88 r1 §4.7)",
            "stratified random sampling (NIST SP 800-88 r1 §4.7)",
        ),
        VerificationMethod::CePrePostCompare => lang.pick(
            "comparaison avant/après de blocs échantillonnés",
            "before/after comparison of sampled blocks",
        ),
        VerificationMethod::None => lang.pick("aucune", "none"),
    }
}

fn result_word(r: VerificationResult, lang: Language) -> &'static str {
    match r {
        VerificationResult::Pass => lang.pick("conforme", "pass"),
        VerificationResult::Fail => lang.pick("NON CONFORME", "FAIL"),
        VerificationResult::NotRun => lang.pick("non effectuée", "not run"),
    }
}

fn health_word(g: HealthGrade, lang: Language) -> &'static str {
    match g {
        HealthGrade::Good => lang.pick("bon", "good"),
        HealthGrade::Worn => lang.pick("usé", "worn"),
        HealthGrade::Failing => lang.pick("défaillant", "failing"),
        HealthGrade::Unknown => lang.pick("inconnu", "unknown"),
    }
}

fn limitation_text(code: &str, text: &str, lang: Language) -> String {
    if lang == Language::En {
        return text.to_string();
    }
    match code {
        limitations::HOST_READBACK_SPARE_FLASH => "La relecture par l'ordinateur ne voit que les blocs logiques : elle ne peut pas observer la mémoire flash de réserve, sur-provisionnée ou réallouée.".into(),
        limitations::FIRMWARE_TRUSTED => "Une commande d'effacement du micrologiciel est exécutée par le disque lui-même : sa complétude relève du fabricant et n'est vérifiée ici que par relecture.".into(),
        limitations::BAD_SECTORS_NOT_COVERED => "Les secteurs réalloués ou illisibles par le disque peuvent encore contenir d'anciennes données.".into(),
        limitations::NO_CONFORMANCE_CLAIM => "Aucune conformité à la norme IEEE 2883 n'est revendiquée.".into(),
        _ => text.to_string(),
    }
}

fn assurance_text(c: &Certificate, lang: Language) -> Option<String> {
    let a = c.verification.assurance.as_ref()?;
    if lang == Language::En {
        return Some(a.statement.clone());
    }
    let mut s = format!(
        "{} échantillons : une part dispersée non effacée d'au moins {} aurait été détectée avec une probabilité d'au moins {} %",
        fmt_int(c.verification.parameters.samples, lang),
        crate::model::ppm_text(a.detectable_fraction_ppm).replace('.', ","),
        a.confidence_percent
    );
    if let Some(b) = a.contiguous_certain_bytes {
        s.push_str(&format!(
            " ; toute zone contiguë non effacée d'au moins {} est toujours détectée",
            fmt_bytes(b, lang)
        ));
    }
    s.push('.');
    Some(s)
}

/// Verdict banner for one certificate: colour, title, reasons.
fn disposition_text(c: &Certificate, lang: Language) -> String {
    let Some(d) = &c.disposition else {
        return lang.pick("non renseignée", "not recorded").into();
    };
    let word = match d.destination {
        Destination::Reuse => lang.pick("réemploi (vente ou don)", "reuse (sale or donation)"),
        Destination::Parts => lang.pick("pièces détachées", "spare parts"),
        Destination::Recycling => lang.pick(
            "recyclage (DEEE, éco-organisme)",
            "recycling (WEEE, eco-organisme)",
        ),
    };
    match &d.detail {
        Some(detail) => format!("{word} \u{2014} {detail}"),
        None => word.into(),
    }
}

/// "selected for quality control: yes/no, rate 5 %".
fn qc_text(c: &Certificate, lang: Language) -> String {
    if c.qc.rule == QC_RULE_NONE {
        return lang
            .pick(
                "sélection non enregistrée (certificat antérieur au contrôle qualité)",
                "selection not recorded (certificate older than quality control)",
            )
            .into();
    }
    let rate = crate::model::ppm_text(u64::from(c.qc.rate_ppm));
    if c.qc.rule == crate::model::QC_RULE_LOG_V1 {
        return match lang {
            Language::Fr => format!(
                "sélection décidée par le registre à l'enregistrement (voir le reçu), taux {}",
                rate.replace('.', ",")
            ),
            Language::En => {
                format!(
                    "selection decided by the registry when logged (see the receipt), rate {rate}"
                )
            }
        };
    }
    match lang {
        Language::Fr => format!(
            "sélectionné pour le contrôle qualité : {}, taux {}",
            if c.qc.selected { "oui" } else { "non" },
            rate.replace('.', ",")
        ),
        Language::En => format!(
            "selected for quality control: {}, rate {rate}",
            if c.qc.selected { "yes" } else { "no" }
        ),
    }
}

/// Whether the station saw every disk of the machine, in words.
fn storage_text(c: &Certificate, lang: Language) -> String {
    let Some(storage) = &c.host.storage else {
        return lang.pick("non relevés", "not surveyed").into();
    };
    if storage.complete {
        return lang
            .pick(
                "tous pilotés, tous les disques étaient visibles",
                "all with a driver, every disk was visible",
            )
            .into();
    }
    crate::host_storage::problem_sentences(storage, lang == Language::Fr).join("\n")
}

fn host_reset_text(c: &Certificate, lang: Language) -> String {
    let Some(h) = &c.host_reset else {
        return lang.pick("rien n'a été attesté", "nothing attested").into();
    };
    let word = |v: Option<bool>| match v {
        Some(true) => lang.pick("oui", "yes"),
        Some(false) => lang.pick("non", "no"),
        None => lang.pick("non attesté", "not attested"),
    };
    let items = [
        (
            lang.pick("UEFI/BIOS réinitialisé", "UEFI/BIOS settings reset"),
            h.firmware_settings_reset,
        ),
        (lang.pick("TPM effacé", "TPM cleared"), h.tpm_cleared),
        (
            lang.pick(
                "empreintes biométriques effacées",
                "biometric templates cleared",
            ),
            h.biometric_templates_cleared,
        ),
        (
            lang.pick("étiquettes retirées", "labels removed"),
            h.labels_removed,
        ),
    ]
    .iter()
    .map(|(label, v)| format!("{label}{} {}", lang.pick(" :", ":"), word(*v)))
    .collect::<Vec<_>>()
    .join("\n");
    format!(
        "{} {} {}\n{items}",
        lang.pick("attesté par", "attested by"),
        h.attested_by,
        lang.pick(
            "(déclaration de l'opérateur, non vérifiée par le logiciel) :",
            "(the operator's statement, not checked by the software):"
        )
    )
}

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
            let mut lines = vec![];
            for c in v.checks.iter().filter(|c| c.status == CheckStatus::Warn) {
                lines.push(format!("{} : {}", c.name, c.detail));
            }
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

fn summary_page(doc: &mut Doc, report: &VerifyReport, list: &[usize], checked: bool) {
    let lang = doc.lang;
    let first = list.iter().find_map(|&i| shown(&report.certificates[i]));
    let title = lang.pick("Récapitulatif machine", "Machine summary");
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

    let invalid = list
        .iter()
        .filter(|&&i| report.certificates[i].verdict == Verdict::Invalid)
        .count();
    if !checked {
        doc.banner(
            AMBER,
            lang.pick(
                "SIGNATURES NON VÉRIFIÉES — aucun fichier de confiance n'a été fourni",
                "SIGNATURES NOT CHECKED — no trust file was given",
            ),
            &[],
        );
    } else if invalid > 0 {
        doc.banner(
            RED,
            &format!(
                "{} {}",
                invalid,
                lang.pick(
                    "CERTIFICAT(S) INVALIDE(S) — voir les pages concernées",
                    "INVALID CERTIFICATE(S) — see the pages concerned",
                )
            ),
            &[],
        );
    } else {
        doc.banner(
            GREEN,
            lang.pick(
                "Tous les certificats de cette machine sont vérifiés",
                "Every certificate of this machine is verified",
            ),
            &[],
        );
    }

    if let Some(c) = first {
        doc.heading(lang.pick("Machine", "Machine"));
        let s = &c.host.smbios;
        let product = [&s.system_manufacturer, &s.system_product, &s.system_version]
            .iter()
            .filter_map(|v| v.as_deref())
            .collect::<Vec<_>>()
            .join(" ");
        doc.row(
            lang.pick("Modèle", "Model"),
            if product.is_empty() {
                "\u{2014}"
            } else {
                &product
            },
        );
        doc.row(
            lang.pick("Numéro de série", "Serial number"),
            &opt(&s.system_serial),
        );
        doc.row("UUID", &opt(&s.system_uuid));
        doc.row(
            lang.pick("Étiquette de l'atelier", "Workshop asset tag"),
            &opt(&c.host.asset_tag),
        );
        // About the machine, recorded in each of its certificates: every distinct statement.
        let distinct = |f: &dyn Fn(&Certificate) -> String| {
            let mut out: Vec<String> = Vec::new();
            for t in list
                .iter()
                .filter_map(|&i| shown(&report.certificates[i]))
                .map(f)
            {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out.join("\n")
        };
        doc.row(
            lang.pick("Destination", "Destination"),
            &distinct(&|c| disposition_text(c, lang)),
        );
        doc.row(
            lang.pick("Remise à zéro de la machine", "Host machine reset"),
            &distinct(&|c| host_reset_text(c, lang)),
        );
        doc.row(
            lang.pick("Contrôleurs de disques", "Disk controllers"),
            &distinct(&|c| storage_text(c, lang)),
        );
        doc.heading(lang.pick("Provenance", "Provenance"));
        doc.row(lang.pick("Donateur", "Donor"), &c.provenance.donor.name);
        if let Some(siren) = &c.provenance.donor.siren {
            doc.row("SIREN", siren);
        }
        doc.row(
            lang.pick("Référence du don", "Donation reference"),
            &opt(&c.provenance.donation_ref),
        );
        doc.row(lang.pick("Lot", "Lot"), &opt(&c.provenance.lot));
    }

    doc.heading(lang.pick("Supports de stockage", "Storage media"));
    let cols = [
        (MARGIN, lang.pick("Modèle", "Model")),
        (MARGIN + 170.0, lang.pick("N° de série", "Serial")),
        (MARGIN + 285.0, lang.pick("Capacité", "Capacity")),
        (MARGIN + 350.0, lang.pick("Résultat", "Result")),
        (MARGIN + 455.0, lang.pick("Certificat", "Certificate")),
    ];
    doc.ensure(14.0);
    for (x, h) in cols {
        let y = doc.y;
        doc.page().text(x, y, Font::Bold, 8.5, GREY, h);
    }
    doc.y -= 13.0;
    let (mut erased, mut exceptions, mut not_erased, mut unusable) = (0, 0, 0, 0);
    for (row, &i) in list.iter().enumerate() {
        let v = &report.certificates[i];
        doc.ensure(13.0);
        let y = doc.y;
        let fit = |s: &str, w: f32| -> String {
            wrap(s, Font::Regular, 8.5, w)
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        let (result, color) = match (shown(v), v.verdict, checked) {
            (_, Verdict::Invalid, true) => {
                unusable += 1;
                (lang.pick("INVALIDE", "INVALID").to_string(), RED)
            }
            (Some(c), _, _) => {
                match c.outcome.status {
                    OutcomeStatus::Erased => erased += 1,
                    OutcomeStatus::ErasedWithExceptions => exceptions += 1,
                    OutcomeStatus::NotErased => not_erased += 1,
                }
                let (w, col) = outcome_words(c.outcome.status, lang);
                (w.to_string(), col)
            }
            (None, _, _) => {
                unusable += 1;
                (lang.pick("ILLISIBLE", "UNREADABLE").to_string(), RED)
            }
        };
        let page = &mut doc.pages.last_mut().expect("page").0;
        if !row.is_multiple_of(2) {
            page.fill_rect(
                MARGIN - 3.0,
                y - 3.5,
                PAGE_WIDTH - 2.0 * MARGIN + 6.0,
                12.5,
                LIGHT,
            );
        }
        if let Some(c) = shown(v) {
            page.text(
                cols[0].0,
                y,
                Font::Regular,
                8.5,
                BLACK,
                &fit(&c.media.model, 165.0),
            );
            page.text(
                cols[1].0,
                y,
                Font::Regular,
                8.5,
                BLACK,
                &fit(&c.media.serial, 110.0),
            );
            page.text(
                cols[2].0,
                y,
                Font::Regular,
                8.5,
                BLACK,
                &fmt_bytes(c.media.capacity_bytes, lang),
            );
        } else {
            let name = v
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            page.text(cols[0].0, y, Font::Regular, 8.5, BLACK, &fit(&name, 280.0));
        }
        page.text(cols[3].0, y, Font::Bold, 8.5, color, &fit(&result, 100.0));
        let id = v
            .cert_id
            .as_deref()
            .map(|s| &s[..16.min(s.len())])
            .unwrap_or("\u{2014}");
        page.text(cols[4].0, y, Font::Regular, 8.5, BLACK, id);
        doc.y -= 13.0;
    }
    doc.y -= 6.0;
    doc.paragraph(
        &match lang {
            Language::Fr => format!(
                "{} certificat(s) : {erased} effacé(s), {exceptions} effacé(s) avec réserves, {not_erased} non effacé(s), {unusable} invalide(s) ou illisible(s).",
                list.len()
            ),
            Language::En => format!(
                "{} certificate(s): {erased} erased, {exceptions} erased with exceptions, {not_erased} not erased, {unusable} invalid or unreadable.",
                list.len()
            ),
        },
        9.5,
        BLACK,
    );
}

/// The registry page of a certificate: the URL the report was asked to use, else the one a
/// valid certificate names. An invalid certificate's own `issuer.registry_url` is never used:
/// its QR code would send the donor to a page of the forger's choosing.
fn qr_url(v: &CertificateVerdict, options: &ReportOptions) -> Option<String> {
    let own = || {
        v.certificate
            .as_ref()
            .filter(|_| v.verdict == Verdict::Valid)
            .and_then(|c| c.issuer.registry_url.clone())
    };
    let base = options.registry_url.clone().or_else(own)?;
    let id = v.cert_id.as_deref()?;
    Some(format!("{}/c/{id}", base.trim_end_matches('/')))
}

/// Draws a QR code with its top-left corner at (x, top), `size` points wide (quiet zone
/// included).
fn draw_qr(page: &mut Page, url: &str, x: f32, top: f32, size: f32) -> Result<(), ReportError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(|e| {
        ReportError::Qr {
            url: url.into(),
            reason: e.to_string(),
        }
    })?;
    let n = code.width();
    let quiet = 4;
    let module = size / (n + 2 * quiet) as f32;
    let colors = code.to_colors();
    page.fill_rect(x, top - size, size, size, WHITE);
    for row in 0..n {
        // Runs of dark modules as single rectangles.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == Color::Dark {
                    col += 1;
                }
                page.fill_rect(
                    x + (quiet + start) as f32 * module,
                    top - (quiet + row + 1) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                    BLACK,
                );
            } else {
                col += 1;
            }
        }
    }
    Ok(())
}

fn disk_page(
    doc: &mut Doc,
    v: &CertificateVerdict,
    checked: bool,
    options: &ReportOptions,
) -> Result<(), ReportError> {
    let lang = doc.lang;
    let c = shown(v);
    let title = lang.pick("Certificat d'effacement", "Erasure certificate");
    let tag = v
        .cert_id
        .as_deref()
        .map(|s| s[..16.min(s.len())].to_string())
        .unwrap_or_default();
    doc.start_page(title, &tag);

    // QR code top right, title top left.
    const QR: f32 = 104.0;
    if let Some(url) = qr_url(v, options) {
        let page = doc.page();
        draw_qr(page, &url, PAGE_WIDTH - MARGIN - QR, TOP + 6.0, QR)?;
        let label = lang.pick("Vérifier en ligne", "Verify online");
        let w = winansi::text_width(label, false, 7.5);
        page.text(
            PAGE_WIDTH - MARGIN - QR / 2.0 - w / 2.0,
            TOP - QR + 2.0,
            Font::Regular,
            7.5,
            GREY,
            label,
        );
    }
    let y = doc.y - 18.0;
    doc.page().text(MARGIN, y, Font::Bold, 18.0, BLACK, title);
    doc.y -= 32.0;
    if let Some(c) = c {
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

    let m = &c.media;
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
    doc.row(
        lang.pick("Capacité", "Capacity"),
        &format!(
            "{} ({} {} = {} × {} ; {} {})",
            fmt_bytes(m.capacity_bytes, lang),
            fmt_int(m.capacity_bytes, lang),
            lang.pick("octets", "bytes"),
            fmt_int(m.lba_count, lang),
            m.logical_sector_size,
            lang.pick("secteur physique", "physical sector"),
            m.physical_sector_size,
        ),
    );
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
    doc.row(lang.pick("Santé", "Health"), &health);
    let hidden = |s: &crate::model::HiddenAreaState| {
        let yes_no = |b: Option<bool>| match b {
            Some(true) => lang.pick("oui", "yes"),
            Some(false) => lang.pick("non", "no"),
            None => "?",
        };
        format!(
            "HPA {}, DCO {}, {} {} / {}",
            yes_no(s.hpa),
            yes_no(s.dco),
            lang.pick("secteurs visibles / natifs", "visible / native sectors"),
            s.visible_sectors
                .map(|v| fmt_int(v, lang))
                .unwrap_or_else(|| "?".into()),
            s.native_sectors
                .map(|v| fmt_int(v, lang))
                .unwrap_or_else(|| "?".into()),
        )
    };
    doc.row(
        lang.pick("Zones cachées avant / après", "Hidden areas before / after"),
        &format!(
            "{}\n{}",
            hidden(&m.hidden_areas.before),
            hidden(&m.hidden_areas.after)
        ),
    );

    let s = &c.sanitization;
    doc.heading(lang.pick("Effacement", "Erasure"));
    doc.row(lang.pick("Technique", "Technique"), &s.technique);
    doc.row(lang.pick("Motif du choix", "Why this technique"), &s.reason);
    if let Some(std) = &s.standard_claimed {
        doc.row(lang.pick("Référentiel", "Standard"), std);
    }
    let steps: Vec<String> = s
        .steps
        .iter()
        .map(|st| {
            format!(
                "{} ({}){}",
                st.technique,
                match st.status {
                    crate::model::StepStatus::Completed => lang.pick("terminé", "completed"),
                    crate::model::StepStatus::Failed => lang.pick("échec", "failed"),
                    crate::model::StepStatus::Aborted => lang.pick("interrompu", "aborted"),
                    crate::model::StepStatus::Skipped => lang.pick("non exécuté", "skipped"),
                },
                st.device_status
                    .as_ref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !steps.is_empty() {
        doc.row(lang.pick("Étapes", "Steps"), &steps.join("\n"));
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
        &format!(
            "{} {} ; {} {}, {} {}, {} {}",
            fmt_int(s.bytes_written, lang),
            lang.pick("octets écrits", "bytes written"),
            fmt_int(s.errors.io_errors, lang),
            lang.pick("erreur(s) d'E/S", "I/O error(s)"),
            fmt_int(s.errors.retries, lang),
            lang.pick("nouvel(les) essai(s)", "retries"),
            fmt_int(s.errors.unreadable_sectors, lang),
            lang.pick("secteur(s) illisible(s)", "unreadable sector(s)")
        ),
    );
    if let Some(ds) = &s.device_status {
        doc.row(
            lang.pick("État rapporté par le disque", "Device-reported status"),
            &ds.summary,
        );
    }

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
            crate::model::ppm_text(ver.parameters.coverage_ppm)
                .replace('.', if lang == Language::Fr { "," } else { "." }),
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
    if let Some(url) = qr_url(v, options) {
        doc.row(lang.pick("Page de vérification", "Verification page"), &url);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        let lines = wrap("un deux trois quatre", Font::Regular, 10.0, 40.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "un deux trois quatre");
        let id = "a".repeat(64);
        let lines = wrap(&id, Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), id);
    }

    #[test]
    fn numbers_in_both_languages() {
        assert_eq!(fmt_int(256060514304, Language::En), "256,060,514,304");
        assert_eq!(fmt_int(1234, Language::Fr), "1\u{a0}234");
        assert_eq!(fmt_bytes(256060514304, Language::Fr), "256 Go");
        assert_eq!(fmt_bytes(256060514304, Language::En), "256 GB");
        assert_eq!(fmt_bytes(4_096, Language::Fr), "4,1 ko");
        assert_eq!(fmt_duration(98, Language::Fr), "1 min 38 s");
        assert_eq!(fmt_duration(-5, Language::En), "0 s");
    }
}
