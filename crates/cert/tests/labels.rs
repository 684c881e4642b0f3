//! Machine labels checked with independent tools: `pdftoppm` renders them (poppler-utils),
//! `zbarimg` decodes their QR codes (zbar-tools), `pdftotext` extracts their text, `pdfinfo`
//! gives the page size. Two machines: a laptop with two disks (one not erased) and a desktop.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ardoise_cert::payload::{Destination, Disposition, OutcomeStatus};
use ardoise_cert::report::label::{labels, LabelFormat};
use ardoise_cert::report::{Language, ReportOptions};
use common::*;

const REGISTRY: &str = "https://registre.example.org";

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{name} is missing: apt-get install poppler-utils zbar-tools"
    );
    Command::new(name)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every QR code of every page, rendered at 300 dpi (a label printer's resolution).
fn qr_codes(pdf: &Path, dir: &Path) -> Vec<String> {
    run(tool("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(pdf)
        .arg(dir.join("p")));
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    let mut out = Vec::new();
    for png in pngs {
        let o = tool("zbarimg")
            .args(["--raw", "-q"])
            .arg(&png)
            .output()
            .unwrap();
        out.extend(
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    out.sort();
    out
}

fn page_sizes(pdf: &Path) -> Vec<String> {
    run(tool("pdfinfo").args(["-l", "99"]).arg(pdf))
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| l.split("size:").nth(1).unwrap().trim().to_string())
        .collect()
}

struct Fixture {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
    ids: Vec<String>,
    options: ReportOptions,
}

fn fixture(lang: Language) -> Fixture {
    let k = key(61);
    let dir = tempfile::tempdir().unwrap();
    let (mut files, mut ids, mut prev) = (Vec::new(), Vec::new(), None);
    let mut make = |seq: u64, f: &dyn Fn(&mut ardoise_cert::payload::Certificate)| {
        let mut c = cert_for(&k);
        c.issuer.registry_url = Some(REGISTRY.into());
        c.journal.seq = seq;
        c.journal.prev_envelope_blake3 = prev.clone();
        f(&mut c);
        let s = sign(&c, &k);
        let p = dir.path().join(format!("{}.dsse.json", s.cert_id));
        std::fs::write(&p, &s.envelope_bytes).unwrap();
        prev = Some(blake3::hash(&s.envelope_bytes).to_hex().to_string());
        files.push(p);
        ids.push(s.cert_id);
    };
    // The laptop: two disks, the second not erased.
    make(0, &|_| {});
    make(1, &|c| {
        c.media.model = "WDC WD5000LPVX-08V0TT5".into();
        c.media.serial = "WX61AB2C3D4E".into();
        c.media.media_type = ardoise_cert::payload::MediaType::Hdd;
        c.outcome.status = OutcomeStatus::NotErased;
        c.outcome.exceptions = vec![ardoise_cert::payload::Exception {
            code: "erase-failed".into(),
            detail: "the drive aborted".into(),
        }];
        c.sanitization.level_achieved = None;
        c.verification.result = ardoise_cert::payload::VerificationResult::Fail;
        c.verification.mismatches = 1;
        c.verification.mismatch_offsets = vec![0];
    });
    // The desktop: another machine session.
    make(2, &|c| {
        c.host.machine_session = Some("0123456789abcdef0123456789abcdef".into());
        c.host.asset_tag = Some("UC-1187".into());
        c.disposition = Some(Disposition {
            destination: Destination::Recycling,
            detail: None,
            suggestion: None,
        });
    });
    let options = ReportOptions {
        lang,
        trust: Some(trust(&[(&k, WS_EXAMPLE, ST_EXAMPLE)])),
        ..Default::default()
    };
    Fixture {
        dir,
        files,
        ids,
        options,
    }
}

const WS_EXAMPLE: &str = "ressourcerie-pays-d-auge";
const ST_EXAMPLE: &str = "st-01";

fn urls(ids: &[String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|id| format!("{REGISTRY}/c/{id}")).collect();
    v.sort();
    v
}

#[test]
fn a_62mm_roll_label_per_machine_with_every_disk_qr_code() {
    let f = fixture(Language::Fr);
    let out = labels(&f.files, LabelFormat::Roll62, &f.options).unwrap();
    assert_eq!((out.machines, out.pages), (2, 2));
    let pdf = f.dir.path().join("roll.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    // 62 mm wide = 175.75 pt; each machine's label as long as it needs.
    let sizes = page_sizes(&pdf);
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(sizes.iter().all(|s| s.starts_with("175.75 x")), "{sizes:?}");
    let render = tempfile::tempdir().unwrap();
    assert_eq!(qr_codes(&pdf, render.path()), urls(&f.ids));
    let text = run(tool("pdftotext").arg(&pdf).arg("-"));
    for needle in [
        "Ressourcerie du Pays d'Auge",
        "RPA-004217",
        "UC-1187",
        "Effacé le",
        "RÉEMPLOI",
        "RECYCLAGE (DEEE)",
        "EFFACÉ",
        "NON EFFACÉ",
        "…3D4E",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    assert!(!text.contains("non vérifiées"), "{text}");
}

#[test]
fn an_a4_sheet_of_labels_in_english() {
    let f = fixture(Language::En);
    let out = labels(&f.files, LabelFormat::SheetA4, &f.options).unwrap();
    assert_eq!((out.machines, out.pages), (2, 1));
    let pdf = f.dir.path().join("sheet.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    assert_eq!(page_sizes(&pdf), ["595 x 842 pts (A4)"]);
    let render = tempfile::tempdir().unwrap();
    assert_eq!(qr_codes(&pdf, render.path()), urls(&f.ids));
    let text = run(tool("pdftotext").arg(&pdf).arg("-"));
    for needle in [
        "Erased on",
        "REUSE",
        "RECYCLING (WEEE)",
        "NOT ERASED",
        "UC-1187",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn without_a_trust_file_the_labels_say_so_and_a_forgery_is_marked() {
    let mut f = fixture(Language::En);
    f.options.trust = None;
    let out = labels(&f.files, LabelFormat::Roll62, &f.options).unwrap();
    let pdf = f.dir.path().join("unchecked.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    assert!(run(tool("pdftotext").arg(&pdf).arg("-")).contains("Signatures not checked"));
    // A forged byte in the signature: INVALID on the label, whatever the payload claims.
    let f = fixture(Language::En);
    let mut bytes = std::fs::read(&f.files[0]).unwrap();
    let pos = bytes.len() - 12;
    bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
    std::fs::write(&f.files[0], &bytes).unwrap();
    let out = labels(&f.files, LabelFormat::Roll62, &f.options).unwrap();
    let pdf = f.dir.path().join("forged.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    assert!(run(tool("pdftotext").arg(&pdf).arg("-")).contains("INVALID CERTIFICATE"));
}

#[test]
#[ignore = "writes the sample labels to target/test-artifacts/labels for a look"]
fn sample_labels_for_the_docs() {
    let f = fixture(Language::Fr);
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-artifacts/labels");
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [
        (LabelFormat::Roll62, "roll.pdf"),
        (LabelFormat::SheetA4, "sheet.pdf"),
    ] {
        let out = labels(&f.files, format, &f.options).unwrap();
        std::fs::write(dir.join(name), &out.pdf).unwrap();
    }
}
