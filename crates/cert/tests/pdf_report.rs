//! The donor PDF, checked with independent tools: `pdftoppm` renders it (poppler-utils),
//! `zbarimg` decodes the QR codes (zbar-tools), `pdftotext` extracts the text.
//! Install them with `apt-get install poppler-utils zbar-tools`; the tests fail without them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ardoise_cert::payload::{Exception, OutcomeStatus};
use ardoise_cert::report::{report, Language, ReportOptions};
use common::*;

const WS: &str = "ressourcerie-pays-d-auge";
const ST: &str = "st-01";
const REGISTRY: &str = "https://registre.example.org";

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is missing: apt-get install poppler-utils zbar-tools"
    );
    Command::new(name)
}

fn pdftotext(pdf: &Path) -> String {
    let out = tool("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Renders every page and returns the QR payloads found on each page.
fn qr_per_page(pdf: &Path, dir: &Path, pages: usize) -> Vec<Vec<String>> {
    let prefix = dir.join("page");
    let out = tool("pdftoppm")
        .args(["-r", "150", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut result = Vec::new();
    for n in 1..=pages {
        // pdftoppm pads the page number to the width of the page count.
        let width = pages.to_string().len();
        let png = dir.join(format!("page-{n:0width$}.png"));
        assert!(png.exists(), "{} not rendered", png.display());
        let out = tool("zbarimg")
            .args(["--raw", "-q"])
            .arg(&png)
            .output()
            .unwrap();
        // zbarimg exits 4 when it finds no code.
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        result.push(
            text.lines()
                .map(str::to_string)
                .filter(|l| !l.is_empty())
                .collect(),
        );
    }
    result
}

struct Fixture {
    _dir: tempfile::TempDir,
    files: Vec<PathBuf>,
    ids: Vec<String>,
    trust: ardoise_cert::trust::TrustFile,
}

/// Two disks of one laptop, one disk of a desktop (erased with exceptions), and a copy of
/// the first certificate with a flipped signature byte.
fn fixture() -> Fixture {
    let k = key(40);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut ids = Vec::new();
    let mut prev: Option<String> = None;
    let mut seq = 0;
    // Chains the certificates as a station would.
    let mut write = |c: &mut ardoise_cert::payload::Certificate, name: &str| {
        c.journal.seq = seq;
        c.journal.prev_envelope_blake3 = prev.clone();
        let s = sign(c, &k);
        let p = dir.path().join(format!("{name}.dsse.json"));
        std::fs::write(&p, &s.envelope_bytes).unwrap();
        files.push(p);
        ids.push(s.cert_id);
        prev = Some(blake3::hash(&s.envelope_bytes).to_hex().to_string());
        seq += 1;
    };
    let mut a = cert_for(&k);
    write(&mut a, "a");
    let mut b = cert_for(&k);
    b.media.model = "WDC WD5000LPVX-08V0TT5".into();
    b.media.serial = "WX61AB2C3D4E".into();
    b.media.media_type = ardoise_cert::payload::MediaType::Hdd;
    write(&mut b, "b");
    let mut c = cert_for(&k);
    c.host.smbios.system_uuid = Some("11111111-2222-3333-4444-555555555555".into());
    c.host.smbios.system_serial = Some("DESK-01".into());
    c.host.smbios.system_product = Some("OptiPlex 7050".into());
    c.media.model = "KINGSTON SA400S37240G".into();
    c.media.serial = "50026B7782AB1234".into();
    c.outcome.status = OutcomeStatus::ErasedWithExceptions;
    c.outcome.exceptions = vec![Exception {
        code: "hpa-not-removed".into(),
        detail: "la zone HPA n'a pas pu être retirée (disque gelé)".into(),
    }];
    c.disposition = Some(ardoise_cert::payload::Disposition {
        destination: ardoise_cert::payload::Destination::Recycling,
        detail: None,
        suggestion: None,
    });
    c.host_reset = None;
    c.qc = ardoise_cert::payload::Qc {
        selected: false,
        rate_ppm: 0,
        rule: ardoise_cert::payload::QC_RULE_V1.into(),
    };
    write(&mut c, "c");
    // Tampered copy of a.
    let mut bytes = std::fs::read(&files[0]).unwrap();
    let pos = bytes.len() - 12;
    bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
    let bad = dir.path().join("bad.dsse.json");
    std::fs::write(&bad, &bytes).unwrap();
    files.push(bad);
    ids.push(ids[0].clone());
    Fixture {
        trust: trust(&[(&k, WS, ST)]),
        _dir: dir,
        files,
        ids,
    }
}

#[test]
fn french_report_renders_with_qr_codes_and_text() {
    let f = fixture();
    let out = report(
        &f.files,
        &ReportOptions {
            lang: Language::Fr,
            registry_url: Some(REGISTRY.into()),
            trust: Some(f.trust.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!out.all_verified, "the tampered copy must be reported");
    let work = tempfile::tempdir().unwrap();
    let pdf = work.path().join("rapport.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    if let Ok(keep) = std::env::var("ARDOISE_KEEP_PDF") {
        std::fs::write(keep, &out.pdf).unwrap();
    }

    // Laptop: summary + a + b + bad (same host as a); desktop: summary + c.
    assert_eq!(
        out.pages, 6,
        "one summary per machine and one page per disk"
    );
    let qrs = qr_per_page(&pdf, work.path(), out.pages);
    let url = |i: usize| format!("{REGISTRY}/c/{}", f.ids[i]);
    assert_eq!(qrs[0], Vec::<String>::new(), "summary pages carry no QR");
    assert_eq!(qrs[1], vec![url(0)]);
    assert_eq!(qrs[2], vec![url(1)]);
    assert_eq!(qrs[3], vec![url(3)]);
    assert_eq!(qrs[4], Vec::<String>::new());
    assert_eq!(qrs[5], vec![url(2)]);

    let text = pdftotext(&pdf);
    // Exactly one invalid certificate (the tampered copy), flagged on its page and summary.
    assert_eq!(text.matches("CERTIFICAT INVALIDE").count(), 1, "{text}");
    assert_eq!(
        text.matches("1 CERTIFICAT(S) INVALIDE(S)").count(),
        1,
        "{text}"
    );
    for needle in [
        "Récapitulatif machine",
        "Certificat d'effacement",
        "Résultat : EFFACÉ",
        "EFFACÉ AVEC RÉSERVES",
        "CERTIFICAT INVALIDE — NE PAS S'Y FIER",
        "Certificat vérifié",
        "Communauté de communes de Lisieux",
        "SAMSUNG MZVLB256HBHQ-000L7",
        "S4ELNX0N123456",
        "WX61AB2C3D4E",
        "la zone HPA n'a pas pu être retirée",
        "mémoire flash de réserve",
        "256 Go",
        // After the erasure: destination, QC selection, host reset attestations.
        "réemploi (vente ou don) — battery replaced; sold in the workshop shop",
        "recyclage (DEEE, éco-organisme)",
        "sélectionné pour le contrôle qualité : oui, taux 100 %",
        "sélectionné pour le contrôle qualité : non, taux 0 %",
        "attesté par op-7f3a",
        "TPM effacé : oui",
        "empreintes biométriques effacées : non attesté",
        "rien n'a été attesté",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not in the PDF text:\n{text}"
        );
    }
    for id in &f.ids[..3] {
        assert!(
            text.contains(id.as_str()),
            "certificate id {id} not in the PDF text"
        );
    }
}

#[test]
fn english_report_on_request() {
    let f = fixture();
    let out = report(
        &f.files[..1],
        &ReportOptions {
            lang: Language::En,
            registry_url: None, // taken from issuer.registry_url
            trust: Some(f.trust.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(out.all_verified);
    let work = tempfile::tempdir().unwrap();
    let pdf = work.path().join("report.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let text = pdftotext(&pdf);
    for needle in [
        "Machine summary",
        "Erasure certificate",
        "Result: ERASED",
        "Certificate verified",
        "reuse (sale or donation) — battery replaced; sold in the workshop shop",
        "selected for quality control: yes, rate 100 %",
        "attested by op-7f3a",
        "TPM cleared: yes",
        "biometric templates cleared: not attested",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    let qrs = qr_per_page(&pdf, work.path(), out.pages);
    assert_eq!(qrs[1], vec![format!("{REGISTRY}/c/{}", f.ids[0])]);
}

#[test]
fn without_a_trust_file_the_report_says_so() {
    let f = fixture();
    let out = report(&f.files[..1], &ReportOptions::default()).unwrap();
    assert!(!out.all_verified);
    let work = tempfile::tempdir().unwrap();
    let pdf = work.path().join("r.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let text = pdftotext(&pdf);
    assert!(text.contains("SIGNATURE NON VÉRIFIÉE"), "{text}");
    assert!(!text.contains("Certificat vérifié"), "{text}");
}

/// A forged certificate naming its own registry: no QR code and no verification link lead
/// there (the donor would land on the forger's page).
#[test]
fn an_invalid_certificate_gets_no_qr_code_from_its_own_registry_url() {
    let f = fixture();
    let forger = key(41);
    let mut c = cert_for(&forger);
    c.issuer.registry_url = Some("https://registre-pirate.example".into());
    let s = sign(&c, &forger);
    let work = tempfile::tempdir().unwrap();
    let forged = work.path().join("forged.dsse.json");
    std::fs::write(&forged, &s.envelope_bytes).unwrap();
    let files = vec![f.files[0].clone(), forged];
    let out = report(
        &files,
        &ReportOptions {
            lang: Language::En,
            registry_url: None,
            trust: Some(f.trust.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!out.all_verified);
    let pdf = work.path().join("report.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let qrs: Vec<String> = qr_per_page(&pdf, work.path(), out.pages)
        .into_iter()
        .flatten()
        .collect();
    assert!(
        qrs.iter().all(|u| !u.contains("pirate")),
        "QR codes: {qrs:?}"
    );
    assert!(
        qrs.iter().any(|u| u.ends_with(&f.ids[0])),
        "the valid certificate keeps its QR code: {qrs:?}"
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("INVALID"), "{text}");
    assert!(!text.contains("registre-pirate"), "{text}");
}

/// Names beyond WinAnsi are drawn with embedded Unicode font subsets, not `?`: Polish,
/// Danish, Spanish, Greek, Arabic (shaped, right to left) and Chinese.
#[test]
fn any_donor_name_renders_with_embedded_unicode_fonts() {
    const NAME: &str = "Łódź Ørsted Ñandú Ελένη محمد علي 王小明";
    let k = key(42);
    let dir = tempfile::tempdir().unwrap();
    let mut c = cert_for(&k);
    c.provenance.donor.name = NAME.into();
    let s = sign(&c, &k);
    let file = dir.path().join("a.dsse.json");
    std::fs::write(&file, &s.envelope_bytes).unwrap();
    let out = report(
        &[file],
        &ReportOptions {
            lang: Language::Fr,
            trust: Some(trust(&[(&k, WS, ST)])),
            ..Default::default()
        },
    )
    .unwrap();
    let pdf = dir.path().join("r.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    if let Ok(keep) = std::env::var("ARDOISE_KEEP_PDF") {
        std::fs::write(keep, &out.pdf).unwrap();
    }
    let fonts = tool("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    for f in ["ARDSAN+DejaVuSans", "ARDCJK+DroidSansFallbackFull"] {
        let line = fonts
            .lines()
            .find(|l| l.starts_with(f))
            .unwrap_or_else(|| panic!("{f} not in the PDF's fonts:\n{fonts}"));
        assert!(
            line.contains("CID TrueType") && line.contains(" yes "),
            "{line}"
        );
    }
    let text = pdftotext(&pdf);
    let line = text
        .lines()
        .find(|l| l.contains("Donateur"))
        .unwrap_or_else(|| panic!("no donor line:\n{text}"));
    for part in ["Łódź Ørsted Ñandú Ελένη", "王小明"] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    for letter in "محمدعلي".chars() {
        assert!(line.contains(letter), "{letter:?} not in {line:?}");
    }
    assert!(!line.contains('?'), "{line:?}");
    // Every page renders.
    let r = tool("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert!(
        r.status.success() && r.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}
