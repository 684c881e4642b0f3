//! `ardoise report --label`: the labels of a machine erased by the binary, for a 62 mm label
//! printer and on an A4 sheet, rendered with `pdftoppm` and their QR codes read back with
//! `zbarimg` (poppler-utils, zbar-tools).

mod common;

use std::path::Path;
use std::process::Command;

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

/// The QR codes of a PDF rendered at 300 dpi, sorted.
fn qr_codes(pdf: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let st = tool("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let o = tool("zbarimg")
            .args(["--raw", "-q"])
            .arg(e.unwrap().path())
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

fn pdf_text(pdf: &Path) -> String {
    let o = tool("pdftotext").arg(pdf).arg("-").output().unwrap();
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn labels_of_an_erased_machine_on_a_roll_and_an_a4_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let sims = dir.path().join("sim");
    let out = ardoise(&[
        "simulate",
        "--dir",
        sims.to_str().unwrap(),
        "--size-mib",
        "16",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let paths: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("ardoise.toml"),
        format!(
            "[workshop]\nid = \"ressourcerie-caen\"\nname = \"Ressourcerie de Caen\"\nstation = \"poste-2\"\n\n[registry]\nurl = \"{REGISTRY}\"\n"
        ),
    )
    .unwrap();
    // Two disks of the machine: the hard disk and the NVMe (the eMMC keeps its boot partitions:
    // erased with exceptions).
    for p in [&paths[0], &paths[2]] {
        let out = ardoise(&[
            "erase",
            "--device",
            p,
            "--yes",
            "--poll-ms",
            "5",
            "--cert-dir",
            data.to_str().unwrap(),
            "--asset-tag",
            "PC-2026-0042",
            "--disposition",
            "reuse",
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out));
    }
    let certs = certificates(&data);
    assert_eq!(certs.len(), 2);
    let mut expected: Vec<String> = certs
        .iter()
        .map(|p| {
            let id = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace(".dsse.json", "");
            format!("{REGISTRY}/c/{id}")
        })
        .collect();
    expected.sort();
    let trust = data.join("keys/trust.toml");
    for (flag, name, page) in [
        ("--label", "roll.pdf", "175.75 x"),
        ("--label=a4", "sheet.pdf", "595 x 842"),
    ] {
        let pdf = dir.path().join(name);
        let out = ardoise(&[
            "report",
            flag,
            "--keys",
            trust.to_str().unwrap(),
            "--out",
            pdf.to_str().unwrap(),
            data.join("certificates").to_str().unwrap(),
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out));
        assert!(text(&out).contains("label(s)"), "{}", text(&out));
        let info = tool("pdfinfo").arg(&pdf).output().unwrap();
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        assert!(info.contains(page), "{info}");
        // Erased one at a time, the two disks are two machine sessions here: two labels,
        // each with its disk's QR code.
        assert_eq!(qr_codes(&pdf), expected, "{name}");
        let t = pdf_text(&pdf);
        for needle in ["Ressourcerie de Caen", "PC-2026-0042", "RÉEMPLOI", "EFFACÉ"] {
            assert!(t.contains(needle), "{needle:?} not in {name}:\n{t}");
        }
    }
    // An unknown format is refused before anything is written.
    let out = ardoise(&[
        "report",
        "--label=a5",
        "--out",
        dir.path().join("x.pdf").to_str().unwrap(),
        data.join("certificates").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(!dir.path().join("x.pdf").exists());
}
