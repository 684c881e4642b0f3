//! The donor report: a PDF with one summary page per machine and one page per disk, in
//! French (default) or English, generated from the signed certificates after verifying them.
//!
//! A certificate that fails verification is still shown (so the donor sees which disk it
//! claims to cover) under a red "INVALID — do not rely on it" banner listing the failed
//! checks; with no trust file the banner says the signature was not checked. Each disk page
//! carries the certificate id and a QR code of `<registry_url>/c/<cert_id>`.

mod disk_page;
pub mod label;
mod layout;
mod pdf;
mod qr;
mod summary;
mod text;
mod texts;
mod ttf;
mod unicode;
mod winansi;
mod words;

use std::path::PathBuf;
use texts::Text;

use time::OffsetDateTime;

use crate::payload::Certificate;
use crate::trust::TrustFile;
use crate::verify::{verify_files, CertificateVerdict, VerifyOptions, VerifyReport};
use layout::{Doc, GREY, MARGIN};
use pdf::{Font, Page, PAGE_WIDTH};
use text::fmt_datetime;

/// Report language: the one every front end shares.
pub use ardoise_units::Language;

/// Options of [`report`].
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Language of the report's text.
    pub lang: Language,
    /// Base URL of the registry for the QR codes; defaults to each certificate's
    /// `issuer.registry_url`.
    pub registry_url: Option<String>,
    /// Trust file to verify with; without one the report says the signatures were not checked.
    pub trust: Option<TrustFile>,
    /// How to verify the certificates (registry key, complete journal).
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

/// Why no report could be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No certificate file was given.
    #[error("no certificate file given")]
    NoFiles,
    /// The QR code of a certificate's registry URL could not be made.
    #[error("QR code for {url}: {reason}")]
    Qr {
        /// The URL to encode.
        url: String,
        /// Why it failed (e.g. too long).
        reason: String,
    },
}

/// The PDF and the verification it was built from (so a caller can refuse or warn).
#[derive(Debug)]
pub struct ReportOutput {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// The verification of every file given.
    pub verification: VerifyReport,
    /// True when every certificate was verified with a trust file and is valid.
    pub all_verified: bool,
    /// Number of pages of the PDF.
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

    let mut doc = Doc::new(options.lang);
    for list in group_by_machine(&verification.certificates) {
        summary::summary_page(&mut doc, &verification, &list, checked);
        for i in list {
            disk_page::disk_page(&mut doc, &verification.certificates[i], checked, options)?;
        }
    }
    add_footers(&mut doc, options);

    let lang = options.lang;
    let pages: Vec<Page> = doc.pages.into_iter().map(|(p, _)| p).collect();
    let bytes = pdf::write(
        &pages,
        &pdf::Info {
            title: Text::ErasureCertificates.get(lang),
            producer: concat!("ardoise ", env!("CARGO_PKG_VERSION")),
            creation_date: &pdf_date(options.generated_at),
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

/// The certificates' indices grouped by machine, machines and disks in the order the files
/// were given.
fn group_by_machine(certificates: &[CertificateVerdict]) -> Vec<Vec<usize>> {
    let mut hosts: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in certificates.iter().enumerate() {
        let key = shown(v).map(host_key).unwrap_or_else(|| "?".into());
        match hosts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(i),
            None => hosts.push((key, vec![i])),
        }
    }
    hosts.into_iter().map(|(_, list)| list).collect()
}

/// Version, generation date, certificate tag and page number at the foot of every page.
fn add_footers(doc: &mut Doc, options: &ReportOptions) {
    let lang = options.lang;
    let generated = fmt_datetime(options.generated_at, lang);
    let total = doc.pages.len();
    for (n, (page, tag)) in doc.pages.iter_mut().enumerate() {
        let tag_text = if tag.is_empty() {
            String::new()
        } else {
            format!(
                " \u{2014} {} {tag}\u{2026}",
                Text::CertificateLower.get(lang)
            )
        };
        let footer = format!(
            "ardoise {} \u{2014} {} {}{tag_text} \u{2014} {} {}/{}",
            env!("CARGO_PKG_VERSION"),
            Text::Generated.get(lang),
            generated,
            Text::Page.get(lang),
            n + 1,
            total
        );
        page.line(MARGIN, 42.0, PAGE_WIDTH - MARGIN, 42.0, 0.5, GREY);
        page.text(MARGIN, 30.0, Font::Regular, 7.5, GREY, &footer);
    }
}

/// The PDF's creation date, `YYYYMMDDHHmmSSZ` in UTC.
fn pdf_date(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]Z"
        ))
        .unwrap_or_default()
}

/// The certificate to display: verified if possible, else what the payload claims.
fn shown(v: &CertificateVerdict) -> Option<&Certificate> {
    v.certificate.as_ref().or(v.claimed.as_ref())
}

/// The first 16 characters of the certificate id, as the footers and tables show it.
fn short_id(v: &CertificateVerdict) -> Option<&str> {
    v.cert_id.as_deref().map(|s| &s[..16.min(s.len())])
}

/// The machine a certificate belongs to: SMBIOS UUID, else serial, else asset tag.
fn host_key(c: &Certificate) -> String {
    let s = &c.host.smbios;
    s.system_uuid
        .clone()
        .or_else(|| s.system_serial.clone())
        .or_else(|| c.host.asset_tag.clone())
        .unwrap_or_else(|| "?".into())
}
