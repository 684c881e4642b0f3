//! QR codes of the report: the registry page each certificate links to, and its drawing.

use qrcode::{Color, EcLevel, QrCode};

use super::pdf::{Page, BLACK, WHITE};
use super::{ReportError, ReportOptions};
use crate::verify::{CertificateVerdict, Verdict};

/// The registry page of a certificate: the URL the report was asked to use, else the one a
/// valid certificate names. An invalid certificate's own `issuer.registry_url` is never used:
/// its QR code would send the donor to a page of the forger's choosing.
pub(super) fn qr_url(v: &CertificateVerdict, options: &ReportOptions) -> Option<String> {
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
pub(super) fn draw_qr(
    page: &mut Page,
    url: &str,
    x: f32,
    top: f32,
    size: f32,
) -> Result<(), ReportError> {
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
