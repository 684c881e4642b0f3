//! The machine's labels, exported with its certificates: when the technician exports from the
//! results screen, the labels of the machine just erased (62 mm roll and A4 sheet, the same as
//! `ardoise report --label`) are written to `labels/` on the data partition, then copied to the
//! stick's `ardoise-certificats/<workshop>-<station>/etiquettes/`.

use std::path::{Path, PathBuf};

use ardoise_cert::report::label::{labels, LabelFormat};
use ardoise_cert::report::ReportOptions;
use ardoise_cert::trust::TrustFile;

use crate::i18n::Language;

/// Folder of the data partition that keeps the labels.
pub const LABEL_DIR: &str = "labels";
/// Folder of the export that receives them.
pub const EXPORT_LABEL_DIR: &str = "etiquettes";

/// Writes the labels of the certificates `cert_ids` (one machine) as
/// `labels/etiquette-<name>-62mm.pdf` and `-a4.pdf`; returns the files.
pub fn write_machine_labels(
    data_dir: &Path,
    cert_ids: &[String],
    lang: Language,
    name: &str,
) -> Result<Vec<PathBuf>, String> {
    if cert_ids.is_empty() {
        return Ok(Vec::new());
    }
    let files: Vec<PathBuf> = cert_ids
        .iter()
        .map(|id| {
            data_dir
                .join("certificates")
                .join(format!("{id}.dsse.json"))
        })
        .collect();
    // The station's own trust file (its key): the labels then say the signatures were checked.
    let trust = TrustFile::load(&data_dir.join("keys/trust.toml")).ok();
    let options = ReportOptions {
        lang,
        trust,
        ..Default::default()
    };
    let dir = data_dir.join(LABEL_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for (format, suffix) in [(LabelFormat::Roll62, "62mm"), (LabelFormat::SheetA4, "a4")] {
        let pdf = labels(&files, format, &options).map_err(|e| e.to_string())?;
        let path = dir.join(format!(
            "etiquette-{}-{suffix}.pdf",
            crate::fmt::sanitize(name)
        ));
        ardoise_cert::station_store::write_atomic(&path, &pdf.pdf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        out.push(path);
    }
    Ok(out)
}

/// Copies the data partition's labels into `<dest>/etiquettes/` on the (untrusted) stick:
/// each file written under a new name without following links, synced, renamed into place.
pub fn copy_labels(data_dir: &Path, dest: &Path) -> Result<usize, String> {
    let src = data_dir.join(LABEL_DIR);
    let names: Vec<String> = match std::fs::read_dir(&src) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pdf"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(format!("{}: {e}", src.display())),
    };
    if names.is_empty() {
        return Ok(0);
    }
    let target_dir = dest.join(EXPORT_LABEL_DIR);
    match std::fs::symlink_metadata(&target_dir) {
        Ok(m) if !m.file_type().is_dir() => {
            return Err(format!("{} is not a folder", target_dir.display()))
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir(&target_dir)
            .map_err(|e| format!("{}: {e}", target_dir.display()))?,
    }
    for n in &names {
        let bytes = std::fs::read(src.join(n)).map_err(|e| format!("{n}: {e}"))?;
        write_new_then_rename(&target_dir.join(n), &bytes)
            .map_err(|e| format!("{}: {e}", target_dir.join(n).display()))?;
    }
    Ok(names.len())
}

fn write_new_then_rename(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("pdf.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
